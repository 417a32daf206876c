import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';

describe('logger formats', () => {
  it('writes one JSON object per line to a sink (not a terminal)', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', base: { app: 'control-plane' }, write: (l) => lines.push(l) });
    log.child({ requestId: 'r1' }).info('request', { method: 'GET', path: '/api/v1/me', status: 200, ms: 4.1 });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', msg: 'request', app: 'control-plane', requestId: 'r1', status: 200 });
  });

  it('writes one readable line in the pretty format: time, level, message, request summary, fields, error', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', base: { app: 'control-plane' }, write: (l) => lines.push(l), format: 'pretty' });
    log.info('request', { method: 'GET', path: '/api/v1/me', status: 200, ms: 4.1, requestId: 'r1' });
    const err = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    log.error('job failed', { err, job: 'catalog.import-products', note: 'two words' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} INFO {2}request GET \/api\/v1\/me 200 4\.1ms app=control-plane requestId=r1\n$/);
    expect(lines[1]).toMatch(
      /^\d{2}:\d{2}:\d{2}\.\d{3} ERROR job failed err="Error: connection refused \(ECONNREFUSED\)" app=control-plane job=catalog.import-products note="two words"\n$/,
    );
    // One line each, no escape codes when the sink is not the terminal.
    for (const l of lines) {
      expect(l.trimEnd()).not.toContain('\n');
      expect(l).not.toContain('\x1b[');
    }
  });
});

describe('personal data in log lines (issue 22)', () => {
  it('redacts personal fields, truncates IPs and masks e-mail addresses in messages and errors', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    const err = new Error('mail to ada.lovelace@example.org bounced');
    log.warn('could not reach ada.lovelace@example.org', {
      email: 'ada.lovelace@example.org',
      phone: '+44 20 7946 0000',
      ip: '203.0.113.77',
      clientIp: '2001:db8:85a3:1:2:3:4:5',
      note: 'for ada.lovelace@example.org',
      err,
      storeId: 's1',
    });
    const entry = JSON.parse(lines[0] as string);
    expect(lines[0]).not.toContain('ada.lovelace');
    expect(lines[0]).not.toContain('7946');
    expect(entry).toMatchObject({
      email: '[redacted]',
      phone: '[redacted]',
      ip: '203.0.113.0/24',
      clientIp: '2001:db8:85a3::/48',
      note: 'for [email]',
      storeId: 's1',
    });
    expect(entry.msg).toBe('could not reach [email]');
    expect(entry.err.message).toBe('mail to [email] bounced');
    expect(entry.err.stack).not.toContain('ada.lovelace');
  });

  it('truncates IPv4 to /24 and IPv6 to /48', async () => {
    const { truncateIp } = await import('../src/index.ts');
    expect(truncateIp('198.51.100.143')).toBe('198.51.100.0/24');
    expect(truncateIp('::ffff:198.51.100.143')).toBe('198.51.100.0/24');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(truncateIp('::1')).toBe('0:0:0::/48');
    expect(truncateIp('not an ip')).toBeUndefined();
  });
});
