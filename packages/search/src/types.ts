/** Searchable product fields, in a fixed order (the order is the field id used in postings). */
export const FIELDS = ['title', 'description', 'vendor', 'productType', 'tags', 'collections', 'options', 'skus'] as const;
export type FieldName = (typeof FIELDS)[number];
export type FieldId = number;

export const FIELD_ID: Readonly<Record<FieldName, FieldId>> = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<FieldName, FieldId>;
export const TITLE: FieldId = 0;

/** A product as the search core sees it. Array fields are separate values (no phrase crosses two values). */
export interface SearchDocument {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly vendor?: string;
  readonly productType?: string;
  readonly tags?: readonly string[];
  readonly collections?: readonly string[];
  /** Option values, e.g. "Red", "XL". */
  readonly options?: readonly string[];
  readonly skus?: readonly string[];
}

/** How one field contributes to BM25F. */
export interface FieldParams {
  /** Boost of a term occurrence in this field relative to the description. */
  readonly weight: number;
  /** Length normalisation strength in [0, 1]. */
  readonly b: number;
}

export type FieldParamMap = Readonly<Record<FieldName, FieldParams>>;
