export * from './articles.ts';
export * from './menus.ts';
export * from './models.ts';
export * from './pages.ts';
export * from './policies.ts';
export * from './reviews.ts';
export * from './theme-layouts.ts';
export * from './theme-preview.ts';
