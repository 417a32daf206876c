/** WCAG 2.x contrast between two #rrggbb colours (1–21), or null when one is not a colour. */
export function contrastRatio(a: string, b: string): number | null {
  const la = luminance(a);
  const lb = luminance(b);
  if (la === null || lb === null) return null;
  const [hi, lo] = la > lb ? [la, lb] : [lb, la];
  return (hi + 0.05) / (lo + 0.05);
}

/** Relative luminance of a #rgb or #rrggbb colour. */
export function luminance(hex: string): number | null {
  let m = /^#?([0-9a-f]{6})$/i.exec(hex.trim())?.[1];
  const short = /^#?([0-9a-f]{3})$/i.exec(hex.trim())?.[1];
  if (!m && short) m = [...short].map((c) => c + c).join('');
  if (!m) return null;
  const n = Number.parseInt(m, 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

/** WCAG AA for normal text. */
export const AA_NORMAL = 4.5;
/** WCAG AA for large text (24 px, or 18.66 px bold) and interface parts. */
export const AA_LARGE = 3;
