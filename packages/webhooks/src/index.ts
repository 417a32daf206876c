export * from './egress.ts';
export * from './signing.ts';
export { type StoreloomEvent, verifyWebhook, WebhookVerificationError } from './verify.ts';
export { openWebhookSecret, resealWebhookSecret, sealWebhookSecret, WEBHOOK_SECRET_PURPOSE } from './secrets.ts';
export { emitWebhookEvent, type EmitInput, RETRY_WINDOW_MS, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './events.ts';
export { attemptDelivery, type DeliveryAttemptResult, LOG_BODY_LIMIT } from './deliver.ts';
export {
  backoffDelay,
  DEFAULT_DISABLE,
  DEFAULT_RETRY,
  type DispatchDeps,
  type DispatchResult,
  dispatchWebhooks,
  hasDueDeliveries,
  type RetryPolicy,
  storesWithWebhooks,
} from './dispatcher.ts';
export { MAX_SUBSCRIPTIONS_PER_STORE, type SubscriptionInput, type SubscriptionView, WebhookService, type WebhookServiceDeps } from './service.ts';
export { pruneWebhookEvents } from './retention.ts';
