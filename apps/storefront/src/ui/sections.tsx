/**
 * The theme's section types as Solid components, keyed by the registry's `type`
 * (@storeloom/theme sections.ts holds their settings schema). The server hands
 * each section its settings with defaults filled in, rich text already
 * sanitised, and the cards or collection it shows (sections.ts beside routes/).
 * Everything renders on the server; only the product cards (add to cart,
 * recommendation tracking) do anything after hydration, so sections cost no
 * extra script.
 */
import { createSignal, For, type JSX, Match, Show, Switch } from 'solid-js';
import { Price, ProductGrid, ProductImage, Section } from './components.tsx';
import { useShop } from './context.tsx';
import { responsiveImage } from './media.ts';
import { Stars } from './pages/content.tsx';
import type { SectionData } from './types.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

function Img(props: { url: string; alt: string; sizes?: string; eager?: boolean; class?: string }) {
  const { chrome } = useShop();
  const img = () => responsiveImage(props.url, chrome.shop.id, 960);
  return (
    <img
      class={props.class}
      src={img().src}
      srcset={img().srcset}
      sizes={img().srcset ? (props.sizes ?? '(min-width: 1000px) 600px, 100vw') : undefined}
      alt={props.alt}
      loading={props.eager ? 'eager' : 'lazy'}
      decoding="async"
    />
  );
}

/** The colour scheme setting: background (the page's), primary (brand colour) or accent (a tint). */
const scheme = (s: SectionData) => `sec scheme-${str(s.settings.color_scheme) || 'background'}`;

function Hero(props: { s: SectionData; first: boolean }) {
  const { chrome, t } = useShop();
  const s = props.s.settings;
  const heading = () => str(s.heading) || t('heroTitle', { name: chrome.shop.name });
  const text = () => (str(s.heading) ? str(s.text) : str(s.text) || t('heroText'));
  const label = () => str(s.button_label) || t('shopAll');
  return (
    <section class={`hero sec-hero h-${str(s.height) || 'medium'} a-${str(s.alignment) || 'left'}${str(s.image) ? ' with-image' : ''}`}>
      <Show when={str(s.image)}>{(url) => <Img class="hero-img" url={url()} alt={str(s.image_alt)} eager={props.first} sizes="100vw" />}</Show>
      <div class="hero-body">
        {props.first ? <h1>{heading()}</h1> : <h2 class="h1">{heading()}</h2>}
        <Show when={text()}>
          <p>{text()}</p>
        </Show>
        <Show when={str(s.button_link)}>
          <a class="button light" href={str(s.button_link)}>
            {label()}
          </a>
        </Show>
      </div>
    </section>
  );
}

function FeaturedCollection(props: { s: SectionData }) {
  const { t } = useShop();
  const c = () => props.s.collection;
  return (
    <Show when={c() && (props.s.cards ?? []).length > 0}>
      <Section
        title={str(props.s.settings.heading) || (c()?.title ?? '')}
        link={props.s.settings.show_view_all === false ? undefined : { href: `/collections/${c()?.handle}`, label: t('viewAll') }}
      >
        <ProductGrid cards={props.s.cards ?? []} />
      </Section>
    </Show>
  );
}

function FeaturedProduct(props: { s: SectionData }) {
  const card = () => props.s.cards?.[0];
  return (
    <Show when={card()}>
      {(p) => (
        <section class={`${scheme(props.s)} sec-product`}>
          <div class="sec-product-image">
            <ProductImage url={p().imageUrl} alt={p().imageAlt ?? p().title} seed={p().handle} label={p().productType} sizes="(min-width: 800px) 50vw, 100vw" />
          </div>
          <div>
            <h2>{p().title}</h2>
            <p class="price-line">
              <Price price={p().price} compareAt={p().compareAtPrice} lowest={p().lowestPrice30} />
            </p>
            <a class="button primary" href={`/products/${p().handle}`}>
              {str(props.s.settings.button_label) || p().title}
            </a>
          </div>
        </section>
      )}
    </Show>
  );
}

function ImageWithText(props: { s: SectionData }) {
  const s = props.s.settings;
  return (
    <section class={`${scheme(props.s)} sec-iwt${str(s.image_position) === 'right' ? ' right' : ''}`}>
      <Show when={str(s.image)} fallback={<div class="sec-iwt-ph" aria-hidden="true" />}>
        {(url) => <Img url={url()} alt={str(s.image_alt)} />}
      </Show>
      <div>
        <Show when={str(s.heading)}>
          <h2>{str(s.heading)}</h2>
        </Show>
        <div class="rte" innerHTML={str(s.text)} />
        <Show when={str(s.button_link) && str(s.button_label)}>
          <a class="button primary" href={str(s.button_link)}>
            {str(s.button_label)}
          </a>
        </Show>
      </div>
    </section>
  );
}

function RichText(props: { s: SectionData }) {
  const s = props.s.settings;
  return (
    <section class={`${scheme(props.s)} sec-rich a-${str(s.alignment) || 'left'}`}>
      <Show when={str(s.heading)}>
        <h2>{str(s.heading)}</h2>
      </Show>
      <div class="rte" innerHTML={str(s.text)} />
    </section>
  );
}

function Multicolumn(props: { s: SectionData }) {
  return (
    <section class={`${scheme(props.s)} sec-multi`} style={{ '--cols': String(num(props.s.settings.columns, 3)) }}>
      <Show when={str(props.s.settings.heading)}>
        <h2>{str(props.s.settings.heading)}</h2>
      </Show>
      <ul class="sec-cols">
        <For each={props.s.blocks}>
          {(b) => (
            <li>
              <Show when={str(b.settings.image)}>{(url) => <Img url={url()} alt={str(b.settings.image_alt)} sizes="(min-width: 800px) 33vw, 100vw" />}</Show>
              <Show when={str(b.settings.title)}>
                <h3>
                  <Show when={str(b.settings.link)} fallback={str(b.settings.title)}>
                    <a href={str(b.settings.link)}>{str(b.settings.title)}</a>
                  </Show>
                </h3>
              </Show>
              <div class="rte" innerHTML={str(b.settings.text)} />
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

function Testimonials(props: { s: SectionData }) {
  const { t } = useShop();
  return (
    <section class={`${scheme(props.s)} sec-quotes`}>
      <Show when={str(props.s.settings.heading)}>
        <h2>{str(props.s.settings.heading)}</h2>
      </Show>
      <ul class="sec-cols">
        <For each={props.s.blocks}>
          {(b) => (
            <li>
              <figure>
                <Show when={num(b.settings.rating, 0) > 0}>
                  <Stars rating={num(b.settings.rating, 0)} label={t('stars', { n: num(b.settings.rating, 0) })} />
                </Show>
                <blockquote>{str(b.settings.quote)}</blockquote>
                <Show when={str(b.settings.author)}>
                  <figcaption>{str(b.settings.author)}</figcaption>
                </Show>
              </figure>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

/**
 * The sign-up form posts to the store's /newsletter (a recorded marketing consent) and works as a plain form; after
 * hydration it posts in place and shows the answer without leaving the page. While the store sends no marketing mail
 * the section shows its heading and text without the form.
 */
function Newsletter(props: { s: SectionData }) {
  const { t } = useShop();
  const [status, setStatus] = createSignal<string | null>(props.s.newsletter?.status ?? null);
  const [sending, setSending] = createSignal(false);
  const id = () => `newsletter-email-${props.s.id}`;
  const message = () => {
    const s = status();
    return s === 'subscribed'
      ? t('newsletterSubscribed')
      : s === 'invalid'
        ? t('newsletterInvalid')
        : s === 'limited'
          ? t('newsletterLimited')
          : s === 'closed'
            ? t('newsletterClosed')
            : '';
  };
  const submit = async (e: SubmitEvent) => {
    const form = e.currentTarget as HTMLFormElement;
    e.preventDefault();
    setSending(true);
    try {
      const res = await fetch(form.action, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        // The form holds text fields only, which URLSearchParams takes as they are.
        body: new URLSearchParams(new FormData(form) as never).toString(),
      });
      const body = (await res.json()) as { status?: string };
      setStatus(body.status ?? 'invalid');
      if (body.status === 'subscribed') form.reset();
    } catch {
      // Offline or an unexpected answer: the plain form post still works.
      form.submit();
    } finally {
      setSending(false);
    }
  };
  return (
    <section class={`${scheme(props.s)} sec-news`} id="newsletter">
      <h2>{str(props.s.settings.heading) || t('newsletterHeading')}</h2>
      <Show when={str(props.s.settings.text)}>
        <p>{str(props.s.settings.text)}</p>
      </Show>
      <Show when={props.s.newsletter?.open}>
        <form class="news-form" method="post" action="/newsletter" onSubmit={submit}>
          <input type="hidden" name="back" value={useShop().chrome.path} />
          <label for={id()}>{t('email')}</label>
          <div class="news-row">
            <input id={id()} type="email" name="email" required maxLength={254} autocomplete="email" aria-describedby={`${id()}-note`} />
            <button class="button primary" type="submit" disabled={sending()}>
              {t('newsletterSubscribe')}
            </button>
          </div>
          <p class="small news-note" id={`${id()}-note`}>
            {t('newsletterConsent')}
          </p>
          <p class="news-status" role="status" aria-live="polite">
            {message()}
          </p>
        </form>
      </Show>
    </section>
  );
}

function Recommendations(props: { s: SectionData }) {
  const { t } = useShop();
  return (
    <Show when={(props.s.cards ?? []).length > 0}>
      <Section title={str(props.s.settings.heading) || t('newArrivals')} link={{ href: '/search', label: t('shopAll') }}>
        <ProductGrid cards={props.s.cards ?? []} slot="home" />
      </Section>
    </Show>
  );
}

function Faq(props: { s: SectionData }) {
  return (
    <section class="sec sec-faq">
      <Show when={str(props.s.settings.heading)}>
        <h2>{str(props.s.settings.heading)}</h2>
      </Show>
      <For each={props.s.blocks}>
        {(b, i) => (
          <details open={props.s.settings.open_first === true && i() === 0}>
            <summary>{str(b.settings.question)}</summary>
            <div class="rte" innerHTML={str(b.settings.answer)} />
          </details>
        )}
      </For>
    </section>
  );
}

/** YouTube (privacy-enhanced youtube-nocookie.com) and Vimeo (dnt=1) embeds, or an uploaded video file. */
function Video(props: { s: SectionData }) {
  const { chrome } = useShop();
  const v = () => props.s.video;
  const title = () => str(props.s.settings.description) || str(props.s.settings.heading) || chrome.shop.name;
  return (
    <Show when={v()}>
      {(src) => (
        <section class="sec sec-video">
          <Show when={str(props.s.settings.heading)}>
            <h2>{str(props.s.settings.heading)}</h2>
          </Show>
          <div class="sec-video-frame">
            <Switch>
              <Match when={src().kind === 'file'}>
                {/* biome-ignore lint/a11y/useMediaCaption: merchant-uploaded videos have no caption track yet */}
                <video controls preload="metadata" src={src().url} poster={str(props.s.settings.poster) || undefined} aria-label={title()} />
              </Match>
              <Match when={src().kind !== 'file'}>
                <iframe
                  src={src().url}
                  title={title()}
                  loading="lazy"
                  allow="autoplay; encrypted-media; picture-in-picture; fullscreen"
                  referrerpolicy="strict-origin-when-cross-origin"
                  allowfullscreen
                />
              </Match>
            </Switch>
          </div>
        </section>
      )}
    </Show>
  );
}

function LogoList(props: { s: SectionData }) {
  return (
    <section class="sec sec-logos">
      <Show when={str(props.s.settings.heading)}>
        <h2>{str(props.s.settings.heading)}</h2>
      </Show>
      <ul>
        <For each={props.s.blocks.filter((b) => str(b.settings.image))}>
          {(b) => (
            <li>
              <Show when={str(b.settings.link)} fallback={<Img url={str(b.settings.image)} alt={str(b.settings.alt)} sizes="160px" />}>
                <a href={str(b.settings.link)}>
                  <Img url={str(b.settings.image)} alt={str(b.settings.alt)} sizes="160px" />
                </a>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

const COMPONENTS: Record<string, (p: { s: SectionData; first: boolean }) => JSX.Element> = {
  'hero-banner': Hero,
  'featured-collection': FeaturedCollection,
  'featured-product': FeaturedProduct,
  'image-with-text': ImageWithText,
  'rich-text': RichText,
  multicolumn: Multicolumn,
  testimonials: Testimonials,
  newsletter: Newsletter,
  recommendations: Recommendations,
  faq: Faq,
  video: Video,
  'logo-list': LogoList,
};

/** A run of sections; `headingFirst`: the first hero carries the page's h1 (the home page has no other). */
export function Sections(props: { sections: SectionData[]; headingFirst?: boolean }) {
  return (
    <For each={props.sections}>
      {(s, i) => {
        const C = COMPONENTS[s.type];
        return C ? <C s={s} first={Boolean(props.headingFirst) && i() === 0} /> : null;
      }}
    </For>
  );
}

/** Sections around a page's own content (`main`); without sections the content alone. */
export function WithSections(props: { sections: SectionData[] | undefined; children: JSX.Element }) {
  const at = () => (props.sections ?? []).findIndex((s) => s.type === 'main');
  const before = () => (at() < 0 ? [] : (props.sections ?? []).slice(0, at()));
  const after = () => (at() < 0 ? (props.sections ?? []) : (props.sections ?? []).slice(at() + 1));
  return (
    <>
      <Sections sections={before()} />
      {props.children}
      <Sections sections={after()} />
    </>
  );
}

/** The home page from its saved layout; the page's h1 is the first hero's heading, else the store's name (hidden). */
export function HomeSections(props: { sections: SectionData[] }) {
  const { chrome } = useShop();
  return (
    <>
      <Show when={props.sections[0]?.type !== 'hero-banner'}>
        <h1 class="visually-hidden">{chrome.shop.name}</h1>
      </Show>
      <Sections sections={props.sections} headingFirst />
    </>
  );
}
