/**
 * Tokenizer over normalised text (see normalize.ts).
 *
 * - Words are runs of letters, digits and (non-folded) combining marks.
 * - Possessive "'s" is dropped ("levi's" -> "levi"); other inner apostrophes are
 *   removed ("o'neill" -> "oneill").
 * - A word mixing letters and digits ("16gb", "ps3") keeps its whole form and
 *   also yields its letter/digit runs ("16" "gb") on consecutive positions, so
 *   "16 gb", "16gb" and "16-gb" meet.
 * - Words joined by hyphens ("harley-davidson", "k-cup") also yield the joined
 *   form ("harleydavidson", "kcup") at the first word's position.
 * - Han, Hiragana, Katakana and Hangul runs become overlapping character
 *   bigrams; a run of one character is kept as a unigram.
 */

export interface TokenizerOptions {
  /** Emit letter/digit sub-runs of mixed words (default true). */
  readonly splitAlphanumeric?: boolean;
  /** Emit the concatenation of hyphen-joined words (default true). */
  readonly joinHyphenated?: boolean;
  /** Drop possessive 's and inner apostrophes instead of splitting on them (default true). */
  readonly apostrophes?: boolean;
}

/** One token of the source text as seen by a query: the word and what it expands into. */
export interface TokenGroup {
  /** The whole word (normalised, not stemmed) or a CJK bigram/unigram. */
  readonly text: string;
  /** Position of the first token of the group. */
  readonly pos: number;
  /** Letter/digit sub-runs of a mixed word, on positions pos, pos+1, ...; empty otherwise. */
  readonly parts: readonly string[];
  readonly kind: 'word' | 'cjk';
  /** Joined form when this word starts a hyphenated compound ("harley-davidson" -> "harleydavidson"). */
  readonly joined?: string;
  /** Punctuation that separates phrases (",", "(", ":", " - ", "|", ...) comes right before this word. */
  readonly breakBefore?: boolean;
}

export interface Tokenized {
  readonly groups: readonly TokenGroup[];
  /** Number of positions used (the field length). */
  readonly length: number;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]/u;
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;

/** Split a word into maximal runs of digits and of non-digits. */
export function alphaNumericRuns(word: string): string[] {
  const runs: string[] = [];
  let cur = '';
  let curDigit: boolean | null = null;
  for (const ch of word) {
    const d = DIGIT.test(ch);
    if (curDigit === null || d === curDigit) cur += ch;
    else {
      runs.push(cur);
      cur = ch;
    }
    curDigit = d;
  }
  if (cur) runs.push(cur);
  return runs;
}

interface RawWord {
  text: string;
  /** The word is followed by a hyphen and then directly by another word. */
  hyphenNext: boolean;
  cjk: boolean;
  breakBefore: boolean;
}

const PHRASE_BREAK = /[,;:()[\]{}|!?"]/u;
const SPACE = /\s/u;

// ASCII fast paths: most catalogue text is ASCII, and Unicode property regexes are slow per character.
function isCjk(ch: string): boolean {
  return ch.charCodeAt(0) >= 0x1100 && CJK.test(ch);
}

function isWordChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  return WORD_CHAR.test(ch);
}

function isLetter(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  return LETTER.test(ch);
}

function scanWords(text: string, apostrophes: boolean): RawWord[] {
  const out: RawWord[] = [];
  const chars = Array.from(text);
  let i = 0;
  const n = chars.length;
  let pendingBreak = false;
  while (i < n) {
    const ch = chars[i] as string;
    if (isCjk(ch)) {
      let run = '';
      while (i < n && isCjk(chars[i] as string)) run += chars[i++];
      out.push({ text: run, hyphenNext: false, cjk: true, breakBefore: pendingBreak });
      pendingBreak = false;
      continue;
    }
    if (!isWordChar(ch)) {
      // a dash or slash between spaces separates phrases too ("Seagate - Portable Drive - Black")
      if (PHRASE_BREAK.test(ch) || ((ch === '-' || ch === '/') && SPACE.test(chars[i - 1] ?? ' ') && SPACE.test(chars[i + 1] ?? ' '))) pendingBreak = true;
      i++;
      continue;
    }
    let word = '';
    while (i < n) {
      const c = chars[i] as string;
      if (isCjk(c)) break;
      if (isWordChar(c)) {
        word += c;
        i++;
        continue;
      }
      if (apostrophes && c === "'" && isLetter(chars[i - 1] ?? '') && isLetter(chars[i + 1] ?? '')) {
        // possessive 's at the end of a word is dropped, other apostrophes are removed
        if (chars[i + 1] === 's' && !isWordChar(chars[i + 2] ?? '')) {
          i += 2;
          break;
        }
        i++;
        continue;
      }
      break;
    }
    const hyphenNext = chars[i] === '-' && isWordChar(chars[i + 1] ?? '') && !isCjk(chars[i + 1] ?? '');
    if (word) {
      out.push({ text: word, hyphenNext, cjk: false, breakBefore: pendingBreak });
      pendingBreak = false;
    }
  }
  return out;
}

export function tokenize(text: string, options: TokenizerOptions = {}): Tokenized {
  const splitAlnum = options.splitAlphanumeric ?? true;
  const joinHyphen = options.joinHyphenated ?? true;
  const words = scanWords(text, options.apostrophes ?? true);
  const groups: TokenGroup[] = [];
  let pos = 0;
  for (let w = 0; w < words.length; w++) {
    const word = words[w] as RawWord;
    if (word.cjk) {
      const cs = Array.from(word.text);
      if (cs.length === 1)
        groups.push(
          word.breakBefore
            ? { text: word.text, pos: pos++, parts: [], kind: 'cjk', breakBefore: true }
            : { text: word.text, pos: pos++, parts: [], kind: 'cjk' },
        );
      else for (let c = 0; c + 1 < cs.length; c++) groups.push({ text: (cs[c] as string) + cs[c + 1], pos: pos++, parts: [], kind: 'cjk' });
      continue;
    }
    let joined: string | undefined;
    if (joinHyphen && word.hyphenNext) {
      let j = w;
      let s = word.text;
      while ((words[j] as RawWord).hyphenNext && j + 1 < words.length && j - w < 3) {
        j++;
        s += (words[j] as RawWord).text;
      }
      if (j > w) joined = s;
    }
    const runs = splitAlnum ? alphaNumericRuns(word.text) : [];
    const parts = runs.length > 1 ? runs : [];
    const group: { -readonly [K in keyof TokenGroup]: TokenGroup[K] } = { text: word.text, pos, parts, kind: 'word' };
    if (joined !== undefined) group.joined = joined;
    if (word.breakBefore) group.breakBefore = true;
    groups.push(group);
    pos += Math.max(1, parts.length);
  }
  return { groups, length: pos };
}
