/** Tables of the online store content (migrations/tenant/20261206084200_online_store_content.ts). */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableDate = ColumnType<Date | null, Date | null | undefined, Date | null>;
type Json<T> = ColumnType<T, string | T | undefined, string | T>;

export interface PagesTable {
  id: string;
  handle: string;
  title: string;
  body_html: Generated<string>;
  seo_title: string | null;
  seo_description: string | null;
  published: Generated<boolean>;
  published_at: NullableDate;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type PolicyKind = 'refund' | 'privacy' | 'terms' | 'shipping' | 'imprint';
export interface PoliciesTable {
  kind: PolicyKind;
  fields: Json<Record<string, string>>;
  published: Generated<boolean>;
  updated_at: Timestamp;
}

export interface MenuItemRow {
  title: string;
  type: 'collection' | 'product' | 'page' | 'article' | 'blog' | 'policy' | 'home' | 'search' | 'url';
  /** Id of the linked collection/product/page/article, policy kind, or the URL for `url`. */
  target?: string;
  items?: MenuItemRow[];
}
export interface MenusTable {
  id: string;
  handle: string;
  title: string;
  items: Json<MenuItemRow[]>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ArticlesTable {
  id: string;
  handle: string;
  title: string;
  body_html: Generated<string>;
  excerpt: Generated<string>;
  author: Generated<string>;
  tags: Json<string[]>;
  cover_image_url: string | null;
  cover_image_alt: string | null;
  seo_title: string | null;
  seo_description: string | null;
  published: Generated<boolean>;
  published_at: NullableDate;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductMediaTable {
  id: string;
  product_id: string;
  type: 'model';
  url: string;
  storage_key: string;
  alt: string | null;
  poster_url: string | null;
  poster_key: string | null;
  usdz_url: string | null;
  usdz_key: string | null;
  bytes: number;
  report: Json<Record<string, unknown>>;
  position: Generated<number>;
  created_at: Timestamp;
}

export type ReviewStatus = 'pending' | 'published' | 'hidden';
export interface ReviewsTable {
  id: string;
  product_id: string;
  order_id: string | null;
  email: string | null;
  author: Generated<string>;
  rating: number;
  title: Generated<string>;
  body: Generated<string>;
  status: Generated<ReviewStatus>;
  reply: string | null;
  replied_at: NullableDate;
  verified: Generated<boolean>;
  source: Generated<'buyer' | 'import'>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A shopper's photo on a review: the re-encoded file's storage key (`<store>/review-<random>.<ext>`) and size. */
export interface ReviewPhotosTable {
  id: string;
  review_id: string;
  storage_key: string;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  position: number;
  created_at: Timestamp;
}

/** Translations of store content per locale (migrations/tenant/20261206124000_translations.ts); null fields fall back to the original. */
export interface ProductTranslationsTable {
  product_id: string;
  locale: string;
  title: string | null;
  description: string | null;
  seo_title: string | null;
  seo_description: string | null;
  /** Option names and values by the original name: {"Size": {"name": "Größe", "values": {"Small": "Klein"}}}. */
  options: ColumnType<OptionTranslations | null, string | null | undefined, string | null>;
  updated_at: Timestamp;
}
export type OptionTranslations = Record<string, { name?: string | null; values?: Record<string, string> }>;
export interface CollectionTranslationsTable {
  collection_id: string;
  locale: string;
  title: string | null;
  description: string | null;
  updated_at: Timestamp;
}
export interface PageTranslationsTable {
  page_id: string;
  locale: string;
  title: string | null;
  body_html: string | null;
  seo_title: string | null;
  seo_description: string | null;
  updated_at: Timestamp;
}
/** Menu title and item titles by position path ("0", "1.0") (migrations/tenant/20261206150500_more_translations.ts). */
export interface MenuTranslationsTable {
  menu_id: string;
  locale: string;
  title: string | null;
  items: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  updated_at: Timestamp;
}
export interface ArticleTranslationsTable {
  article_id: string;
  locale: string;
  title: string | null;
  body_html: string | null;
  excerpt: string | null;
  seo_title: string | null;
  seo_description: string | null;
  updated_at: Timestamp;
}
/** The store's own strings in a locale (its name). */
export interface StoreTranslationsTable {
  locale: string;
  name: string | null;
  announcement: string | null;
  footer_text: string | null;
  updated_at: Timestamp;
}

/** Theme template layouts (migrations/tenant/20261206180400_theme_layouts.ts); the layout shape is @storeloom/theme's `Layout`. */
export interface ThemeTemplatesTable {
  template: string;
  draft: Json<unknown>;
  published: ColumnType<unknown | null, string | null | undefined, string | null>;
  version: Generated<number>;
  draft_updated_at: Timestamp;
  published_at: NullableDate;
}
export interface ThemeVersionsTable {
  id: string;
  template: string;
  layout: Json<unknown>;
  published_at: Timestamp;
  published_by: string | null;
}
