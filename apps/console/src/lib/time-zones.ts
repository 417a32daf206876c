/**
 * The IANA time zones the browser knows (Intl.supportedValuesOf), searchable for the time zone picker: a query
 * matches the zone id with spaces or underscores ("new york", "New_York"), its city, or its UTC offset ("+09").
 */
import type { PickerOption } from '../components/search-picker.tsx';

let cache: string[] | null = null;
function allZones(): string[] {
  if (cache) return cache;
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  cache = ['UTC', ...all.filter((z) => z !== 'UTC')];
  return cache;
}

/** "America/New_York" → "America/New York" (what the merchant reads and what the picker's input shows). */
export const timeZoneLabel = (zone: string) => zone.replaceAll('_', ' ');

/** "GMT+09:00" for a zone now ("GMT" for UTC), in the console's locale. */
export function timeZoneOffset(zone: string, locale: string): string {
  try {
    const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName');
    return part?.value ?? '';
  } catch {
    return '';
  }
}

const norm = (s: string) => s.toLowerCase().replaceAll('_', ' ');

/** Zones matching `q` (all zones for an empty query, UTC first), at most `limit`, as picker options. */
export function searchTimeZones(q: string, locale: string, limit = 50): PickerOption<string>[] {
  const needle = norm(q.trim());
  const zones = allZones();
  const hits = needle
    ? zones.filter((z) => {
        const offset = timeZoneOffset(z, 'en');
        return norm(z).includes(needle) || offset.toLowerCase().includes(needle);
      })
    : zones;
  // Zones whose city starts with the query come first ("pari" → Europe/Paris first).
  const city = (z: string) => norm(z.slice(z.lastIndexOf('/') + 1));
  const ranked = needle ? [...hits].sort((a, b) => Number(!city(a).startsWith(needle)) - Number(!city(b).startsWith(needle))) : hits;
  return ranked.slice(0, limit).map((z) => ({ id: z, label: timeZoneLabel(z), detail: timeZoneOffset(z, locale), value: z }));
}
