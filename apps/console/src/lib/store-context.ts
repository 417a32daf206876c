/** The store the current route is about, for pages under /stores/:storeId. */
import { useParams } from '@solidjs/router';
import { type Capability, can } from './api.ts';
import { me } from './session.ts';

export function useStore() {
  const params = useParams();
  const storeId = () => params.storeId ?? '';
  const store = () => me()?.stores.find((s) => s.id === storeId());
  return {
    storeId,
    store,
    base: () => `/stores/${storeId()}`,
    path: (rest: string) => `/stores/${storeId()}${rest}`,
    currency: () => store()?.currency ?? 'USD',
    can: (c: Capability) => can(store(), c),
  };
}
