import { describe, expect, it } from 'vitest';
import type { Product } from '../src/lib/api.ts';
import { CSV_HEADER, csvCell, productsToCsv } from '../src/lib/csv-export.ts';

const product = (over: Partial<Product>): Product => ({
  id: 'p1',
  handle: 'linen-shirt',
  title: 'Linen Shirt',
  description: 'Soft, "breathable"',
  status: 'active',
  vendor: 'Ada',
  productType: 'Shirts',
  tags: ['linen', 'summer'],
  options: [{ name: 'Size', values: ['S', 'M'] }],
  seoTitle: null,
  seoDescription: null,
  version: 1,
  createdAt: '',
  updatedAt: '',
  variants: [
    { id: 'v1', sku: 'LS-S', title: 'S', options: { Size: 'S' }, price: 4500, compareAtPrice: 5000, inventoryQuantity: 3, position: 0, version: 1 },
    { id: 'v2', sku: 'LS-M', title: 'M', options: { Size: 'M' }, price: 4950, compareAtPrice: null, inventoryQuantity: 12, position: 1, version: 1 },
  ],
  images: [
    { id: 'i1', url: '/media/a.png', alt: 'front', position: 0 },
    { id: 'i2', url: '/media/b.png', alt: null, position: 1 },
    { id: 'i3', url: '/media/c.png', alt: 'back', position: 2 },
  ],
  collectionIds: [],
  ...over,
});

const parse = (csv: string) => csv.trimEnd().split('\r\n');

describe('CSV export', () => {
  it('writes one row per variant, product fields once, extra images on their own rows', () => {
    const lines = parse(productsToCsv([product({})], 'USD'));
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(
      'linen-shirt,Linen Shirt,"Soft, ""breathable""",Ada,Shirts,"linen, summer",true,Size,S,,,,,LS-S,3,45.00,50.00,/media/a.png,1,front,,,active',
    );
    expect(lines[2]).toBe('linen-shirt,,,,,,,,M,,,,,LS-M,12,49.50,,/media/b.png,2,,,,');
    expect(lines[3]).toBe('linen-shirt,,,,,,,,,,,,,,,,,/media/c.png,3,back,,,');
  });

  it('uses the currency digits for prices', () => {
    const csv = productsToCsv([product({ images: [], variants: [{ ...product({}).variants[0]!, price: 1250 }] })], 'JPY');
    expect(parse(csv)[1]).toContain(',1250,');
  });

  it('quotes separators and defuses spreadsheet formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-12.5')).toBe('-12.5');
    expect(csvCell(null)).toBe('');
  });
});
