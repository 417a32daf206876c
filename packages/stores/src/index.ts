export * from './service.ts';
export * from './validation.ts';
export * from './team.ts';
export * from './settings.ts';
export * from './backup.ts';
export * from './placement.ts';
export * from './tenant.ts';
export * from './security.ts';
