/**
 * Type-level test of the console's API client, checked by `npm run typecheck`
 * (this file is in the console tsconfig; it is never run). Each
 * `@ts-expect-error` line must fail to compile: if the client stopped checking
 * paths, parameters, bodies or responses against the generated OpenAPI types,
 * the directive would be unused and typecheck would fail.
 */
import { api, type ResponseOf, upload } from '../src/lib/api.ts';

export async function contract(storeId: string) {
  // What is right compiles, and the response is the schema's type.
  const me = await api.GET('/me');
  const email: string = me.user.email;
  const page = await api.GET('/stores/{storeId}/products', { params: { path: { storeId }, query: { limit: 5, status: 'active' } } });
  const title: string | undefined = page.data[0]?.title;
  const deleted: undefined = await api.DELETE('/stores/{storeId}', { params: { path: { storeId } } });
  const caps: ResponseOf<'/me', 'get'>['stores'][number]['capabilities'] = me.stores[0]?.capabilities ?? [];

  // @ts-expect-error a path the API does not have
  await api.GET('/stores/{storeId}/productz', { params: { path: { storeId } } });
  // @ts-expect-error a method the path does not have
  await api.PUT('/me/api-tokens', {});
  // @ts-expect-error a path parameter missing
  await api.GET('/stores/{storeId}/products/{productId}', { params: { path: { storeId } } });
  // @ts-expect-error a query value of the wrong type
  await api.GET('/stores/{storeId}/products', { params: { path: { storeId }, query: { limit: 'five' } } });
  // @ts-expect-error a query value outside the enum
  await api.GET('/stores/{storeId}/products', { params: { path: { storeId }, query: { status: 'deleted' } } });
  // @ts-expect-error a body field the operation does not take
  await api.POST('/auth/login', { body: { email: 'a@b.c', password: 'x', remember: true } });
  // @ts-expect-error a required body field missing
  await api.POST('/auth/login', { body: { email: 'a@b.c' } });
  // @ts-expect-error a misspelt init key
  await api.GET('/stores/{storeId}/products', { parms: { path: { storeId } } });
  // @ts-expect-error a capability the API does not know
  if (caps.includes('catalog:delete')) return null;
  // @ts-expect-error a response field that does not exist
  void page.data[0]?.titel;
  // @ts-expect-error uploads are checked on path too
  await upload('/stores/{storeId}/settings/logoz', { params: { path: { storeId } } }, new FormData());

  return { email, title, deleted, caps };
}
