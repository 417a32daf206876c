/** Settings index (like Shopify's): one list of every settings area, each a link with a one-line description. */
import { A } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { Icon, type IconName } from '../components/icons.tsx';
import { PageHeader } from '../components/ui.tsx';
import { type MessageKey, t } from '../i18n/index.ts';
import type { Capability } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';

interface SettingsLink {
  /** Path under /stores/:storeId/ */
  path: string;
  title: MessageKey;
  description: MessageKey;
  icon: IconName;
  scope?: Capability;
}

/** Sub-pages of /settings (settings.tsx renders them) and the pages elsewhere that belong to settings. */
export const SETTINGS_LINKS: SettingsLink[] = [
  { path: 'settings/general', title: 'settingsIndex.general', description: 'settingsIndex.generalHint', icon: 'settings' },
  { path: 'markets', title: 'settingsIndex.markets', description: 'settingsIndex.marketsHint', icon: 'globe' },
  { path: 'settings/checkout', title: 'settingsIndex.checkout', description: 'settingsIndex.checkoutHint', icon: 'cart' },
  { path: 'settings/checkout', title: 'settingsIndex.shipping', description: 'settingsIndex.shippingHint', icon: 'box' },
  { path: 'settings/checkout', title: 'settingsIndex.taxes', description: 'settingsIndex.taxesHint', icon: 'billing' },
  { path: 'settings/notifications', title: 'settingsIndex.notifications', description: 'settingsIndex.notificationsHint', icon: 'mail' },
  { path: 'settings/privacy', title: 'settingsIndex.privacy', description: 'settingsIndex.privacyHint', icon: 'user', scope: 'store:read' },
  { path: 'privacy', title: 'settingsIndex.privacyRequests', description: 'settingsIndex.privacyRequestsHint', icon: 'user', scope: 'privacy:manage' },
  { path: 'team', title: 'settingsIndex.team', description: 'settingsIndex.teamHint', icon: 'team' },
  { path: 'billing', title: 'settingsIndex.billing', description: 'settingsIndex.billingHint', icon: 'billing' },
  { path: 'payouts', title: 'settingsIndex.payouts', description: 'settingsIndex.payoutsHint', icon: 'payouts' },
  { path: 'settings/api-tokens', title: 'settingsIndex.apiTokens', description: 'settingsIndex.apiTokensHint', icon: 'external' },
  { path: 'webhooks', title: 'settingsIndex.webhooks', description: 'settingsIndex.webhooksHint', icon: 'external' },
  { path: 'jobs', title: 'settingsIndex.jobs', description: 'settingsIndex.jobsHint', icon: 'jobs' },
  { path: 'audit-log', title: 'settingsIndex.auditLog', description: 'settingsIndex.auditLogHint', icon: 'jobs', scope: 'audit:read' },
  { path: 'settings/store-data', title: 'settingsIndex.storeData', description: 'settingsIndex.storeDataHint', icon: 'import' },
];

export default function SettingsIndexPage() {
  const s = useStore();
  return (
    <div class="page page-narrow">
      <PageHeader title={t('settings.title')} subtitle={s.store()?.name} />
      <nav class="card settings-index" aria-label={t('settings.title')}>
        <ul>
          <For each={SETTINGS_LINKS}>
            {(link) => (
              <Show when={!link.scope || s.can(link.scope)}>
                <li>
                  <A href={s.path(`/${link.path}`)} class="settings-link">
                    <Icon name={link.icon} />
                    <span class="settings-link-text">
                      <span class="settings-link-title">{t(link.title)}</span>
                      <span class="muted small">{t(link.description)}</span>
                    </span>
                  </A>
                </li>
              </Show>
            )}
          </For>
        </ul>
      </nav>
    </div>
  );
}
