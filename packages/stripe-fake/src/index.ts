export { type Delivery, type DeliverOptions, StripeApiError, StripeFake, type WebhookEndpoint } from './fake.ts';
export { parseStripeForm } from './form.ts';
