import { A, useBeforeLeave, useNavigate, useParams } from '@solidjs/router';
import { createEffect, createMemo, createResource, createSignal, For, Index, onCleanup, Show } from 'solid-js';
import { createStore, reconcile, unwrap } from 'solid-js/store';
import { Icon } from '../components/icons.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, ConfirmModal, describedBy, Field, PageHeader, Skeleton } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { ApiError, api, type Collection, idempotencyKey, type Product, type ProductImage, type ProductOption, type ProductStatus, upload } from '../lib/api.ts';
import { currencyDigits, formatMoney, minorToInput, parseMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';
import { DynamicPricingPanel } from './pricing-panel.tsx';
import { ProductRecoPanel } from '../components/reco.tsx';
import { ModelMedia } from '../components/model-media.tsx';
import { cleanOptions, generateVariantRows, type VariantRow, variantTitle } from '../lib/variants.ts';

interface ImageDraft {
  key: string;
  url: string;
  alt: string;
  /** Chosen for a product not created yet: uploaded right after the create. */
  file?: File;
}
interface Draft {
  title: string;
  description: string;
  status: ProductStatus;
  vendor: string;
  productType: string;
  tags: string;
  handle: string;
  seoTitle: string;
  seoDescription: string;
  options: { name: string; values: string }[];
  variants: VariantRow[];
  images: ImageDraft[];
  collectionIds: string[];
  giftCard: boolean;
}

let imageKey = 0;
const toDraft = (p: Product | undefined, currency: string): Draft => ({
  title: p?.title ?? '',
  description: p?.description ?? '',
  status: p?.status ?? 'draft',
  vendor: p?.vendor ?? '',
  productType: p?.productType ?? '',
  tags: (p?.tags ?? []).join(', '),
  handle: p?.handle ?? '',
  seoTitle: p?.seoTitle ?? '',
  seoDescription: p?.seoDescription ?? '',
  options: (p?.options ?? []).map((o) => ({ name: o.name, values: o.values.join(', ') })),
  variants: p?.variants.length
    ? p.variants.map((v) => ({
        id: v.id,
        options: v.options,
        price: minorToInput(v.price, currency),
        compareAtPrice: minorToInput(v.compareAtPrice, currency),
        sku: v.sku ?? '',
        inventoryQuantity: String(v.inventoryQuantity),
        weightGrams: v.weightGrams ? String(v.weightGrams) : '',
      }))
    : [{ options: {}, price: '', compareAtPrice: '', sku: '', inventoryQuantity: '0', weightGrams: '' }],
  images: (p?.images ?? []).map((i) => ({ key: `i${imageKey++}`, url: i.url, alt: i.alt ?? '' })),
  collectionIds: p?.collectionIds ?? [],
  giftCard: p?.giftCard ?? false,
});

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const draftOptions = (d: Draft): ProductOption[] => d.options.map((o) => ({ name: o.name, values: splitList(o.values) }));

/** Builds the API body from the form, or field errors for what cannot be sent. */
export function buildProductBody(d: Draft, currency: string) {
  const errors: Record<string, string> = {};
  if (!d.title.trim()) errors.title = t('common.required');
  const options = cleanOptions(draftOptions(d));
  const variants = d.variants.map((v, i) => {
    const price = parseMoney(v.price, currency);
    if (price === null) errors[`variants.${i}.price`] = v.price.trim() ? t('editor.invalidAmount') : t('common.required');
    const compare = v.compareAtPrice.trim() ? parseMoney(v.compareAtPrice, currency) : null;
    if (v.compareAtPrice.trim() && compare === null) errors[`variants.${i}.compareAtPrice`] = t('editor.invalidAmount');
    const qty = Number(v.inventoryQuantity || '0');
    if (!Number.isInteger(qty) || qty < 0) errors[`variants.${i}.inventoryQuantity`] = t('editor.invalidQuantity');
    const grams = Number(v.weightGrams.trim() || '0');
    const gramsOk = /^\s*\d*\s*$/.test(v.weightGrams) && Number.isSafeInteger(grams);
    if (!gramsOk) errors[`variants.${i}.weightGrams`] = t('editor.invalidWeight');
    return {
      ...(v.id ? { id: v.id } : {}),
      sku: v.sku.trim() || null,
      price: price ?? 0,
      compareAtPrice: compare,
      inventoryQuantity: Number.isInteger(qty) && qty >= 0 ? qty : 0,
      weightGrams: gramsOk ? grams : 0,
      ...(options.length ? { options: v.options } : {}),
    };
  });
  const body = {
    title: d.title.trim(),
    description: d.description,
    status: d.status,
    vendor: d.vendor.trim() || null,
    productType: d.productType.trim() || null,
    tags: splitList(d.tags),
    options,
    seoTitle: d.seoTitle.trim() || null,
    seoDescription: d.seoDescription.trim() || null,
    variants,
    images: d.images.filter((i) => !i.file).map((i) => ({ url: i.url, alt: i.alt.trim() || null })),
    collectionIds: d.collectionIds,
    giftCard: d.giftCard,
    ...(d.handle.trim() ? { handle: d.handle.trim() } : {}),
  };
  return { body, errors };
}

export default function ProductEditorPage() {
  const s = useStore();
  const params = useParams();
  const navigate = useNavigate();
  const isNew = () => !params.productId;
  const [product, { refetch }] = createResource(
    () => (params.productId ? { storeId: s.storeId(), id: params.productId } : false),
    (q) => api.GET('/stores/{storeId}/products/{productId}', { params: { path: { storeId: q.storeId, productId: q.id } } }),
  );
  const [collections] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/collections', { params: { path: { storeId: id }, query: { limit: 250 } } }),
  );
  const [draft, setDraft] = createStore<Draft>(toDraft(undefined, s.currency()));
  const [baseline, setBaseline] = createSignal(JSON.stringify(draft));
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [saving, setSaving] = createSignal(false);
  const [conflict, setConflict] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const [imageUrl, setImageUrl] = createSignal('');
  const [uploading, setUploading] = createSignal(false);
  const createKey = idempotencyKey();
  let version = 0;

  const load = (p: Product | undefined) => {
    setDraft(reconcile(toDraft(p, s.currency())));
    setBaseline(JSON.stringify(unwrap(draft)));
    version = p?.version ?? 0;
  };
  createEffect(() => {
    const p = product();
    if (p) load(p);
  });
  const dirty = createMemo(() => JSON.stringify(draft) !== baseline());

  // Unsaved changes: warn before leaving the page, inside the console or out of it.
  useBeforeLeave((e) => {
    if (dirty() && !saving() && !e.defaultPrevented) {
      e.preventDefault();
      if (window.confirm(t('editor.unsavedConfirm'))) e.retry(true);
    }
  });
  const beforeUnload = (e: BeforeUnloadEvent) => {
    if (dirty()) e.preventDefault();
  };
  window.addEventListener('beforeunload', beforeUnload);
  onCleanup(() => window.removeEventListener('beforeunload', beforeUnload));

  const regenerate = () => setDraft('variants', generateVariantRows(draftOptions(draft), unwrap(draft.variants)));
  const hasOptions = () => cleanOptions(draftOptions(draft)).length > 0;
  const optionOrder = () => cleanOptions(draftOptions(draft));

  const save = async (e?: Event) => {
    e?.preventDefault();
    const { body, errors: local } = buildProductBody(draft, s.currency());
    setErrors(local);
    if (Object.keys(local).length) {
      toast.error(t('editor.fixErrors'));
      return;
    }
    setSaving(true);
    setConflict(false);
    try {
      if (isNew()) {
        const created = await uploadPending(
          await api.POST('/stores/{storeId}/products', { params: { path: { storeId: s.storeId() } }, body: body, headers: { 'idempotency-key': createKey } }),
        );
        load(created);
        toast.success(t('editor.created'));
        navigate(s.path(`/products/${created.id}`), { replace: true });
      } else {
        const updated = await api.PATCH('/stores/{storeId}/products/{productId}', {
          params: { path: { storeId: s.storeId(), productId: params.productId ?? '' } },
          body: { ...body, version },
        });
        load(updated);
        toast.success(t('editor.saved'));
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'version_conflict') setConflict(true);
      else if (err instanceof ApiError) {
        const fields = err.fieldErrors;
        setErrors(fields);
        toast.error(err.message);
      } else toast.error((err as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const reload = async () => {
    setConflict(false);
    const p = await refetch();
    if (p) load(p);
    toast.info(t('editor.reloaded'));
  };

  const remove = async () => {
    try {
      await api.DELETE('/stores/{storeId}/products/{productId}', { params: { path: { storeId: s.storeId(), productId: params.productId ?? '' } } });
      setBaseline(JSON.stringify(unwrap(draft)));
      setDraft(reconcile(JSON.parse(baseline()) as Draft));
      toast.success(t('editor.deleted'));
      navigate(s.path('/products'), { replace: true });
    } catch (err) {
      toast.error((err as Error).message);
    }
  };

  const uploadImage = (productId: string, file: File, alt: string) => {
    const form = new FormData();
    form.set('file', file);
    if (alt.trim()) form.set('alt', alt.trim());
    return upload(
      '/stores/{storeId}/products/{productId}/images',
      { params: { path: { storeId: s.storeId(), productId } }, headers: { 'idempotency-key': idempotencyKey() } },
      form,
    );
  };
  /** After a create: upload the images chosen meanwhile, then put every image in the order the merchant arranged. */
  const uploadPending = async (created: Product): Promise<Product> => {
    const images = unwrap(draft.images);
    if (!images.some((i) => i.file)) return created;
    const ids: string[] = [];
    let saved = 0;
    for (const img of images) {
      if (!img.file) {
        const existing = created.images[saved++];
        if (existing) ids.push(existing.id);
        continue;
      }
      try {
        ids.push((await uploadImage(created.id, img.file, img.alt)).id);
      } catch (err) {
        toast.error(`${img.file.name}: ${(err as Error).message}`);
      }
    }
    if (ids.length > 1)
      await api.PUT('/stores/{storeId}/products/{productId}/images/order', {
        params: { path: { storeId: s.storeId(), productId: created.id } },
        body: { imageIds: ids },
      });
    return api.GET('/stores/{storeId}/products/{productId}', { params: { path: { storeId: s.storeId(), productId: created.id } } });
  };
  const uploadFiles = async (files: FileList | null) => {
    if (!files?.length) return;
    setUploading(true);
    for (const file of [...files]) {
      try {
        if (isNew()) {
          setDraft('images', (list) => [...list, { key: `i${imageKey++}`, url: URL.createObjectURL(file), alt: '', file }]);
          continue;
        }
        const r = await uploadImage(params.productId as string, file, '');
        setDraft('images', (list) => [...list, { key: `i${imageKey++}`, url: r.url, alt: r.alt ?? '' }]);
      } catch (err) {
        toast.error(`${file.name}: ${(err as Error).message}`);
      }
    }
    setUploading(false);
  };
  const addImageUrl = () => {
    const url = imageUrl().trim();
    if (!/^https?:\/\//i.test(url) && !url.startsWith('/')) {
      setErrors({ ...errors(), imageUrl: t('editor.invalidUrl') });
      return;
    }
    setDraft('images', (list) => [...list, { key: `i${imageKey++}`, url, alt: '' }]);
    setImageUrl('');
  };
  const moveImage = (from: number, to: number) => {
    if (to < 0 || to >= draft.images.length || from === to) return;
    const list = [...unwrap(draft.images)];
    const [item] = list.splice(from, 1);
    if (item) list.splice(to, 0, item);
    setDraft('images', list);
  };
  let dragFrom = -1;

  const err = (k: string) => errors()[k];
  const currencyStep = () => (currencyDigits(s.currency()) ? `0.${'0'.repeat(currencyDigits(s.currency()) - 1)}1` : '1');
  const title = () => (isNew() ? t('editor.newTitle') : product()?.title || t('editor.editTitle'));

  return (
    <div class="page page-narrow">
      <PageHeader
        title={title()}
        back={{ href: s.path('/products'), label: t('products.title') }}
        actions={
          <>
            <Show when={!isNew() && product()}>
              <Badge value={product()?.status ?? 'draft'} />
            </Show>
            <Show when={dirty()}>
              <span class="unsaved" role="status">
                {t('editor.unsaved')}
              </span>
            </Show>
          </>
        }
      />
      <Show when={conflict()}>
        <Banner tone="critical" title={t('editor.conflictTitle')}>
          <p>{t('editor.conflictBody')}</p>
          <button type="button" class="button" onClick={reload}>
            {t('editor.reload')}
          </button>
        </Banner>
      </Show>
      <Show when={!isNew() && product.loading && !product.latest}>
        <Card>
          <Skeleton height="20px" width="50%" />
          <br />
          <Skeleton height="120px" />
        </Card>
      </Show>
      <form class="editor" onSubmit={save} novalidate>
        <div class="editor-main">
          <Card>
            <Field id="title" label={t('editor.title')} error={err('title')}>
              <input
                id="title"
                required
                maxLength={255}
                value={draft.title}
                onInput={(e) => setDraft('title', e.currentTarget.value)}
                {...describedBy('title', err('title'))}
              />
            </Field>
            <Field id="description" label={t('editor.description')} error={err('description')}>
              <textarea id="description" rows={6} value={draft.description} onInput={(e) => setDraft('description', e.currentTarget.value)} />
            </Field>
          </Card>

          <Card title={t('editor.media')} id="media">
            {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping files is a shortcut for the upload button */}
            <div
              class="image-grid"
              onDragOver={(e) => e.preventDefault()}
              onDrop={(e) => {
                e.preventDefault();
                if (e.dataTransfer?.files.length) void uploadFiles(e.dataTransfer.files);
              }}
            >
              <Index each={draft.images}>
                {(img, i) => (
                  // biome-ignore lint/a11y/noStaticElementInteractions: drag to reorder; the arrow buttons do the same from the keyboard
                  <div
                    class="image-tile"
                    draggable="true"
                    onDragStart={() => {
                      dragFrom = i;
                    }}
                    onDragOver={(e) => e.preventDefault()}
                    onDrop={(e) => {
                      if (dragFrom < 0) return;
                      e.preventDefault();
                      e.stopPropagation();
                      moveImage(dragFrom, i);
                      dragFrom = -1;
                    }}
                  >
                    <img src={img().url} alt={img().alt} />
                    <div class="image-tools">
                      <span class="drag-handle" aria-hidden="true">
                        <Icon name="drag" size={14} />
                      </span>
                      <button type="button" class="icon-button small" aria-label={t('editor.moveLeft')} disabled={i === 0} onClick={() => moveImage(i, i - 1)}>
                        ←
                      </button>
                      <button
                        type="button"
                        class="icon-button small"
                        aria-label={t('editor.moveRight')}
                        disabled={i === draft.images.length - 1}
                        onClick={() => moveImage(i, i + 1)}
                      >
                        →
                      </button>
                      <button
                        type="button"
                        class="icon-button small"
                        aria-label={t('editor.removeImage')}
                        onClick={() => setDraft('images', (l) => l.filter((_, j) => j !== i))}
                      >
                        ×
                      </button>
                    </div>
                    <label class="visually-hidden" for={`alt-${i}`}>
                      {t('editor.altText')}
                    </label>
                    <input
                      id={`alt-${i}`}
                      class="alt-input"
                      placeholder={t('editor.altText')}
                      value={img().alt}
                      onInput={(e) => setDraft('images', i, 'alt', e.currentTarget.value)}
                    />
                  </div>
                )}
              </Index>
              <label class="upload-tile" classList={{ busy: uploading() }}>
                <Icon name="plus" size={20} />
                <span>{uploading() ? t('editor.uploading') : t('editor.uploadImages')}</span>
                <span class="muted small">{t('editor.dropHint')}</span>
                <input
                  type="file"
                  accept="image/png,image/jpeg,image/webp,image/gif"
                  multiple
                  class="visually-hidden"
                  data-testid="image-upload"
                  onChange={(e) => {
                    void uploadFiles(e.currentTarget.files);
                    e.currentTarget.value = '';
                  }}
                />
              </label>
            </div>
            <div class="inline-form">
              <Field id="image-url" label={t('editor.imageUrl')} error={err('imageUrl')} class="grow">
                <input id="image-url" type="url" placeholder="https://…" value={imageUrl()} onInput={(e) => setImageUrl(e.currentTarget.value)} />
              </Field>
              <button type="button" class="button" onClick={addImageUrl}>
                {t('editor.addImage')}
              </button>
            </div>
          </Card>
          <Show when={!isNew() && params.productId}>{(id) => <ModelMedia productId={id()} />}</Show>

          <Card title={t('editor.options')} id="options">
            <p class="muted small">{t('editor.optionsHint')}</p>
            <Index each={draft.options}>
              {(o, i) => (
                <div class="option-row">
                  <Field id={`option-name-${i}`} label={t('editor.optionName')} error={err(`options.${i}.name`)}>
                    <input
                      id={`option-name-${i}`}
                      placeholder={t('editor.optionNamePlaceholder')}
                      value={o().name}
                      onInput={(e) => setDraft('options', i, 'name', e.currentTarget.value)}
                      onChange={regenerate}
                    />
                  </Field>
                  <Field id={`option-values-${i}`} label={t('editor.optionValues')} class="grow">
                    <input
                      id={`option-values-${i}`}
                      placeholder={t('editor.optionValuesPlaceholder')}
                      value={o().values}
                      onInput={(e) => setDraft('options', i, 'values', e.currentTarget.value)}
                      onChange={regenerate}
                    />
                  </Field>
                  <button
                    type="button"
                    class="icon-button"
                    aria-label={t('editor.removeOption')}
                    onClick={() => {
                      setDraft('options', (l) => l.filter((_, j) => j !== i));
                      regenerate();
                    }}
                  >
                    ×
                  </button>
                </div>
              )}
            </Index>
            <Show when={draft.options.length < 3}>
              <button type="button" class="button small" onClick={() => setDraft('options', (l) => [...l, { name: '', values: '' }])}>
                <Icon name="plus" size={14} /> {t('editor.addOption')}
              </button>
            </Show>
          </Card>

          <Card title={hasOptions() ? t('editor.variants') : t('editor.pricing')} id="variants">
            <div class="table-wrap">
              <table class="table variant-table">
                <thead>
                  <tr>
                    <Show when={hasOptions()}>
                      <th>{t('editor.variant')}</th>
                    </Show>
                    <th>
                      {t('editor.price')} <span class="muted">({s.currency()})</span>
                    </th>
                    <th>{t('editor.compareAt')}</th>
                    <th>{t('editor.sku')}</th>
                    <th>{t('editor.inventory')}</th>
                    <th>
                      {t('editor.weight')} <span class="muted">(g)</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <Index each={draft.variants}>
                    {(v, i) => {
                      const label = () => variantTitle(v().options, optionOrder()) || t('editor.defaultVariant');
                      return (
                        <tr>
                          <Show when={hasOptions()}>
                            <td class="variant-name">{label()}</td>
                          </Show>
                          <td>
                            <input
                              class="money-input"
                              inputmode="decimal"
                              aria-label={t('editor.priceOf', { variant: label() })}
                              placeholder={minorToInput(0, s.currency())}
                              step={currencyStep()}
                              value={v().price}
                              onInput={(e) => setDraft('variants', i, 'price', e.currentTarget.value)}
                              {...describedBy(`variants-${i}-price`, err(`variants.${i}.price`))}
                            />
                            <Show when={err(`variants.${i}.price`)}>
                              <p class="field-error" id={`variants-${i}-price-error`}>
                                {err(`variants.${i}.price`)}
                              </p>
                            </Show>
                            <Show when={parseMoney(v().price, s.currency()) !== null}>
                              <span class="muted small block">{formatMoney(parseMoney(v().price, s.currency()) ?? 0, s.currency(), locale())}</span>
                            </Show>
                          </td>
                          <td>
                            <input
                              class="money-input"
                              inputmode="decimal"
                              aria-label={t('editor.compareAtOf', { variant: label() })}
                              value={v().compareAtPrice}
                              onInput={(e) => setDraft('variants', i, 'compareAtPrice', e.currentTarget.value)}
                              {...describedBy(`variants-${i}-compare`, err(`variants.${i}.compareAtPrice`))}
                            />
                            <Show when={err(`variants.${i}.compareAtPrice`)}>
                              <p class="field-error" id={`variants-${i}-compare-error`}>
                                {err(`variants.${i}.compareAtPrice`)}
                              </p>
                            </Show>
                          </td>
                          <td>
                            <input
                              aria-label={t('editor.skuOf', { variant: label() })}
                              value={v().sku}
                              onInput={(e) => setDraft('variants', i, 'sku', e.currentTarget.value)}
                              {...describedBy(`variants-${i}-sku`, err(`variants.${i}.sku`) ?? (i === 0 ? err('sku') : undefined))}
                            />
                            <Show when={err(`variants.${i}.sku`) ?? (i === 0 ? err('sku') : undefined)}>
                              <p class="field-error" id={`variants-${i}-sku-error`}>
                                {err(`variants.${i}.sku`) ?? err('sku')}
                              </p>
                            </Show>
                          </td>
                          <td>
                            <input
                              class="qty-input"
                              type="number"
                              min="0"
                              step="1"
                              aria-label={t('editor.inventoryOf', { variant: label() })}
                              value={v().inventoryQuantity}
                              onInput={(e) => setDraft('variants', i, 'inventoryQuantity', e.currentTarget.value)}
                              {...describedBy(`variants-${i}-qty`, err(`variants.${i}.inventoryQuantity`))}
                            />
                          </td>
                          <td>
                            <input
                              class="qty-input"
                              inputmode="numeric"
                              placeholder="0"
                              aria-label={t('editor.weightOf', { variant: label() })}
                              value={v().weightGrams}
                              onInput={(e) => setDraft('variants', i, 'weightGrams', e.currentTarget.value)}
                              {...describedBy(`variants-${i}-weight`, err(`variants.${i}.weightGrams`))}
                            />
                            <Show when={err(`variants.${i}.weightGrams`)}>
                              <p class="field-error" id={`variants-${i}-weight-error`}>
                                {err(`variants.${i}.weightGrams`)}
                              </p>
                            </Show>
                          </td>
                        </tr>
                      );
                    }}
                  </Index>
                </tbody>
              </table>
            </div>
          </Card>

          <Card title={t('editor.seo')} id="seo">
            <Field id="handle" label={t('editor.handle')} error={err('handle')} hint={t('editor.handleHint')}>
              <input
                id="handle"
                value={draft.handle}
                onInput={(e) => setDraft('handle', e.currentTarget.value)}
                {...describedBy('handle', err('handle'), t('editor.handleHint'))}
              />
            </Field>
            <Field id="seo-title" label={t('editor.seoTitle')} error={err('seoTitle')} hint={t('editor.charCount', { count: draft.seoTitle.length, max: 70 })}>
              <input id="seo-title" value={draft.seoTitle} onInput={(e) => setDraft('seoTitle', e.currentTarget.value)} />
            </Field>
            <Field
              id="seo-description"
              label={t('editor.seoDescription')}
              error={err('seoDescription')}
              hint={t('editor.charCount', { count: draft.seoDescription.length, max: 160 })}
            >
              <textarea id="seo-description" rows={3} value={draft.seoDescription} onInput={(e) => setDraft('seoDescription', e.currentTarget.value)} />
            </Field>
          </Card>
        </div>

        <aside class="editor-side">
          <Card title={t('editor.status')} id="status">
            <label class="visually-hidden" for="status">
              {t('editor.status')}
            </label>
            <select id="status" value={draft.status} onChange={(e) => setDraft('status', e.currentTarget.value as ProductStatus)}>
              <option value="draft">{t('status.draft')}</option>
              <option value="active">{t('status.active')}</option>
              <option value="archived">{t('status.archived')}</option>
            </select>
            <p class="muted small">{t(`editor.statusHint.${draft.status}` as const)}</p>
            <label class="checkbox">
              <input
                id="gift-card"
                type="checkbox"
                checked={draft.giftCard}
                aria-describedby="gift-card-hint"
                onChange={(e) => setDraft('giftCard', e.currentTarget.checked)}
              />
              {t('editor.giftCard')}
            </label>
            <p class="muted small" id="gift-card-hint">
              {t('editor.giftCardHint')}
            </p>
          </Card>
          <Card title={t('editor.organization')} id="organization">
            <Field id="vendor" label={t('editor.vendor')} error={err('vendor')}>
              <input id="vendor" value={draft.vendor} onInput={(e) => setDraft('vendor', e.currentTarget.value)} />
            </Field>
            <Field id="product-type" label={t('editor.productType')} error={err('productType')}>
              <input id="product-type" value={draft.productType} onInput={(e) => setDraft('productType', e.currentTarget.value)} />
            </Field>
            <Field id="tags" label={t('editor.tags')} error={err('tags')} hint={t('editor.tagsHint')}>
              <input
                id="tags"
                value={draft.tags}
                onInput={(e) => setDraft('tags', e.currentTarget.value)}
                {...describedBy('tags', err('tags'), t('editor.tagsHint'))}
              />
            </Field>
            <fieldset class="checkbox-list">
              <legend>{t('editor.collections')}</legend>
              <Show when={(collections()?.data.length ?? 0) > 0} fallback={<p class="muted small">{t('editor.noCollections')}</p>}>
                <For each={collections()?.data ?? []}>
                  {(c) => (
                    <label class="checkbox">
                      <input
                        type="checkbox"
                        checked={draft.collectionIds.includes(c.id)}
                        onChange={(e) => setDraft('collectionIds', (ids) => (e.currentTarget.checked ? [...ids, c.id] : ids.filter((x) => x !== c.id)))}
                      />
                      {c.title}
                    </label>
                  )}
                </For>
              </Show>
            </fieldset>
          </Card>
          <Show when={!isNew() && s.can('planning:read') && params.productId}>
            {(pid) => <DynamicPricingPanel productId={pid()} collectionIds={draft.collectionIds} />}
          </Show>
          <Show when={!isNew() && params.productId}>{(pid) => <ProductRecoPanel productId={pid()} />}</Show>
          <Show when={!isNew() && s.can('catalog:write')}>
            <Card>
              <button type="button" class="button danger block" onClick={() => setConfirmDelete(true)}>
                {t('editor.delete')}
              </button>
            </Card>
          </Show>
        </aside>

        <div class="save-bar" classList={{ visible: dirty() || isNew() }}>
          <span class="muted">{dirty() ? t('editor.unsaved') : ''}</span>
          <A class="button" href={s.path('/products')}>
            {t('common.cancel')}
          </A>
          <button type="submit" class="button primary" disabled={saving() || !s.can('catalog:write')}>
            {saving() ? t('common.saving') : t('common.save')}
          </button>
        </div>
      </form>
      <ConfirmModal
        open={confirmDelete()}
        title={t('editor.deleteTitle')}
        confirmLabel={t('editor.delete')}
        onConfirm={remove}
        onClose={() => setConfirmDelete(false)}
      >
        <p>{t('editor.deleteBody', { title: draft.title })}</p>
      </ConfirmModal>
    </div>
  );
}
