/**
 * Signing secrets at rest. Signing needs the secret itself (a hash would not
 * do), so it is sealed with the platform's one `SecretBox`
 * (`@storeloom/secret-box`, key SECRETS_KEY, alias WEBHOOK_SECRETS_KEY), bound
 * to its column. Values in an older format (the webhook box's own `v1.<iv>.<tag>.<ct>`,
 * a `plain:` secret carried over from the old alert webhook by a migration,
 * which had no key) or under a previous key still open, and are sealed again
 * under the current key the first time they are read.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import type { SecretBox } from '@storeloom/secret-box';

/** What a webhook signing secret is bound to (GCM additional data): it opens only as this column. */
export const WEBHOOK_SECRET_PURPOSE = 'webhook_subscriptions.secret_ciphertext';

export function sealWebhookSecret(box: SecretBox, secret: string): string {
  return box.seal(secret, WEBHOOK_SECRET_PURPOSE);
}

/**
 * Opens a subscription's signing secret; a stale value (older format, previous
 * key) is sealed again under the current key.
 */
export async function openWebhookSecret(t: Kysely<TenantDatabase>, box: SecretBox, row: { id: string; secret_ciphertext: string }): Promise<string> {
  const { plaintext, stale } = box.inspect(row.secret_ciphertext, WEBHOOK_SECRET_PURPOSE, { allowPlain: true });
  if (stale) await resealWebhookSecret(t, box, row, plaintext);
  return plaintext;
}

/** Stores the secret sealed under the current key, unless the subscription's secret changed meanwhile (rotated: then nothing). */
export async function resealWebhookSecret(
  t: Kysely<TenantDatabase>,
  box: SecretBox,
  row: { id: string; secret_ciphertext: string },
  plaintext: string,
): Promise<void> {
  await t
    .updateTable('webhook_subscriptions')
    .set({ secret_ciphertext: sealWebhookSecret(box, plaintext) })
    .where('id', '=', row.id)
    .where('secret_ciphertext', '=', row.secret_ciphertext)
    .execute();
}
