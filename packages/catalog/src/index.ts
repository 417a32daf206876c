export * from './collections.ts';
export * from './csv-import.ts';
export * from './cursor.ts';
export * from './handles.ts';
export * from './imports.ts';
export * from './inventory.ts';
export * from './money.ts';
export * from './products.ts';
export type * from './types.ts';
