/// <reference lib="dom" />
/**
 * First-party shopper events for recommendations, sent from the hydrated page.
 * Nothing is sent (and no id cookie is set) when the browser asks not to be
 * tracked (Do-Not-Track or Global Privacy Control).
 */
const SESSION_COOKIE = 'sf_sid';
const SESSION_RE = /^[A-Za-z0-9_-]{8,64}$/;

export type ShopperEvent = { type: 'view' | 'add_to_cart'; productId: string; variantId?: string; quantity?: number };

function trackingRefused(): boolean {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  return nav.doNotTrack === '1' || (window as Window & { doNotTrack?: string }).doNotTrack === '1' || nav.globalPrivacyControl === true;
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
  document.cookie = `${SESSION_COOKIE}=${id}; Path=/; Max-Age=${180 * 24 * 3600}; SameSite=Lax${secure}`;
  return id;
}

export function track(event: ShopperEvent): void {
  if (trackingRefused()) return;
  fetch('/api/storefront/v1/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId: sessionId(), events: [event] }),
    keepalive: true,
  }).catch(() => {});
}
