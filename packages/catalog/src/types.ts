import type { ProductOption, ProductStatus } from '@storeloom/db';

export interface VariantView {
  id: string;
  sku: string | null;
  title: string;
  options: Record<string, string>;
  price: number;
  compareAtPrice: number | null;
  inventoryQuantity: number;
  position: number;
  version: number;
  lowStockThreshold: number | null;
  /** One of the product's image URLs shown for this variant; null = the product's first image. */
  imageUrl: string | null;
  /** Shipping weight (weight-based shipping rates); 0 = unknown. */
  weightGrams: number;
}

export interface ImageView {
  id: string;
  url: string;
  alt: string | null;
  position: number;
}

export interface ProductView {
  id: string;
  handle: string;
  title: string;
  description: string;
  status: ProductStatus;
  vendor: string | null;
  productType: string | null;
  tags: string[];
  options: ProductOption[];
  seoTitle: string | null;
  seoDescription: string | null;
  /** Tax class for tax by destination ('standard', 'reduced', 'zero', …). */
  taxClass: string;
  /** Sold as a gift card (issue 18): variants are denominations; no shipping, no tax; paid → one card per unit. */
  giftCard: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  variants: VariantView[];
  images: ImageView[];
  collectionIds: string[];
}

export interface VariantInput {
  id?: string;
  sku?: string | null;
  price: number;
  compareAtPrice?: number | null;
  inventoryQuantity?: number;
  options?: Record<string, string>;
  /** Omitted on update: unchanged. */
  lowStockThreshold?: number | null;
  /** Omitted on update: unchanged. */
  imageUrl?: string | null;
  /** Omitted on update: unchanged (0 on create). */
  weightGrams?: number;
}

export interface ImageInput {
  url: string;
  alt?: string | null;
  /** Set by the import only (never from API input): the stored copy's key and where it came from. */
  storageKey?: string | null;
  sourceUrl?: string | null;
}

export interface ProductInput {
  title: string;
  handle?: string;
  description?: string;
  status?: ProductStatus;
  vendor?: string | null;
  productType?: string | null;
  tags?: string[];
  options?: ProductOption[];
  seoTitle?: string | null;
  seoDescription?: string | null;
  taxClass?: string;
  giftCard?: boolean;
  variants: VariantInput[];
  images?: ImageInput[];
  collectionIds?: string[];
}

export type ProductPatch = Partial<Omit<ProductInput, 'variants'>> & { version: number; variants?: VariantInput[] };

export type ProductSort = 'createdAt' | '-createdAt' | 'updatedAt' | '-updatedAt' | 'title' | '-title';

export interface ProductListQuery {
  limit: number;
  cursor?: string;
  status?: ProductStatus;
  collectionId?: string;
  tag?: string;
  q?: string;
  sort: ProductSort;
}

export interface CollectionView {
  id: string;
  handle: string;
  title: string;
  description: string;
  version: number;
  productCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
