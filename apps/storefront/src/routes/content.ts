/** Merchant pages (/pages/<handle>), policy pages (/policies/<handle>), the blog (/blog, /blog/<handle>) and its feeds. */
import { templateSections } from '../sections.ts';
import { descriptionToText, sanitizeRichText } from '@storeloom/catalog/html';
import { type ArticleView, ArticleService, atomFeed, PageService, PolicyService, rssFeed } from '@storeloom/content';
import type { C, Storefront } from '../context.ts';
import { absoluteMedia } from '../media.ts';
import type { StorefrontApp } from '../middleware.ts';
import { translatedArticles, translatedPage } from '../translate.ts';
import { breadcrumbs } from '../pages.ts';
import type { ArticleCardData } from '../ui/types.ts';

const BLOG_PAGE = 12;
const FEED_SIZE = 20;
const TAG_RE = /^[\p{L}\p{N}][\p{L}\p{N} _-]{0,99}$/u;

const card = (a: ArticleView): ArticleCardData => ({
  handle: a.handle,
  title: a.title,
  excerpt: a.excerpt,
  author: a.author,
  tags: a.tags,
  coverImageUrl: a.coverImageUrl,
  coverImageAlt: a.coverImageAlt,
  publishedAt: a.publishedAt,
});

export function contentRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/pages/:handle', (c) =>
    sf.pages.cached(c, async (count) => {
      const { tenant } = c.var;
      // Drafts are a plain 404 to shoppers.
      const original = await new PageService(tenant.t).published(c.req.param('handle'));
      if (!original) return sf.pages.notFound(c, count);
      const page = await translatedPage(c, original);
      const origin = sf.origin(c);
      const url = `${origin}/pages/${page.handle}`;
      // Sanitised again on the way out (as product descriptions are), so rows written under older rules are safe too.
      const html = sanitizeRichText(page.body);
      return sf.pages.render(
        c,
        { page: 'content', kind: 'page', title: page.title, html, updatedAt: page.updatedAt, ...(await templateSections(c, sf, 'page')) },
        {
          title: page.seoTitle || `${page.title} – ${tenant.store.name}`,
          description: (page.seoDescription || descriptionToText(html) || page.title).slice(0, 160),
          canonical: url,
          jsonLd: [
            { '@context': 'https://schema.org', '@type': 'WebPage', name: page.title, url, dateModified: page.updatedAt },
            breadcrumbs([
              { name: sf.t(c)('home'), url: `${origin}/` },
              { name: page.title, url },
            ]),
          ],
        },
        { count },
      );
    }),
  );

  app.get('/policies/:handle', (c) =>
    sf.pages.cached(c, async (count) => {
      const { tenant } = c.var;
      const policy = await new PolicyService(tenant.t).page(c.req.param('handle'), tenant.store.name);
      if (!policy) return sf.pages.notFound(c, count);
      const url = `${sf.origin(c)}/policies/${c.req.param('handle')}`;
      return sf.pages.render(
        c,
        { page: 'content', kind: 'policy', title: policy.title, html: policy.html, updatedAt: policy.updatedAt },
        { title: `${policy.title} – ${tenant.store.name}`, description: `${policy.title} · ${tenant.store.name}`, canonical: url },
        { count },
      );
    }),
  );

  app.get('/blog', (c) =>
    sf.pages.cached(c, async (count) => {
      const { tenant } = c.var;
      const rawTag = c.req.query('tag');
      const tag = rawTag && TAG_RE.test(rawTag.trim()) ? rawTag.trim().toLowerCase() : null;
      if (rawTag !== undefined && !tag) return sf.pages.notFound(c, count);
      const pageNumber = Math.max(1, Math.min(1000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
      const rows = await translatedArticles(
        c,
        await new ArticleService(tenant.t).visible({ limit: BLOG_PAGE + 1, offset: (pageNumber - 1) * BLOG_PAGE, ...(tag ? { tag } : {}) }),
      );
      if (pageNumber > 1 && rows.length === 0) return sf.pages.notFound(c, count);
      const origin = sf.origin(c);
      const t = sf.t(c);
      const query = new URLSearchParams({ ...(tag ? { tag } : {}), ...(pageNumber > 1 ? { page: String(pageNumber) } : {}) }).toString();
      const canonical = `${origin}/blog${query ? `?${query}` : ''}`;
      const articles = rows.slice(0, BLOG_PAGE);
      return sf.pages.render(
        c,
        { page: 'blog', articles: articles.map(card), tag, pageNumber, hasNext: rows.length > BLOG_PAGE },
        {
          title: `${tag ? t('taggedWith', { tag }) : t('blog')} – ${tenant.store.name}`,
          description: `${t('blog')} · ${tenant.store.name}`,
          canonical,
          jsonLd: [
            {
              '@context': 'https://schema.org',
              '@type': 'Blog',
              name: `${tenant.store.name} – ${t('blog')}`,
              url: `${origin}/blog`,
              blogPost: articles.map((a) => ({ '@type': 'BlogPosting', headline: a.title, url: `${origin}/blog/${a.handle}`, datePublished: a.publishedAt })),
            },
          ],
        },
        { count },
      );
    }),
  );

  const feed = (kind: 'atom' | 'rss') => async (c: C) => {
    const { tenant } = c.var;
    const origin = sf.origin(c);
    const articles = await new ArticleService(tenant.t).visible({ limit: FEED_SIZE });
    const ctx = { storeName: tenant.store.name, origin, absolute: (u: string) => absoluteMedia(origin, u, tenant.store.id) };
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(kind === 'atom' ? atomFeed(articles, ctx) : rssFeed(articles, ctx), 200, {
      'Content-Type': kind === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8',
    });
  };
  app.get('/blog/feed.atom', feed('atom'));
  app.get('/blog/feed.rss', feed('rss'));

  app.get('/blog/:handle', (c) =>
    sf.pages.cached(c, async (count) => {
      const { tenant } = c.var;
      const original = await new ArticleService(tenant.t).visibleByHandle(c.req.param('handle'));
      if (!original) return sf.pages.notFound(c, count);
      const [a] = (await translatedArticles(c, [original])) as [ArticleView];
      const origin = sf.origin(c);
      const url = `${origin}/blog/${a.handle}`;
      const html = sanitizeRichText(a.body);
      const image = a.coverImageUrl ? absoluteMedia(origin, a.coverImageUrl, tenant.store.id) : null;
      return sf.pages.render(
        c,
        { page: 'article', article: { ...card(a), html } },
        {
          title: a.seoTitle || `${a.title} – ${tenant.store.name}`,
          description: (a.seoDescription || a.excerpt || descriptionToText(html) || a.title).replace(/\s+/g, ' ').slice(0, 160),
          canonical: url,
          image,
          jsonLd: [
            {
              '@context': 'https://schema.org',
              '@type': 'BlogPosting',
              headline: a.title,
              description: a.excerpt || undefined,
              url,
              mainEntityOfPage: url,
              datePublished: a.publishedAt ?? undefined,
              dateModified: a.updatedAt,
              author: a.author ? { '@type': 'Person', name: a.author } : { '@type': 'Organization', name: tenant.store.name },
              publisher: { '@type': 'Organization', name: tenant.store.name },
              image: image ?? undefined,
              keywords: a.tags.length ? a.tags.join(', ') : undefined,
            },
            breadcrumbs([
              { name: sf.t(c)('home'), url: `${origin}/` },
              { name: sf.t(c)('blog'), url: `${origin}/blog` },
              { name: a.title, url },
            ]),
          ],
        },
        { count },
      );
    }),
  );
}
