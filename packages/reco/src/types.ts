/** Input model: what a store's orders and products give the recommender. */

export type ItemStatus = 'active' | 'draft' | 'out_of_stock' | 'archived';

/** One order line. `timestamp` is epoch milliseconds. */
export interface Interaction {
  readonly customerId: string;
  readonly itemId: string;
  readonly timestamp: number;
  readonly quantity: number;
  /** Order/invoice id; lines without one are grouped by customer + timestamp. */
  readonly orderId?: string;
}

export interface CatalogueItem {
  readonly itemId: string;
  readonly title: string;
  readonly description?: string;
  readonly type?: string;
  readonly tags?: readonly string[];
  /** Only 'active' (or unset) items are ever recommended. */
  readonly status?: ItemStatus;
}
