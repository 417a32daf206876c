/**
 * Per-language search (issue 19): a locale's query runs on that locale's index, analysed with its language's
 * stemmer (German, French, Spanish Snowball; CJK bigrams), over the translated text with the original as fallback;
 * a translated title is a title. The default-language document of a product is unchanged by translations.
 */
import { describe, expect, it } from 'vitest';
import { indexForLocale, type LoadedIndex, newStoreEngine, type StoreConfig } from '../src/cache.ts';
import { localeDocument, toSearchDocument } from '../src/documents.ts';
import { autocompleteIndex, runSearch } from '../src/query.ts';
import type { IndexedDoc } from '../src/tables.ts';

const doc = (over: Partial<IndexedDoc> & { title: string }): IndexedDoc => ({
  handle: over.title.toLowerCase().replace(/\W+/g, '-'),
  description: '',
  vendor: null,
  productType: null,
  tags: [],
  collectionIds: [],
  collections: [],
  options: [],
  optionPairs: [],
  skus: [],
  priceMin: 1000,
  priceMax: 1000,
  inStock: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  image: null,
  ...over,
});

const config: StoreConfig = { version: '1', stopWords: [], language: 'en', inStockBoost: 0, synonyms: [], pins: new Map() };

function index(entries: [string, IndexedDoc][]): LoadedIndex {
  const engine = newStoreEngine(config);
  const docs = new Map(entries);
  for (const [id, d] of entries) engine.index(toSearchDocument(id, d));
  return { schema: 's', engine, docs, seq: 1, config, checkedAt: 0, loadedAt: 0 };
}

const search = (entry: LoadedIndex, q: string, locale?: string) =>
  runSearch(indexForLocale(entry, locale), { q, ...(locale ? { locale } : {}) }).hits.map((h) => h.productId);

const CATALOGUE: [string, IndexedDoc][] = [
  [
    'shirt',
    doc({
      title: 'Linen shirt',
      description: 'Cool in summer.',
      options: ['Sand'],
      translations: {
        de: { title: 'Leinenhemd', description: 'Kühl im Sommer.', options: ['Sandfarben'] },
        fr: { title: 'Chemise en lin', description: 'Fraîche en été.' },
        ja: { title: '麻のシャツ', description: '夏に涼しい。' },
      },
    }),
  ],
  ['dress', doc({ title: 'Summer dress', description: 'Light cotton.', translations: { de: { title: 'Sommerkleid' }, fr: { title: 'Robes d’été' } } })],
  // no translation at all: every locale finds it by its original text
  ['hat', doc({ title: 'Wool hat', description: 'Warm in winter.' })],
  [
    'shorts',
    doc({
      title: 'Cotton shorts',
      description: 'Pairs well with any shirt.',
      translations: { de: { title: 'Baumwollshorts', description: 'Passt zu jedem Hemd und jeder Hose.' } },
    }),
  ],
  ['shirtHemd', doc({ title: 'Oxford shirt', translations: { de: { title: 'Oxford Hemd' } } })],
];

describe('per-locale search', () => {
  it('German stemming: "Hemden" finds the product titled "Hemd"', () => {
    const entry = index(CATALOGUE);
    expect(search(entry, 'Hemden', 'de')).toContain('shirtHemd');
    expect(search(entry, 'Leinenhemden', 'de')).toEqual(['shirt']);
    // the German analysis is only the German locale's: the default index has no German text at all
    expect(search(entry, 'Hemden')).toEqual([]);
  });

  it('French: accents and plurals meet ("chemises", "ete", "robe")', () => {
    const entry = index(CATALOGUE);
    expect(search(entry, 'chemises', 'fr')).toEqual(['shirt']);
    expect(search(entry, 'robe ete', 'fr')[0]).toBe('dress');
    expect(search(entry, 'robes', 'fr')).toEqual(['dress']);
    expect(search(entry, 'fraiche', 'fr')).toEqual(['shirt']);
  });

  it('Japanese: a title found by a bigram query', () => {
    const entry = index(CATALOGUE);
    expect(search(entry, 'シャツ', 'ja')).toEqual(['shirt']);
    expect(search(entry, '麻の', 'ja')).toEqual(['shirt']);
  });

  it('a translated title ranks above a mention in a translated description', () => {
    const entry = index(CATALOGUE);
    const hits = search(entry, 'Hemd', 'de');
    expect(hits.indexOf('shirtHemd')).toBeGreaterThanOrEqual(0);
    expect(hits.indexOf('shorts')).toBeGreaterThan(hits.indexOf('shirtHemd'));
    // shown under the German title
    expect(runSearch(indexForLocale(entry, 'de'), { q: 'Hemd', locale: 'de' }).hits[0]?.title).toBe('Oxford Hemd');
  });

  it('falls back to the default language for a product without a translation (and for an untranslated locale)', () => {
    const entry = index(CATALOGUE);
    expect(search(entry, 'wool hat', 'de')).toEqual(['hat']);
    expect(search(entry, 'winter', 'fr')).toEqual(['hat']);
    // no product in Spanish: the default index answers
    expect(indexForLocale(entry, 'es')).toBe(entry);
    expect(search(entry, 'linen', 'es')).toEqual(['shirt']);
    // a regional locale uses its language's translation
    expect(search(entry, 'Leinenhemd', 'de-CH')).toEqual(['shirt']);
  });

  it('the default-language document ignores translations (English fields and scoring as before)', () => {
    const [id, d] = CATALOGUE[0] as [string, IndexedDoc];
    const { translations: _, ...plain } = d;
    expect(toSearchDocument(id, d)).toEqual(toSearchDocument(id, plain));
    expect(toSearchDocument(id, plain)).toEqual({
      id,
      title: 'Linen shirt',
      description: 'Cool in summer.',
      tags: [],
      collections: [],
      options: ['Sand'],
      skus: [],
    });
    expect(localeDocument(id, plain, 'de')).toEqual(toSearchDocument(id, plain));
    const entry = index(CATALOGUE);
    expect(indexForLocale(entry, undefined)).toBe(entry);
  });
});

describe('per-locale autocomplete', () => {
  it('completes German words in the German index and shows the German title', () => {
    const entry = index(CATALOGUE);
    const out = autocompleteIndex(indexForLocale(entry, 'de'), 'leinen', [], 5, 'de');
    expect(out.products.map((p) => p.title)).toEqual(['Leinenhemd']);
  });
});
