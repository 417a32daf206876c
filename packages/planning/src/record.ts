import type { Database } from '@storeloom/db';
import type { MailOutbox } from '@storeloom/mail';
import { InventoryPlanningService } from './inventory.ts';
import { recordSale, type SaleInput } from './sales.ts';

export interface PlanningDeps {
  db: Database;
  mail?: MailOutbox | undefined;
  afterMail?: (() => Promise<void>) | undefined;
  /** The console's public URL (the low-stock mail links there). */
  consoleUrl?: string | null | undefined;
  enqueueWebhook?: ((storeId: string, alertId: string) => Promise<void>) | undefined;
}

/**
 * What the order flow calls once an order is paid, once per order line:
 * records the units at the price the shopper paid (idempotent per
 * `orderLineId`) and, if that sale took the variant's stock to its reorder
 * point, raises the low-stock alert right away instead of at the next run.
 */
export async function recordPaidOrderLine(
  deps: PlanningDeps,
  store: { id: string; schemaName: string },
  sale: SaleInput,
): Promise<{ recorded: boolean; alerted: boolean }> {
  const t = deps.db.tenant(store.schemaName);
  const recorded = await recordSale(t, sale);
  if (!recorded) return { recorded, alerted: false };
  const v = await t.selectFrom('variants').select('inventory_quantity').where('id', '=', sale.variantId).executeTakeFirst();
  if (!v) return { recorded, alerted: false };
  const inventory = new InventoryPlanningService({
    db: deps.db,
    storeId: store.id,
    schemaName: store.schemaName,
    mail: deps.mail,
    afterMail: deps.afterMail,
    consoleUrl: deps.consoleUrl,
    enqueueWebhook: deps.enqueueWebhook ? (alertId) => (deps.enqueueWebhook as NonNullable<PlanningDeps['enqueueWebhook']>)(store.id, alertId) : undefined,
  });
  const alerted = await inventory.checkCrossing(sale.variantId, v.inventory_quantity);
  return { recorded, alerted };
}
