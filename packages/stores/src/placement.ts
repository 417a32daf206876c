/**
 * Placement policy for new stores: the pinned cluster (PLACEMENT_PIN_CLUSTER)
 * when set, otherwise the open cluster with the fewest stores per unit of
 * weight among those this process can reach. Called inside the transaction
 * that inserts the store row, so the choice is recorded with the store.
 */
import { type ControlDatabase, type Kysely, sql, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';

export async function pickCluster(
  control: Kysely<ControlDatabase> | Transaction<ControlDatabase>,
  configured: readonly string[],
  pin?: string,
): Promise<string> {
  if (pin) {
    if (!configured.includes(pin)) throw new Error(`PLACEMENT_PIN_CLUSTER=${pin} is not a configured cluster (${configured.join(', ')})`);
    return pin;
  }
  const row = await control
    .selectFrom('database_clusters')
    .select('id')
    .where('status', '=', 'open')
    .where('weight', '>', 0)
    .where('id', 'in', configured as string[])
    .orderBy(sql`store_count::float8 / weight`)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!row) throw new AppError(ErrorCode.ServiceUnavailable, 'No database cluster is open for new stores', { headers: { 'Retry-After': '60' } });
  return row.id;
}
