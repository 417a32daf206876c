/**
 * Serves the built merchant console (apps/console/dist): hashed assets with a
 * year-long immutable cache, and index.html (never cached) for every other GET
 * that is not an API, media or health route, so client-side routes survive a reload.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';

export const DEFAULT_CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the console never answers: they belong to the API and other server routes (404 there stays a JSON 404). */
const SERVER_PREFIXES = ['/api/', '/media/', '/healthz', '/readyz', '/webhooks/'];

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Storeloom</title></head>
<body style="font:15px/1.5 system-ui,sans-serif;max-width:560px;margin:80px auto;padding:0 16px">
<h1>The console is not built yet</h1><p>Run <code>npm run build</code> (or start the platform with <code>npm start</code>, which builds it), then reload.</p>
<p><a href="/api/v1/docs">API reference</a></p></body></html>`;

async function fileIfExists(path: string): Promise<Buffer | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}

export function registerConsole(app: OpenAPIHono<AppEnv>, distDir: string = DEFAULT_CONSOLE_DIST) {
  const root = resolve(distDir);
  app.get('*', async (c, next) => {
    const path = decodeURIComponent(c.req.path);
    if (SERVER_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p))) return next();
    const target = normalize(join(root, path));
    if (target !== root && !target.startsWith(root + sep)) return next();

    if (path !== '/' && extname(path)) {
      const body = await fileIfExists(target);
      if (!body) {
        // A missing hashed asset is a real 404 (stale tab after a deploy), not the SPA.
        if (path.startsWith('/assets/')) return next();
      } else {
        const hashed = path.startsWith('/assets/');
        return c.body(new Uint8Array(body), 200, {
          'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
          'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
        });
      }
    }

    const index = await fileIfExists(join(root, 'index.html'));
    if (!index) return c.html(notBuilt, 503, { 'cache-control': 'no-store' });
    return c.body(new Uint8Array(index), 200, { 'content-type': TYPES['.html'] as string, 'cache-control': 'no-cache' });
  });
}
