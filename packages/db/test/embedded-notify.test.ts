/**
 * LISTEN/NOTIFY through the embedded server (issue 23, round 13). Its connections share one PGlite session, so
 * Postgres writes a notification into the response of whichever connection committed; the server's relay takes it
 * out there and sends it to the connections that listen on its channel, as separate Postgres sessions would get it.
 */
import { type EmbeddedPostgres, NotificationSplitter, listenCommand, startEmbeddedPostgres } from '@storeloom/db/embedded';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('notifications between embedded server connections', () => {
  let server: EmbeddedPostgres;
  let listener: pg.Client;
  let other: pg.Client;
  let writer: pg.Client;
  const got: { client: string; channel: string; payload: string }[] = [];
  const connect = async (name: string) => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    c.on('notification', (m) => got.push({ client: name, channel: m.channel, payload: m.payload ?? '' }));
    return c;
  };
  /** A round trip on every client: a notification relayed before it has been read by then. */
  const settle = async () => {
    for (const c of [listener, other, writer]) await c.query('select 1');
  };

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    listener = await connect('listener');
    other = await connect('other');
    writer = await connect('writer');
  }, 120_000);
  afterAll(async () => {
    for (const c of [listener, other, writer]) await c?.end().catch(() => {});
    await server?.stop();
  });

  it('delivers a committed notification to the listening connection only, from simple, extended and multi-statement transactions', async () => {
    got.length = 0;
    await listener.query('LISTEN storeloom_catalog');
    await other.query('LISTEN "Other Channel"');
    await writer.query(`select pg_notify('storeloom_catalog', 'simple')`);
    await writer.query({ text: 'select pg_notify($1, $2)', values: ['storeloom_catalog', 'extended'] });
    await writer.query('begin');
    await writer.query(`select pg_notify('storeloom_catalog', 'in transaction')`);
    await writer.query(`select pg_notify('Other Channel', 'quoted')`);
    await writer.query(`select pg_notify('nobody', 'dropped')`);
    await writer.query('commit');
    await writer.query('begin');
    await writer.query(`select pg_notify('storeloom_catalog', 'rolled back')`);
    await writer.query('rollback');
    await settle();
    expect(got).toEqual([
      { client: 'listener', channel: 'storeloom_catalog', payload: 'simple' },
      { client: 'listener', channel: 'storeloom_catalog', payload: 'extended' },
      { client: 'listener', channel: 'storeloom_catalog', payload: 'in transaction' },
      { client: 'other', channel: 'Other Channel', payload: 'quoted' },
    ]);
  });

  it('a listener gets its own notifications, results around a notification stay intact, and UNLISTEN stops delivery', async () => {
    got.length = 0;
    const big = await listener.query(`select repeat('z', 100000) as z, pg_notify('storeloom_catalog', repeat('y', 7900)) as n`);
    expect(big.rows[0].z).toBe('z'.repeat(100_000));
    await writer.query(`select pg_notify('storeloom_catalog', 'to both')`);
    await other.query('LISTEN storeloom_catalog');
    await writer.query(`select pg_notify('storeloom_catalog', 'to both')`);
    await listener.query('UNLISTEN storeloom_catalog');
    await other.query('UNLISTEN *');
    await writer.query(`select pg_notify('storeloom_catalog', 'after unlisten')`);
    await writer.query(`select pg_notify('Other Channel', 'after unlisten')`);
    await settle();
    // Two sockets: which one the test process reads first is not fixed.
    expect(got.map((g) => `${g.client} ${g.payload.slice(0, 8)}`).sort()).toEqual([
      'listener to both',
      'listener to both',
      'listener yyyyyyyy',
      'other to both',
    ]);
    expect(got[0]?.payload).toBe('y'.repeat(7900));
  });

  it('a failed LISTEN does not subscribe, and a closed listener is forgotten', async () => {
    got.length = 0;
    await other.query('begin');
    await expect(other.query('select 1/0')).rejects.toThrow();
    await expect(other.query('LISTEN failed_channel')).rejects.toThrow(/aborted/);
    await other.query('rollback');
    await writer.query(`select pg_notify('failed_channel', 'not subscribed')`);
    const late = await connect('late');
    await late.query('LISTEN late_channel');
    await late.end();
    await writer.query(`select pg_notify('late_channel', 'nobody left')`);
    await settle();
    expect(got).toEqual([]);
  });
});

describe('NotificationSplitter', () => {
  const message = (type: string, body: Uint8Array) => {
    const m = new Uint8Array(5 + body.length);
    m[0] = type.charCodeAt(0);
    new DataView(m.buffer).setInt32(1, 4 + body.length);
    m.set(body, 5);
    return m;
  };
  const text = (s: string) => new TextEncoder().encode(s);
  const notification = (channel: string, payload: string) => message('A', new Uint8Array([0, 0, 0, 1, ...text(`${channel}\0${payload}\0`)]));

  it('takes notifications out of a response however it is cut into chunks', () => {
    const row = message('D', text('x'.repeat(40)));
    const n1 = notification('storeloom_catalog', 'a 1');
    const n2 = notification('c', 'b');
    const ready = message('Z', text('I'));
    const stream = new Uint8Array([...row, ...n1, ...row, ...n2, ...ready]);
    const expected = new Uint8Array([...row, ...row, ...ready]);
    for (let cut1 = 0; cut1 <= stream.length; cut1++) {
      for (const cut2 of [cut1, cut1 + 1, cut1 + 3, cut1 + 7, stream.length]) {
        const s = new NotificationSplitter();
        const out: number[] = [];
        for (const chunk of [stream.subarray(0, cut1), stream.subarray(cut1, Math.min(cut2, stream.length)), stream.subarray(Math.min(cut2, stream.length))]) {
          out.push(...s.split(chunk));
        }
        expect(new Uint8Array(out)).toEqual(expected);
        expect(s.notifications.map((n) => [...n])).toEqual([[...n1], [...n2]]);
      }
    }
  });

  it('passes a response without notifications through unchanged, and notes an error', () => {
    const response = new Uint8Array([...message('E', text('SERROR\0')), ...message('Z', text('I'))]);
    const s = new NotificationSplitter();
    expect(s.split(response)).toBe(response);
    expect(s.sawError).toBe(true);
  });
});

describe('listenCommand', () => {
  const query = (sql: string) => new Uint8Array([0x51, 0, 0, 0, 0, ...new TextEncoder().encode(`${sql}\0`)]);
  const parse = (sql: string) => new Uint8Array([0x50, 0, 0, 0, 0, ...new TextEncoder().encode(`stmt\0${sql}\0`), 0, 0]);
  it('reads the channel as Postgres names it', () => {
    expect(listenCommand(query('LISTEN storeloom_Catalog'))).toEqual({ listen: true, channel: 'storeloom_catalog' });
    expect(listenCommand(query('  listen "Mixed ""Q"""; '))).toEqual({ listen: true, channel: 'Mixed "Q"' });
    expect(listenCommand(parse('unlisten a_b'))).toEqual({ listen: false, channel: 'a_b' });
    expect(listenCommand(query('UNLISTEN *'))).toEqual({ listen: false, channel: '*' });
    expect(listenCommand(query('select 1'))).toBeNull();
    expect(listenCommand(query('listen a; select 1'))).toBeNull();
    expect(listenCommand(query('update listings set x = 1'))).toBeNull();
  });
});
