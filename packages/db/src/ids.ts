import { randomBytes } from 'node:crypto';

/*
 * The last id's timestamp and 74 random bits (rand_a: 12, rand_b: 62 as 30 + 32), for monotonic ids within a millisecond.
 */
let lastMs = -1;
let randA = 0;
let randBHigh = 0;
let randBLow = 0;

function freshRandom(): void {
  const r = randomBytes(10);
  randA = r.readUInt16BE(0) & 0x0fff;
  randBHigh = r.readUInt32BE(2) & 0x3fffffff;
  randBLow = r.readUInt32BE(6);
}

/** The next 74-bit value after the last id's (RFC 9562 §6.2, method 2); a carry past all 74 bits moves to the next ms. */
function increment(): void {
  randBLow = (randBLow + 1) >>> 0;
  if (randBLow !== 0) return;
  randBHigh = (randBHigh + 1) & 0x3fffffff;
  if (randBHigh !== 0) return;
  randA = (randA + 1) & 0x0fff;
  if (randA === 0) lastMs++;
}

/**
 * UUIDv7: time-ordered, so primary-key indexes stay append-mostly and ids sort
 * by creation (keyset pagination ties break sensibly). Within one millisecond
 * the ids of this process count up from a random start (the random bits of the
 * last id plus one), so rows created in the same millisecond still sort in the
 * order they were made, and lists ordered by id are stable. The same holds when
 * the clock steps back: the last millisecond is kept until the clock passes it.
 * An explicit `now` before the last id's is honoured as given (fresh random
 * bits, outside that sequence). Ids are identifiers, never secrets: anything a
 * holder must not guess (cart, session, reset and API tokens) is a
 * `generateToken` value, and order links are signed.
 */
export function newId(now?: number): string {
  const ms = now ?? Date.now();
  let at: number;
  if (ms > lastMs) {
    freshRandom();
    lastMs = ms;
    at = ms;
  } else if (ms === lastMs || now === undefined) {
    increment();
    at = lastMs;
  } else {
    return format(ms, randomBytes(10));
  }
  const b = Buffer.allocUnsafe(10);
  b.writeUInt16BE(randA, 0);
  b.writeUInt32BE(randBHigh, 2);
  b.writeUInt32BE(randBLow, 6);
  return format(at, b);
}

/** The UUID text of a 48-bit ms timestamp and the 10 bytes `r`: rand_a in the low 12 bits of the first 2, rand_b in the low 62 of the other 8. */
function format(ms: number, r: Buffer): string {
  const b = Buffer.allocUnsafe(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | ((r[0] ?? 0) & 0x0f);
  b[7] = r[1] ?? 0;
  b[8] = 0x80 | ((r[2] ?? 0) & 0x3f);
  r.copy(b, 9, 3, 10);
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
const STORE_SCHEMA_RE = /^t_([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/;
/** The store id a schema name was made from (schemaNameForStore backwards): for a store whose row is gone. */
export function storeIdOfSchema(schema: string): string {
  const m = STORE_SCHEMA_RE.exec(schema);
  if (!m) throw new Error(`not a store's schema name: ${schema}`);
  return m.slice(1).join('-');
}
export function assertTenantSchema(schema: string): string {
  if (!SCHEMA_RE.test(schema)) throw new Error(`not a tenant schema name: ${schema}`);
  return schema;
}

/** A Postgres identifier quoted for SQL text (where kysely's `sql.id` cannot go, e.g. inside a `to_regclass` literal). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
