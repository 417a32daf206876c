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
