export * from './facts.ts';
export * from './maintain.ts';
export * from './report.ts';
