/** Serves stored media at /media/<storeId>/<name>: immutable (keys are never reused), typed by extension, nothing else reachable. */
import { isMediaKey } from '@storeloom/storage';
import type { Hono, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

/**
 * Registered before securityHeaders so it runs after it on the way out: storefronts on other hosts embed these images
 * (CORP cross-origin), and an upload is never a document with the console's powers: the console's CSP set by
 * securityHeaders is replaced by `default-src 'none'; sandbox` (issue 15: it used to overwrite the media route's own).
 */
export const mediaCrossOrigin: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
  c.res.headers.set('Content-Security-Policy', MEDIA_CSP);
};

export const MEDIA_CSP = "default-src 'none'; sandbox";

export function registerMediaRoute(app: Hono<AppEnv>) {
  app.get('/media/:storeId/:name', async (c) => {
    const key = `${c.req.param('storeId')}/${c.req.param('name')}`;
    const notFound = () => c.json({ error: { code: 'not_found', message: 'No such file' } }, 404);
    if (!isMediaKey(key)) return notFound();
    const obj = await c.var.services.storage.get(key);
    if (!obj) return notFound();
    c.header('Content-Type', obj.contentType);
    c.header('Content-Length', String(obj.size));
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Content-Security-Policy', MEDIA_CSP);
    // Storage reads into ordinary (never shared) buffers; Hono's body type asks for that explicitly.
    return c.body(obj.body as Uint8Array<ArrayBuffer>, 200);
  });
}
