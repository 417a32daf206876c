import { createResource, createSignal, For, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, describedBy, EmptyState, Field, Modal, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { formatDate } from '../lib/format.ts';
import { createFormState } from '../lib/form.ts';
import { me, refetchMe } from '../lib/session.ts';
import { useStore } from '../lib/store-context.ts';
import { TeamSecurityCard } from './team-security.tsx';

type Member = Schemas['Member'];
type Invitation = Schemas['Invitation'];

export default function TeamPage() {
  const s = useStore();
  const [team, { refetch }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/team', { params: { path: { storeId: id } } }));
  const form = createFormState();
  const [email, setEmail] = createSignal('');
  const [role, setRole] = createSignal<'admin' | 'staff'>('staff');
  const [removing, setRemoving] = createSignal<Member | null>(null);
  const [transferTo, setTransferTo] = createSignal<Member | null>(null);
  const manage = () => s.can('team:manage');
  const mayTransfer = () => s.can('store:transfer');
  const myId = () => me()?.user.id;

  const invite = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() =>
      api.POST('/stores/{storeId}/invitations', { params: { path: { storeId: s.storeId() } }, body: { email: email(), role: role() } }),
    );
    if (r) {
      toast.success(t('team.invited', { email: r.invitation.email }));
      setEmail('');
      refetch();
    }
  };
  const act = async (run: () => Promise<unknown>, message: string) => {
    try {
      await run();
      toast.success(message);
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };

  return (
    <div class="page page-narrow">
      <PageHeader title={t('team.title')} subtitle={t('team.subtitle')} />
      <Show when={manage()}>
        <Card title={t('team.invite')} id="invite">
          <form class="inline-form" onSubmit={invite} novalidate>
            <Field id="invite-email" label={t('auth.email')} error={form.errors().email} class="grow">
              <input
                id="invite-email"
                type="email"
                value={email()}
                onInput={(e) => setEmail(e.currentTarget.value)}
                {...describedBy('invite-email', form.errors().email)}
              />
            </Field>
            <Field id="invite-role" label={t('team.role')} error={form.errors().role}>
              <select id="invite-role" value={role()} onChange={(e) => setRole(e.currentTarget.value as 'admin' | 'staff')}>
                <option value="staff">{t('role.staff')}</option>
                <option value="admin">{t('role.admin')}</option>
              </select>
            </Field>
            <button type="submit" class="button primary" disabled={form.busy() || !email().trim()}>
              {t('team.sendInvite')}
            </button>
          </form>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <p class="muted small">{t(`team.roleHint.${role()}`)}</p>
        </Card>
      </Show>
      <Card title={t('team.members')} id="members">
        <Show when={team()} fallback={<SkeletonRows rows={3} cols={3} />}>
          <ul class="member-list">
            <For each={team()?.members ?? []}>
              {(m) => (
                <li>
                  <span class="user-avatar" aria-hidden="true">
                    {m.name.slice(0, 1).toUpperCase()}
                  </span>
                  <span class="grow">
                    <strong>{m.name}</strong>
                    <Show when={m.userId === myId()}>
                      <span class="muted small"> ({t('team.you')})</span>
                    </Show>
                    <span class="muted small block">{m.email}</span>
                  </span>
                  <Show when={manage() && m.role !== 'owner' && m.userId !== myId()} fallback={<Badge value={m.role} label={t(`role.${m.role}`)} />}>
                    <label class="visually-hidden" for={`role-${m.userId}`}>
                      {t('team.roleOf', { name: m.name })}
                    </label>
                    <select
                      id={`role-${m.userId}`}
                      value={m.role}
                      onChange={(e) =>
                        act(
                          () =>
                            api.PATCH('/stores/{storeId}/members/{userId}', {
                              params: { path: { storeId: s.storeId(), userId: m.userId } },
                              body: { role: e.currentTarget.value as 'admin' | 'staff' },
                            }),
                          t('team.roleChanged', { name: m.name }),
                        )
                      }
                    >
                      <option value="staff">{t('role.staff')}</option>
                      <option value="admin">{t('role.admin')}</option>
                    </select>
                  </Show>
                  <Show when={mayTransfer() && m.role !== 'owner'}>
                    <button type="button" class="button small" onClick={() => setTransferTo(m)}>
                      {t('team.makeOwner')}
                    </button>
                  </Show>
                  <Show when={manage() && m.role !== 'owner' && m.userId !== myId()}>
                    <button type="button" class="button small danger" onClick={() => setRemoving(m)}>
                      {t('team.remove')}
                    </button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Card>
      <Show when={manage()}>
        <Card title={t('team.pending')} id="pending">
          <Show
            when={(team()?.invitations.length ?? 0) > 0}
            fallback={<EmptyState icon="mail" title={t('team.noInvitesTitle')} body={t('team.noInvitesBody')} />}
          >
            <ul class="member-list">
              <For each={team()?.invitations ?? []}>
                {(inv) => (
                  <li>
                    <span class="grow">
                      <strong>{inv.email}</strong>
                      <span class="muted small block">
                        {inv.expired ? t('team.expired') : t('team.expires', { date: formatDate(inv.expiresAt, locale()) })}
                      </span>
                    </span>
                    <Badge value={inv.role} label={t(`role.${inv.role}`)} />
                    <button
                      type="button"
                      class="button small"
                      onClick={() =>
                        act(
                          () =>
                            api.POST('/stores/{storeId}/invitations', {
                              params: { path: { storeId: s.storeId() } },
                              body: { email: inv.email, role: inv.role },
                            }),
                          t('team.resent', { email: inv.email }),
                        )
                      }
                    >
                      {t('team.resend')}
                    </button>
                    <button
                      type="button"
                      class="button small danger"
                      onClick={() =>
                        act(
                          () =>
                            api.DELETE('/stores/{storeId}/invitations/{invitationId}', { params: { path: { storeId: s.storeId(), invitationId: inv.id } } }),
                          t('team.inviteRevoked'),
                        )
                      }
                    >
                      {t('team.revoke')}
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Card>
      </Show>
      <Modal
        open={removing() !== null}
        title={t('team.removeTitle')}
        onClose={() => setRemoving(null)}
        footer={
          <>
            <button type="button" class="button" onClick={() => setRemoving(null)}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              class="button danger"
              onClick={() => {
                const m = removing();
                setRemoving(null);
                if (m)
                  void act(
                    () => api.DELETE('/stores/{storeId}/members/{userId}', { params: { path: { storeId: s.storeId(), userId: m.userId } } }),
                    t('team.removed', { name: m.name }),
                  );
              }}
            >
              {t('team.remove')}
            </button>
          </>
        }
      >
        <p>{t('team.removeBody', { name: removing()?.name ?? '' })}</p>
      </Modal>
      <Modal
        open={transferTo() !== null}
        title={t('team.transferTitle')}
        onClose={() => setTransferTo(null)}
        footer={
          <>
            <button type="button" class="button" onClick={() => setTransferTo(null)}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              class="button danger"
              onClick={() => {
                const m = transferTo();
                setTransferTo(null);
                if (m)
                  void act(
                    async () => {
                      await api.POST('/stores/{storeId}/transfer-ownership', { params: { path: { storeId: s.storeId() } }, body: { userId: m.userId } });
                      await refetchMe();
                    },
                    t('team.transferred', { name: m.name }),
                  );
              }}
            >
              {t('team.transfer')}
            </button>
          </>
        }
      >
        <p>{t('team.transferBody', { name: transferTo()?.name ?? '' })}</p>
      </Modal>
      <Show when={manage()}>
        <TeamSecurityCard />
      </Show>
    </div>
  );
}
