/** Structured JSON logs, one line per event; fields such as requestId/storeId/userId come from child loggers. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(opts: { level: LogLevel; base?: Record<string, unknown>; write?: (line: string) => void }): Logger {
  const min = ORDER[opts.level];
  const write = opts.write ?? ((line: string) => process.stdout.write(line));
  const make = (base: Record<string, unknown>): Logger => {
    const log = (level: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
      if (ORDER[level] < min) return;
      const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...base, ...fields };
      const err = entry.err;
      if (err instanceof Error) entry.err = { name: err.name, message: err.message, stack: err.stack, code: (err as { code?: unknown }).code };
      write(`${JSON.stringify(entry)}\n`);
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (f) => make({ ...base, ...f }) };
  };
  return make(opts.base ?? {});
}
