/** Team page card: the store's sign-in policy (owner may require two-factor sign-in of everyone). */
import { createResource, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Banner, Card } from '../components/ui.tsx';
import { t } from '../i18n/index.ts';
import { api } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';

export function TeamSecurityCard() {
  const s = useStore();
  const [policy, { mutate }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/security', { params: { path: { storeId: id } } }));
  const isOwner = () => s.store()?.role === 'owner';
  const missing = () => policy()?.members.filter((m) => !m.twoFactor).length ?? 0;
  const toggle = async (value: boolean) => {
    try {
      const r = await api.PATCH('/stores/{storeId}/security', { params: { path: { storeId: s.storeId() } }, body: { requireTwoFactor: value } });
      mutate(r);
      toast.success(t('team.requireTwoFactorSaved'));
    } catch (e) {
      toast.error((e as Error).message);
      mutate(policy());
    }
  };
  return (
    <Show when={policy()}>
      {(p) => (
        <Card title={t('security.title')} id="team-security">
          <label class="checkbox">
            <input type="checkbox" checked={p().requireTwoFactor} disabled={!isOwner()} onChange={(e) => void toggle(e.currentTarget.checked)} />
            <span>{t('team.requireTwoFactor')}</span>
          </label>
          <p class="muted small">{t('team.requireTwoFactorHint')}</p>
          <Show when={missing() > 0}>
            <Banner tone="info">{t('team.twoFactorMissing', { count: String(missing()) })}</Banner>
          </Show>
        </Card>
      )}
    </Show>
  );
}
