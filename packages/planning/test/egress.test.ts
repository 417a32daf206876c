/**
 * SSRF guard of the merchant's alert webhook: every class of non-public
 * address is refused (as a literal and behind a host name), checked again at
 * delivery (DNS rebinding), the connection goes to the checked address,
 * redirects are not followed, the response body is capped and slow servers
 * time out.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockedAddressReason,
  checkOutboundUrl,
  type EgressPolicy,
  EgressRefused,
  guardedPost,
  postSigned,
  type Resolver,
  STRICT_EGRESS,
  validateWebhookUrl,
} from '../src/index.ts';

const LOCAL: EgressPolicy = { allowHttp: true, allowPrivateAddresses: true };
const HTTP_ONLY: EgressPolicy = { allowHttp: true, allowPrivateAddresses: false };

/** A resolver answering from a table (throws ENOTFOUND for other names). */
const table =
  (entries: Record<string, string[]>): Resolver =>
  async (host) => {
    const list = entries[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const BLOCKED: [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'link-local'],
  ['fe80::1', 'link-local'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.255', 'CGNAT'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['ff02::1', 'multicast'],
  ['0.0.0.0', 'unspecified'],
  ['::', 'unspecified'],
  ['fc00::1', 'unique local'],
  ['fd12:3456:789a::1', 'unique local'],
  ['fec0::1', 'site-local'],
  ['::ffff:127.0.0.1', 'IPv4-mapped'],
  ['::ffff:8.8.8.8', 'IPv4-mapped'],
  ['::ffff:7f00:1', 'IPv4-mapped'],
  ['::127.0.0.1', 'IPv4-compatible'],
  ['64:ff9b::a00:1', 'NAT64'],
  ['2002:a00:1::1', '6to4 of a private'],
  ['2001:0:4136:e378::1', 'Teredo'],
  ['192.0.2.10', 'documentation'],
  ['2001:db8::1', 'documentation'],
  ['198.18.0.1', 'benchmarking'],
  ['255.255.255.255', 'reserved/broadcast'],
];
const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '172.32.0.1',
  '100.128.0.1',
  '11.0.0.1',
  '2606:4700:4700::1111',
  '2a00:1450:4001:82b::200e',
  '2002:808:808::1',
];

describe('address classification', () => {
  it.each(BLOCKED)('refuses %s (%s)', (address, label) => {
    const why = blockedAddressReason(address);
    expect(why).not.toBeNull();
    expect(why).toContain(label);
  });
  it.each(PUBLIC)('accepts public %s', (address) => {
    expect(blockedAddressReason(address)).toBeNull();
  });
  it('is not fooled by brackets, zones or non-IPs', () => {
    expect(blockedAddressReason('[::1]')).toBe('loopback');
    expect(blockedAddressReason('fe80::1%eth0')).toBe('link-local');
    expect(blockedAddressReason('example.com')).toBe('not an IP address');
  });
});

describe('URL checks when the merchant saves the webhook', () => {
  const resolver = table({
    'hooks.example.com': ['93.184.215.14'],
    'dual.example.com': ['93.184.215.14', '2606:4700:4700::1111'],
    'internal.example.com': ['10.1.2.3'],
    'mixed.example.com': ['93.184.215.14', '192.168.0.10'],
    'v6-ula.example.com': ['fd00::5'],
    'metadata.example.com': ['169.254.169.254'],
    localhost: ['127.0.0.1', '::1'],
  });

  it('accepts https URLs whose host resolves to public addresses only', async () => {
    expect(await checkOutboundUrl('https://hooks.example.com/storeloom', STRICT_EGRESS, resolver)).toBeNull();
    expect(await checkOutboundUrl('https://dual.example.com:8443/x?y=1', STRICT_EGRESS, resolver)).toBeNull();
    expect(await checkOutboundUrl('https://93.184.215.14/x', STRICT_EGRESS, resolver)).toBeNull();
  });

  it('requires https unless http is explicitly allowed, and refuses credentials and other schemes', async () => {
    expect(validateWebhookUrl('http://hooks.example.com/x')).toBe('must be an https URL');
    expect(validateWebhookUrl('http://hooks.example.com/x', HTTP_ONLY)).toBeNull();
    expect(validateWebhookUrl('ftp://hooks.example.com/x', LOCAL)).toBe('must be an https URL');
    expect(validateWebhookUrl('https://user:pw@hooks.example.com/x')).toBe('must not contain credentials');
    expect(validateWebhookUrl('not a url')).toBe('not a valid URL');
  });

  it.each([
    ['https://127.0.0.1/x', 'loopback'],
    ['https://[::1]/x', 'loopback'],
    ['https://2130706433/x', 'loopback'], // decimal 127.0.0.1, normalised by the URL parser
    ['https://0x7f.1/x', 'loopback'],
    ['https://[::ffff:10.0.0.1]/x', 'IPv4-mapped'],
    ['https://10.0.0.7/x', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://100.64.1.1/x', 'CGNAT'],
    ['https://224.0.0.251/x', 'multicast'],
    ['https://0.0.0.0/x', 'unspecified'],
    ['https://[fd00::1]/x', 'unique local'],
    ['https://internal.example.com/x', 'private'],
    ['https://mixed.example.com/x', 'private'],
    ['https://v6-ula.example.com/x', 'unique local'],
    ['https://metadata.example.com/x', 'link-local'],
    ['https://localhost/x', 'loopback'],
    ['https://nowhere.example.com/x', 'does not resolve'],
  ])('refuses %s (%s)', async (url, label) => {
    const problem = await checkOutboundUrl(url, STRICT_EGRESS, resolver);
    expect(problem).not.toBeNull();
    expect(problem).toContain(label);
  });

  it('lets private targets through only with the explicit development setting', async () => {
    expect(await checkOutboundUrl('http://127.0.0.1:9/x', LOCAL, resolver)).toBeNull();
    expect(await checkOutboundUrl('http://localhost:9/x', LOCAL, resolver)).toBeNull();
    expect(await checkOutboundUrl('http://127.0.0.1:9/x', HTTP_ONLY, resolver)).toContain('loopback');
  });
});

describe('guarded delivery', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        if (req.url === '/redirect') res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
        else if (req.url === '/big') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(Buffer.alloc(1024 * 1024, 97));
        } else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 2_000);
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const post = (url: string, policy: EgressPolicy, extra: { resolver?: Resolver; timeoutMs?: number; maxResponseBytes?: number } = {}) =>
    guardedPost(url, { headers: { 'content-type': 'application/json' }, body: '{}', policy, ...extra });

  it('refuses a loopback literal under the strict policy without connecting', async () => {
    const before = hits.length;
    await expect(post(`http://127.0.0.1:${port}/x`, { allowHttp: true, allowPrivateAddresses: false })).rejects.toBeInstanceOf(EgressRefused);
    await expect(post(`https://127.0.0.1:${port}/x`, STRICT_EGRESS)).rejects.toThrow(/loopback/);
    expect(hits.length).toBe(before);
  });

  it('refuses at delivery a host that resolved to a public address when saved and to loopback now (DNS rebinding)', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const url = `http://rebind.example.com:${port}/x`;
    expect(await checkOutboundUrl(url, HTTP_ONLY, rebinding)).toBeNull(); // saved: looked public
    const before = hits.length;
    const result = await postSigned(url, 'whsec_test', { type: 'test' }, { egress: HTTP_ONLY, resolver: rebinding });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^refused: .*non-public address \(loopback\)/);
    expect(hits.length).toBe(before);
  });

  it('connects to the address the guarded lookup returned (not a second DNS answer)', async () => {
    // "hook.test" does not exist in real DNS: delivery only works if the socket uses our lookup.
    const resolver = table({ 'hook.test': ['127.0.0.1'] });
    const res = await post(`http://hook.test:${port}/via-lookup`, LOCAL, { resolver });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(hits).toContain('/via-lookup');
  });

  it('does not follow redirects', async () => {
    const result = await postSigned(`http://127.0.0.1:${port}/redirect`, 'whsec_test', { type: 'test' }, { egress: LOCAL });
    expect(result).toEqual({ ok: false, status: 302, error: 'HTTP 302 (redirects are not followed)' });
    expect(hits).not.toContain('/elsewhere');
  });

  it('caps the response body it reads', async () => {
    const res = await post(`http://127.0.0.1:${port}/big`, LOCAL, { maxResponseBytes: 1000 });
    expect(res.status).toBe(200);
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(1000);
  });

  it('gives up on a slow server after the timeout', async () => {
    const result = await postSigned(`http://127.0.0.1:${port}/slow`, 'whsec_test', { type: 'test' }, { egress: LOCAL, timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.error).toMatch(/timed out after 200 ms/);
  });
});
