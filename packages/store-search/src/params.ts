/** Search query-string parameters -> SearchRequest, shared by the storefront and merchant APIs. */
import { AppError, ErrorCode } from '@storeloom/errors';
import type { SearchFilters, SearchRequest, SearchSort } from './query.ts';

const SORTS: readonly SearchSort[] = ['relevance', 'price_asc', 'price_desc', 'newest'];

const bad = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

/** Repeated or comma-separated values: `tag=a&tag=b` or `tag=a,b` (options are `option=size:M`). */
function list(p: URLSearchParams, name: string): string[] | undefined {
  const raw = p.getAll(name).flatMap((v) => (name === 'option' ? [v] : v.split(',')));
  const values = raw.map((v) => v.trim()).filter(Boolean);
  if (values.length > 50) throw bad(name, 'at most 50 values');
  if (values.some((v) => v.length > 200)) throw bad(name, 'a value is longer than 200 characters');
  return values.length ? values : undefined;
}

function int(p: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const v = p.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw bad(name, `must be a whole number from ${min} to ${max}`);
  return n;
}

const LOCALE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/;

const flag = (p: URLSearchParams, name: string) => ['1', 'true', 'yes'].includes((p.get(name) ?? '').toLowerCase());

export function parseSearchParams(p: URLSearchParams, opts: { allowExplain?: boolean } = {}): SearchRequest {
  const q = p.get('q') ?? '';
  if (q.length > 200) throw bad('q', 'at most 200 characters');
  const sort = p.get('sort') ?? undefined;
  if (sort !== undefined && !SORTS.includes(sort as SearchSort)) throw bad('sort', `one of ${SORTS.join(', ')}`);
  const filters: SearchFilters = {};
  const set = <K extends keyof SearchFilters>(k: K, v: SearchFilters[K] | undefined) => {
    if (v !== undefined) filters[k] = v;
  };
  set('vendor', list(p, 'vendor'));
  set('productType', list(p, 'type'));
  set('tag', list(p, 'tag'));
  set('collection', list(p, 'collection'));
  set('option', list(p, 'option'));
  set('priceMin', int(p, 'priceMin', 0, 2_000_000_000));
  set('priceMax', int(p, 'priceMax', 0, 2_000_000_000));
  if (flag(p, 'inStock')) filters.inStock = true;
  const cursor = p.get('cursor') ?? undefined;
  if (cursor !== undefined && cursor.length > 200) throw bad('cursor', 'invalid');
  const req: SearchRequest = { q, filters, limit: int(p, 'limit', 1, 100) ?? 24 };
  if (sort) req.sort = sort as SearchSort;
  if (cursor) req.cursor = cursor;
  const locale = p.get('locale');
  if (locale) {
    if (!LOCALE_RE.test(locale)) throw bad('locale', 'a language such as de or zh-CN');
    req.locale = locale;
  }
  if (opts.allowExplain && flag(p, 'explain')) req.explain = true;
  return req;
}
