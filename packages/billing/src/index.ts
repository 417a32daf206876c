export * from './config.ts';
export * from './connect.ts';
export * from './plans.ts';
export * from './service.ts';
export * from './stripe.ts';
export * from './webhooks.ts';
export * from './stripe-provider.ts';
export * from './connect-payments.ts';
