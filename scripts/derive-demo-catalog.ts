/**
 * Derives the demo catalogue (apps/platform/data/demo-catalog.json) from the
 * UCI Online Retail data in ../shared (CC BY 4.0): the 300 best-selling stock
 * codes with their description, typical price and a category guessed from the
 * words of the description. Run: node --import tsx scripts/derive-demo-catalog.ts
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

const root = new URL('../', import.meta.url);
const source = fileURLToPath(new URL('../shared/data/online-retail/online-retail.csv.gz', root));
const out = fileURLToPath(new URL('apps/platform/data/demo-catalog.json', root));

function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return cells;
}

interface Agg {
  code: string;
  descriptions: Map<string, number>;
  prices: number[];
  invoices: Set<string>;
  units: number;
}
const items = new Map<string, Agg>();
const rl = createInterface({ input: createReadStream(source).pipe(createGunzip()) });
let header = true;
for await (const line of rl) {
  if (header) {
    header = false;
    continue;
  }
  const [invoice = '', rawCode = '', desc = '', qty = '', , price = ''] = splitCsv(line);
  const code = rawCode.trim().toUpperCase();
  if (invoice.startsWith('C') || !/^\d{5}/.test(code)) continue;
  const q = Number(qty);
  const p = Number(price);
  if (!(q > 0) || !(p > 0) || !desc.trim()) continue;
  let a = items.get(code);
  if (!a) {
    a = { code, descriptions: new Map(), prices: [], invoices: new Set(), units: 0 };
    items.set(code, a);
  }
  const d = desc.trim();
  a.descriptions.set(d, (a.descriptions.get(d) ?? 0) + 1);
  if (a.prices.length < 2000) a.prices.push(p);
  a.invoices.add(invoice);
  a.units += q;
}

const CATEGORIES: [RegExp, string][] = [
  [/\b(BAG|BAGS|PURSE|TOTE|SHOPPER)\b/, 'Bags'],
  [/\b(CANDLE|T-LIGHT|TLIGHT|LANTERN|TEALIGHT)\b/, 'Candles & Lights'],
  [/\b(MUG|CUP|TEACUP|SAUCER|PLATE|BOWL|JUG|TEAPOT|BAKING|CAKE|KITCHEN|APRON|LUNCH|JAR|TINS?|BOTTLE)\b/, 'Kitchen & Dining'],
  [/\b(CARD|CARDS|WRAP|PAPER|NOTEBOOK|PEN|PENCIL|STICKER|TAPE|ENVELOPE)\b/, 'Stationery & Gift Wrap'],
  [/\b(CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER)\b/, 'Christmas'],
  [/\b(HEART|SIGN|FRAME|CLOCK|MIRROR|CUSHION|DOORMAT|HOOK|HANGER|DECORATION|ORNAMENT|GARLAND|BUNTING|VASE|HOLDER)\b/, 'Home Decor'],
  [/\b(TOY|GAME|DOLL|PUZZLE|SKITTLES|DOMINOES|SPACEBOY|DOLLY)\b/, 'Toys & Games'],
  [/\b(NECKLACE|BRACELET|EARRINGS|RING|HAIR|JEWEL)\b/, 'Accessories'],
  [/\b(GARDEN|PLANT|WATERING|BIRD)\b/, 'Garden'],
];
const COLOURS = ['RED', 'PINK', 'BLUE', 'GREEN', 'WHITE', 'BLACK', 'IVORY', 'CREAM', 'GOLD', 'SILVER', 'PURPLE', 'YELLOW', 'ORANGE'];
const titleCase = (s: string) =>
  s
    .toLowerCase()
    .replace(/\b([a-z])/g, (m) => m.toUpperCase())
    .replace(/\s+/g, ' ')
    .trim();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

const top = [...items.values()].sort((a, b) => b.invoices.size - a.invoices.size || a.code.localeCompare(b.code)).slice(0, 300);
const products = top.map((a) => {
  const desc = [...a.descriptions.entries()].sort((x, y) => y[1] - x[1])[0]?.[0] ?? a.code;
  const category = CATEGORIES.find(([re]) => re.test(desc))?.[1] ?? 'Gifts';
  const colours = COLOURS.filter((c) => new RegExp(`\\b${c}\\b`).test(desc)).map((c) => c.toLowerCase());
  return {
    sku: a.code,
    title: titleCase(desc),
    productType: category,
    vendor: 'Online Retail Co.',
    tags: [category.toLowerCase(), ...colours],
    price: Math.round(median(a.prices) * 100),
    inventoryQuantity: Math.min(500, Math.max(5, Math.round(a.units / 50))),
  };
});

writeFileSync(
  out,
  `${JSON.stringify(
    {
      source: 'UCI Online Retail (Daqing Chen, London South Bank University), https://doi.org/10.24432/C5BW33, CC BY 4.0',
      derivation: 'scripts/derive-demo-catalog.ts: the 300 stock codes on the most invoices; most common description; median unit price (GBP)',
      currency: 'GBP',
      products,
    },
    null,
    1,
  )}\n`,
);
process.stdout.write(`wrote ${products.length} products to ${out}\n`);
