/**
 * Theme sections on the server: a saved layout becomes the `SectionData[]` the
 * page's Solid components render (ui/sections.tsx). Settings get the
 * registry's defaults, rich text goes through the description sanitiser again
 * (rows written under older rules are safe too), and what sections show is
 * looked up in a few batched statements: featured collections' cards in one,
 * featured products in one, recommendations once for the largest slot.
 */
import { sanitizeRichText } from '@storeloom/catalog/html';
import { type Layout, mapRichText, parseVideoUrl, SECTIONS_BY_TYPE, settingsWithDefaults, type ThemeTemplate } from '@storeloom/theme';
import { StorefrontCatalog } from './catalog.ts';
import type { C, Storefront } from './context.ts';
import { NEWSLETTER_STATUSES, type NewsletterStatus } from './routes/newsletter.ts';
import { layoutFor } from './theme-preview.ts';
import { storeMediaPath } from './ui/media.ts';
import type { Card, SectionData } from './ui/types.ts';

const videoOf = (raw: unknown, storeId: string): SectionData['video'] => {
  const v = typeof raw === 'string' ? parseVideoUrl(raw) : null;
  if (!v) return null;
  if (v.kind === 'youtube') return { kind: 'youtube', url: `https://www.youtube-nocookie.com/embed/${v.id}` };
  if (v.kind === 'vimeo') return { kind: 'vimeo', url: `https://player.vimeo.com/video/${v.id}?dnt=1` };
  return { kind: 'file', url: storeMediaPath(v.url, storeId) };
};

export async function sectionsData(c: C, sf: Storefront, layout: Layout): Promise<SectionData[]> {
  const t = c.var.tenant;
  const shown = mapRichText({ sections: layout.sections.filter((s) => !s.disabled && SECTIONS_BY_TYPE.has(s.type)) }, sanitizeRichText).sections;
  const sections: SectionData[] = shown.map((s) => {
    const schema = SECTIONS_BY_TYPE.get(s.type);
    return {
      id: s.id,
      type: s.type,
      settings: settingsWithDefaults(schema?.settings ?? [], s.settings),
      blocks: s.blocks.flatMap((b) => {
        const bs = schema?.blocks.find((x) => x.type === b.type);
        return bs ? [{ id: b.id, type: b.type, settings: settingsWithDefaults(bs.settings, b.settings) }] : [];
      }),
    };
  });
  const catalog = new StorefrontCatalog(t.t);
  const refs = new Map(t.collections.map((r) => [r.id, r]));
  const featured = sections.filter((s) => s.type === 'featured-collection');
  const wanted = [...new Set(featured.map((s) => s.settings.collection).filter((id): id is string => typeof id === 'string' && refs.has(id)))];
  const perCollection = Math.max(0, ...featured.map((s) => Number(s.settings.products_to_show) || 4));
  const productIds = sections.filter((s) => s.type === 'featured-product').flatMap((s) => (typeof s.settings.product === 'string' ? [s.settings.product] : []));
  const recoCount = Math.max(0, ...sections.filter((s) => s.type === 'recommendations').map((s) => Number(s.settings.products_to_show) || 8));
  const [byCollection, products, recommended] = await Promise.all([
    wanted.length
      ? catalog.featured(
          wanted.map((id) => refs.get(id) as NonNullable<ReturnType<typeof refs.get>>),
          perCollection,
        )
      : new Map<string, Card[]>(),
    catalog.byIds([...new Set(productIds)]),
    recoCount ? sf.recoFor(t).forHome({ viewedProductIds: [] }, recoCount) : Promise.resolve([] as Card[]),
  ]);
  const productById = new Map(products.map((p) => [p.id, p]));
  for (const s of sections) {
    if (s.type === 'featured-collection') {
      const ref = typeof s.settings.collection === 'string' ? refs.get(s.settings.collection) : undefined;
      s.collection = ref ? { handle: ref.handle, title: ref.title } : null;
      s.cards = ref ? (byCollection.get(ref.id) ?? []).slice(0, Number(s.settings.products_to_show) || 4) : [];
    } else if (s.type === 'featured-product') {
      const card = typeof s.settings.product === 'string' ? productById.get(s.settings.product) : undefined;
      s.cards = card ? [card] : [];
    } else if (s.type === 'recommendations') {
      s.cards = recommended.slice(0, Number(s.settings.products_to_show) || 8);
    } else if (s.type === 'video') {
      s.video = videoOf(s.settings.video_url, t.store.id);
    } else if (s.type === 'newsletter') {
      const status = c.req.query('newsletter');
      s.newsletter = {
        open: t.settings.promotions.marketingEmails,
        status: (NEWSLETTER_STATUSES as readonly string[]).includes(status ?? '') ? (status as NewsletterStatus) : null,
      };
    }
  }
  return sections;
}

/** `{sections}` for a page of this template when the store has a saved layout for it (or a preview shows a draft). */
export async function templateSections(c: C, sf: Storefront, template: ThemeTemplate): Promise<{ sections?: SectionData[] }> {
  const layout = await layoutFor(c, template);
  return layout ? { sections: await sectionsData(c, sf, layout) } : {};
}
