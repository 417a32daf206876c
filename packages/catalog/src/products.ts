/**
 * Products with variants, images and collection links, in one store's schema.
 * Every write is one transaction; product edits use optimistic concurrency
 * (`version`), handles are unique per store by constraint. SKUs need not be
 * unique (as on Shopify: real catalogues reuse them); stock belongs to the
 * variant, never to the SKU.
 */
import { type Kysely, newId, precompiled, type Product, type ProductOption, sql, type TenantDatabase, type Transaction, type Variant } from '@storeloom/db';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { AppError, ErrorCode, isUniqueViolation, notFound } from '@storeloom/errors';
import { emitWebhookEvent } from '@storeloom/webhooks';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor.ts';
import { unicodeSlugify } from './handles.ts';
import { cleanDescription } from './html.ts';
import { type ActiveProductLimit, type CatalogLimits, reserveActiveSlots } from './limits.ts';
import { type PriceHistorySource, recordPriceChanges } from './price-history.ts';
import type { ImageInput, Page, ProductInput, ProductListQuery, ProductPatch, ProductView, VariantInput, VariantView } from './types.ts';

type Tx = Transaction<TenantDatabase>;

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

/** Product option names come from `options` (or the variants' keys); every variant must name a value for each. */
export function normaliseOptions(
  options: ProductOption[] | undefined,
  variants: VariantInput[],
): { options: ProductOption[]; variantValues: Record<string, string>[] } {
  const names: string[] = [];
  const seen = new Set<string>();
  const addName = (raw: string, path: string) => {
    const name = raw.trim();
    if (!name) throw invalid(path, 'option name must not be empty');
    const key = name.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    names.push(name);
  };
  for (const [i, o] of (options ?? []).entries()) addName(o.name, `options.${i}.name`);
  if (!options?.length) for (const [i, v] of variants.entries()) for (const k of Object.keys(v.options ?? {})) addName(k, `variants.${i}.options`);
  if (names.length > 3) throw invalid('options', 'a product has at most 3 options');
  const values = new Map(names.map((n) => [n, [] as string[]]));
  const combos = new Set<string>();
  const variantValues = variants.map((v, i) => {
    const given = new Map(Object.entries(v.options ?? {}).map(([k, val]) => [k.trim().toLowerCase(), String(val).trim()]));
    for (const k of given.keys()) if (!seen.has(k)) throw invalid(`variants.${i}.options`, `unknown option "${k}"`);
    const out: Record<string, string> = {};
    for (const n of names) {
      const val = given.get(n.toLowerCase());
      if (!val) throw invalid(`variants.${i}.options`, `missing a value for option "${n}"`);
      out[n] = val;
      const list = values.get(n) as string[];
      if (!list.includes(val)) list.push(val);
    }
    const combo = JSON.stringify(names.map((n) => out[n]));
    if (combos.has(combo)) throw invalid(`variants.${i}.options`, 'two variants have the same option values');
    combos.add(combo);
    return out;
  });
  if (!names.length && variants.length > 1) throw invalid('variants', 'several variants need options to tell them apart');
  const declared = new Map((options ?? []).map((o) => [o.name.trim().toLowerCase(), o.values.map((x) => x.trim()).filter(Boolean)]));
  return {
    options: names.map((n) => {
      const fromVariants = values.get(n) as string[];
      const order = declared.get(n.toLowerCase()) ?? [];
      // Keep the merchant's declared order, then any value only the variants use.
      return { name: n, values: [...order.filter((x) => fromVariants.includes(x)), ...fromVariants.filter((x) => !order.includes(x))] };
    }),
    variantValues,
  };
}

const variantTitle = (values: Record<string, string>, names: string[]) => (names.length ? names.map((n) => values[n]).join(' / ') : 'Default Title');

function translateWriteError(e: unknown): never {
  if (isUniqueViolation(e) && (e as { constraint?: string }).constraint?.startsWith('products_handle'))
    throw new AppError(ErrorCode.HandleTaken, 'A product with this handle already exists');
  throw e;
}

/** One product with its variants, images and collections as JSON sub-selects: one statement, compiled once per store. */
const productBy = (column: 'id' | 'handle') =>
  precompiled((t: Kysely<TenantDatabase>, value: string) =>
    t
      .selectFrom('products')
      .selectAll('products')
      .select((eb) => [
        jsonArrayFrom(eb.selectFrom('variants').selectAll('variants').whereRef('variants.product_id', '=', 'products.id').orderBy('variants.position')).as(
          'variant_rows',
        ),
        jsonArrayFrom(
          eb
            .selectFrom('images')
            .select(['images.id', 'images.url', 'images.alt', 'images.position'])
            .whereRef('images.product_id', '=', 'products.id')
            .orderBy('images.position'),
        ).as('image_rows'),
        jsonArrayFrom(
          eb.selectFrom('collection_products').select('collection_products.collection_id').whereRef('collection_products.product_id', '=', 'products.id'),
        ).as('collection_rows'),
      ])
      .where(`products.${column}`, '=', value),
  );
const productById = productBy('id');
const productByHandle = productBy('handle');

export class ProductService {
  /**
   * `limits`: the store's plan limits. Reading needs none; publishing a product without them is a programming error
   * (every write path must say which limits apply, `UNLIMITED_CATALOG` included), so no path can forget the plan.
   */
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly limits?: CatalogLimits,
  ) {}

  private async activeLimit(): Promise<ActiveProductLimit | null> {
    if (!this.limits) throw new Error('ProductService: publishing a product needs the store plan limits (CatalogLimits)');
    return this.limits.activeProducts();
  }

  /**
   * `within`: more writes that must commit with the product (an import's bookkeeping), run in its transaction.
   * `priceSource`: what the price history records the variants' first prices as ('import' from the CSV importer).
   */
  async create(input: ProductInput, within?: (trx: Tx, productId: string) => Promise<void>, priceSource: PriceHistorySource = 'create'): Promise<ProductView> {
    if (!input.variants.length) throw invalid('variants', 'a product needs at least one variant');
    const { options, variantValues } = normaliseOptions(input.options, input.variants);
    const names = options.map((o) => o.name);
    const id = newId();
    const now = new Date();
    const limit = input.status === 'active' ? await this.activeLimit() : null;
    try {
      await this.t.transaction().execute(async (trx) => {
        await reserveActiveSlots(trx, limit, input.status === 'active' ? 1 : 0);
        const handle = input.handle?.normalize('NFC') ?? (await this.freeHandle(trx, unicodeSlugify(input.title) || 'product'));
        await trx
          .insertInto('products')
          .values({
            id,
            handle,
            title: input.title.trim(),
            description: cleanDescription(input.description ?? ''),
            status: input.status ?? 'draft',
            vendor: input.vendor ?? null,
            product_type: input.productType ?? null,
            tags: normaliseTags(input.tags),
            options: JSON.stringify(options),
            seo_title: input.seoTitle ?? null,
            seo_description: input.seoDescription ?? null,
            tax_class: input.taxClass ?? 'standard',
            gift_card: input.giftCard ?? false,
            created_at: now,
            updated_at: now,
          })
          .execute();
        const inserted = await trx
          .insertInto('variants')
          .values(
            input.variants.map((v, i) => ({
              id: newId(),
              product_id: id,
              sku: v.sku || null,
              title: variantTitle(variantValues[i] ?? {}, names),
              option_values: JSON.stringify(variantValues[i] ?? {}),
              price: v.price,
              compare_at_price: v.compareAtPrice ?? null,
              inventory_quantity: v.inventoryQuantity ?? 0,
              position: i,
              created_at: now,
              updated_at: now,
              low_stock_threshold: v.lowStockThreshold ?? null,
              image_url: v.imageUrl ?? null,
              weight_grams: v.weightGrams ?? 0,
            })),
          )
          .returning(['id', 'price'])
          .execute();
        await recordPriceChanges(
          trx,
          inserted.map((v) => ({ variantId: v.id, price: v.price })),
          priceSource,
        );
        await this.replaceImages(trx, id, input.images ?? []);
        if (input.collectionIds?.length) await this.replaceCollections(trx, id, input.collectionIds);
        await productEvent(trx, 'product.created', id);
        await within?.(trx, id);
      });
    } catch (e) {
      translateWriteError(e);
    }
    return (await this.get(id)) as ProductView;
  }

  /** Handle from the title, suffixed when taken. */
  private async freeHandle(trx: Tx | Kysely<TenantDatabase>, base: string): Promise<string> {
    const rows = await trx
      .selectFrom('products')
      .select('handle')
      .where((eb) => eb.or([eb('handle', '=', base), eb('handle', 'like', `${base}-%`)]))
      .execute();
    const taken = new Set(rows.map((r) => r.handle));
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  /** One product with its variants, images and collections in a single round trip. */
  async get(id: string): Promise<ProductView | null> {
    return this.getOne('id', id);
  }

  async getByHandle(handle: string): Promise<ProductView | null> {
    return this.getOne('handle', handle);
  }

  private async getOne(column: 'id' | 'handle', value: string): Promise<ProductView | null> {
    const [row] = await (column === 'id' ? productById : productByHandle)(this.t, value);
    if (!row) return null;
    const { variant_rows, image_rows, collection_rows, ...product } = row;
    return toProductView(
      product,
      variant_rows.map((v) => ({ ...v, created_at: new Date(v.created_at), updated_at: new Date(v.updated_at) })) as Variant[],
      image_rows,
      collection_rows.map((c) => c.collection_id),
    );
  }

  async list(q: ProductListQuery): Promise<Page<ProductView>> {
    let query = this.t.selectFrom('products').selectAll('products');
    if (q.status) query = query.where('products.status', '=', q.status);
    // A JS array would be spread into a parameter list by kysely: build the text[] explicitly.
    if (q.tag) query = query.where('products.tags', '@>', sql<string[]>`array[${q.tag}]::text[]`);
    if (q.q) {
      const like = `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query = query.where((eb) =>
        eb.or([
          eb('products.title', 'ilike', like),
          eb('products.handle', 'ilike', like),
          eb.exists(eb.selectFrom('variants').select('variants.id').whereRef('variants.product_id', '=', 'products.id').where('variants.sku', 'ilike', like)),
        ]),
      );
    }
    if (q.collectionId)
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('collection_products')
            .select('collection_products.product_id')
            .whereRef('collection_products.product_id', '=', 'products.id')
            .where('collection_products.collection_id', '=', q.collectionId as string),
        ),
      );
    const desc = q.sort.startsWith('-');
    const field = q.sort.replace(/^-/, '') as 'createdAt' | 'updatedAt' | 'title';
    const dir = desc ? 'desc' : 'asc';
    const cmp = desc ? '<' : '>';
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    // createdAt order is id order: ids are UUIDv7, minted at creation.
    if (field === 'createdAt') {
      if (cursor) query = query.where('products.id', cmp, cursor.id);
      query = query.orderBy('products.id', dir);
    } else {
      const col = field === 'title' ? 'products.title' : 'products.updated_at';
      if (cursor) {
        // The cursor comes from the client: its value must fit the sort (a string title, a valid timestamp).
        if (typeof cursor.v !== 'string') throw invalidCursor();
        const value = field === 'title' ? cursor.v : new Date(cursor.v);
        if (value instanceof Date && Number.isNaN(value.getTime())) throw invalidCursor();
        query = query.where((eb) => eb(eb.refTuple(col, 'products.id'), cmp, eb.tuple(value as never, cursor.id)));
      }
      query = query.orderBy(col, dir).orderBy('products.id', dir);
    }
    const rows = await query.limit(q.limit + 1).execute();
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ v: field === 'title' ? last.title : field === 'updatedAt' ? new Date(last.updated_at).toISOString() : null, id: last.id })
        : null;
    return { data: await this.hydrate(page), nextCursor };
  }

  private async hydrate(rows: Awaited<ReturnType<typeof this.productRows>>): Promise<ProductView[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const [variants, images, links] = await Promise.all([
      this.t.selectFrom('variants').selectAll().where('product_id', 'in', ids).orderBy('product_id').orderBy('position').execute(),
      this.t.selectFrom('images').selectAll().where('product_id', 'in', ids).orderBy('product_id').orderBy('position').execute(),
      this.t.selectFrom('collection_products').select(['product_id', 'collection_id']).where('product_id', 'in', ids).execute(),
    ]);
    const by = <T extends { product_id: string }>(list: T[]) => {
      const m = new Map<string, T[]>();
      for (const x of list) {
        const arr = m.get(x.product_id);
        if (arr) arr.push(x);
        else m.set(x.product_id, [x]);
      }
      return m;
    };
    const vm = by(variants);
    const im = by(images);
    const cm = by(links);
    return rows.map((r) =>
      toProductView(
        r,
        vm.get(r.id) ?? [],
        im.get(r.id) ?? [],
        (cm.get(r.id) ?? []).map((l) => l.collection_id),
      ),
    );
  }

  // Only for its return type.
  private productRows() {
    return this.t.selectFrom('products').selectAll().execute();
  }

  /**
   * Applies a patch if `patch.version` is still current; a stale version is a
   * 409 so two editors never overwrite each other silently.
   */
  async update(
    id: string,
    patch: ProductPatch,
    actorUserId: string | null = null,
    within?: (trx: Tx, productId: string) => Promise<void>,
    priceSource: PriceHistorySource = 'edit',
  ): Promise<ProductView> {
    const limit = patch.status === 'active' ? await this.activeLimit() : null;
    try {
      await this.t.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('products').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
        if (!current) throw notFound('Product');
        if (current.version !== patch.version)
          throw new AppError(ErrorCode.VersionConflict, 'This product was changed by someone else; reload it and apply your changes again', {
            details: { currentVersion: current.version },
          });
        await reserveActiveSlots(trx, limit, patch.status === 'active' && current.status !== 'active' ? 1 : 0);
        const now = new Date();
        const set: Record<string, unknown> = { version: current.version + 1, updated_at: now };
        if (patch.title !== undefined) set.title = patch.title.trim();
        if (patch.handle !== undefined) set.handle = patch.handle.normalize('NFC');
        if (patch.description !== undefined) set.description = cleanDescription(patch.description);
        if (patch.status !== undefined) set.status = patch.status;
        if (patch.vendor !== undefined) set.vendor = patch.vendor;
        if (patch.productType !== undefined) set.product_type = patch.productType;
        if (patch.tags !== undefined) set.tags = normaliseTags(patch.tags);
        if (patch.seoTitle !== undefined) set.seo_title = patch.seoTitle;
        if (patch.seoDescription !== undefined) set.seo_description = patch.seoDescription;
        if (patch.taxClass !== undefined) set.tax_class = patch.taxClass;
        if (patch.giftCard !== undefined) set.gift_card = patch.giftCard;
        if (patch.variants !== undefined || patch.options !== undefined) {
          const existing = await trx.selectFrom('variants').selectAll().where('product_id', '=', id).orderBy('position').execute();
          const variants: VariantInput[] =
            patch.variants ??
            existing.map((v) => ({
              id: v.id,
              sku: v.sku,
              price: v.price,
              compareAtPrice: v.compare_at_price,
              options: v.option_values as Record<string, string>,
            }));
          const options = patch.options ?? (patch.variants ? undefined : (current.options as ProductOption[]));
          set.options = JSON.stringify(await this.replaceVariants(trx, id, existing, variants, options, actorUserId, now, priceSource));
        }
        // Conditional on the version we read: belt and braces with FOR UPDATE.
        const r = await trx.updateTable('products').set(set).where('id', '=', id).where('version', '=', patch.version).executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new AppError(ErrorCode.VersionConflict, 'This product was changed by someone else');
        if (patch.images !== undefined) await this.replaceImages(trx, id, patch.images);
        if (patch.collectionIds !== undefined) await this.replaceCollections(trx, id, patch.collectionIds);
        await productEvent(trx, 'product.updated', id);
        await within?.(trx, id);
      });
    } catch (e) {
      translateWriteError(e);
    }
    return (await this.get(id)) as ProductView;
  }

  private async replaceVariants(
    trx: Tx,
    productId: string,
    existing: Variant[],
    variants: VariantInput[],
    declared: ProductOption[] | undefined,
    actorUserId: string | null,
    now: Date,
    priceSource: PriceHistorySource,
  ): Promise<ProductOption[]> {
    if (!variants.length) throw invalid('variants', 'a product needs at least one variant');
    const { options, variantValues } = normaliseOptions(declared, variants);
    const names = options.map((o) => o.name);
    const byId = new Map(existing.map((v) => [v.id, v]));
    const kept = new Set<string>();
    variants.forEach((v, i) => {
      if (v.id && !byId.has(v.id)) throw invalid(`variants.${i}.id`, 'variant not found on this product');
      if (v.id) kept.add(v.id);
    });
    const removed = existing.filter((v) => !kept.has(v.id)).map((v) => v.id);
    if (removed.length) await trx.deleteFrom('variants').where('id', 'in', removed).execute();
    const prices: { variantId: string; price: number }[] = [];
    for (const [i, v] of variants.entries()) {
      const values = variantValues[i] ?? {};
      if (v.id) {
        const before = byId.get(v.id) as Variant;
        const set: Record<string, unknown> = {
          title: variantTitle(values, names),
          option_values: JSON.stringify(values),
          price: v.price,
          compare_at_price: v.compareAtPrice === undefined ? before.compare_at_price : v.compareAtPrice,
          position: i,
          updated_at: now,
          version: before.version + 1,
        };
        if (v.sku !== undefined) set.sku = v.sku || null;
        if (v.lowStockThreshold !== undefined) set.low_stock_threshold = v.lowStockThreshold;
        if (v.imageUrl !== undefined) set.image_url = v.imageUrl;
        if (v.weightGrams !== undefined) set.weight_grams = v.weightGrams;
        const quantityChange = v.inventoryQuantity !== undefined && v.inventoryQuantity !== before.inventory_quantity;
        if (quantityChange) set.inventory_quantity = v.inventoryQuantity;
        await trx.updateTable('variants').set(set).where('id', '=', v.id).execute();
        prices.push({ variantId: v.id, price: v.price });
        if (quantityChange) {
          await trx
            .insertInto('inventory_adjustments')
            .values({
              id: newId(),
              variant_id: v.id,
              delta: (v.inventoryQuantity as number) - before.inventory_quantity,
              quantity_after: v.inventoryQuantity as number,
              reason: 'product_edit',
              actor_user_id: actorUserId,
              idempotency_key: null,
              created_at: now,
            })
            .execute();
        }
      } else {
        const variantId = newId();
        prices.push({ variantId, price: v.price });
        await trx
          .insertInto('variants')
          .values({
            id: variantId,
            product_id: productId,
            sku: v.sku || null,
            title: variantTitle(values, names),
            option_values: JSON.stringify(values),
            price: v.price,
            compare_at_price: v.compareAtPrice ?? null,
            inventory_quantity: v.inventoryQuantity ?? 0,
            position: i,
            created_at: now,
            updated_at: now,
            low_stock_threshold: v.lowStockThreshold ?? null,
            image_url: v.imageUrl ?? null,
            weight_grams: v.weightGrams ?? 0,
          })
          .execute();
      }
    }
    // Unchanged prices are skipped by the history itself.
    await recordPriceChanges(trx, prices, priceSource);
    return options;
  }

  private async replaceImages(trx: Tx, productId: string, images: ImageInput[]) {
    // Uploaded images keep their storage key when a full-list edit names them again by URL.
    const removed = await trx.deleteFrom('images').where('product_id', '=', productId).returning(['url', 'storage_key', 'source_url']).execute();
    if (!images.length) return;
    const kept = new Map(removed.filter((r) => r.storage_key).map((r) => [r.url, r]));
    const now = new Date();
    await trx
      .insertInto('images')
      .values(
        images.map((img, i) => ({
          id: newId(),
          product_id: productId,
          url: img.url,
          alt: img.alt ?? null,
          position: i,
          created_at: now,
          storage_key: img.storageKey ?? kept.get(img.url)?.storage_key ?? null,
          source_url: img.sourceUrl ?? kept.get(img.url)?.source_url ?? null,
        })),
      )
      .execute();
  }

  private async replaceCollections(trx: Tx, productId: string, collectionIds: string[]) {
    const unique = [...new Set(collectionIds)];
    if (unique.length) {
      const found = await trx.selectFrom('collections').select('id').where('id', 'in', unique).execute();
      if (found.length !== unique.length) throw invalid('collectionIds', 'unknown collection');
    }
    await trx.deleteFrom('collection_products').where('product_id', '=', productId).execute();
    if (unique.length)
      await trx
        .insertInto('collection_products')
        .values(unique.map((c) => ({ collection_id: c, product_id: productId, position: 0 })))
        .execute();
  }

  async delete(id: string): Promise<void> {
    await this.t.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('products').where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound('Product');
      await emitWebhookEvent(trx, { type: 'product.deleted', resourceKey: `product:${id}`, data: { product: { id } } });
    });
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.t
      .selectFrom('products')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

/** The merchant webhook event of a product write, in the write's transaction (outbox): `data.product` as the API shows it. */
async function productEvent(trx: Tx, type: 'product.created' | 'product.updated', id: string) {
  await emitWebhookEvent(trx, { type, resourceKey: `product:${id}`, data: async () => ({ product: await new ProductService(trx).get(id) }) });
}

function toProductView(
  r: Product,
  variants: Variant[],
  images: { id: string; url: string; alt: string | null; position: number }[],
  collectionIds: string[],
): ProductView {
  return {
    id: r.id,
    handle: r.handle,
    title: r.title,
    description: r.description,
    status: r.status,
    vendor: r.vendor,
    productType: r.product_type,
    tags: r.tags,
    options: r.options as ProductOption[],
    seoTitle: r.seo_title,
    seoDescription: r.seo_description,
    taxClass: r.tax_class ?? 'standard',
    giftCard: r.gift_card ?? false,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    variants: variants.map(toVariantView),
    images: images.map((i) => ({ id: i.id, url: i.url, alt: i.alt, position: i.position })),
    collectionIds,
  };
}

export function toVariantView(v: Variant): VariantView {
  return {
    id: v.id,
    sku: v.sku,
    title: v.title,
    options: v.option_values as Record<string, string>,
    price: v.price,
    compareAtPrice: v.compare_at_price,
    inventoryQuantity: v.inventory_quantity,
    position: v.position,
    version: v.version,
    lowStockThreshold: v.low_stock_threshold ?? null,
    imageUrl: v.image_url ?? null,
    weightGrams: v.weight_grams ?? 0,
  };
}

export function normaliseTags(tags: string[] | undefined): string[] {
  if (!tags) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of tags) {
    const t = raw.trim();
    if (!t || seen.has(t.toLowerCase())) continue;
    seen.add(t.toLowerCase());
    out.push(t);
  }
  return out;
}
