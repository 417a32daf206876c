/** Who is signed in and which store the console is looking at. */
import { createResource, createSignal } from 'solid-js';
import { locale, setLocale } from '../i18n/index.ts';
import { isLocale } from '../i18n/messages.ts';
import { ApiError, api, type ResponseOf, type Store } from './api.ts';

export type Me = ResponseOf<'/me', 'get'>;

async function fetchMe(): Promise<Me | null> {
  try {
    // The probe answers 200 signed in or not: a signed-out visitor's first page logs no 401 (GET /me would).
    const s = await api.GET('/auth/session');
    if (!s.signedIn) return null;
    const { signedIn: _signedIn, ...m } = s;
    // The merchant's saved language wins over the browser's.
    if (m.user.locale && isLocale(m.user.locale) && m.user.locale !== locale()) setLocale(m.user.locale);
    return m;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

const [me, { refetch: refetchMe, mutate: setMe }] = createResource(fetchMe);
export { me, refetchMe, setMe };

const LAST_STORE = 'storeloom.lastStore';
const [currentStoreId, setCurrentStoreIdSignal] = createSignal<string | null>(null);
export { currentStoreId };
export function setCurrentStoreId(id: string | null) {
  setCurrentStoreIdSignal(id);
  if (id)
    try {
      localStorage.setItem(LAST_STORE, id);
    } catch {
      // storage disabled
    }
}
export function lastStoreId(): string | null {
  try {
    return localStorage.getItem(LAST_STORE);
  } catch {
    return null;
  }
}

export const currentStore = () => {
  const id = currentStoreId();
  return me()?.stores.find((s) => s.id === id);
};

/** Replaces one store in the cached /me (after a settings change) without refetching. */
export function updateStoreInSession(store: Store) {
  const m = me();
  if (!m) return;
  setMe({
    ...m,
    stores: m.stores.map((s) => (s.id === store.id ? { ...s, ...store, role: store.role ?? s.role, capabilities: store.capabilities ?? s.capabilities } : s)),
  });
}
