import { deliverMailJob } from '@storeloom/jobs';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

/** Asks the worker to deliver now; the worker's minute sweep catches a missed kick. */
export function kickMailDelivery(c: Context<AppEnv>): void {
  c.var.services.queues.enqueue(deliverMailJob, {}).catch((err) => c.var.logger.warn('could not enqueue mail delivery', { err }));
}
