export * from './outbox.ts';
export * from './transport.ts';
