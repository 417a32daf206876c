/**
 * newId: UUIDv7 ids that sort in the order this process made them, also within one millisecond (lists ordered
 * by id are then stable for rows created in the same millisecond), with the version and variant bits intact.
 */
import { isUuid, newId, schemaNameForStore, storeIdOfSchema } from '@storeloom/db';
import { afterEach, describe, expect, it, vi } from 'vitest';

const msOf = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
const expectIncreasing = (ids: string[]) => {
  for (let i = 1; i < ids.length; i++) expect((ids[i - 1] as string) < (ids[i] as string), `${ids[i - 1]} then ${ids[i]}`).toBe(true);
};
const expectV7 = (id: string) => {
  expect(isUuid(id)).toBe(true);
  expect(id[14]).toBe('7');
  expect('89ab').toContain(id[19]);
};

describe('newId', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('1,000 ids made in a tight loop are in strictly increasing order', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expectIncreasing(ids);
    for (const id of ids) expectV7(id);
  });

  it('ids given the same millisecond count up and keep it as their timestamp', () => {
    const now = Date.now();
    const ids = Array.from({ length: 1000 }, () => newId(now));
    expectIncreasing(ids);
    for (const id of ids) {
      expectV7(id);
      expect(msOf(id)).toBe(now);
    }
    // A later millisecond starts from fresh random bits, after all of them.
    const later = newId(now + 1);
    expect(later > (ids.at(-1) as string)).toBe(true);
    expect(msOf(later)).toBe(now + 1);
  });

  it('stay in order when the clock steps back, at the last millisecond until the clock passes it', () => {
    const start = Date.now() + 1000;
    const clock = [start, start - 500, start - 500, start - 1, start + 1];
    vi.spyOn(Date, 'now').mockImplementation(() => clock.shift() ?? start + 2);
    const ids = Array.from({ length: 5 }, () => newId());
    expectIncreasing(ids);
    expect(ids.map(msOf)).toEqual([start, start, start, start, start + 1]);
  });

  it('an explicit earlier time is honoured as given', () => {
    const last = newId();
    const earlier = msOf(last) - 60_000;
    const id = newId(earlier);
    expectV7(id);
    expect(msOf(id)).toBe(earlier);
    expect(newId() > last).toBe(true);
  });
});

describe('storeIdOfSchema', () => {
  it("gives back the store id a schema name was made from, and refuses a name that is not a store's", () => {
    for (let i = 0; i < 100; i++) {
      const id = newId();
      expect(storeIdOfSchema(schemaNameForStore(id))).toBe(id);
    }
    for (const name of ['public', 't_', 't_abc', `t_${'g'.repeat(32)}`, `x_${'a'.repeat(32)}`, `t_${'a'.repeat(33)}`])
      expect(() => storeIdOfSchema(name), name).toThrow(/not a store's schema/);
  });
});
