/**
 * Outbound requests to merchant-supplied URLs (the low-stock alert webhook,
 * product images a CSV import copies into the store)
 * without server-side request forgery:
 *
 * - https only (http only when the deployment allows it, for local development);
 *   no credentials in the URL;
 * - the host, as an IP literal or every address it resolves to, must be a
 *   public unicast address: loopback, private (RFC 1918), link-local, CGNAT,
 *   multicast, unspecified, reserved/documentation ranges, IPv6 ULA/site-local
 *   and IPv4-mapped/compatible/translated/6to4/Teredo forms are refused;
 * - checked when the URL is saved AND at every delivery: the request connects
 *   to the address the guarded lookup resolved and checked (a DNS answer that
 *   changes between the check and the connection cannot point it elsewhere);
 * - redirects are never followed, the response body is read up to a cap and
 *   the whole exchange has a timeout.
 *
 * `allowPrivateAddresses` / `allowHttp` exist for tests and local development
 * only (packages/env refuses them in production).
 */
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

export interface EgressPolicy {
  /** Allow http:// URLs (local development and tests only). */
  allowHttp: boolean;
  /** Allow loopback/private/link-local targets (local development and tests only). */
  allowPrivateAddresses: boolean;
}

export const STRICT_EGRESS: Readonly<EgressPolicy> = Object.freeze({ allowHttp: false, allowPrivateAddresses: false });

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (injectable for tests). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

export class EgressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefused';
  }
}

// ---- address classification ---------------------------------------------------

function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/** Eight 16-bit groups of an IPv6 address (a trailing dotted quad allowed), or null. */
function parseIpv6(raw: string): number[] | null {
  let s = raw.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    // ::ffff:1.2.3.4 -> ::ffff:102:304
    const v4 = parseIpv4(last);
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const out: number[] = [];
  for (const g of [...head, ...Array<string>(fill).fill('0'), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    out.push(Number.parseInt(g, 16));
  }
  return out.length === 8 ? out : null;
}

const V4_BLOCKED: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified/"this network"'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'CGNAT shared address space'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved/broadcast'],
];
const V4_RANGES = V4_BLOCKED.map(([base, bits, label]) => ({ base: parseIpv4(base) as number, size: 2 ** (32 - bits), label }));

function classifyV4(n: number): string | null {
  for (const r of V4_RANGES) if (n >= r.base && n < r.base + r.size) return r.label;
  return null;
}

/** Why `address` (an IP literal) is not a public unicast address, or null when it is. */
export function blockedAddressReason(address: string): string | null {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const kind = isIP(a);
  if (kind === 4) {
    const n = parseIpv4(a);
    return n === null ? 'not an IPv4 address' : classifyV4(n);
  }
  if (kind !== 6) return 'not an IP address';
  const g = parseIpv6(a);
  if (!g) return 'not an IPv6 address';
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return 'IPv4-mapped IPv6';
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return 'IPv4-translated IPv6';
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return 'IPv4-compatible IPv6';
  if (g0 === 0x64 && g1 === 0xff9b) return 'NAT64 (IPv4-embedded)';
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'discard-only';
  if (g0 === 0x2001 && g1 === 0) return 'Teredo';
  if (g0 === 0x2001 && g1 === 0xdb8) return 'documentation';
  if (g0 === 0x2001 && g1 < 0x200) return 'IETF protocol assignments';
  if (g0 === 0x2002) {
    // 6to4 embeds an IPv4 address in bits 16..47.
    const embedded = g1 * 65536 + g2;
    const why = classifyV4(embedded);
    if (why) return `6to4 of a ${why} address`;
    return null;
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'unique local (ULA)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'site-local';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return null;
}

// ---- URL checks -----------------------------------------------------------------

/** The URL's host without IPv6 brackets. */
function hostOf(u: URL): string {
  const h = u.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** Syntax only: scheme, credentials, host present. Returns a problem or null. */
export function checkUrlSyntax(raw: string, policy: EgressPolicy): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be an https URL';
  if (u.protocol === 'http:' && !policy.allowHttp) return 'must be an https URL';
  if (u.username || u.password) return 'must not contain credentials';
  if (!hostOf(u)) return 'must have a host';
  return null;
}

/**
 * Resolves `hostname` and checks every address; returns the addresses to
 * connect to. Throws EgressRefused when any address is not public (a host that
 * resolves to one public and one private address is refused: the client
 * could pick either).
 */
export async function resolveAllowed(hostname: string, policy: EgressPolicy, resolver: Resolver = systemResolver): Promise<ResolvedAddress[]> {
  const literal = isIP(hostname);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolver(hostname);
    } catch {
      throw new EgressRefused(`host ${hostname} does not resolve`);
    }
    if (addresses.length === 0) throw new EgressRefused(`host ${hostname} does not resolve`);
  }
  if (!policy.allowPrivateAddresses) {
    for (const a of addresses) {
      const why = blockedAddressReason(a.address);
      if (why) throw new EgressRefused(literal ? `address ${hostname} is not allowed (${why})` : `host ${hostname} resolves to a non-public address (${why})`);
    }
  }
  return addresses;
}

/** Full check of a URL a merchant saves: syntax, then the host's addresses. Returns a problem or null. */
export async function checkOutboundUrl(raw: string, policy: EgressPolicy, resolver: Resolver = systemResolver): Promise<string | null> {
  const problem = checkUrlSyntax(raw, policy);
  if (problem) return problem;
  try {
    await resolveAllowed(hostOf(new URL(raw)), policy, resolver);
    return null;
  } catch (e) {
    if (e instanceof EgressRefused) return e.message;
    throw e;
  }
}

// ---- guarded POST -----------------------------------------------------------------

export interface GuardedPostOptions {
  headers: Record<string, string>;
  body: string;
  policy: EgressPolicy;
  resolver?: Resolver;
  timeoutMs?: number;
  /** Response bytes read at most (the rest is discarded and the socket closed). */
  maxResponseBytes?: number;
}

export interface GuardedResponse {
  status: number;
  /** Response headers, lower-case names (Location of a 3xx, Content-Type…). */
  headers: Record<string, string | string[] | undefined>;
  /** At most maxResponseBytes of the body. */
  body: Buffer;
  truncated: boolean;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One POST to `url` under the egress policy. The socket's lookup goes through
 * `resolveAllowed`, so the connection is made to an address that was checked
 * in the same step (no second, unchecked DNS answer). 3xx answers are returned
 * as they are (never followed). Throws EgressRefused or a network error.
 */
export function guardedPost(url: string, opts: GuardedPostOptions): Promise<GuardedResponse> {
  return guardedRequest('POST', url, opts);
}

export interface GuardedGetOptions {
  headers?: Record<string, string>;
  policy: EgressPolicy;
  resolver?: Resolver;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** One GET under the egress policy (same guarantees as guardedPost: checked address, no redirects followed, capped body, timeout). */
export function guardedGet(url: string, opts: GuardedGetOptions): Promise<GuardedResponse> {
  return guardedRequest('GET', url, { ...opts, headers: opts.headers ?? {}, body: null });
}

async function guardedRequest(method: 'GET' | 'POST', url: string, opts: Omit<GuardedPostOptions, 'body'> & { body: string | null }): Promise<GuardedResponse> {
  const problem = checkUrlSyntax(url, opts.policy);
  if (problem) throw new EgressRefused(problem);
  const u = new URL(url);
  const host = hostOf(u);
  // IP literals never reach the lookup: check them here.
  if (isIP(host)) await resolveAllowed(host, opts.policy, opts.resolver);
  const resolver = opts.resolver ?? systemResolver;
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolveAllowed(hostname, opts.policy, resolver).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const list = wanted.length > 0 ? wanted : addresses;
        if (options.all) callback(null, list);
        else {
          const first = list[0] as ResolvedAddress;
          callback(null, first.address, first.family);
        }
      },
      (err: Error) => callback(Object.assign(err, { code: 'EEGRESS' }) as NodeJS.ErrnoException, '', 4),
    );
  };
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const cap = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<GuardedResponse>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, res?: GuardedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res as GuardedResponse);
    };
    const req = send(
      u,
      {
        method,
        headers: opts.body === null ? opts.headers : { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
        lookup,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = cap - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size = cap;
            truncated = true;
            finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated });
            req.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated }));
        res.on('error', (e) => finish(e));
      },
    );
    const timer = setTimeout(() => {
      finish(new Error(`timed out after ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof EgressRefused || e.code === 'EEGRESS') finish(new EgressRefused(e.message));
      else finish(e);
    });
    if (opts.body === null) req.end();
    else req.end(opts.body);
  });
}
