export * from './outbox.ts';
export * from './transport.ts';
export * from './layout.ts';
export * from './platform-mails.ts';
