/**
 * The console (and, when asked, a storefront) served on loopback for the Chromium tests, with a test platform behind
 * them. The console's port is taken before the platform starts because the platform's public URL (links in mail,
 * the console's own origin) names it; until the platform is up the port answers 503.
 */
import { createLogger } from '@storeloom/log';
import type { Browser } from 'playwright-core';
import type { ControlPlaneConfig } from '../../apps/control-plane/src/context.ts';
import { createControlPlaneApp } from '../../apps/control-plane/src/app.ts';
import { createStorefrontApp, type StorefrontOptions } from '../../apps/storefront/src/app.ts';
import { launchChromium, serveOnFreePort } from './browser.ts';
import { ORIGIN, startTestPlatform, type TestPlatform } from './platform.ts';

export type Served = Awaited<ReturnType<typeof serveOnFreePort>>;

export interface ConsoleE2e {
  p: TestPlatform;
  browser: Browser;
  /** The console's origin, `http://localhost:<port>`. */
  base: string;
  cp: Served;
  /** The storefront (a store at `http://<slug>.localhost:<port>`), when `storefront` was given. */
  sf: Served | undefined;
  /** Closes the browser, the storefront, the console and the platform (its database and queues are dropped). */
  close(): Promise<void>;
}

export interface ConsoleE2eOptions {
  /** Platform settings beyond the console's origin (`publicUrl`) and the trusted origins (`ORIGIN`), from the origin. */
  config?: (base: string) => Partial<ControlPlaneConfig>;
  /**
   * Serve a storefront too: its options beyond the defaults (`rootDomain: 'localhost'`, no page or store caching so a
   * page shows a change at once), from the started platform.
   */
  storefront?: (p: TestPlatform) => Partial<StorefrontOptions>;
}

/** The console and a storefront. */
export type StorefrontE2e = ConsoleE2e & { sf: Served };

export function startConsoleE2e(opts: ConsoleE2eOptions & Required<Pick<ConsoleE2eOptions, 'storefront'>>): Promise<StorefrontE2e>;
export function startConsoleE2e(opts?: ConsoleE2eOptions): Promise<ConsoleE2e>;
export async function startConsoleE2e(opts: ConsoleE2eOptions = {}): Promise<ConsoleE2e> {
  let handler: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const cp = await serveOnFreePort((req) => handler(req));
  const base = `http://localhost:${cp.port}`;
  const opened: { p?: TestPlatform; sf?: Served; browser?: Browser } = {};
  const close = async () => {
    await opened.browser?.close();
    await opened.sf?.close();
    await cp.close();
    await opened.p?.close();
  };
  try {
    const p = await startTestPlatform({ config: { publicUrl: base, trustedOrigins: [ORIGIN], ...opts.config?.(base) } });
    opened.p = p;
    handler = createControlPlaneApp(p.services, createLogger({ level: 'silent' })).fetch;
    if (opts.storefront) {
      const storefront = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
        rootDomain: 'localhost',
        pageCacheTtlMs: 0,
        storeCacheTtlMs: 0,
        ...opts.storefront(p),
      });
      opened.sf = await serveOnFreePort(storefront.fetch);
    }
    opened.browser = await launchChromium();
    return { p, browser: opened.browser, base, cp, sf: opened.sf, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
