/** Sets up what the read benchmark reads, through the real HTTP API of a running control plane. */
import { randomSuffix } from './env.ts';

export interface ReadFixture {
  baseUrl: string;
  userId: string;
  storeId: string;
  productId: string;
  /** "storeloom_session=…" */
  cookie: string;
  /** A personal API token (slk_…). */
  token: string;
  /** The path every load run reads. */
  path: string;
}

export async function call(baseUrl: string, method: string, path: string, opts: { cookie?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  // Cookie-authenticated writes need a same-origin Origin header (CSRF defence).
  if (method !== 'GET') headers.origin = baseUrl;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers, text };
}

export function expectStatus(res: { status: number; text: string }, status: number, what: string) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
}

/** A merchant with one store holding one product, and an API token. */
export async function setUpReadFixture(baseUrl: string): Promise<ReadFixture> {
  const email = `bench-${randomSuffix()}@example.com`;
  const signup = await call(baseUrl, 'POST', '/api/v1/auth/signup', { body: { email, password: 'correct horse battery staple', name: 'Bench Merchant' } });
  expectStatus(signup, 201, 'signup');
  const cookie = (signup.headers.getSetCookie().find((c) => c.startsWith('storeloom_session=')) ?? '').split(';')[0] ?? '';
  if (!cookie) throw new Error('signup set no session cookie');

  const slug = `bench-${randomSuffix()}`;
  const store = await call(baseUrl, 'POST', '/api/v1/stores', { cookie, body: { name: 'Bench Store', slug, currency: 'USD' } });
  expectStatus(store, 201, 'store creation');
  if (store.body.status !== 'active') throw new Error(`store is ${store.body.status}, not active`);
  expectStatus(await call(baseUrl, 'POST', `/api/v1/stores/${store.body.id}/launch`, { cookie }), 200, 'store launch');

  const sizes = ['S', 'M', 'L'];
  const product = await call(baseUrl, 'POST', `/api/v1/stores/${store.body.id}/products`, {
    cookie,
    body: {
      title: 'Linen shirt',
      description: 'A breathable linen shirt, garment-dyed and pre-washed. '.repeat(4),
      status: 'active',
      vendor: 'Storeloom Mills',
      productType: 'Shirts',
      tags: ['linen', 'summer', 'bench'],
      options: [{ name: 'Size', values: sizes }],
      variants: sizes.map((size) => ({
        sku: `LIN-${size}-${randomSuffix(3)}`,
        price: 4500,
        compareAtPrice: 5900,
        inventoryQuantity: 25,
        options: { Size: size },
      })),
      images: [{ url: 'https://cdn.example.com/linen-shirt.jpg', alt: 'Linen shirt' }],
    },
  });
  expectStatus(product, 201, 'product creation');

  const token = await call(baseUrl, 'POST', '/api/v1/me/api-tokens', { cookie, body: { name: 'bench', scopes: ['read_products'] } });
  expectStatus(token, 201, 'API token creation');

  const fixture: ReadFixture = {
    baseUrl,
    userId: signup.body.user.id,
    storeId: store.body.id,
    productId: product.body.id,
    cookie,
    token: token.body.token,
    path: `/api/v1/stores/${store.body.id}/products/${product.body.id}`,
  };
  // Both ways in must read the product before we measure them.
  for (const auth of [{ token: fixture.token }, { cookie: fixture.cookie }]) {
    const read = await call(baseUrl, 'GET', fixture.path, auth);
    expectStatus(read, 200, `product read (${auth.token ? 'token' : 'cookie'})`);
    if (read.body.id !== fixture.productId || read.body.variants?.length !== sizes.length)
      throw new Error(`product read returned the wrong product: ${read.text.slice(0, 300)}`);
  }
  return fixture;
}

export const bearer = (f: ReadFixture) => ({ authorization: `Bearer ${f.token}` });
export const session = (f: ReadFixture) => ({ cookie: f.cookie });
