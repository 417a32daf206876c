import { A, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { Icon } from '../components/icons.tsx';
import { toast } from '../components/toast.tsx';
import {
  Badge,
  Banner,
  Card,
  createCursorPager,
  CursorPager,
  describedBy,
  EmptyState,
  Field,
  FormModal,
  Modal,
  PageHeader,
  SearchInput,
  SkeletonRows,
} from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { formatDate, formatMoney, parseMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type GiftCard = Schemas['GiftCard'];
type Issued = Schemas['IssuedGiftCard'];

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
/** The card's state for its badge: disabled, expired, spent or active. */
const cardStatus = (g: GiftCard) =>
  g.disabled ? 'disabled' : g.expiresAt && new Date(g.expiresAt).getTime() <= Date.now() ? 'expired' : g.balance === 0 ? 'empty' : 'active';

function IssueModal(props: { open: boolean; onClose: () => void; onIssued: (card: Issued) => void }) {
  const s = useStore();
  const [value, setValue] = createSignal('');
  const [expires, setExpires] = createSignal('');
  const [note, setNote] = createSignal('');
  const form = createFormState();
  const err = (k: string) => form.errors()[k];
  const submit = async (e: Event) => {
    e.preventDefault();
    const initialValue = parseMoney(value(), s.currency());
    if (!initialValue) {
      form.setErrors({ initialValue: t('discounts.valueRequired') });
      return;
    }
    await form.submit(async () => {
      const card = await api.POST('/stores/{storeId}/gift-cards', {
        params: { path: { storeId: s.storeId() } },
        body: {
          initialValue,
          // The end of the chosen day in the browser's zone.
          expiresAt: expires() ? new Date(`${expires()}T23:59:59`).toISOString() : null,
          note: note().trim() || null,
        },
      });
      setValue('');
      setExpires('');
      setNote('');
      props.onIssued(card);
    });
  };
  return (
    <FormModal
      open={props.open}
      title={t('giftCards.issue')}
      onClose={props.onClose}
      formId="issue-form"
      onSubmit={submit}
      submitLabel={t('giftCards.issue')}
      busy={form.busy()}
      error={form.formError()}
    >
      <Field id="gc-value" label={`${t('giftCards.value')} (${s.currency()})`} error={err('initialValue')}>
        <input
          id="gc-value"
          inputmode="decimal"
          value={value()}
          onInput={(e) => setValue(e.currentTarget.value)}
          {...describedBy('gc-value', err('initialValue'))}
        />
      </Field>
      <Field id="gc-expires" label={t('giftCards.expiresAt')} error={err('expiresAt')}>
        <input
          id="gc-expires"
          type="date"
          value={expires()}
          onInput={(e) => setExpires(e.currentTarget.value)}
          {...describedBy('gc-expires', err('expiresAt'))}
        />
      </Field>
      <Field id="gc-note" label={t('giftCards.note')} error={err('note')}>
        <textarea
          id="gc-note"
          rows={2}
          maxLength={500}
          value={note()}
          onInput={(e) => setNote(e.currentTarget.value)}
          {...describedBy('gc-note', err('note'))}
        />
      </Field>
    </FormModal>
  );
}

function CardDetail(props: { id: string; onClose: () => void; onChanged: () => void }) {
  const s = useStore();
  const [card, { refetch }] = createResource(
    () => props.id,
    (id) => api.GET('/stores/{storeId}/gift-cards/{giftCardId}', { params: { path: { storeId: s.storeId(), giftCardId: id } } }),
  );
  const form = createFormState();
  const toggle = async () => {
    const c = card();
    if (!c) return;
    await form.submit(async () => {
      await api.PATCH('/stores/{storeId}/gift-cards/{giftCardId}', {
        params: { path: { storeId: s.storeId(), giftCardId: c.id } },
        body: { disabled: !c.disabled },
      });
      toast.success(c.disabled ? t('giftCards.enabled') : t('giftCards.disabled'));
      await refetch();
      props.onChanged();
    });
  };
  const money = (n: number, currency: string) => formatMoney(n, currency, locale());
  return (
    <Modal
      open
      wide
      title={card() ? t('giftCards.details', { last4: card()?.last4 ?? '' }) : t('giftCards.title')}
      onClose={props.onClose}
      footer={
        <Show when={s.can('gift_cards:manage') && card()}>
          <button type="button" class={card()?.disabled ? 'button primary' : 'button danger'} disabled={form.busy()} onClick={toggle}>
            {card()?.disabled ? t('giftCards.enable') : t('giftCards.disable')}
          </button>
        </Show>
      }
    >
      <Show when={card()} fallback={<SkeletonRows rows={3} />}>
        {(c) => (
          <>
            <Show when={form.formError()}>
              <Banner tone="critical">{form.formError()}</Banner>
            </Show>
            <dl class="status-list">
              <div>
                <dt>{t('discounts.status')}</dt>
                <dd>
                  <Badge value={cardStatus(c())} />
                </dd>
              </div>
              <div>
                <dt>{t('giftCards.balance')}</dt>
                <dd data-testid="gift-card-balance">{money(c().balance, c().currency)}</dd>
              </div>
              <div>
                <dt>{t('giftCards.initial')}</dt>
                <dd>{money(c().initialValue, c().currency)}</dd>
              </div>
              <div>
                <dt>{t('giftCards.expires')}</dt>
                <dd>{c().expiresAt ? formatDate(c().expiresAt as string, locale()) : t('giftCards.never')}</dd>
              </div>
            </dl>
            <Show when={c().note}>
              <p class="muted">{c().note}</p>
            </Show>
            <h3>{t('giftCards.ledger')}</h3>
            <div class="table-wrap">
              <table class="table" data-testid="gift-card-ledger">
                <thead>
                  <tr>
                    <th>{t('orders.date')}</th>
                    <th>{t('giftCards.kind')}</th>
                    <th class="num">{t('giftCards.change')}</th>
                    <th class="num hide-phone">{t('giftCards.after')}</th>
                    <th>{t('giftCards.order')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={c().ledger}>
                    {(row) => (
                      <tr>
                        <td>{formatDate(row.createdAt, locale())}</td>
                        <td>{t(`giftCards.ledger.${row.kind as 'issue'}`)}</td>
                        <td class="num">{(row.amount > 0 ? '+' : row.amount < 0 ? '−' : '') + money(Math.abs(row.amount), c().currency)}</td>
                        <td class="num hide-phone">{money(row.balanceAfter, c().currency)}</td>
                        <td>
                          <Show when={row.orderId} fallback="—">
                            {(o) => <A href={s.path(`/orders/${o()}`)}>{t('giftCards.order')}</A>}
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
    </Modal>
  );
}

/** Gift cards: issue (the code shown once), list with balance, last 4 and expiry, the ledger, disable. */
export default function GiftCardsPage() {
  const s = useStore();
  const [params, setParams] = useSearchParams();
  const pager = createCursorPager();
  const [page, { refetch }] = createResource(
    () => ({ id: s.storeId(), q: one(params.q), cursor: pager.cursor() }),
    (q) => api.GET('/stores/{storeId}/gift-cards', { params: { path: { storeId: q.id }, query: { q: q.q || undefined, cursor: q.cursor, limit: 25 } } }),
  );
  const [issuing, setIssuing] = createSignal(false);
  const [issued, setIssued] = createSignal<Issued | null>(null);
  const [open, setOpen] = createSignal<string | null>(null);
  const copy = async (code: string) => {
    try {
      await navigator.clipboard.writeText(code);
      toast.success(t('common.copied'));
    } catch {
      // The code stays selectable on screen.
    }
  };
  return (
    <div class="page">
      <PageHeader
        title={t('giftCards.title')}
        subtitle={t('giftCards.subtitle')}
        actions={
          <Show when={s.can('gift_cards:manage')}>
            <button type="button" class="button primary" onClick={() => setIssuing(true)}>
              <Icon name="plus" size={16} /> {t('giftCards.issue')}
            </button>
          </Show>
        }
      />
      <Show when={issued()}>
        {(card) => (
          <Banner tone="success" title={t('giftCards.issued')}>
            <p>{t('giftCards.codeOnce')}</p>
            <p class="code-once">
              <span class="visually-hidden">{t('giftCards.code')}: </span>
              <code data-testid="issued-code">{card().code}</code>{' '}
              <button type="button" class="button small" onClick={() => copy(card().code)}>
                {t('common.copy')}
              </button>{' '}
              <button type="button" class="button small" onClick={() => setIssued(null)}>
                {t('common.dismiss')}
              </button>
            </p>
          </Banner>
        )}
      </Show>
      <Card class="table-card">
        <div class="toolbar">
          <SearchInput
            id="gift-card-search"
            label={t('giftCards.search')}
            value={one(params.q)}
            onSearch={(q) => {
              pager.reset();
              setParams({ q: q || undefined }, { replace: true });
            }}
          />
        </div>
        <Show when={!page.error} fallback={<Banner tone="critical">{(page.error as Error)?.message}</Banner>}>
          <Show when={page.latest || !page.loading} fallback={<SkeletonRows rows={6} cols={5} />}>
            <Show
              when={(page.latest?.items.length ?? 0) > 0}
              fallback={<EmptyState icon="billing" title={t('giftCards.emptyTitle')} body={t('giftCards.emptyBody')} />}
            >
              <div class="table-wrap">
                <table class="table" data-testid="gift-card-table">
                  <thead>
                    <tr>
                      <th>{t('giftCards.card')}</th>
                      <th>{t('discounts.status')}</th>
                      <th class="num">{t('giftCards.balance')}</th>
                      <th class="num hide-phone">{t('giftCards.initial')}</th>
                      <th class="hide-phone">{t('giftCards.expires')}</th>
                      <th class="hide-phone">{t('giftCards.created')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={page.latest?.items ?? []}>
                      {(g) => (
                        <tr class="clickable" onClick={(e) => (e.target as HTMLElement).closest('button') || setOpen(g.id)}>
                          <td>
                            <button type="button" class="link-button row-link" onClick={() => setOpen(g.id)}>
                              •••• {g.last4}
                            </button>
                            <Show when={g.sourceOrderId || g.note}>
                              <span class="muted small block">{g.sourceOrderId ? t('giftCards.fromOrder') : g.note}</span>
                            </Show>
                          </td>
                          <td>
                            <Badge value={cardStatus(g)} />
                          </td>
                          <td class="num">{formatMoney(g.balance, g.currency, locale())}</td>
                          <td class="num hide-phone">{formatMoney(g.initialValue, g.currency, locale())}</td>
                          <td class="hide-phone">{g.expiresAt ? formatDate(g.expiresAt, locale()) : t('giftCards.never')}</td>
                          <td class="hide-phone">{formatDate(g.createdAt, locale())}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <CursorPager pager={pager} nextCursor={page.latest?.nextCursor} />
            </Show>
          </Show>
        </Show>
      </Card>
      <IssueModal
        open={issuing()}
        onClose={() => setIssuing(false)}
        onIssued={(card) => {
          setIssuing(false);
          setIssued(card);
          void refetch();
        }}
      />
      <Show when={open()}>{(id) => <CardDetail id={id()} onClose={() => setOpen(null)} onChanged={() => void refetch()} />}</Show>
    </div>
  );
}
