/// <reference lib="dom" />
/**
 * First-party shopper events for recommendations, sent from the hydrated page
 * (this module is part of the same-origin client bundle, so the storefront CSP
 * `script-src 'self'` / `connect-src 'self'` covers it). Nothing is sent, and
 * no id cookie is set, when the browser asks not to be tracked (Do-Not-Track
 * or Global Privacy Control); the server ignores such requests as well. The id
 * cookie outlives the browser session only with recommendations consent.
 */
const SESSION_COOKIE = 'sf_sid';
const SESSION_RE = /^[A-Za-z0-9_-]{8,64}$/;
const ENDPOINT = '/api/storefront/v1/events';
/** The events API takes at most 50 events per request. */
const MAX_BATCH = 50;

export type RecoSlot = 'product' | 'cart' | 'home';
export type ShopperEvent =
  | { type: 'view'; productId: string }
  | { type: 'add_to_cart'; productId: string; variantId?: string; quantity?: number }
  | { type: 'impression' | 'click'; productId: string; slot: RecoSlot };

export function trackingRefused(): boolean {
  if (typeof navigator === 'undefined') return true;
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  return nav.doNotTrack === '1' || (window as Window & { doNotTrack?: string }).doNotTrack === '1' || nav.globalPrivacyControl === true;
}

/** The `sf_consent` cookie (`<id>.<version>.<purposes>`) names `recommendations` among the agreed purposes. */
export function recommendationsConsented(): boolean {
  const raw = document.cookie
    .split('; ')
    .find((c) => c.startsWith('sf_consent='))
    ?.slice('sf_consent='.length);
  const agreed = raw ? decodeURIComponent(raw).split('.')[2] : undefined;
  return agreed ? agreed.split('+').includes('recommendations') : false;
}

function sessionId(): string {
  const existing = document.cookie
    .split('; ')
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
    ?.slice(SESSION_COOKIE.length + 1);
  if (existing && SESSION_RE.test(existing)) return existing;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const id = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  // Kept 180 days only with the shopper's consent to recommendations beyond the visit; otherwise a session
  // cookie (strictly necessary: this visit's recommendations), gone when the browser closes.
  const lifetime = recommendationsConsented() ? `; Max-Age=${180 * 24 * 3600}` : '';
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser the storefront serves.
  document.cookie = `${SESSION_COOKIE}=${id}; Path=/${lifetime}; SameSite=Lax${secure}`;
  return id;
}

/**
 * Sends events (best effort, never throws). `keepalive` lets a click's request
 * finish while the browser navigates to the clicked product.
 */
export function track(events: ShopperEvent | ShopperEvent[]): void {
  const list = Array.isArray(events) ? events : [events];
  if (!list.length || trackingRefused()) return;
  let sid: string;
  try {
    sid = sessionId();
  } catch {
    return;
  }
  for (let i = 0; i < list.length; i += MAX_BATCH) {
    fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: sid, events: list.slice(i, i + MAX_BATCH) }),
      keepalive: true,
      credentials: 'same-origin',
    }).catch(() => {});
  }
}

/**
 * Impressions of a recommendation slot: one batch the first time a fifth of
 * the slot is on screen (at once when IntersectionObserver is missing).
 * Returns the cleanup.
 */
export function observeSlot(el: HTMLElement, slot: RecoSlot): () => void {
  const send = () => {
    const ids = Array.from(el.querySelectorAll<HTMLElement>('[data-product-id]'), (x) => x.dataset.productId).filter((x): x is string => !!x);
    track(ids.map((productId) => ({ type: 'impression', productId, slot })));
  };
  if (typeof IntersectionObserver === 'undefined') {
    send();
    return () => {};
  }
  const io = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        send();
      }
    },
    { threshold: 0.2 },
  );
  io.observe(el);
  return () => io.disconnect();
}
