import { describe, expect, it } from 'vitest';
import { etagOf, ifNoneMatchHits, ResponseCache } from '../src/response-cache.ts';

const entry = (version: string, body: string) => ({ version, etag: etagOf(version, body), body, contentType: 'application/json' });

describe('ResponseCache', () => {
  it('misses (and drops the entry) when the version differs', () => {
    const c = new ResponseCache(100_000);
    c.set('k', entry('1', '{"a":1}'));
    expect(c.get('k', '1')?.body).toBe('{"a":1}');
    expect(c.get('k', '2')).toBeUndefined();
    expect(c.get('k', '1')).toBeUndefined();
    expect(c.stats()).toMatchObject({ entries: 0, bytes: 0, hits: 1, misses: 2 });
  });

  it('is bounded by bytes, evicting the least recently used first', () => {
    const body = 'x'.repeat(1000);
    const c = new ResponseCache(25_000);
    for (let i = 0; i < 9; i++) c.set(`k${i}`, entry('1', body));
    // Each entry costs ~2.2 kB: eleven fit, the twelfth evicts; touching k0 makes k1 the oldest.
    expect(c.get('k0', '1')).toBeDefined();
    c.set('k9', entry('1', body));
    c.set('k10', entry('1', body));
    c.set('k11', entry('1', body));
    expect(c.stats().bytes).toBeLessThanOrEqual(25_000);
    expect(c.get('k0', '1')).toBeDefined();
    expect(c.get('k1', '1')).toBeUndefined();
    expect(c.get('k11', '1')).toBeDefined();
    expect(c.stats().evictions).toBeGreaterThan(0);
    // One entry larger than an eighth of the budget is not kept.
    c.set('big', entry('1', 'y'.repeat(5000)));
    expect(c.get('big', '1')).toBeUndefined();
    c.deletePrefix('k');
    expect(c.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('keeps the least recently used order when the newest entry is read again and again', () => {
    const body = 'x'.repeat(1000);
    // ~2.2 kB an entry: eight fit, the ninth evicts one.
    const c = new ResponseCache(19_000);
    for (let i = 0; i < 8; i++) c.set(`k${i}`, entry('1', body));
    for (let i = 0; i < 3; i++) expect(c.get('k7', '1')).toBeDefined();
    // k0 becomes the newest (read twice), so k1 is the oldest.
    expect(c.get('k0', '1')).toBeDefined();
    expect(c.get('k0', '1')).toBeDefined();
    c.set('k8', entry('1', body));
    expect(c.stats()).toMatchObject({ entries: 8, evictions: 1 });
    expect(c.get('k1', '1')).toBeUndefined();
    for (const k of ['k0', 'k2', 'k7', 'k8']) expect(c.get(k, '1'), k).toBeDefined();
    // The newest dropped (another version): the next hit on an older entry still moves it to the end.
    expect(c.get('k8', '2')).toBeUndefined();
    expect(c.get('k2', '1')).toBeDefined();
    c.set('k9', entry('1', body));
    c.set('k10', entry('1', body));
    expect(c.get('k3', '1')).toBeUndefined();
    expect(c.get('k2', '1')).toBeDefined();
  });

  it('ETags differ by version and body; If-None-Match takes lists, weak forms and *', () => {
    expect(etagOf('1', 'a')).not.toBe(etagOf('2', 'a'));
    expect(etagOf('1', 'a')).not.toBe(etagOf('1', 'b'));
    const e = etagOf('7', 'body');
    expect(ifNoneMatchHits(e, e)).toBe(true);
    expect(ifNoneMatchHits(`"x", W/${e}`, e)).toBe(true);
    expect(ifNoneMatchHits('*', e)).toBe(true);
    expect(ifNoneMatchHits('"x"', e)).toBe(false);
    expect(ifNoneMatchHits(undefined, e)).toBe(false);
  });
});
