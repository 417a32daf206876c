/**
 * Review moderation (issue 20): every review waits here as `pending` until the merchant publishes it; published ones
 * can be hidden again, answered with a public reply, or deleted. Filters: status and product. A shopper's photos show
 * as thumbnails (through the API: they are private until published) and can be removed one by one.
 */
import '../online-store.css';
import { useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { ProductPicker } from '../components/product-picker.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, ConfirmModal, EmptyState, Field, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { formatDate } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Review = Schemas['Review'];
type Status = Review['status'];
const STATUSES: Status[] = ['pending', 'published', 'hidden'];
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

export default function ReviewsPage() {
  const s = useStore();
  const [params, setParams] = useSearchParams();
  // The product filter's chosen product, resolved from its id in the URL (so a reload shows its title).
  const [filterProduct] = createResource(
    () => (one(params.product) ? { storeId: s.storeId(), productId: one(params.product) } : false),
    async (q) => {
      const p = await api.GET('/stores/{storeId}/products/{productId}', { params: { path: q } });
      return { id: p.id, title: p.title };
    },
  );
  const [reviews, { mutate }] = createResource(
    () => ({ storeId: s.storeId(), status: one(params.status), productId: one(params.product) }),
    async (q) =>
      (
        await api.GET('/stores/{storeId}/reviews', {
          params: {
            path: { storeId: q.storeId },
            query: { status: (q.status || undefined) as Status | undefined, productId: q.productId || undefined, limit: 100 },
          },
        })
      ).data,
  );
  const [deleting, setDeleting] = createSignal<Review | null>(null);
  // Titles of the products the listed reviews are about (only those, however many products the store has).
  const [titles] = createResource(
    () => {
      const ids = [...new Set((reviews.latest ?? []).map((r) => r.productId))].sort();
      return ids.length ? { storeId: s.storeId(), ids } : false;
    },
    async (q) => {
      const found = await Promise.all(
        q.ids.map((productId) =>
          api
            .GET('/stores/{storeId}/products/{productId}', { params: { path: { storeId: q.storeId, productId } } })
            .then((p) => [productId, p.title] as const)
            .catch(() => [productId, null] as const),
        ),
      );
      return new Map(found);
    },
  );
  const productTitle = (id: string) => {
    const map = titles.latest;
    return !map?.has(id) ? '' : (map.get(id) ?? t('reviews.unknownProduct'));
  };
  const replace = (r: Review) => mutate((list) => list?.map((x) => (x.id === r.id ? r : x)));
  const moderate = async (r: Review, body: { status?: Status; reply?: string | null }, message: string) => {
    try {
      replace(await api.PATCH('/stores/{storeId}/reviews/{reviewId}', { params: { path: { storeId: s.storeId(), reviewId: r.id } }, body }));
      toast.success(message);
    } catch (err) {
      toast.error((err as Error).message);
    }
  };
  const remove = async () => {
    const r = deleting();
    setDeleting(null);
    if (!r) return;
    try {
      await api.DELETE('/stores/{storeId}/reviews/{reviewId}', { params: { path: { storeId: s.storeId(), reviewId: r.id } } });
      mutate((list) => list?.filter((x) => x.id !== r.id));
      toast.success(t('reviews.deleted'));
    } catch (err) {
      toast.error((err as Error).message);
    }
  };
  const removePhoto = async (r: Review, photoId: string) => {
    try {
      await api.DELETE('/stores/{storeId}/reviews/{reviewId}/photos/{photoId}', { params: { path: { storeId: s.storeId(), reviewId: r.id, photoId } } });
      replace({ ...r, photos: r.photos.filter((ph) => ph.id !== photoId) });
      toast.success(t('reviews.photoRemoved'));
    } catch (err) {
      toast.error((err as Error).message);
    }
  };
  return (
    <div class="page">
      <PageHeader title={t('reviews.title')} subtitle={t('reviews.subtitle')} />
      <Card class="table-card">
        <div class="toolbar">
          <label class="visually-hidden" for="review-status">
            {t('reviews.status')}
          </label>
          <select id="review-status" value={one(params.status)} onChange={(e) => setParams({ status: e.currentTarget.value || undefined })}>
            <option value="">{t('reviews.allStatuses')}</option>
            <For each={STATUSES}>{(v) => <option value={v}>{t(`reviews.status.${v}` as MessageKey)}</option>}</For>
          </select>
          <ProductPicker
            id="review-product"
            label={t('reviews.product')}
            selected={one(params.product) ? (filterProduct.latest ?? null) : null}
            onPick={(p) => setParams({ product: p.id })}
            onClear={() => setParams({ product: undefined })}
          />
        </div>
        <Show when={!reviews.error} fallback={<Banner tone="critical">{(reviews.error as Error)?.message}</Banner>}>
          <Show when={reviews.latest} fallback={<SkeletonRows rows={4} cols={3} />}>
            <Show
              when={(reviews.latest?.length ?? 0) > 0}
              fallback={<EmptyState icon="sparkle" title={t('reviews.emptyTitle')} body={t('reviews.emptyBody')} />}
            >
              <ul class="review-list" data-testid="review-list">
                <For each={reviews.latest ?? []}>
                  {(r) => (
                    <ReviewItem
                      review={r}
                      product={productTitle(r.productId)}
                      onModerate={moderate}
                      onDelete={() => setDeleting(r)}
                      onRemovePhoto={removePhoto}
                    />
                  )}
                </For>
              </ul>
            </Show>
          </Show>
        </Show>
      </Card>
      <ConfirmModal
        open={!!deleting()}
        title={t('reviews.deleteTitle')}
        confirmLabel={t('reviews.delete')}
        onConfirm={remove}
        onClose={() => setDeleting(null)}
      >
        <p>{t('reviews.deleteBody')}</p>
      </ConfirmModal>
    </div>
  );
}

function ReviewItem(props: {
  review: Review;
  product: string;
  onModerate: (r: Review, body: { status?: Status; reply?: string | null }, message: string) => Promise<void>;
  onDelete: () => void;
  onRemovePhoto: (r: Review, photoId: string) => Promise<void>;
}) {
  const r = () => props.review;
  const [replying, setReplying] = createSignal(false);
  const [reply, setReply] = createSignal(props.review.reply ?? '');
  const tone = (st: Status) => (st === 'published' ? 'active' : st === 'hidden' ? 'archived' : 'pending');
  return (
    <li class="review-item">
      <div class="review-head">
        <span class="stars" role="img" aria-label={t('reviews.rating', { rating: r().rating })}>
          {'★'.repeat(r().rating)}
          <span class="stars-off">{'★'.repeat(5 - r().rating)}</span>
        </span>
        <strong>{r().title || t('reviews.noTitle')}</strong>
        <Badge value={tone(r().status)} label={t(`reviews.status.${r().status}` as MessageKey)} />
        <Show when={r().verified}>
          <Badge value="info" label={t('reviews.verified')} />
        </Show>
        <Show when={r().source === 'import'}>
          <Badge value="none" label={t('reviews.imported')} />
        </Show>
      </div>
      <p class="muted small">
        {t('reviews.byline', { author: r().author || t('reviews.anonymous'), product: props.product, date: formatDate(r().createdAt, locale()) })}
      </p>
      <p class="review-body">{r().body}</p>
      <Show when={r().photos.length}>
        <ul class="review-photos" aria-label={t('reviews.photos')}>
          <For each={r().photos}>
            {(ph, i) => (
              <li>
                <a href={ph.url} target="_blank" rel="noopener">
                  <img class="thumb" src={ph.url} width={72} height={72} loading="lazy" alt={t('reviews.photo', { number: i() + 1 })} />
                </a>
                <button type="button" class="button small" onClick={() => void props.onRemovePhoto(r(), ph.id)}>
                  {t('reviews.removePhoto', { number: i() + 1 })}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={r().reply && !replying()}>
        <blockquote class="review-reply">
          <span class="small muted">{t('reviews.yourReply')}</span>
          <p>{r().reply}</p>
        </blockquote>
      </Show>
      <Show when={replying()}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void props.onModerate(r(), { reply: reply().trim() || null }, t('reviews.replySaved')).then(() => setReplying(false));
          }}
        >
          <Field id={`reply-${r().id}`} label={t('reviews.reply')} hint={t('reviews.replyHint')}>
            <textarea id={`reply-${r().id}`} rows={3} maxLength={2000} value={reply()} onInput={(e) => setReply(e.currentTarget.value)} />
          </Field>
          <div class="form-actions wrap">
            <button type="submit" class="button primary small">
              {t('reviews.saveReply')}
            </button>
            <button type="button" class="button small" onClick={() => setReplying(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      </Show>
      <div class="review-actions">
        <Show when={r().status !== 'published'}>
          <button type="button" class="button small primary" onClick={() => void props.onModerate(r(), { status: 'published' }, t('reviews.publishedToast'))}>
            {t('reviews.publish')}
          </button>
        </Show>
        <Show when={r().status !== 'hidden'}>
          <button type="button" class="button small" onClick={() => void props.onModerate(r(), { status: 'hidden' }, t('reviews.hiddenToast'))}>
            {t('reviews.hide')}
          </button>
        </Show>
        <Show when={!replying()}>
          <button type="button" class="button small" onClick={() => setReplying(true)}>
            {r().reply ? t('reviews.editReply') : t('reviews.reply')}
          </button>
        </Show>
        <button type="button" class="button small danger" onClick={props.onDelete}>
          {t('reviews.delete')}
        </button>
      </div>
    </li>
  );
}
