/** Custom domain: claim it, get the DNS records to create, verify ownership by TXT record, remove it. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import type { Store } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { DOMAIN_RE, domainTxtValue } from '@storeloom/stores';
import type { Context } from 'hono';
import type { AppEnv, ControlPlaneConfig } from '../context.ts';
import type { DnsResolver } from '../dns.ts';
import { requirePermission, storeAccess } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const DnsRecordSchema = z.object({ type: z.enum(['CNAME', 'TXT']), name: z.string(), value: z.string(), purpose: z.string() });
export const DomainSchema = z
  .object({
    domain: z.string().nullable(),
    verified: z.boolean(),
    verifiedAt: z.string().nullable(),
    records: z.array(DnsRecordSchema).openapi({ description: 'Records to create at your DNS provider' }),
  })
  .openapi('CustomDomain');

/** Same rule as PATCH /stores: the platform's own hosts are never a store's custom domain. */
function isPlatformHost(config: ControlPlaneConfig, domain: string): boolean {
  const platform = [config.storeRootDomain, new URL(config.publicUrl).hostname].map((h) => h.toLowerCase().replace(/\.$/, ''));
  return platform.some((h) => domain === h || domain.endsWith(`.${h}`));
}

export function domainView(config: ControlPlaneConfig, s: Store) {
  if (!s.custom_domain) return { domain: null, verified: false, verifiedAt: null, records: [] };
  return {
    domain: s.custom_domain,
    verified: s.custom_domain_verified_at !== null,
    verifiedAt: s.custom_domain_verified_at,
    records: [
      {
        type: 'CNAME' as const,
        name: s.custom_domain,
        value: `stores.${config.storeRootDomain}`,
        purpose: 'Points the domain at your storefront (use ALIAS/ANAME at the apex)',
      },
      ...(s.custom_domain_token
        ? [
            {
              type: 'TXT' as const,
              name: `_storeloom-verify.${s.custom_domain}`,
              value: domainTxtValue(s.custom_domain_token),
              purpose: 'Proves the domain is yours',
            },
          ]
        : []),
    ],
  };
}

/** TXT strings at a name; "no such record" is an empty list, other DNS failures a clean 422. */
async function lookupTxt(dns: DnsResolver, name: string): Promise<string[]> {
  try {
    return (await dns.resolveTxt(name)).map((chunks) => chunks.join(''));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw new AppError(ErrorCode.DnsVerificationFailed, `DNS lookup of ${name} failed (${code ?? 'error'}); try again in a moment`);
  }
}

const get = createRoute({
  operationId: 'getDomain',
  method: 'get',
  path: '/stores/{storeId}/domain',
  tags: ['settings'],
  summary: 'The custom domain, its verification state and the DNS records to create',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(DomainSchema, 'Custom domain'), ...errorResponses(401, 404) },
});

const put = createRoute({
  operationId: 'setDomain',
  method: 'put',
  path: '/stores/{storeId}/domain',
  tags: ['settings'],
  summary: 'Set the custom domain (unverified until its TXT record is checked); setting the same domain again changes nothing',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(z.object({ domain: z.string().trim().toLowerCase().max(253).regex(DOMAIN_RE, 'must be a hostname such as shop.example.com') })),
  },
  responses: { 200: jsonResponse(DomainSchema, 'Domain set'), ...errorResponses(400, 401, 403, 404, 409) },
});

const verify = createRoute({
  operationId: 'verifyDomain',
  method: 'post',
  path: '/stores/{storeId}/domain/verify',
  tags: ['settings'],
  summary: 'Check the TXT record now; on success the storefront starts answering on the domain',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(DomainSchema, 'Verified'), ...errorResponses(401, 403, 404, 409, 422, 429) },
});

const remove = createRoute({
  operationId: 'removeDomain',
  method: 'delete',
  path: '/stores/{storeId}/domain',
  tags: ['settings'],
  summary: 'Remove the custom domain',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});

const actorOf = (c: Context<AppEnv>) => ({ userId: c.var.auth?.user.id ?? null, requestId: c.var.requestId });

export function registerDomainRoutes(app: Api) {
  app.openapi(get, async (c) => c.json(domainView(c.var.services.config, c.var.store), 200));

  app.openapi(put, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const { domain } = c.req.valid('json');
    await c.var.services.billing.assertWithinPlan(c.var.store, 'customDomain');
    if (isPlatformHost(c.var.services.config, domain))
      throw new AppError(ErrorCode.ValidationFailed, 'domain: must be your own domain, not one of the platform', {
        details: [{ path: 'domain', message: 'must not be the platform domain or a subdomain of it' }],
      });
    const store = await c.var.services.stores.domains.set(c.var.store.id, domain, actorOf(c));
    return c.json(domainView(c.var.services.config, store), 200);
  });

  app.openapi(verify, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const r = await c.var.services.rateLimiter.hit(`domain-verify:${c.var.store.id}`, 30, 3600);
    if (!r.allowed) throw new AppError(ErrorCode.RateLimited, 'Too many checks; try again later', { headers: { 'Retry-After': String(r.retryAfterSeconds) } });
    const { dns, stores, config } = c.var.services;
    const store = await stores.domains.verify(c.var.store.id, (name) => lookupTxt(dns, name), actorOf(c));
    return c.json(domainView(config, store), 200);
  });

  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    await c.var.services.stores.domains.remove(c.var.store.id, actorOf(c));
    return c.body(null, 204);
  });
}
