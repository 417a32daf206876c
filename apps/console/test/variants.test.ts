import { describe, expect, it } from 'vitest';
import { cleanOptions, combinations, emptyRow, generateVariantRows, variantTitle } from '../src/lib/variants.ts';

describe('variant generation', () => {
  it('makes one row per combination, first option slowest', () => {
    const rows = generateVariantRows(
      [
        { name: 'Size', values: ['S', 'M'] },
        { name: 'Colour', values: ['Red', 'Blue'] },
      ],
      [emptyRow()],
    );
    expect(rows.map((r) => r.options)).toEqual([
      { Size: 'S', Colour: 'Red' },
      { Size: 'S', Colour: 'Blue' },
      { Size: 'M', Colour: 'Red' },
      { Size: 'M', Colour: 'Blue' },
    ]);
  });

  it('keeps prices, SKUs and ids of combinations that still exist', () => {
    const before = generateVariantRows([{ name: 'Size', values: ['S', 'M'] }], [emptyRow()]).map((r, i) => ({
      ...r,
      id: `v${i}`,
      price: `${10 + i}`,
      sku: `SKU-${i}`,
    }));
    const after = generateVariantRows([{ name: 'Size', values: ['S', 'M', 'L'] }], before);
    expect(after.map((r) => [r.options.Size, r.id, r.price, r.sku])).toEqual([
      ['S', 'v0', '10', 'SKU-0'],
      ['M', 'v1', '11', 'SKU-1'],
      ['L', undefined, '', ''],
    ]);
  });

  it('carries rows over positionally when an option is renamed', () => {
    const before = generateVariantRows([{ name: 'Size', values: ['S', 'M'] }], [emptyRow()]).map((r, i) => ({ ...r, price: `${i + 1}` }));
    const after = generateVariantRows([{ name: 'Taille', values: ['S', 'M'] }], before);
    expect(after.map((r) => [r.options, r.price])).toEqual([
      [{ Taille: 'S' }, '1'],
      [{ Taille: 'M' }, '2'],
    ]);
  });

  it('seeds new combinations from the single default row when the first option is added', () => {
    const base = { ...emptyRow(), id: 'v-default', price: '25.00', sku: 'TEE', inventoryQuantity: '4' };
    const rows = generateVariantRows([{ name: 'Size', values: ['S', 'M'] }], [base]);
    expect(rows.map((r) => [r.id, r.price, r.sku])).toEqual([
      ['v-default', '25.00', 'TEE'],
      [undefined, '25.00', ''],
    ]);
  });

  it('falls back to one default row without options', () => {
    const rows = generateVariantRows([{ name: '', values: [] }], [{ ...emptyRow({ Size: 'S' }), price: '5' }]);
    expect(rows).toEqual([{ ...emptyRow(), price: '5' }]);
  });

  it('ignores blank and duplicate option names and values', () => {
    expect(
      cleanOptions([
        { name: ' Size ', values: ['S', ' S', '', 'M'] },
        { name: 'size', values: ['X'] },
        { name: 'Colour', values: [] },
      ]),
    ).toEqual([{ name: 'Size', values: ['S', 'M'] }]);
    expect(combinations([])).toEqual([{}]);
  });

  it('titles variants in option order', () => {
    const order = [
      { name: 'Size', values: ['M'] },
      { name: 'Colour', values: ['Red'] },
    ];
    expect(variantTitle({ Colour: 'Red', Size: 'M' }, order)).toBe('M / Red');
  });
});
