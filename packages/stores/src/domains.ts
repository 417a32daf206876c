/**
 * A store's custom domain: set (with a fresh verification token), verified by
 * a DNS TXT record, removed; and the storefront's host lookup (slug under the
 * root domain, or a verified custom domain).
 */
import { randomBytes } from 'node:crypto';
import { type Database, type Store, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import type { StoreAccess } from './access.ts';
import type { Actor } from './view.ts';

export const newDomainToken = () => randomBytes(16).toString('hex');
export const domainTxtValue = (token: string) => `storeloom-verify=${token}`;

export class StoreDomains {
  constructor(
    private readonly db: Database,
    private readonly access: StoreAccess,
  ) {}

  /** Sets the store's custom domain; the same domain again keeps its token and verification (idempotent PUT). */
  async set(storeId: string, domain: string, actor: Actor): Promise<Store> {
    this.access.forget(storeId);
    try {
      return await this.db.control.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('stores').selectAll().where('id', '=', storeId).where('status', '!=', 'deleted').forUpdate().executeTakeFirst();
        if (!current) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
        if (current.custom_domain === domain && current.custom_domain_token) return current;
        const row = await trx
          .updateTable('stores')
          .set({ custom_domain: domain, custom_domain_token: newDomainToken(), custom_domain_verified_at: null, updated_at: new Date() })
          .where('id', '=', storeId)
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          storeId,
          actorUserId: actor.userId,
          action: 'store.domain_set',
          targetType: 'store',
          targetId: storeId,
          data: { domain, previous: current.custom_domain },
          requestId: actor.requestId ?? null,
        });
        return row;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'stores_custom_domain_key')) throw new AppError(ErrorCode.DomainTaken, 'That domain is already used by another store');
      throw e;
    }
  }

  /**
   * Checks the TXT record `_storeloom-verify.<domain>` for the store's token and
   * marks the domain verified. `lookupTxt` is injected (real DNS or a fake).
   */
  async verify(storeId: string, lookupTxt: (name: string) => Promise<string[]>, actor: Actor): Promise<Store> {
    const store = await this.db.control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirst();
    if (!store || store.status === 'deleted') throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
    if (!store.custom_domain || !store.custom_domain_token) throw new AppError(ErrorCode.InvalidState, 'Set a custom domain first');
    if (store.custom_domain_verified_at) return store;
    const name = `_storeloom-verify.${store.custom_domain}`;
    const expected = domainTxtValue(store.custom_domain_token);
    const found = await lookupTxt(name);
    if (!found.includes(expected))
      throw new AppError(ErrorCode.DnsVerificationFailed, `The TXT record ${name} does not contain ${expected} yet; DNS changes can take a while to appear`, {
        details: { name, expected, found: found.slice(0, 10) },
      });
    this.access.forget(storeId);
    return this.db.control.transaction().execute(async (trx) => {
      // Conditional: the domain may have changed while DNS was being asked.
      const row = await trx
        .updateTable('stores')
        .set({ custom_domain_verified_at: new Date(), updated_at: new Date() })
        .where('id', '=', storeId)
        .where('custom_domain', '=', store.custom_domain)
        .where('custom_domain_token', '=', store.custom_domain_token)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.Conflict, 'The domain changed meanwhile; check it again');
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.userId,
        action: 'store.domain_verified',
        targetType: 'store',
        targetId: storeId,
        data: { domain: store.custom_domain },
        requestId: actor.requestId ?? null,
      });
      return row;
    });
  }

  async remove(storeId: string, actor: Actor): Promise<void> {
    this.access.forget(storeId);
    await this.db.control.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('stores')
        .set({ custom_domain: null, custom_domain_token: null, custom_domain_verified_at: null, updated_at: new Date() })
        .where('id', '=', storeId)
        .where('status', '!=', 'deleted')
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.userId,
        action: 'store.domain_removed',
        targetType: 'store',
        targetId: storeId,
        requestId: actor.requestId ?? null,
      });
    });
  }

  /** Storefront routing: <slug>.<root domain> or a custom domain. */
  async findByHost(hostHeader: string, rootDomain: string): Promise<Store | null> {
    const host = hostHeader.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const suffix = `.${rootDomain}`;
    let q = this.db.control.selectFrom('stores').selectAll();
    if (host.endsWith(suffix)) {
      const slug = host.slice(0, -suffix.length);
      if (!slug || slug.includes('.')) return null;
      q = q.where('slug', '=', slug);
    } else {
      // Only a verified custom domain routes: claiming a domain without proving it must not hijack it.
      q = q.where('custom_domain', '=', host).where('custom_domain_verified_at', 'is not', null);
    }
    return (await q.where('status', '!=', 'deleted').executeTakeFirst()) ?? null;
  }
}
