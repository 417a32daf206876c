/**
 * The product cards a page shows (home's newest and collection rows, a collection's products, search results,
 * a product's related cards, the cart's add-ons), read and mapped in one place: the page's language
 * (translate.ts) and market (market.ts) each change the cards through these two helpers.
 */
import type { Card, PageData } from './ui/types.ts';

/** Every product card on the page (empty for pages without cards). */
export function pageCards(data: PageData): Card[] {
  return [...mainCards(data), ...('sections' in data ? (data.sections ?? []).flatMap((s) => s.cards ?? []) : [])];
}

function mainCards(data: PageData): Card[] {
  switch (data.page) {
    case 'home':
      return [...data.newest, ...data.collections.flatMap((x) => x.products)];
    case 'collection':
      return data.products;
    case 'search':
      return data.results;
    case 'product':
      return data.related;
    case 'cart':
      return data.addOns;
    default:
      return [];
  }
}

/** The page with each card replaced by `card(it)`; pages without cards come back unchanged. */
export function mapPageCards(data: PageData, card: (x: Card) => Card): PageData {
  const mapped = mapMainCards(data, card);
  if (!('sections' in mapped) || !mapped.sections) return mapped;
  return { ...mapped, sections: mapped.sections.map((s) => (s.cards ? { ...s, cards: s.cards.map(card) } : s)) } as PageData;
}

function mapMainCards(data: PageData, card: (x: Card) => Card): PageData {
  switch (data.page) {
    case 'home':
      return { ...data, newest: data.newest.map(card), collections: data.collections.map((h) => ({ ...h, products: h.products.map(card) })) };
    case 'collection':
      return { ...data, products: data.products.map(card) };
    case 'search':
      return { ...data, results: data.results.map(card) };
    case 'product':
      return { ...data, related: data.related.map(card) };
    case 'cart':
      return { ...data, addOns: data.addOns.map(card) };
    default:
      return data;
  }
}
