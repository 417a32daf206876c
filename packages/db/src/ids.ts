import { randomBytes } from 'node:crypto';

/**
 * UUIDv7: time-ordered, so primary-key indexes stay append-mostly and ids sort
 * by creation (keyset pagination ties break sensibly).
 */
export function newId(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | ((b[6] ?? 0) & 0x0f);
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUuid = (s: string) => UUID_RE.test(s);

const SCHEMA_RE = /^t_[a-z0-9_]{1,60}$/;
/** A store's schema name comes from its internal id only, never from user input. */
export function schemaNameForStore(storeId: string): string {
  if (!isUuid(storeId)) throw new Error('store id must be a uuid');
  return `t_${storeId.replaceAll('-', '')}`;
}
export function assertTenantSchema(schema: string): string {
  if (!SCHEMA_RE.test(schema)) throw new Error(`not a tenant schema name: ${schema}`);
  return schema;
}
