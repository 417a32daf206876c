/**
 * Text normalisation shared by indexing and querying: Unicode NFKC (full-width
 * forms, ligatures, compatibility digits), lowercasing and accent folding.
 *
 * Accents are folded only on Latin, Greek and Cyrillic letters; combining marks
 * of other scripts (Devanagari vowel signs, Thai tone marks, ...) carry meaning
 * and are kept.
 */

const FOLDABLE_BASE = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;
const MARK = /\p{M}/u;

/** Letters that NFD does not decompose but shoppers type without the diacritic. */
const SPECIAL_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŋ: 'n',
  ſ: 's',
  // typographic apostrophes and dashes become their ASCII forms so the tokenizer sees one symbol
  '\u2019': "'",
  '\u2018': "'",
  '\u02bc': "'",
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
};
const SPECIAL_RE = new RegExp(`[${Object.keys(SPECIAL_FOLDS).join('')}]`, 'gu');

export function foldAccents(text: string): string {
  const decomposed = text.normalize('NFD');
  let out = '';
  let prevFoldable = false;
  for (const ch of decomposed) {
    if (MARK.test(ch)) {
      if (!prevFoldable) out += ch;
      continue;
    }
    prevFoldable = FOLDABLE_BASE.test(ch);
    out += ch;
  }
  return out.normalize('NFC');
}

/** NFKC, lowercase, fold accents and a few special letters. */
export function normalizeText(text: string): string {
  const lowered = text.normalize('NFKC').toLowerCase();
  return foldAccents(lowered).replace(SPECIAL_RE, (c) => SPECIAL_FOLDS[c] ?? c);
}
