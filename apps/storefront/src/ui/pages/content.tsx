/** Merchant pages, policy pages, the blog (list and article) and the product page's 3D model. */
import { For, Show } from 'solid-js';
import { ProductImage } from '../components.tsx';
import { useShop } from '../context.tsx';
import { storeMediaPath } from '../media.ts';
import type { ArticleCardData, ModelData, PageData, ReviewsData } from '../types.ts';

type Of<K extends PageData['page']> = Extract<PageData, { page: K }>;

const dateOnly = (locale: string, iso: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));

export function ContentPage(props: { data: Of<'content'> }) {
  const { t, chrome } = useShop();
  return (
    <article class="content-page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/">{t('home')}</a>
        <span>/</span>
        <span>{props.data.title}</span>
      </nav>
      <h1>{props.data.title}</h1>
      <Show when={props.data.kind === 'policy' && props.data.updatedAt}>
        {(d) => <p class="muted small">{t('lastUpdated', { date: dateOnly(chrome.shop.locale, d()) })}</p>}
      </Show>
      {/* Pages: sanitised on write and again on render; policies: generated from escaped fields. */}
      <div class="rte" innerHTML={props.data.html} />
    </article>
  );
}

function ArticleMeta(props: { a: ArticleCardData }) {
  const { t, chrome } = useShop();
  return (
    <p class="article-meta muted small">
      <Show when={props.a.publishedAt}>{(d) => <time datetime={d()}>{dateOnly(chrome.shop.locale, d())}</time>}</Show>
      <Show when={props.a.author}>
        {(name) => (
          <>
            {' · '}
            {t('byAuthor', { name: name() })}
          </>
        )}
      </Show>
    </p>
  );
}

function Tags(props: { tags: string[] }) {
  return (
    <Show when={props.tags.length}>
      <ul class="tags">
        <For each={props.tags}>
          {(tag) => (
            <li>
              <a href={`/blog?tag=${encodeURIComponent(tag)}`}>#{tag}</a>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

export function BlogPage(props: { data: Of<'blog'> }) {
  const { t } = useShop();
  const d = props.data;
  const pageLink = (n: number) => `/blog?${new URLSearchParams({ ...(d.tag ? { tag: d.tag } : {}), ...(n > 1 ? { page: String(n) } : {}) }).toString()}`;
  return (
    <>
      <header class="page-head split">
        <h1>{d.tag ? t('taggedWith', { tag: d.tag }) : t('blog')}</h1>
        <a href="/blog/feed.atom" class="small">
          {t('feed')}
        </a>
      </header>
      <Show when={d.articles.length} fallback={<p class="muted">{t('noArticles')}</p>}>
        <ul class="article-list">
          <For each={d.articles}>
            {(a) => (
              <li class="article-card">
                <Show when={a.coverImageUrl}>
                  {(url) => (
                    <div class="cover">
                      <ProductImage url={url()} alt={a.coverImageAlt ?? a.title} seed={a.title} sizes="(min-width: 900px) 360px, 100vw" />
                    </div>
                  )}
                </Show>
                <div>
                  <h2>
                    <a href={`/blog/${a.handle}`}>{a.title}</a>
                  </h2>
                  <ArticleMeta a={a} />
                  <Show when={a.excerpt}>
                    <p>{a.excerpt}</p>
                  </Show>
                  <Tags tags={a.tags} />
                </div>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <nav class="pager" aria-label="Pagination">
        <Show when={d.pageNumber > 1}>
          <a href={pageLink(d.pageNumber - 1)}>← {t('newerPosts')}</a>
        </Show>
        <Show when={d.hasNext}>
          <a href={pageLink(d.pageNumber + 1)}>{t('olderPosts')} →</a>
        </Show>
      </nav>
    </>
  );
}

export function ArticlePage(props: { data: Of<'article'> }) {
  const { t } = useShop();
  const a = props.data.article;
  return (
    <article class="content-page article">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/">{t('home')}</a>
        <span>/</span>
        <a href="/blog">{t('blog')}</a>
        <span>/</span>
        <span>{a.title}</span>
      </nav>
      <h1>{a.title}</h1>
      <ArticleMeta a={a} />
      <Show when={a.coverImageUrl}>
        {(url) => (
          <figure class="article-cover">
            <ProductImage url={url()} alt={a.coverImageAlt ?? a.title} seed={a.title} eager sizes="(min-width: 900px) 860px, 100vw" />
          </figure>
        )}
      </Show>
      <div class="rte" innerHTML={a.html} />
      <Tags tags={a.tags} />
    </article>
  );
}

const attr = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * A <model-viewer> element as markup: rendered by the server and left alone by
 * hydration (innerHTML is not re-applied), so the custom element upgrades once
 * when the bundled model-viewer script loads. Focusable (tabindex 0) with
 * camera controls (drag, or arrow keys when focused), the alt text as its
 * accessible name, the poster until the model is ready, and AR on phones:
 * WebXR and Scene Viewer on Android, Quick Look on iOS when a USDZ exists.
 */
export function modelViewerMarkup(m: ModelData, storeId: string, fallbackAlt: string, arLabel: string): string {
  const src = storeMediaPath(m.url, storeId);
  const attrs = [
    `src="${attr(src)}"`,
    `alt="${attr(m.alt ?? fallbackAlt)}"`,
    m.posterUrl ? `poster="${attr(storeMediaPath(m.posterUrl, storeId))}"` : '',
    m.usdzUrl ? `ios-src="${attr(storeMediaPath(m.usdzUrl, storeId))}"` : '',
    'camera-controls',
    'touch-action="pan-y"',
    'ar',
    `ar-modes="webxr scene-viewer${m.usdzUrl ? ' quick-look' : ''}"`,
    'loading="lazy"',
    'reveal="auto"',
    'shadow-intensity="1"',
    'tabindex="0"',
    'interaction-prompt="auto"',
  ].filter(Boolean);
  return `<model-viewer ${attrs.join(' ')}><button slot="ar-button" class="button ar-button" type="button">${attr(arLabel)}</button></model-viewer>`;
}

export function ModelMedia(props: { models: ModelData[]; title: string }) {
  const { chrome, t } = useShop();
  return (
    <For each={props.models}>
      {(m) => (
        <figure class="model-media" data-testid="product-model">
          <div class="model-frame" innerHTML={modelViewerMarkup(m, chrome.shop.id, props.title, t('viewInYourSpace'))} />
          <figcaption class="muted small">{t('view3d')}</figcaption>
        </figure>
      )}
    </For>
  );
}

/** Five stars, filled to the rating; the number is the accessible text. */
export function Stars(props: { rating: number; label: string }) {
  return (
    <span class="stars" role="img" aria-label={props.label}>
      <For each={[1, 2, 3, 4, 5]}>
        {(n) => (
          <span aria-hidden="true" class={n <= Math.round(props.rating) ? 'on' : 'off'}>
            ★
          </span>
        )}
      </For>
    </span>
  );
}

export function ProductReviews(props: { reviews: ReviewsData }) {
  const { t, chrome } = useShop();
  const r = props.reviews;
  return (
    <section class="section reviews" aria-labelledby="reviews-title" data-testid="product-reviews">
      <div class="section-head">
        <h2 id="reviews-title">{t('reviews')}</h2>
        <p class="review-summary">
          <Stars rating={r.average} label={t('averageRating', { avg: String(r.average) })} /> <strong>{r.average.toFixed(1)}</strong> ·{' '}
          {t('reviewsCount', { n: r.count })}
        </p>
      </div>
      <ul class="review-list">
        <For each={r.items}>
          {(rv) => (
            <li class="review">
              <Stars rating={rv.rating} label={t('stars', { n: rv.rating })} />
              <Show when={rv.title}>
                <h3>{rv.title}</h3>
              </Show>
              <p class="muted small">
                {rv.author || '—'} · <time datetime={rv.createdAt}>{dateOnly(chrome.shop.locale, rv.createdAt)}</time>
                <Show when={rv.verified}>
                  {' · '}
                  <span class="badge">{t('verifiedBuyer')}</span>
                </Show>
              </p>
              <Show when={rv.body}>
                <p class="review-body">{rv.body}</p>
              </Show>
              <Show when={rv.photos.length}>
                <ReviewPhotos author={rv.author} photos={rv.photos} />
              </Show>
              <Show when={rv.reply}>
                {(reply) => (
                  <blockquote class="review-reply">
                    <strong>{t('storeReply')}</strong>
                    <p>{reply()}</p>
                  </blockquote>
                )}
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

/** Thumbnail height of a review photo (CSS px); the width follows the photo's own ratio, set up front so nothing shifts. */
const REVIEW_THUMB = 96;

/**
 * A published review's photos: lazy thumbnails, each a link to the larger
 * image (keyboard and screen readers reach it like any link), with width and
 * height from the stored size so the list does not move as they load.
 */
function ReviewPhotos(props: { author: string; photos: ReviewsData['items'][number]['photos'] }) {
  const { t } = useShop();
  const first = () => props.author.trim().split(/\s+/)[0] ?? '';
  return (
    <ul class="review-photos">
      <For each={props.photos}>
        {(ph, i) => {
          const path = `/media/${encodeURIComponent(ph.name)}`;
          const width = Math.max(1, Math.round((REVIEW_THUMB * ph.width) / Math.max(1, ph.height)));
          return (
            <li>
              <a class="review-photo" href={`${path}?w=1280`}>
                <img
                  src={`${path}?w=160`}
                  srcset={`${path}?w=160 1x, ${path}?w=320 2x`}
                  width={width}
                  height={REVIEW_THUMB}
                  loading="lazy"
                  decoding="async"
                  alt={first() ? t('reviewPhotoAlt', { number: i() + 1, name: first() }) : t('reviewPhotoAltAnonymous', { number: i() + 1 })}
                />
              </a>
            </li>
          );
        }}
      </For>
    </ul>
  );
}

export function ReviewPage(props: { data: Of<'review'> }) {
  const { t } = useShop();
  const d = props.data;
  return (
    <section class="content-page">
      <h1>{t('writeReview', { title: d.product.title })}</h1>
      <Show when={d.state === 'done'}>
        <p class="success-text" role="status">
          {t('reviewThanks')}
        </p>
        <a class="button ghost" href={`/products/${encodeURIComponent(d.product.handle)}`}>
          {d.product.title}
        </a>
      </Show>
      <Show when={d.state === 'already'}>
        <p role="status">{t('reviewAlready')}</p>
      </Show>
      <Show when={d.state === 'form'}>
        <form
          method="post"
          action={`/reviews/new?${new URLSearchParams({ order: d.fields.order, product: d.fields.product, sig: d.fields.sig }).toString()}`}
          enctype={d.photos ? 'multipart/form-data' : undefined}
          class="review-form"
        >
          <Show when={d.error}>
            {(e) => (
              <p class="error" role="alert" data-code={d.errorCode ?? undefined}>
                {e()}
                <Show when={d.photos && d.errorCode}> {t('reviewPhotosAgain')}</Show>
              </p>
            )}
          </Show>
          <input type="hidden" name="order" value={d.fields.order} />
          <input type="hidden" name="product" value={d.fields.product} />
          <input type="hidden" name="sig" value={d.fields.sig} />
          <fieldset class="rating-picker">
            <legend>{t('rating')}</legend>
            <For each={[5, 4, 3, 2, 1]}>
              {(n) => (
                <label>
                  <input type="radio" name="rating" value={String(n)} checked={d.values.rating === String(n)} required />
                  {t('stars', { n })}
                </label>
              )}
            </For>
          </fieldset>
          <label>
            {t('reviewTitle')}
            <input name="title" maxlength="200" value={d.values.title} />
          </label>
          <label>
            {t('reviewBody')}
            <textarea name="body" maxlength="5000" rows="6">
              {d.values.body}
            </textarea>
          </label>
          <label>
            {t('yourName')}
            <input name="author" maxlength="100" autocomplete="name" value={d.values.author} />
          </label>
          <Show when={d.photos}>
            {(ph) => (
              <label>
                {t('reviewPhotos', { max: ph().max })}
                <input type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple aria-describedby="review-photos-hint" />
                <span id="review-photos-hint" class="muted small">
                  {t('reviewPhotosHint', { mb: ph().maxMb })}
                </span>
              </label>
            )}
          </Show>
          <button class="button primary" type="submit">
            {t('submitReview')}
          </button>
        </form>
      </Show>
    </section>
  );
}
