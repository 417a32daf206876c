/**
 * Draft orders (issue 21): the list, and the builder for one draft (customer, address, catalogue lines from the product
 * picker and custom items, a discount, a shipping line, "reserve stock"). Every change is saved to the API, which prices
 * the draft like a checkout: the totals shown are the API's. Actions: send the invoice (the link is shown to copy),
 * mark paid (the order is made), delete (cancel). docs/design/orders.md, Draft orders.
 */
import { A, useNavigate, useParams, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, onCleanup, Show, untrack } from 'solid-js';
import { Icon } from '../components/icons.tsx';
import { CustomerPicker, type CustomerSummary } from '../components/customer-picker.tsx';
import { ProductPicker } from '../components/product-picker.tsx';
import { toast } from '../components/toast.tsx';
import {
  Badge,
  Banner,
  Card,
  ConfirmModal,
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
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { ApiError, api, type BodyOf, type Product, type Schemas } from '../lib/api.ts';
import { COUNTRY_CODES, countryName } from '../lib/countries.ts';
import { createFormState } from '../lib/form.ts';
import { formatDateTime, formatMoney, minorToInput, parseMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Draft = Schemas['DraftOrder'];
type DraftInput = BodyOf<'/stores/{storeId}/draft-orders', 'post'>;
const STATUSES = ['open', 'invoice_sent', 'completed', 'cancelled'] as const;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
const statusText = (s: string) => {
  const key = `drafts.status.${s}` as MessageKey;
  const text = t(key);
  return text === key ? s : text;
};

function DraftList() {
  const s = useStore();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const pager = createCursorPager();
  const [page] = createResource(
    () => ({ id: s.storeId(), q: one(params.q), status: one(params.status), cursor: pager.cursor() }),
    (q) =>
      api.GET('/stores/{storeId}/draft-orders', {
        params: {
          path: { storeId: q.id },
          query: {
            limit: 25,
            ...(q.q ? { q: q.q } : {}),
            ...(q.status ? { status: q.status as (typeof STATUSES)[number] } : {}),
            ...(q.cursor ? { cursor: q.cursor } : {}),
          },
        },
      }),
  );
  return (
    <div class="page">
      <PageHeader
        title={t('drafts.title')}
        subtitle={t('drafts.subtitle')}
        actions={
          <Show when={s.can('orders:manage')}>
            <A class="button primary" href={s.path('/draft-orders/new')}>
              <Icon name="plus" size={16} /> {t('drafts.new')}
            </A>
          </Show>
        }
      />
      <Card class="table-card">
        <div class="toolbar">
          <SearchInput
            id="draft-search"
            label={t('drafts.search')}
            value={one(params.q)}
            onSearch={(q) => {
              pager.reset();
              setParams({ q: q || undefined }, { replace: true });
            }}
          />
          <label class="visually-hidden" for="draft-status">
            {t('drafts.statusLabel')}
          </label>
          <select
            id="draft-status"
            value={one(params.status)}
            onChange={(e) => {
              pager.reset();
              setParams({ status: e.currentTarget.value || undefined });
            }}
          >
            <option value="">{t('drafts.allStatuses')}</option>
            <For each={STATUSES}>{(st) => <option value={st}>{statusText(st)}</option>}</For>
          </select>
        </div>
        <Show when={!page.error} fallback={<Banner tone="critical">{(page.error as Error)?.message}</Banner>}>
          <Show when={page.latest} fallback={<SkeletonRows rows={4} cols={5} />}>
            {(p) => (
              <Show
                when={p().items.length}
                fallback={
                  <EmptyState icon="orders" title={t('drafts.emptyTitle')} body={t('drafts.emptyBody')}>
                    <Show when={s.can('orders:manage')}>
                      <A class="button" href={s.path('/draft-orders/new')}>
                        {t('drafts.new')}
                      </A>
                    </Show>
                  </EmptyState>
                }
              >
                <div class="table-wrap">
                  <table class="table" data-testid="drafts-table">
                    <thead>
                      <tr>
                        <th>{t('drafts.draft')}</th>
                        <th>{t('orders.customer')}</th>
                        <th>{t('drafts.statusLabel')}</th>
                        <th class="hide-phone">{t('drafts.updated')}</th>
                        <th class="num">{t('orders.total')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={p().items}>
                        {(d) => (
                          <tr class="clickable" onClick={(e) => (e.target as HTMLElement).closest('a') || navigate(s.path(`/draft-orders/${d.id}`))}>
                            <td>
                              <A class="row-link" href={s.path(`/draft-orders/${d.id}`)}>
                                {d.name}
                              </A>
                            </td>
                            <td>{d.customerName ?? d.email ?? '—'}</td>
                            <td>
                              <Badge value={d.status} label={statusText(d.status)} />
                            </td>
                            <td class="hide-phone">{formatDateTime(d.updatedAt, locale())}</td>
                            <td class="num">{formatMoney(d.total, d.currency, locale())}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
                <CursorPager pager={pager} nextCursor={p().nextCursor} />
              </Show>
            )}
          </Show>
        </Show>
      </Card>
    </div>
  );
}

/** A line as the builder keeps it: a catalogue variant, or a custom item with its own title and price. */
interface LineState {
  variantId: string | null;
  title: string;
  variantTitle: string | null;
  quantity: number;
  unitPrice: number | null;
  taxable: boolean;
}

interface AddressState {
  name: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  region: string;
  country: string;
  phone: string;
}
const EMPTY_ADDRESS: AddressState = { name: '', line1: '', line2: '', city: '', postalCode: '', region: '', country: '', phone: '' };
/** An address from the API (a draft's shipping address, a customer's default one) as the form's text fields. */
const addressForm = (a: {
  name: string;
  line1: string;
  line2?: string | null | undefined;
  city: string;
  postalCode: string;
  region?: string | null | undefined;
  country: string;
  phone?: string | null | undefined;
}): AddressState => ({
  name: a.name,
  line1: a.line1,
  line2: a.line2 ?? '',
  city: a.city,
  postalCode: a.postalCode,
  region: a.region ?? '',
  country: a.country,
  phone: a.phone ?? '',
});

function DraftBuilder(props: { initialId: string | null }) {
  const s = useStore();
  const navigate = useNavigate();
  const [draftId, setDraftId] = createSignal<string | null>(props.initialId);
  const [draft, setDraft] = createSignal<Draft | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [email, setEmail] = createSignal('');
  const [customerName, setCustomerName] = createSignal('');
  /** The store's customer account the draft is for (chosen in the picker), or none (a guest / new customer). */
  const [customer, setCustomer] = createSignal<{ id: string; name: string; email: string } | null>(null);
  const [address, setAddress] = createSignal<AddressState>({ ...EMPTY_ADDRESS });
  const [lines, setLines] = createSignal<LineState[]>([]);
  const [code, setCode] = createSignal('');
  const [manualAmount, setManualAmount] = createSignal('');
  const [manualTitle, setManualTitle] = createSignal('');
  const [shipTitle, setShipTitle] = createSignal('');
  const [shipAmount, setShipAmount] = createSignal('');
  const [reserve, setReserve] = createSignal(false);
  const [note, setNote] = createSignal('');
  const [picked, setPicked] = createSignal<Product | null>(null);
  const [pickedVariant, setPickedVariant] = createSignal('');
  const [customOpen, setCustomOpen] = createSignal(false);
  const [customTitle, setCustomTitle] = createSignal('');
  const [customPrice, setCustomPrice] = createSignal('');
  const [customQty, setCustomQty] = createSignal('1');
  const [customTaxable, setCustomTaxable] = createSignal(true);
  const [invoiceOpen, setInvoiceOpen] = createSignal(false);
  const [invoiceMessage, setInvoiceMessage] = createSignal('');
  const [invoiceUrl, setInvoiceUrl] = createSignal<string | null>(null);
  const [payOpen, setPayOpen] = createSignal(false);
  const [deleteOpen, setDeleteOpen] = createSignal(false);
  const [saving, setSaving] = createSignal(false);
  const save = createFormState();
  const customForm = createFormState();
  const invoiceForm = createFormState();
  const action = createFormState();
  const currency = () => draft()?.currency ?? s.currency();
  const money = (n: number) => formatMoney(n, currency(), locale());
  const editable = () => s.can('orders:manage') && (!draft() || ((draft()?.status === 'open' || draft()?.status === 'invoice_sent') && !draft()?.orderId));

  const fill = (d: Draft) => {
    setDraft(d);
    setEmail(d.email ?? '');
    setCustomerName(d.customerName ?? '');
    if (d.customerId !== (customer()?.id ?? null)) setCustomer(d.customerId ? { id: d.customerId, name: d.customerName ?? '', email: d.email ?? '' } : null);
    setAddress(d.shippingAddress ? addressForm(d.shippingAddress) : { ...EMPTY_ADDRESS });
    setLines(
      d.pricedLines.map((l) => ({
        variantId: l.variantId,
        title: l.title,
        variantTitle: l.variantTitle,
        quantity: l.quantity,
        unitPrice: l.custom ? l.unitPrice : null,
        taxable: l.taxable,
      })),
    );
    setCode(d.discountCodes[0] ?? '');
    setManualAmount(d.manualDiscount ? minorToInput(d.manualDiscount.amount, d.currency) : '');
    setManualTitle(d.manualDiscount?.title ?? '');
    setShipTitle(d.shippingLine?.title ?? '');
    setShipAmount(d.shippingLine ? minorToInput(d.shippingLine.amount, d.currency) : '');
    setReserve(d.reserve);
    setNote(d.note ?? '');
  };
  if (props.initialId) {
    api
      .GET('/stores/{storeId}/draft-orders/{draftOrderId}', { params: { path: { storeId: s.storeId(), draftOrderId: props.initialId } } })
      .then(fill)
      .catch((e: Error) => setLoadError(e.message));
  }

  /** The whole draft as the API takes it; fields the merchant left incomplete are sent as none. */
  const body = (): DraftInput => {
    const a = address();
    const complete = a.name.trim() && a.line1.trim() && a.city.trim() && a.country;
    const manual = manualAmount().trim() ? parseMoney(manualAmount(), currency()) : null;
    const ship = shipAmount().trim() ? parseMoney(shipAmount(), currency()) : null;
    return {
      email: email().trim() || null,
      customerId: customer()?.id ?? null,
      customerName: customerName().trim() || null,
      shippingAddress: complete
        ? {
            name: a.name.trim(),
            line1: a.line1.trim(),
            line2: a.line2.trim() || null,
            city: a.city.trim(),
            postalCode: a.postalCode.trim(),
            region: a.region.trim() || null,
            country: a.country,
            phone: a.phone.trim() || null,
          }
        : null,
      lines: lines().map((l) =>
        l.variantId
          ? { variantId: l.variantId, quantity: l.quantity }
          : { title: l.title, unitPrice: l.unitPrice ?? 0, quantity: l.quantity, taxable: l.taxable },
      ),
      discountCodes: code().trim() ? [code().trim()] : [],
      manualDiscount: manual !== null && manual !== undefined && manual > 0 ? { amount: manual, title: manualTitle().trim() || null } : null,
      shippingLine:
        ship !== null && ship !== undefined && (ship > 0 || shipTitle().trim())
          ? { title: shipTitle().trim() || t('drafts.shippingDefault'), amount: ship }
          : null,
      note: note().trim() || null,
      reserve: reserve(),
    };
  };

  // Saves run one after another (so the draft is created once, and the server sees the changes in order); each sends the
  // whole draft, so a save still waiting when a newer one is asked for is skipped.
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  onCleanup(() => clearTimeout(timer));
  const persist = (): Promise<Draft | undefined> => {
    clearTimeout(timer);
    timer = undefined;
    const mine = ++seq;
    setSaving(true);
    const run = chain.then(async () => {
      if (mine !== seq) return undefined;
      const id = draftId();
      try {
        const r = id
          ? await api.PATCH('/stores/{storeId}/draft-orders/{draftOrderId}', { params: { path: { storeId: s.storeId(), draftOrderId: id } }, body: body() })
          : await api.POST('/stores/{storeId}/draft-orders', { params: { path: { storeId: s.storeId() } }, body: body() });
        save.setErrors({});
        save.setFormError(null);
        setDraft(r);
        if (!id) {
          setDraftId(r.id);
          navigate(s.path(`/draft-orders/${r.id}`), { replace: true });
        }
        return r;
      } catch (e) {
        const fields = e instanceof ApiError ? e.fieldErrors : {};
        save.setErrors(fields);
        save.setFormError(!Object.keys(fields).length || fields.form ? (fields.form ?? (e as Error).message) : null);
        return undefined;
      } finally {
        if (mine === seq) setSaving(false);
      }
    });
    chain = run;
    return run;
  };
  /** After a typed change: save once the merchant pauses. */
  const later = () => {
    clearTimeout(timer);
    setSaving(true);
    timer = setTimeout(() => void persist(), 600);
  };
  /** Before an action: any change not saved yet is saved first. */
  const flush = () => (saving() ? persist() : Promise.resolve(draft() ?? undefined));
  /** An input handler: keep what was typed, save after a pause. */
  const typed = (set: (v: string) => void) => (e: { currentTarget: { value: string } }) => {
    set(e.currentTarget.value);
    later();
  };
  const now = (fn: () => void) => {
    fn();
    void persist();
  };
  /** A customer chosen in the picker: the draft is theirs, with their e-mail, name and default (last saved) address. */
  const chooseCustomer = (c: CustomerSummary) =>
    now(() => {
      setCustomer({ id: c.id, name: c.name, email: c.email });
      setEmail(c.email);
      setCustomerName(c.name);
      if (c.defaultAddress) setAddress(addressForm(c.defaultAddress));
    });

  const addVariant = () => {
    const p = picked();
    const v = p?.variants.find((x) => x.id === pickedVariant()) ?? (p?.variants.length === 1 ? p.variants[0] : undefined);
    if (!p || !v) return;
    now(() => {
      const existing = lines().findIndex((l) => l.variantId === v.id);
      if (existing >= 0) setLines(lines().map((l, i) => (i === existing ? { ...l, quantity: l.quantity + 1 } : l)));
      else
        setLines([
          ...lines(),
          { variantId: v.id, title: p.title, variantTitle: p.variants.length > 1 ? v.title : null, quantity: 1, unitPrice: null, taxable: true },
        ]);
      setPicked(null);
      setPickedVariant('');
    });
  };
  const addCustom = (e: SubmitEvent) => {
    e.preventDefault();
    const errors: Record<string, string> = {};
    const price = parseMoney(customPrice(), currency());
    const qty = Number(customQty());
    if (!customTitle().trim()) errors.title = t('drafts.customTitleRequired');
    if (price === null || price === undefined || price < 0) errors.price = t('editor.invalidAmount');
    if (!Number.isInteger(qty) || qty < 1) errors.quantity = t('drafts.quantityInvalid');
    if (Object.keys(errors).length) {
      customForm.setErrors(errors);
      return;
    }
    customForm.setErrors({});
    setCustomOpen(false);
    now(() =>
      setLines([
        ...lines(),
        { variantId: null, title: customTitle().trim(), variantTitle: null, quantity: qty, unitPrice: price ?? 0, taxable: customTaxable() },
      ]),
    );
  };
  const setQty = (i: number, q: number) => {
    if (!Number.isInteger(q) || q < 1) return;
    setLines(lines().map((l, j) => (j === i ? { ...l, quantity: q } : l)));
    later();
  };
  const removeLine = (i: number) => now(() => setLines(lines().filter((_, j) => j !== i)));
  const field = (k: keyof AddressState) => ({
    value: address()[k],
    onInput: (e: InputEvent & { currentTarget: HTMLInputElement }) => {
      setAddress({ ...address(), [k]: e.currentTarget.value });
      later();
    },
  });

  const sendInvoice = async (e: SubmitEvent) => {
    e.preventDefault();
    await flush();
    const id = draftId();
    if (!id) return;
    const r = await invoiceForm.submit(() =>
      api.POST('/stores/{storeId}/draft-orders/{draftOrderId}/invoice', {
        params: { path: { storeId: s.storeId(), draftOrderId: id } },
        body: invoiceMessage().trim() ? { message: invoiceMessage().trim() } : {},
      }),
    );
    if (r) {
      setDraft(r.draftOrder);
      setInvoiceOpen(false);
      setInvoiceUrl(r.invoiceUrl);
      toast.success(t('drafts.invoiceSent'));
    }
  };
  const markPaid = async () => {
    setPayOpen(false);
    await flush();
    const id = draftId();
    if (!id) return;
    const r = await action.submit(() =>
      api.POST('/stores/{storeId}/draft-orders/{draftOrderId}/mark-paid', { params: { path: { storeId: s.storeId(), draftOrderId: id } } }),
    );
    if (r) {
      setDraft(r.draftOrder);
      toast.success(t('drafts.markedPaid'));
      navigate(s.path(`/orders/${r.orderId}`));
    }
  };
  const remove = async () => {
    setDeleteOpen(false);
    const id = draftId();
    if (!id) {
      navigate(s.path('/draft-orders'));
      return;
    }
    const r = await action.submit(() =>
      api.POST('/stores/{storeId}/draft-orders/{draftOrderId}/cancel', { params: { path: { storeId: s.storeId(), draftOrderId: id } } }),
    );
    if (r) {
      toast.success(t('drafts.deleted'));
      navigate(s.path('/draft-orders'));
    }
  };
  const priced = (i: number) => {
    const d = draft();
    return d && d.pricedLines.length === lines().length ? d.pricedLines[i] : undefined;
  };
  const ready = () => !!draft() && lines().length > 0 && !saving();

  return (
    <div class="page">
      <Show when={!loadError()} fallback={<Banner tone="critical">{loadError()}</Banner>}>
        <Show when={!props.initialId || draft()} fallback={<SkeletonRows rows={5} />}>
          <PageHeader
            title={draft()?.name ?? t('drafts.new')}
            subtitle={draft() ? t('drafts.currencyNote', { currency: currency() }) : t('drafts.newSubtitle')}
            back={{ href: s.path('/draft-orders'), label: t('drafts.title') }}
            actions={
              <>
                <Show when={draft()}>{(d) => <Badge value={d().status} label={statusText(d().status)} />}</Show>
                <span class="muted small" role="status" aria-live="polite">
                  {saving() ? t('drafts.saving') : draft() ? t('drafts.saved') : ''}
                </span>
              </>
            }
          />
          <Show when={save.formError()}>
            <Banner tone="critical">{save.formError()}</Banner>
          </Show>
          <Show when={action.formError()}>
            <Banner tone="critical">{action.formError()}</Banner>
          </Show>
          <Show when={draft()?.orderId}>
            {(orderId) => (
              <Banner tone="info">
                {draft()?.status === 'completed' ? t('drafts.completedNote') : t('drafts.payingNote')}{' '}
                <A href={s.path(`/orders/${orderId()}`)}>{t('drafts.viewOrder')}</A>
              </Banner>
            )}
          </Show>
          <div class="editor">
            <div class="editor-main">
              <Card title={t('drafts.items')} id="draft-items">
                <Show when={editable()}>
                  <div class="inline-form">
                    <ProductPicker
                      id="draft-product"
                      label={t('drafts.findProduct')}
                      selected={picked()}
                      onPick={(p) => {
                        setPicked(p);
                        setPickedVariant(p.variants.length === 1 ? (p.variants[0]?.id ?? '') : '');
                      }}
                    />
                    <Show when={(picked()?.variants.length ?? 0) > 1}>
                      <Field id="draft-variant" label={t('drafts.variant')}>
                        <select id="draft-variant" value={pickedVariant()} onChange={(e) => setPickedVariant(e.currentTarget.value)}>
                          <option value="">{t('drafts.chooseVariant')}</option>
                          <For each={picked()?.variants ?? []}>
                            {(v) => (
                              <option value={v.id}>
                                {v.title} · {formatMoney(v.price, s.currency(), locale())} · {t('drafts.inStock', { count: v.inventoryQuantity })}
                              </option>
                            )}
                          </For>
                        </select>
                      </Field>
                    </Show>
                    <button type="button" class="button" disabled={!picked() || !pickedVariant()} onClick={addVariant}>
                      {t('drafts.addItem')}
                    </button>
                    <button
                      type="button"
                      class="button"
                      onClick={() => {
                        setCustomTitle('');
                        setCustomPrice('');
                        setCustomQty('1');
                        setCustomTaxable(true);
                        customForm.setErrors({});
                        setCustomOpen(true);
                      }}
                    >
                      {t('drafts.addCustom')}
                    </button>
                  </div>
                </Show>
                <Show when={lines().length} fallback={<p class="muted">{t('drafts.noItems')}</p>}>
                  <div class="table-wrap">
                    <table class="table" data-testid="draft-lines">
                      <thead>
                        <tr>
                          <th>{t('drafts.item')}</th>
                          <th class="num hide-phone">{t('drafts.unitPrice')}</th>
                          <th>{t('drafts.quantity')}</th>
                          <th class="num">{t('orders.total')}</th>
                          <Show when={editable()}>
                            <th>
                              <span class="visually-hidden">{t('drafts.actionsColumn')}</span>
                            </th>
                          </Show>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={lines()}>
                          {(l, i) => (
                            <tr>
                              <td>
                                {l.title}
                                <span class="muted small block">
                                  {[l.variantTitle, l.variantId ? null : t('drafts.customItem'), priced(i())?.sku].filter(Boolean).join(' · ')}
                                  <Show when={priced(i())?.available !== null && priced(i())?.available !== undefined}>
                                    {' '}
                                    · {t('drafts.inStock', { count: priced(i())?.available ?? 0 })}
                                  </Show>
                                </span>
                              </td>
                              <td class="num hide-phone">
                                {priced(i()) ? money(priced(i())?.unitPrice ?? 0) : l.unitPrice !== null ? money(l.unitPrice) : '…'}
                              </td>
                              <td>
                                <Show when={editable()} fallback={l.quantity}>
                                  <input
                                    class="qty-input"
                                    type="number"
                                    min="1"
                                    max="10000"
                                    aria-label={t('drafts.quantityOf', { title: l.title })}
                                    value={l.quantity}
                                    onChange={(e) => setQty(i(), Number(e.currentTarget.value))}
                                  />
                                </Show>
                              </td>
                              <td class="num">{priced(i()) ? money(priced(i())?.total ?? 0) : '…'}</td>
                              <Show when={editable()}>
                                <td>
                                  <button
                                    type="button"
                                    class="button small"
                                    aria-label={t('drafts.removeItem', { title: l.title })}
                                    onClick={() => removeLine(i())}
                                  >
                                    {t('drafts.remove')}
                                  </button>
                                </td>
                              </Show>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </div>
                </Show>
              </Card>
              <Card title={t('drafts.pricing')} id="draft-pricing">
                <fieldset class="plain-fieldset" disabled={!editable()}>
                  <div class="grid-2">
                    <Field id="draft-code" label={t('drafts.discountCode')} error={save.errors()['discountCodes.0'] ?? save.errors().discountCodes}>
                      <input id="draft-code" value={code()} onInput={typed(setCode)} />
                    </Field>
                    <Field id="draft-manual" label={t('drafts.manualDiscount', { currency: currency() })} error={save.errors()['manualDiscount.amount']}>
                      <input id="draft-manual" inputmode="decimal" value={manualAmount()} onInput={typed(setManualAmount)} />
                    </Field>
                    <Field id="draft-manual-title" label={t('drafts.manualDiscountTitle')}>
                      <input id="draft-manual-title" value={manualTitle()} onInput={typed(setManualTitle)} />
                    </Field>
                    <span />
                    <Field id="draft-ship-title" label={t('drafts.shippingTitle')}>
                      <input id="draft-ship-title" value={shipTitle()} onInput={typed(setShipTitle)} />
                    </Field>
                    <Field
                      id="draft-ship-amount"
                      label={t('drafts.shippingAmount', { currency: currency() })}
                      hint={t('drafts.shippingHint')}
                      error={save.errors()['shippingLine.amount']}
                    >
                      <input
                        id="draft-ship-amount"
                        inputmode="decimal"
                        value={shipAmount()}
                        onInput={typed(setShipAmount)}
                        {...describedBy('draft-ship-amount', save.errors()['shippingLine.amount'], 'x')}
                      />
                    </Field>
                  </div>
                  <label class="checkbox">
                    <input type="checkbox" checked={reserve()} onChange={(e) => now(() => setReserve(e.currentTarget.checked))} />
                    {t('drafts.reserve')}
                  </label>
                  <p class="hint">{t('drafts.reserveHint')}</p>
                </fieldset>
                <Show when={draft()}>
                  {(d) => (
                    <>
                      <For each={d().rejectedCodes}>
                        {(r) => (
                          <Banner tone="warning">
                            {r.code}: {r.reason}
                          </Banner>
                        )}
                      </For>
                      <dl class="totals" data-testid="draft-totals">
                        <dt>{t('orders.subtotal')}</dt>
                        <dd>{money(d().totals.subtotal)}</dd>
                        <For each={d().adjustments}>
                          {(a) => (
                            <>
                              <dt>{a.label}</dt>
                              <dd>−{money(a.amount)}</dd>
                            </>
                          )}
                        </For>
                        <dt>{t('orders.shipping')}</dt>
                        <dd>{money(d().totals.shipping)}</dd>
                        <dt>{d().totals.taxIncluded ? t('drafts.taxIncluded') : t('orders.tax')}</dt>
                        <dd>{money(d().totals.tax)}</dd>
                        <dt class="total">{t('orders.total')}</dt>
                        <dd class="total" data-testid="draft-total">
                          {money(d().totals.total)}
                        </dd>
                      </dl>
                    </>
                  )}
                </Show>
              </Card>
            </div>
            <aside class="editor-side">
              <Card title={t('orders.customer')} id="draft-customer">
                <fieldset class="plain-fieldset" disabled={!editable()}>
                  <Show
                    when={customer()}
                    fallback={
                      <CustomerPicker id="draft-customer-search" label={t('drafts.findCustomer')} hint={t('drafts.findCustomerHint')} onPick={chooseCustomer} />
                    }
                  >
                    {(c) => (
                      <div class="picked-customer" data-testid="draft-picked-customer">
                        <span class="grow">
                          <strong>{c().name || c().email}</strong>
                          <span class="muted small"> · {t('drafts.customerAccount')}</span>
                        </span>
                        <button type="button" class="button small" onClick={() => now(() => setCustomer(null))}>
                          {t('drafts.unlinkCustomer')}
                        </button>
                      </div>
                    )}
                  </Show>
                  <Field id="draft-email" label={t('drafts.email')} error={save.errors().email} hint={t('drafts.emailHint')}>
                    <input
                      id="draft-email"
                      type="email"
                      autocomplete="off"
                      value={email()}
                      onInput={typed(setEmail)}
                      {...describedBy('draft-email', save.errors().email, 'x')}
                    />
                  </Field>
                  <Field id="draft-name" label={t('drafts.customerName')}>
                    <input id="draft-name" autocomplete="off" value={customerName()} onInput={typed(setCustomerName)} />
                  </Field>
                </fieldset>
              </Card>
              <Card title={t('orders.shippingAddress')} id="draft-address">
                <fieldset class="plain-fieldset" disabled={!editable()}>
                  <p class="hint">{t('drafts.addressHint')}</p>
                  <Field id="addr-name" label={t('drafts.addrName')}>
                    <input id="addr-name" autocomplete="off" {...field('name')} />
                  </Field>
                  <Field id="addr-line1" label={t('drafts.addrLine1')}>
                    <input id="addr-line1" autocomplete="off" {...field('line1')} />
                  </Field>
                  <Field id="addr-line2" label={t('drafts.addrLine2')}>
                    <input id="addr-line2" autocomplete="off" {...field('line2')} />
                  </Field>
                  <div class="grid-2">
                    <Field id="addr-postal" label={t('drafts.addrPostal')}>
                      <input id="addr-postal" autocomplete="off" {...field('postalCode')} />
                    </Field>
                    <Field id="addr-city" label={t('drafts.addrCity')}>
                      <input id="addr-city" autocomplete="off" {...field('city')} />
                    </Field>
                  </div>
                  <Field id="addr-country" label={t('drafts.addrCountry')} error={save.errors()['shippingAddress.country']}>
                    <select
                      id="addr-country"
                      value={address().country}
                      onChange={(e) => now(() => setAddress({ ...address(), country: e.currentTarget.value }))}
                    >
                      <option value="">{t('drafts.chooseCountry')}</option>
                      <For each={[...COUNTRY_CODES].map((c) => ({ c, name: countryName(c, locale()) })).sort((a, b) => a.name.localeCompare(b.name, locale()))}>
                        {(x) => <option value={x.c}>{x.name}</option>}
                      </For>
                    </select>
                  </Field>
                  <Field id="addr-phone" label={t('drafts.addrPhone')}>
                    <input id="addr-phone" type="tel" autocomplete="off" {...field('phone')} />
                  </Field>
                </fieldset>
              </Card>
              <Card title={t('drafts.note')} id="draft-note">
                <label class="visually-hidden" for="draft-note-text">
                  {t('drafts.note')}
                </label>
                <textarea id="draft-note-text" rows={3} maxLength={2000} disabled={!editable()} value={note()} onInput={typed(setNote)} />
              </Card>
              <Show when={s.can('orders:manage') && draft() && draft()?.status !== 'completed' && draft()?.status !== 'cancelled'}>
                <Card title={t('drafts.actions')} id="draft-actions">
                  <div class="stack">
                    <Show when={!draft()?.orderId}>
                      <button
                        type="button"
                        class="button primary"
                        disabled={!ready()}
                        onClick={() => {
                          setInvoiceUrl(null);
                          setInvoiceMessage('');
                          setInvoiceOpen(true);
                        }}
                      >
                        {draft()?.invoiceSentAt ? t('drafts.resendInvoice') : t('drafts.sendInvoice')}
                      </button>
                      <Show when={draft()?.invoiceSentAt}>
                        <p class="muted small">{t('drafts.invoiceSentAt', { date: formatDateTime(draft()?.invoiceSentAt ?? '', locale()) })}</p>
                      </Show>
                      <button type="button" class="button" disabled={!ready() || action.busy()} onClick={() => setPayOpen(true)}>
                        {t('drafts.markPaid')}
                      </button>
                    </Show>
                    <button type="button" class="button danger" disabled={action.busy()} onClick={() => setDeleteOpen(true)}>
                      {t('drafts.delete')}
                    </button>
                  </div>
                </Card>
              </Show>
            </aside>
          </div>
        </Show>
      </Show>
      <FormModal
        open={customOpen()}
        title={t('drafts.addCustom')}
        onClose={() => setCustomOpen(false)}
        formId="custom-item-form"
        formClass="form"
        onSubmit={addCustom}
        submitLabel={t('drafts.addItem')}
      >
        <Field id="custom-title" label={t('drafts.customTitle')} error={customForm.errors().title}>
          <input
            id="custom-title"
            value={customTitle()}
            onInput={(e) => setCustomTitle(e.currentTarget.value)}
            {...describedBy('custom-title', customForm.errors().title)}
          />
        </Field>
        <div class="grid-2">
          <Field id="custom-price" label={t('drafts.customPrice', { currency: currency() })} error={customForm.errors().price}>
            <input
              id="custom-price"
              inputmode="decimal"
              value={customPrice()}
              onInput={(e) => setCustomPrice(e.currentTarget.value)}
              {...describedBy('custom-price', customForm.errors().price)}
            />
          </Field>
          <Field id="custom-qty" label={t('drafts.quantity')} error={customForm.errors().quantity}>
            <input
              id="custom-qty"
              type="number"
              min="1"
              value={customQty()}
              onInput={(e) => setCustomQty(e.currentTarget.value)}
              {...describedBy('custom-qty', customForm.errors().quantity)}
            />
          </Field>
        </div>
        <label class="checkbox">
          <input type="checkbox" checked={customTaxable()} onChange={(e) => setCustomTaxable(e.currentTarget.checked)} />
          {t('drafts.customTaxable')}
        </label>
      </FormModal>
      <FormModal
        open={invoiceOpen()}
        title={t('drafts.sendInvoice')}
        onClose={() => setInvoiceOpen(false)}
        formId="invoice-form"
        formClass="form"
        onSubmit={(e) => void sendInvoice(e)}
        submitLabel={t('drafts.send')}
        busy={invoiceForm.busy()}
        error={invoiceForm.formError()}
      >
        <p>{t('drafts.invoiceTo', { email: draft()?.email ?? '—' })}</p>
        <Field id="invoice-message" label={t('drafts.invoiceMessage')}>
          <textarea id="invoice-message" rows={3} maxLength={2000} value={invoiceMessage()} onInput={(e) => setInvoiceMessage(e.currentTarget.value)} />
        </Field>
      </FormModal>
      <Modal
        open={!!invoiceUrl()}
        title={t('drafts.invoiceSent')}
        onClose={() => setInvoiceUrl(null)}
        footer={
          <button type="button" class="button primary" onClick={() => setInvoiceUrl(null)}>
            {t('common.done')}
          </button>
        }
      >
        <p>{t('drafts.invoiceLinkHelp')}</p>
        <div class="secret">
          <code data-testid="invoice-url">{invoiceUrl()}</code>
          <button
            type="button"
            class="button small"
            onClick={() => void navigator.clipboard?.writeText(invoiceUrl() ?? '').then(() => toast.success(t('common.copied')))}
          >
            {t('common.copy')}
          </button>
        </div>
      </Modal>
      <ConfirmModal
        open={payOpen()}
        title={t('drafts.markPaid')}
        confirmLabel={t('drafts.markPaid')}
        onConfirm={() => void markPaid()}
        onClose={() => setPayOpen(false)}
      >
        <p>{t('drafts.markPaidConfirm', { amount: money(draft()?.totals.total ?? 0) })}</p>
      </ConfirmModal>
      <ConfirmModal
        open={deleteOpen()}
        title={t('drafts.delete')}
        confirmLabel={t('drafts.delete')}
        onConfirm={() => void remove()}
        onClose={() => setDeleteOpen(false)}
      >
        <p>{t('drafts.deleteConfirm')}</p>
      </ConfirmModal>
    </div>
  );
}

export default function DraftOrdersPage() {
  const params = useParams();
  return (
    <Show when={params.draftOrderId} fallback={<DraftList />}>
      {(id) => {
        // Read once: creating the draft replaces "new" in the address without starting the builder again.
        const first = untrack(id);
        return <DraftBuilder initialId={first === 'new' ? null : first} />;
      }}
    </Show>
  );
}
