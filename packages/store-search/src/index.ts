export * from './cache.ts';
export { type DocsById, DocTable, Dictionary, priceBucket, TableDocs } from './doc-table.ts';
export * from './documents.ts';
export * from './events.ts';
export * from './indexer.ts';
export * from './query.ts';
export * from './service.ts';
export * from './tables.ts';
export * from './params.ts';
