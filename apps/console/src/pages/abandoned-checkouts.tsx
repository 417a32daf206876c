import { A } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, createCursorPager, CursorPager, describedBy, EmptyState, Field, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { formatDateTime, formatMoney, formatNumber } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type PromotionSettings = Schemas['PromotionSettings'];
const PERIODS = [7, 30, 90] as const;

/** Recovery e-mails (delay, second reminder, offered code, marketing consent) and the Storefront API's allowed origins. */
function RecoverySettings() {
  const s = useStore();
  const [settings, { mutate }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/promotion-settings', { params: { path: { storeId: id } } }));
  const [enabled, setEnabled] = createSignal(true);
  const [hours, setHours] = createSignal('4');
  const [second, setSecond] = createSignal(false);
  const [code, setCode] = createSignal('');
  const [marketing, setMarketing] = createSignal(true);
  const [recipients, setRecipients] = createSignal<'all' | 'subscribed'>('all');
  const [origins, setOrigins] = createSignal('');
  const form = createFormState();
  const err = (k: string) => form.errors()[k];
  const readOnly = () => !s.can('discounts:manage');
  const load = (p: PromotionSettings) => {
    setEnabled(p.recovery.enabled);
    setHours(String(Math.round((p.recovery.delayMinutes / 60) * 100) / 100));
    setSecond(p.recovery.secondReminder);
    setCode(p.recovery.discountCode ?? '');
    setMarketing(p.marketingEmails);
    setRecipients(p.recoveryRecipients);
    setOrigins(p.apiAllowedOrigins.join('\n'));
  };
  createEffect(() => {
    const p = settings();
    if (p) load(p);
  });
  const save = async (e: Event) => {
    e.preventDefault();
    const h = Number(hours().replace(',', '.'));
    if (!Number.isFinite(h) || h < 0.25 || h > 168) {
      form.setErrors({ 'recovery.delayMinutes': t('abandoned.delayHint') });
      return;
    }
    await form.submit(async () => {
      const saved = await api.PUT('/stores/{storeId}/promotion-settings', {
        params: { path: { storeId: s.storeId() } },
        body: {
          recovery: { enabled: enabled(), delayMinutes: Math.round(h * 60), secondReminder: second(), discountCode: code().trim() || null },
          marketingEmails: marketing(),
          recoveryRecipients: recipients(),
          apiAllowedOrigins: origins()
            .split(/\s+/)
            .map((o) => o.trim())
            .filter(Boolean),
        },
      });
      mutate(saved);
      load(saved);
      toast.success(t('abandoned.saved'));
    });
  };
  return (
    <Card title={t('abandoned.settings')} id="recovery-settings">
      <Show when={settings()} fallback={settings.error ? <Banner tone="critical">{(settings.error as Error).message}</Banner> : <SkeletonRows rows={3} />}>
        <form onSubmit={save} novalidate>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <fieldset disabled={readOnly()}>
            <label class="checkbox">
              <input type="checkbox" checked={enabled()} onChange={(e) => setEnabled(e.currentTarget.checked)} />
              {t('abandoned.enabled')}
            </label>
            <div class="grid-2">
              <Field id="recovery-delay" label={t('abandoned.delay')} error={err('recovery.delayMinutes')} hint={t('abandoned.delayHint')}>
                <input
                  id="recovery-delay"
                  inputmode="decimal"
                  value={hours()}
                  onInput={(e) => setHours(e.currentTarget.value)}
                  {...describedBy('recovery-delay', err('recovery.delayMinutes'), t('abandoned.delayHint'))}
                />
              </Field>
              <Field id="recovery-code" label={t('abandoned.discountCode')} error={err('recovery.discountCode')}>
                <input
                  id="recovery-code"
                  value={code()}
                  autocomplete="off"
                  onInput={(e) => setCode(e.currentTarget.value.toUpperCase())}
                  {...describedBy('recovery-code', err('recovery.discountCode'))}
                />
              </Field>
            </div>
            <label class="checkbox">
              <input type="checkbox" checked={second()} onChange={(e) => setSecond(e.currentTarget.checked)} />
              {t('abandoned.second')}
            </label>
            <label class="checkbox">
              <input type="checkbox" checked={marketing()} onChange={(e) => setMarketing(e.currentTarget.checked)} aria-describedby="recovery-marketing-hint" />
              {t('abandoned.marketing')}
            </label>
            <p class="hint" id="recovery-marketing-hint">
              {t('abandoned.marketingHint')}
            </p>
            <fieldset class="recovery-recipients" aria-describedby="recovery-recipients-hint">
              <legend>{t('abandoned.recipients')}</legend>
              <label class="checkbox">
                <input
                  type="radio"
                  name="recovery-recipients"
                  value="subscribed"
                  checked={recipients() === 'subscribed'}
                  onChange={() => setRecipients('subscribed')}
                />
                {t('abandoned.recipientsSubscribed')}
              </label>
              <label class="checkbox">
                <input type="radio" name="recovery-recipients" value="all" checked={recipients() === 'all'} onChange={() => setRecipients('all')} />
                {t('abandoned.recipientsAll')}
              </label>
              <p class="hint" id="recovery-recipients-hint">
                {t('abandoned.recipientsHint')}
              </p>
            </fieldset>
            <Field id="api-origins" label={t('abandoned.origins')} error={err('apiAllowedOrigins')} hint={t('abandoned.originsHint')}>
              <textarea
                id="api-origins"
                rows={2}
                value={origins()}
                onInput={(e) => setOrigins(e.currentTarget.value)}
                {...describedBy('api-origins', err('apiAllowedOrigins'), t('abandoned.originsHint'))}
              />
            </Field>
          </fieldset>
          <Show when={!readOnly()}>
            <div class="form-actions">
              <button type="submit" class="button primary" disabled={form.busy()}>
                {form.busy() ? t('common.saving') : t('common.save')}
              </button>
            </div>
          </Show>
        </form>
      </Show>
    </Card>
  );
}

/** Abandoned checkouts with their value, the reminders sent, and the orders and revenue they recovered. */
export default function AbandonedCheckoutsPage() {
  const s = useStore();
  const [days, setDays] = createSignal<number>(30);
  const pager = createCursorPager();
  const [page] = createResource(
    () => ({ id: s.storeId(), days: days(), before: pager.cursor() }),
    (q) => api.GET('/stores/{storeId}/abandoned-checkouts', { params: { path: { storeId: q.id }, query: { days: q.days, before: q.before, limit: 25 } } }),
  );
  const money = (n: number) => formatMoney(n, s.currency(), locale());
  const stats = () => page.latest?.stats;
  return (
    <div class="page">
      <PageHeader
        title={t('abandoned.title')}
        subtitle={t('abandoned.subtitle')}
        actions={
          <>
            <label class="visually-hidden" for="abandoned-period">
              {t('abandoned.period')}
            </label>
            <select
              id="abandoned-period"
              value={String(days())}
              onChange={(e) => {
                pager.reset();
                setDays(Number(e.currentTarget.value));
              }}
            >
              <For each={PERIODS}>{(d) => <option value={String(d)}>{t('abandoned.days', { count: d })}</option>}</For>
            </select>
          </>
        }
      />
      <Show when={stats()}>
        {(st) => (
          <Card>
            <div class="stats stats-wrap" data-testid="recovery-stats">
              <div>
                <span class="muted small">{t('abandoned.count')}</span>
                <span class="stat-value">{formatNumber(st().abandoned, locale())}</span>
              </div>
              <div>
                <span class="muted small">{t('abandoned.value')}</span>
                <span class="stat-value">{money(st().abandonedValue)}</span>
              </div>
              <div>
                <span class="muted small">{t('abandoned.reminded')}</span>
                <span class="stat-value">{formatNumber(st().reminded, locale())}</span>
              </div>
              <div>
                <span class="muted small">{t('abandoned.recoveredOrders')}</span>
                <span class="stat-value" data-testid="recovered-orders">
                  {formatNumber(st().recoveredOrders, locale())}
                </span>
              </div>
              <div>
                <span class="muted small">{t('abandoned.recoveredRevenue')}</span>
                <span class="stat-value" data-testid="recovered-revenue">
                  {money(st().recoveredRevenue)}
                </span>
              </div>
            </div>
          </Card>
        )}
      </Show>
      <Card class="table-card">
        <Show when={!page.error} fallback={<Banner tone="critical">{(page.error as Error)?.message}</Banner>}>
          <Show when={page.latest || !page.loading} fallback={<SkeletonRows rows={5} cols={5} />}>
            <Show
              when={(page.latest?.data.length ?? 0) > 0}
              fallback={<EmptyState icon="mail" title={t('abandoned.emptyTitle')} body={t('abandoned.emptyBody')} />}
            >
              <div class="table-wrap">
                <table class="table" data-testid="abandoned-table">
                  <thead>
                    <tr>
                      <th>{t('abandoned.customer')}</th>
                      <th class="hide-phone">{t('abandoned.date')}</th>
                      <th>{t('discounts.status')}</th>
                      <th class="num hide-phone">{t('abandoned.items')}</th>
                      <th class="num">{t('orders.total')}</th>
                      <th class="num hide-phone">{t('abandoned.reminders')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={page.latest?.data ?? []}>
                      {(a) => (
                        <tr>
                          <td>
                            {a.email}
                            <Show when={a.unsubscribed}>
                              <span class="muted small block">{t('abandoned.unsubscribed')}</span>
                            </Show>
                          </td>
                          <td class="hide-phone">{formatDateTime(a.abandonedAt, locale())}</td>
                          <td>
                            <Badge value={a.status} />
                            <Show when={a.recoveredOrder}>
                              {(o) => (
                                <A class="small block" href={s.path(`/orders/${o().id}`)}>
                                  #{o().number}
                                </A>
                              )}
                            </Show>
                          </td>
                          <td class="num hide-phone">{formatNumber(a.itemCount, locale())}</td>
                          <td class="num">{money(a.value)}</td>
                          <td class="num hide-phone">{formatNumber(a.remindersSent, locale())}</td>
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
      <RecoverySettings />
    </div>
  );
}
