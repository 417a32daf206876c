/** Moved to @storeloom/webhooks (one webhook system); re-exported for existing importers. */
export * from '@storeloom/webhooks/signing';
