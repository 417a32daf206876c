import { describe, expect, it } from 'vitest';
import { searchTimeZones, timeZoneLabel, timeZoneOffset } from '../src/lib/time-zones.ts';

describe('time zone search (the settings time zone picker)', () => {
  it('lists UTC first, then every IANA zone the runtime knows', () => {
    const all = searchTimeZones('', 'en', 10_000);
    expect(all[0]?.id).toBe('UTC');
    expect(all.length).toBe(Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC').length + 1);
    expect(searchTimeZones('', 'en')).toHaveLength(50);
  });

  it('matches a city typed with spaces or underscores, any case, cities starting with the query first', () => {
    expect(searchTimeZones('new york', 'en').map((o) => o.id)).toContain('America/New_York');
    expect(searchTimeZones('NEW_YORK', 'en').map((o) => o.id)).toContain('America/New_York');
    expect(searchTimeZones('pari', 'en')[0]?.id).toBe('Europe/Paris');
    expect(searchTimeZones('zzzz-nowhere', 'en')).toEqual([]);
  });

  it('labels a zone without underscores and gives its current offset', () => {
    const tokyo = searchTimeZones('tokyo', 'en')[0];
    expect(tokyo).toMatchObject({ id: 'Asia/Tokyo', label: 'Asia/Tokyo', value: 'Asia/Tokyo', detail: 'GMT+09:00' });
    expect(timeZoneLabel('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos Aires');
    expect(timeZoneOffset('UTC', 'en')).toMatch(/^GMT(\+00:00)?$/);
    expect(searchTimeZones('+09:00', 'en').map((o) => o.id)).toContain('Asia/Tokyo');
  });
});
