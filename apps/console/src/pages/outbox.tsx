import { A } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { Badge, Banner, Card, EmptyState, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { formatDateTime } from '../lib/format.ts';

type OutboxMessage = Schemas['OutboxMessage'];

/** Turns the URLs in a plain-text mail into links a developer can click. */
function Linkified(props: { text: string }) {
  const parts = () => props.text.split(/(https?:\/\/[^\s]+)/g);
  return (
    <pre class="mail-text">
      <For each={parts()}>{(p) => (/^https?:\/\//.test(p) ? <a href={p}>{p}</a> : p)}</For>
    </pre>
  );
}

export default function OutboxPage() {
  const [to, setTo] = createSignal('');
  const [messages, { refetch }] = createResource(to, (addr) => api.GET('/dev/outbox', { params: { query: { to: addr, limit: 100 } } }));
  const [open, setOpen] = createSignal<string | null>(null);
  return (
    <div class="page page-narrow standalone">
      <PageHeader
        title={t('outbox.title')}
        subtitle={t('outbox.subtitle')}
        actions={
          <>
            <button type="button" class="button" onClick={() => refetch()}>
              {t('outbox.refresh')}
            </button>
            <A class="button" href="/">
              {t('outbox.backToConsole')}
            </A>
          </>
        }
      />
      <Card>
        <div class="toolbar">
          <label class="visually-hidden" for="outbox-to">
            {t('outbox.filter')}
          </label>
          <input id="outbox-to" type="search" placeholder={t('outbox.filter')} onChange={(e) => setTo(e.currentTarget.value.trim())} />
        </div>
        <Show when={!messages.error} fallback={<Banner tone="info">{t('outbox.unavailable')}</Banner>}>
          <Show when={messages()} fallback={<SkeletonRows rows={4} cols={3} />}>
            <Show when={(messages()?.data.length ?? 0) > 0} fallback={<EmptyState icon="mail" title={t('outbox.emptyTitle')} body={t('outbox.emptyBody')} />}>
              <ul class="mail-list">
                <For each={messages()?.data ?? []}>
                  {(m) => (
                    <li>
                      <button type="button" class="mail-summary" aria-expanded={open() === m.id} onClick={() => setOpen(open() === m.id ? null : m.id)}>
                        <span class="grow">
                          <strong>{m.subject}</strong>
                          <span class="muted small block">
                            {t('outbox.to', { to: m.to })} · {formatDateTime(m.createdAt, locale())}
                          </span>
                        </span>
                        <Badge value={m.status === 'sent' ? 'completed' : m.status} label={m.kind} />
                      </button>
                      <Show when={open() === m.id}>
                        <Linkified text={m.text} />
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </Show>
        </Show>
      </Card>
    </div>
  );
}
