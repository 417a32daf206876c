import { serve } from '@hono/node-server';
import { migrateControl } from '@storeloom/db';
import { controlPlaneEnvSchema, loadEnv } from '@storeloom/env';
import { bootApp, onShutdown } from '@storeloom/runtime';
import { createControlPlaneApp } from './app.ts';
import { buildServices, configFromEnv } from './services.ts';

const env = loadEnv(controlPlaneEnvSchema);
const { logger, db, queues } = bootApp(env, { app: 'control-plane' });
await migrateControl(db);
await queues.init();
const services = buildServices(db, queues, configFromEnv(env));
const app = createControlPlaneApp(services, logger);
// Catalogue versions pushed by the triggers' notifications: cache hits without a statement (see CatalogVersions).
void services.catalogVersions.listen(db).then((on) => logger.info('catalogue versions', { listening: on }));
// Revocations, sign-outs and role changes made by any process drop this one's cached principals at once (see PrincipalCache).
void services.authChanges.listen(db).then((on) => logger.info('auth changes', { listening: on }));

const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
  logger.info('listening', { port: info.port });
  process.send?.({ type: 'listening', app: 'control-plane', port: info.port });
});

onShutdown(async (signal) => {
  logger.info('shutting down', { signal });
  server.close();
  await queues.close();
  await services.catalogVersions.close();
  await services.authChanges.close();
  await db.destroy();
});
