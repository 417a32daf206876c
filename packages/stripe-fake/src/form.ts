/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed
 * keys (`line_items[0][price]=…`, `metadata[storeId]=…`, `expand[0]=…`).
 * Objects whose keys are all indices become arrays, as the real API reads them.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

export function parseStripeForm(body: string): Record<string, FormValue> {
  const root: Record<string, FormValue> = {};
  const appended = new Map<string, number>();
  for (const [rawKey, value] of new URLSearchParams(body)) {
    // `expand[]=a&expand[]=b`: empty brackets append.
    const at = rawKey.indexOf('[]');
    let key = rawKey;
    if (at >= 0) {
      const prefix = rawKey.slice(0, at);
      const n = appended.get(prefix) ?? 0;
      appended.set(prefix, n + 1);
      key = `${prefix}[${n}]${rawKey.slice(at + 2)}`;
    }
    const path = keyPath(key);
    let node: Record<string, FormValue> = root;
    path.forEach((segment, i) => {
      if (i === path.length - 1) {
        node[segment] = value;
        return;
      }
      const next = node[segment];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
      node = node[segment] as Record<string, FormValue>;
    });
  }
  return arrayify(root) as Record<string, FormValue>;
}

function keyPath(key: string): string[] {
  const first = key.indexOf('[');
  if (first < 0) return [key];
  const parts = [key.slice(0, first)];
  for (const m of key.slice(first).matchAll(/\[([^\]]*)\]/g)) parts.push(m[1] ?? '');
  return parts;
}

function arrayify(v: FormValue): FormValue {
  if (typeof v === 'string' || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  const out: Record<string, FormValue> = {};
  for (const k of keys) out[k] = arrayify(v[k] as FormValue);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k)))
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => out[String(k)] as FormValue);
  return out;
}

/** Form values arrive as strings; these read them with Stripe's types. */
export const str = (v: FormValue | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const int = (v: FormValue | undefined): number | undefined => {
  const s = str(v);
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isInteger(n) ? n : undefined;
};
export const obj = (v: FormValue | undefined): Record<string, FormValue> => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
export const list = (v: FormValue | undefined): FormValue[] => {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') return Object.values(v);
  return v === undefined || v === '' ? [] : [v];
};
export const strings = (v: FormValue | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
