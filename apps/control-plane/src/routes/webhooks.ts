/**
 * Stripe webhook endpoints, outside /api/v1: no session, no CSRF check, no
 * JSON parsing before the signature is checked on the exact bytes received.
 * 2xx = processed (or a duplicate); 400 = bad signature, nothing changed;
 * 5xx = not processed, Stripe retries.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { WebhookEndpointName } from '@storeloom/billing';
import { AppError, ErrorCode } from '@storeloom/errors';
import { addLogFields } from '@storeloom/http';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context.ts';

const ENDPOINTS: readonly WebhookEndpointName[] = ['billing', 'connect'];

export function registerStripeWebhookRoutes(app: OpenAPIHono<AppEnv>) {
  for (const endpoint of ENDPOINTS) {
    app.post(
      `/webhooks/stripe/${endpoint}`,
      bodyLimit({
        maxSize: 1024 * 1024,
        onError: () => {
          throw new AppError(ErrorCode.PayloadTooLarge, 'Webhook body is too large');
        },
      }),
      async (c) => {
        const hooks = c.var.services.stripeWebhooks;
        const raw = Buffer.from(await c.req.arrayBuffer());
        const event = hooks.verify(endpoint, raw, c.req.header('stripe-signature'));
        addLogFields(c, { stripeEvent: event.id, stripeEventType: event.type });
        const result = await hooks.process(endpoint, event);
        if (result.outcome === 'customer_mismatch' || result.outcome === 'unknown_subscription')
          c.var.logger.warn('stripe event ignored: not about a subscription of the named store', { outcome: result.outcome });
        return c.json({ received: true, duplicate: result.duplicate, outcome: result.outcome });
      },
    );
  }
}
