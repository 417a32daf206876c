/**
 * The Porter (1980) English stemmer, as in Martin Porter's reference C
 * implementation (tartarus.org/martin/PorterStemmer), including its two
 * documented departures from the paper (step 2 "bli" -> "ble", "logi" -> "log").
 *
 * Input must be lowercase a-z; anything else is returned unchanged. Words of
 * one or two letters are returned unchanged.
 */

const ASCII_WORD = /^[a-z]+$/;

class PorterWord {
  b: string[];
  k: number; // index of the last letter of the current word
  j = 0; // general offset set by ends()

  constructor(word: string) {
    this.b = word.split('');
    this.k = this.b.length - 1;
  }

  private at(i: number): string {
    return this.b[i] ?? '';
  }

  /** Is b[i] a consonant? 'y' is a consonant at the start or after a vowel. */
  cons(i: number): boolean {
    switch (this.at(i)) {
      case 'a':
      case 'e':
      case 'i':
      case 'o':
      case 'u':
        return false;
      case 'y':
        return i === 0 ? true : !this.cons(i - 1);
      default:
        return true;
    }
  }

  /** m(): the number of VC sequences in b[0..j]. */
  m(): number {
    let n = 0;
    let i = 0;
    const j = this.j;
    for (;;) {
      if (i > j) return n;
      if (!this.cons(i)) break;
      i++;
    }
    i++;
    for (;;) {
      for (;;) {
        if (i > j) return n;
        if (this.cons(i)) break;
        i++;
      }
      i++;
      n++;
      for (;;) {
        if (i > j) return n;
        if (!this.cons(i)) break;
        i++;
      }
      i++;
    }
  }

  vowelInStem(): boolean {
    for (let i = 0; i <= this.j; i++) if (!this.cons(i)) return true;
    return false;
  }

  doubleC(j: number): boolean {
    if (j < 1) return false;
    if (this.at(j) !== this.at(j - 1)) return false;
    return this.cons(j);
  }

  /** consonant-vowel-consonant ending at i, where the last c is not w, x or y. */
  cvc(i: number): boolean {
    if (i < 2 || !this.cons(i) || this.cons(i - 1) || !this.cons(i - 2)) return false;
    const ch = this.at(i);
    return !(ch === 'w' || ch === 'x' || ch === 'y');
  }

  ends(s: string): boolean {
    const len = s.length;
    if (len > this.k + 1) return false;
    for (let i = 0; i < len; i++) if (this.b[this.k - len + 1 + i] !== s[i]) return false;
    this.j = this.k - len;
    return true;
  }

  setTo(s: string): void {
    const start = this.j + 1;
    for (let i = 0; i < s.length; i++) this.b[start + i] = s[i] as string;
    this.k = this.j + s.length;
    this.b.length = this.k + 1;
  }

  r(s: string): void {
    if (this.m() > 0) this.setTo(s);
  }

  step1ab(): void {
    if (this.at(this.k) === 's') {
      if (this.ends('sses')) this.k -= 2;
      else if (this.ends('ies')) this.setTo('i');
      else if (this.at(this.k - 1) !== 's') this.k--;
      this.b.length = this.k + 1;
    }
    if (this.ends('eed')) {
      if (this.m() > 0) this.k--;
    } else if ((this.ends('ed') || this.ends('ing')) && this.vowelInStem()) {
      this.k = this.j;
      this.b.length = this.k + 1;
      if (this.ends('at')) this.setTo('ate');
      else if (this.ends('bl')) this.setTo('ble');
      else if (this.ends('iz')) this.setTo('ize');
      else if (this.doubleC(this.k)) {
        this.k--;
        const ch = this.at(this.k);
        if (ch === 'l' || ch === 's' || ch === 'z') this.k++;
      } else {
        this.j = this.k;
        if (this.m() === 1 && this.cvc(this.k)) this.setTo('e');
      }
    }
    this.b.length = this.k + 1;
  }

  step1c(): void {
    if (this.ends('y') && this.vowelInStem()) this.b[this.k] = 'i';
  }

  private tryRules(rules: readonly (readonly [string, string])[]): void {
    for (const [suffix, repl] of rules) {
      if (this.ends(suffix)) {
        this.r(repl);
        return;
      }
    }
  }

  step2(): void {
    const rules = STEP2[this.at(this.k - 1)];
    if (rules) this.tryRules(rules);
  }

  step3(): void {
    const rules = STEP3[this.at(this.k)];
    if (rules) this.tryRules(rules);
  }

  step4(): void {
    const ch = this.at(this.k - 1);
    let matched = false;
    if (ch === 'o') {
      if (this.ends('ion') && this.j >= 0 && (this.at(this.j) === 's' || this.at(this.j) === 't')) matched = true;
      else if (this.ends('ou')) matched = true;
    } else {
      const suffixes = STEP4[ch];
      if (suffixes) {
        for (const s of suffixes) {
          if (this.ends(s)) {
            matched = true;
            break;
          }
        }
      }
    }
    if (matched && this.m() > 1) {
      this.k = this.j;
      this.b.length = this.k + 1;
    }
  }

  step5(): void {
    this.j = this.k;
    if (this.at(this.k) === 'e') {
      const a = this.m();
      if (a > 1 || (a === 1 && !this.cvc(this.k - 1))) this.k--;
    }
    if (this.at(this.k) === 'l' && this.doubleC(this.k)) {
      this.j = this.k;
      if (this.m() > 1) this.k--;
    }
    this.b.length = this.k + 1;
  }
}

const STEP2: Record<string, readonly (readonly [string, string])[]> = {
  a: [
    ['ational', 'ate'],
    ['tional', 'tion'],
  ],
  c: [
    ['enci', 'ence'],
    ['anci', 'ance'],
  ],
  e: [['izer', 'ize']],
  l: [
    ['bli', 'ble'],
    ['alli', 'al'],
    ['entli', 'ent'],
    ['eli', 'e'],
    ['ousli', 'ous'],
  ],
  o: [
    ['ization', 'ize'],
    ['ation', 'ate'],
    ['ator', 'ate'],
  ],
  s: [
    ['alism', 'al'],
    ['iveness', 'ive'],
    ['fulness', 'ful'],
    ['ousness', 'ous'],
  ],
  t: [
    ['aliti', 'al'],
    ['iviti', 'ive'],
    ['biliti', 'ble'],
  ],
  g: [['logi', 'log']],
};

const STEP3: Record<string, readonly (readonly [string, string])[]> = {
  e: [
    ['icate', 'ic'],
    ['ative', ''],
    ['alize', 'al'],
  ],
  i: [['iciti', 'ic']],
  l: [
    ['ical', 'ic'],
    ['ful', ''],
  ],
  s: [['ness', '']],
};

const STEP4: Record<string, readonly string[]> = {
  a: ['al'],
  c: ['ance', 'ence'],
  e: ['er'],
  i: ['ic'],
  l: ['able', 'ible'],
  n: ['ant', 'ement', 'ment', 'ent'],
  s: ['ism'],
  t: ['ate', 'iti'],
  u: ['ous'],
  v: ['ive'],
  z: ['ize'],
};

export function porterStem(word: string): string {
  if (word.length <= 2 || !ASCII_WORD.test(word)) return word;
  const w = new PorterWord(word);
  w.step1ab();
  if (w.k > 0) {
    w.step1c();
    w.step2();
    w.step3();
    w.step4();
    w.step5();
  }
  return w.b.slice(0, w.k + 1).join('');
}
