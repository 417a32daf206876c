/**
 * The storefront's `RecommendationSource` seam (contracts §4): the pages' slots
 * ask for product ids; this answers from the store's active model with the
 * same blending and fallbacks as the JSON API.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { RecommendationService } from './serving.ts';

export interface SessionSignals {
  customerId?: string | null;
  sessionId?: string | null;
}

export interface RecommendationSource {
  alsoBought(productId: string, limit: number): Promise<string[]>;
  forCart(productIds: readonly string[], limit: number): Promise<string[]>;
  forHome(sessionSignals: SessionSignals, limit: number): Promise<string[]>;
}

/** @param schemaName the store's schema (also the key of the active-version cache) */
export function createRecommendationSource(db: Kysely<TenantDatabase>, schemaName: string): RecommendationSource {
  const service = new RecommendationService(db, schemaName);
  const ids = async (p: ReturnType<RecommendationService['recommend']>) => (await p).items.map((i) => i.productId);
  return {
    alsoBought: (productId, limit) => ids(service.recommend({ slot: 'product', productId, limit })),
    forCart: (productIds, limit) => ids(service.recommend({ slot: 'cart', productIds, limit })),
    forHome: (s, limit) => ids(service.recommend({ slot: 'home', customerId: s.customerId ?? null, sessionId: s.sessionId ?? null, limit })),
  };
}
