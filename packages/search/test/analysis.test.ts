import { describe, expect, it } from 'vitest';
import { Analyzer, alphaNumericRuns, foldAccents, normalizeText, porterStem, titleHeadPosition, tokenize } from '../src/index.ts';

describe('porterStem', () => {
  // Examples from Porter (1980) and the reference implementation's test vocabulary.
  const cases: [string, string][] = [
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['ties', 'ti'],
    ['caress', 'caress'],
    ['cats', 'cat'],
    ['feed', 'feed'],
    ['agreed', 'agre'],
    ['plastered', 'plaster'],
    ['bled', 'bled'],
    ['motoring', 'motor'],
    ['sing', 'sing'],
    ['conflated', 'conflat'],
    ['troubled', 'troubl'],
    ['sized', 'size'],
    ['hopping', 'hop'],
    ['tanned', 'tan'],
    ['falling', 'fall'],
    ['hissing', 'hiss'],
    ['fizzed', 'fizz'],
    ['failing', 'fail'],
    ['filing', 'file'],
    ['happy', 'happi'],
    ['sky', 'sky'],
    ['relational', 'relat'],
    ['conditional', 'condit'],
    ['rational', 'ration'],
    ['valenci', 'valenc'],
    ['digitizer', 'digit'],
    ['conformabli', 'conform'],
    ['radicalli', 'radic'],
    ['differentli', 'differ'],
    ['vileli', 'vile'],
    ['analogousli', 'analog'],
    ['vietnamization', 'vietnam'],
    ['predication', 'predic'],
    ['operator', 'oper'],
    ['feudalism', 'feudal'],
    ['decisiveness', 'decis'],
    ['hopefulness', 'hope'],
    ['callousness', 'callous'],
    ['formaliti', 'formal'],
    ['sensitiviti', 'sensit'],
    ['sensibiliti', 'sensibl'],
    ['triplicate', 'triplic'],
    ['formative', 'form'],
    ['formalize', 'formal'],
    ['electriciti', 'electr'],
    ['electrical', 'electr'],
    ['hopeful', 'hope'],
    ['goodness', 'good'],
    ['revival', 'reviv'],
    ['allowance', 'allow'],
    ['inference', 'infer'],
    ['airliner', 'airlin'],
    ['gyroscopic', 'gyroscop'],
    ['adjustable', 'adjust'],
    ['defensible', 'defens'],
    ['irritant', 'irrit'],
    ['replacement', 'replac'],
    ['adjustment', 'adjust'],
    ['dependent', 'depend'],
    ['adoption', 'adopt'],
    ['homologou', 'homolog'],
    ['communism', 'commun'],
    ['activate', 'activ'],
    ['angulariti', 'angular'],
    ['homologous', 'homolog'],
    ['effective', 'effect'],
    ['bowdlerize', 'bowdler'],
    ['probate', 'probat'],
    ['rate', 'rate'],
    ['cease', 'ceas'],
    ['controll', 'control'],
    ['roll', 'roll'],
    ['generalizations', 'gener'],
    ['shoes', 'shoe'],
    ['jeans', 'jean'],
  ];
  it.each(cases)('%s -> %s', (word, stem) => {
    expect(porterStem(word)).toBe(stem);
  });

  it('leaves short words and non a-z input alone', () => {
    expect(porterStem('is')).toBe('is');
    expect(porterStem('16gb')).toBe('16gb');
    expect(porterStem('café')).toBe('café');
  });
});

describe('normalisation', () => {
  it('applies NFKC, lowercases and folds accents', () => {
    expect(normalizeText('ＡＢＣ１２３')).toBe('abc123'); // full-width forms
    expect(normalizeText('Crème Brûlée')).toBe('creme brulee');
    expect(normalizeText('ﬁne')).toBe('fine'); // ligature
    expect(normalizeText('Straße Ærø')).toBe('strasse aero');
    expect(normalizeText('Levi’s')).toBe("levi's"); // typographic apostrophe
  });

  it('keeps combining marks of scripts where they carry meaning', () => {
    expect(foldAccents('हिंदी')).toBe('हिंदी');
    expect(foldAccents('Ñandú')).toBe('Nandu');
  });
});

describe('tokenize', () => {
  it('splits model numbers into letter and digit runs on consecutive positions', () => {
    const t = tokenize('apple 16gb ps3');
    expect(t.groups.map((g) => [g.text, g.pos, g.parts])).toEqual([
      ['apple', 0, []],
      ['16gb', 1, ['16', 'gb']],
      ['ps3', 3, ['ps', '3']],
    ]);
    expect(t.length).toBe(5);
    expect(alphaNumericRuns('x124y')).toEqual(['x', '124', 'y']);
  });

  it('drops possessives, joins hyphenated words and marks phrase breaks', () => {
    const t = tokenize("levi's harley-davidson jacket, black");
    expect(t.groups.map((g) => g.text)).toEqual(['levi', 'harley', 'davidson', 'jacket', 'black']);
    expect(t.groups[1]?.joined).toBe('harleydavidson');
    expect(t.groups[4]?.breakBefore).toBe(true);
    expect(t.groups[3]?.breakBefore).toBeUndefined();
  });

  it('turns CJK runs into overlapping bigrams and keeps a single character as a unigram', () => {
    const t = tokenize('苹果手机壳 红 iphone');
    expect(t.groups.map((g) => [g.text, g.kind, g.pos])).toEqual([
      ['苹果', 'cjk', 0],
      ['果手', 'cjk', 1],
      ['手机', 'cjk', 2],
      ['机壳', 'cjk', 3],
      ['红', 'cjk', 4],
      ['iphone', 'word', 5],
    ]);
  });
});

describe('Analyzer', () => {
  it('emits stemmed index terms with surface forms and positions', () => {
    const a = new Analyzer();
    const out = a.analyze('Running Shoes 16GB');
    expect(out.tokens.map((t) => [t.term, t.surface, t.pos])).toEqual([
      ['run', 'running', 0],
      ['shoe', 'shoes', 1],
      ['16gb', '16gb', 2],
      ['16', '16', 2],
      ['gb', 'gb', 3],
    ]);
    expect(out.length).toBe(4);
  });

  it('can run without a stemmer', () => {
    expect(new Analyzer({ stemmer: null }).term('running')).toBe('running');
  });
});

describe('titleHeadPosition', () => {
  const head = (title: string) => {
    const { groups } = new Analyzer().groups(title);
    return groups.find((g) => g.pos === titleHeadPosition(groups))?.text;
  };
  it('finds the head noun of the main phrase of a product title', () => {
    expect(head('Case Logic Portable Hard Drive Case, Black')).toBe('case');
    expect(head('Seagate - Wireless Plus 2TB Portable Hard Drive - Gray')).toBe('drive');
    expect(head('OtterBox Defender Case for iPhone 5')).toBe('case');
    expect(head('Orlimar Golf Shoes White/Black Men’s 9 Medium')).toBe('shoes');
    expect(head('Samsonite Spin Trunk 25')).toBe('trunk');
  });
});
