/**
 * Structured logs, one line per event; fields such as requestId/storeId/userId
 * come from child loggers. JSON lines for machines (files, collectors,
 * containers); when stdout is a terminal, a readable line for the person
 * watching `npm start` instead: time, level, message, then the fields.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** `json`: one JSON object per line. `pretty`: one human-readable line. `auto`: pretty on a terminal, JSON otherwise. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** How request access lines are kept (requestContext in @storeloom/http); absent = every request. */
  readonly accessLog?: AccessLogPolicy;
}

/**
 * Access lines of fast, successful reads are sampled: at thousands of requests per second a JSON line each is
 * a measurable share of the CPU of a request and of the log volume. Writes, errors (4xx/5xx) and slow
 * requests are always logged; a sampled line carries `sampled` (the rate) so counts can be scaled back.
 */
export interface AccessLogPolicy {
  /** Fraction (0..1) of fast successful GET/HEAD requests logged. */
  sample: number;
  /** Requests at least this slow are always logged. */
  slowMs: number;
}

const COLOURS: Record<Exclude<LogLevel, 'silent'>, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

const fieldText = (v: unknown): string => {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v) ?? String(v);
};

/**
 * One readable line: `12:04:05.123 INFO  request GET /api/v1/me 200 4.1ms app=control-plane requestId=…`.
 * An access-log entry shows method, path, status and duration first; an error
 * shows its name and message (the stack stays in the JSON form).
 */
export function formatPretty(entry: Record<string, unknown>, colour: boolean): string {
  const { time, level, msg, method, path, status, ms, err, ...rest } = entry;
  const lvl = String(level);
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const parts = [
    colour ? `${DIM}${clock}${RESET}` : clock,
    colour ? `${COLOURS[lvl as 'info'] ?? ''}${lvl.toUpperCase().padEnd(5)}${RESET}` : lvl.toUpperCase().padEnd(5),
    String(msg),
  ];
  if (method !== undefined && path !== undefined)
    parts.push(`${method} ${path}${status !== undefined ? ` ${status}` : ''}${ms !== undefined ? ` ${ms}ms` : ''}`);
  else {
    if (method !== undefined) rest.method = method;
    if (path !== undefined) rest.path = path;
    if (status !== undefined) rest.status = status;
    if (ms !== undefined) rest.ms = ms;
  }
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; message?: unknown; code?: unknown };
    parts.push(`err=${fieldText(`${e.name ?? 'Error'}: ${e.message ?? ''}${e.code ? ` (${e.code})` : ''}`)}`);
  } else if (err !== undefined) parts.push(`err=${fieldText(err)}`);
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) parts.push(colour ? `${DIM}${k}=${RESET}${fieldText(v)}` : `${k}=${fieldText(v)}`);
  return parts.join(' ');
}

/** Field names whose values are personal data: never written (a caller that passes one by mistake gets `[redacted]`). */
const PERSONAL_FIELDS = new Set([
  'email',
  'to',
  'toaddress',
  'to_address',
  'phone',
  'address',
  'line1',
  'line2',
  'customername',
  'fullname',
  'password',
  'cookie',
  'authorization',
  'token',
]);
const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** E-mail addresses inside free text (an error message, a message) become `[email]`. */
export function scrubText(text: string): string {
  return text.includes('@') ? text.replace(EMAIL_RE, '[email]') : text;
}

/** Last line of defence (the log scan test is the first): personal fields redacted, IPs truncated, addresses in strings masked. */
function scrubFields(entry: Record<string, unknown>) {
  for (const [k, v] of Object.entries(entry)) {
    const key = k.toLowerCase();
    if (PERSONAL_FIELDS.has(key)) entry[k] = '[redacted]';
    else if (key === 'ip' || key === 'clientip' || key === 'remoteip' || key === 'remoteaddress') {
      if (typeof v === 'string' && !v.endsWith('/24') && !v.endsWith('/48')) entry[k] = truncateIp(v) ?? '[redacted]';
    } else if (typeof v === 'string') entry[k] = scrubText(v);
  }
}

export function createLogger(opts: {
  level: LogLevel;
  base?: Record<string, unknown>;
  write?: (line: string) => void;
  format?: LogFormat;
  accessLog?: AccessLogPolicy;
}): Logger {
  const min = ORDER[opts.level];
  const write = opts.write ?? ((line: string) => process.stdout.write(line));
  // A custom sink gets JSON unless told otherwise: it is a machine (a test, a collector).
  const format = opts.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && !opts.write && process.stdout.isTTY === true);
  const colour = pretty && !opts.write && process.stdout.isTTY === true;
  const emit = (level: Exclude<LogLevel, 'silent'>, base: Record<string, unknown>, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg: scrubText(msg), ...base, ...fields };
    scrubFields(entry);
    const err = entry.err;
    if (err instanceof Error)
      entry.err = { name: err.name, message: scrubText(err.message), stack: err.stack && scrubText(err.stack), code: (err as { code?: unknown }).code };
    write(`${pretty ? formatPretty(entry, colour) : JSON.stringify(entry)}\n`);
  };
  // A class rather than closures: every request makes a child logger, most of which never write a line.
  class FieldLogger implements Logger {
    readonly accessLog = opts.accessLog;
    constructor(private readonly base: Record<string, unknown>) {}
    debug(msg: string, fields?: Record<string, unknown>) {
      emit('debug', this.base, msg, fields);
    }
    info(msg: string, fields?: Record<string, unknown>) {
      emit('info', this.base, msg, fields);
    }
    warn(msg: string, fields?: Record<string, unknown>) {
      emit('warn', this.base, msg, fields);
    }
    error(msg: string, fields?: Record<string, unknown>) {
      emit('error', this.base, msg, fields);
    }
    child(fields: Record<string, unknown>): Logger {
      return new FieldLogger({ ...this.base, ...fields });
    }
  }
  return new FieldLogger(opts.base ?? {});
}

/**
 * `parent.child(fields)`, made only when something is logged through it (issue 23, round 13): every request gets a
 * logger carrying its request and trace ids, and with sampled access lines most requests never write one, so the
 * child (a copy of the parent's fields plus these) was built for nothing on ~99% of reads. Same lines as the child's.
 */
export class LazyChildLogger implements Logger {
  #real: Logger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly fields: Record<string, unknown>,
  ) {}
  get accessLog(): AccessLogPolicy | undefined {
    return this.parent.accessLog;
  }
  #logger(): Logger {
    this.#real ??= this.parent.child(this.fields);
    return this.#real;
  }
  debug(msg: string, fields?: Record<string, unknown>) {
    this.#logger().debug(msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>) {
    this.#logger().info(msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>) {
    this.#logger().warn(msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>) {
    this.#logger().error(msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return this.#logger().child(fields);
  }
}

/**
 * A client address as logs may keep it: the IPv4 /24 or the IPv6 /48 network (`203.0.113.0/24`,
 * `2001:db8:85a3::/48`), enough to see a network's traffic, not to name a household. Full addresses live only in
 * memory and rate-limiter keys (abuse control), never in a log line. Undefined for anything that is not an address.
 */
export function truncateIp(ip: string | undefined | null): string | undefined {
  if (!ip) return undefined;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip.trim());
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  const v6 = ip.trim().toLowerCase().split('%')[0] as string;
  if (!/^[0-9a-f:]+$/.test(v6) || !v6.includes(':')) return undefined;
  const [head = '', tail] = v6.split('::');
  const groups = head ? head.split(':') : [];
  // Groups after '::' only matter when the first three are not all before it.
  if (tail !== undefined && groups.length < 3) {
    const after = tail ? tail.split(':') : [];
    const zeros = 8 - groups.length - after.length;
    groups.push(...Array(Math.max(zeros, 0)).fill('0'), ...after);
  }
  if (groups.length < 3) return undefined;
  return `${groups
    .slice(0, 3)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/48`;
}
