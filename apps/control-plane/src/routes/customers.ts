/**
 * The store's customer accounts for the merchant (issue 21): search by name or e-mail (the draft order's customer
 * picker) and one customer with their saved addresses. Read-only; token scope read_customers. Looking at a customer is
 * looking at personal data, so GET of one customer is written to the audit log like an order's. See
 * @storeloom/commerce's CustomerDirectory (customer-directory.ts) and docs/design/orders.md.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { CustomerDirectory } from '@storeloom/commerce';
import { writeAudit } from '@storeloom/db';
import type { Api } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonResponse, StoreIdParam } from '../schemas.ts';

const Params = StoreIdParam.extend({ customerId: z.string() });

const CustomerAddress = z
  .object({
    name: z.string(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    postalCode: z.string(),
    region: z.string().nullable(),
    country: z.string(),
    phone: z.string().nullable(),
  })
  .openapi('CustomerAddress');

const CustomerSummary = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    emailVerified: z.boolean(),
    ordersCount: z.number().int().openapi({ description: 'Orders placed with this account (or attached to it after the e-mail was verified)' }),
    lastOrderAt: z.string().nullable(),
    defaultAddress: CustomerAddress.nullable().openapi({ description: 'The address the customer saved last (their latest order’s), or none' }),
    createdAt: z.string(),
  })
  .openapi('CustomerSummary');

const CustomerDetail = CustomerSummary.extend({
  addresses: z.array(CustomerAddress.extend({ id: z.string() })).openapi({ description: 'Saved addresses, newest first (the first is the default)' }),
}).openapi('Customer');

const list = createRoute({
  operationId: 'listCustomers',
  method: 'get',
  path: '/stores/{storeId}/customers',
  tags: ['customers'],
  summary: 'Customer accounts, newest first; query matches word prefixes of the name or e-mail, case-insensitively',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      query: z.string().trim().max(200).optional().openapi({ description: 'Words that each start a word of the name or e-mail (“jan doe”, “example.com”)' }),
      cursor: z.string().max(100).optional(),
      limit: z.coerce.number().int().min(1).max(250).default(50),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(CustomerSummary), nextCursor: z.string().nullable() }).openapi('CustomerPage'), 'Customers'),
    ...errorResponses(400, 401, 403, 404),
  },
});
const get = createRoute({
  operationId: 'getCustomer',
  method: 'get',
  path: '/stores/{storeId}/customers/{customerId}',
  tags: ['customers'],
  summary: 'One customer account with its saved addresses',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(CustomerDetail, 'The customer'), ...errorResponses(401, 403, 404) },
});

export function registerCustomerRoutes(app: Api) {
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await new CustomerDirectory(tenantOf(c)).list(c.req.valid('query')), 200);
  });
  app.openapi(get, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const customer = await new CustomerDirectory(tenantOf(c)).getOrThrow(uuidParam(c, 'customerId', 'Customer'));
    await writeAudit(c.var.services.db, {
      storeId: c.var.store.id,
      actorUserId: c.var.auth?.user.id ?? null,
      action: 'customer_data.viewed',
      targetType: 'customer',
      targetId: customer.id,
      requestId: c.var.requestId,
    });
    return c.json(customer, 200);
  });
}
