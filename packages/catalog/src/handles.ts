/** URL handles: lower-case ASCII words joined by single hyphens. */
export function slugify(input: string, fallback = 'product'): string {
  const s = input
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 90)
    .replace(/-+$/g, '');
  return s || fallback;
}

export const HANDLE_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Picks `base`, or `base-2`, `base-3`… the first not in `taken`. */
export function nextFreeHandle(base: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  if (!set.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`;
    if (!set.has(candidate)) return candidate;
  }
}
