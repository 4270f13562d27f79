// The controller's log: one line per record, as JSON (`--log-format json`, what log collectors
// parse; keys as controller-runtime's zap logger writes them) or as text for a person at a terminal.
// `-v N` shows records up to verbosity N (0: what an operator needs; 1: each write; 2: each reconcile).

export type LogFormat = 'json' | 'text';
export type Fields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(msg: string, fields?: Fields): void;
  /** Shown only at `-v level` or more. */
  debug(level: number, msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export function createLogger(options: {
  format: LogFormat;
  verbosity: number;
  write: (line: string) => void;
  now: () => number;
  /** The logger name (zap's `logger` key). */
  name?: string;
}): Logger {
  const { format, verbosity, write, now } = options;
  const line = (level: string, msg: string, fields: Fields = {}): void => {
    const ts = new Date(now()).toISOString();
    const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (format === 'json') {
      const record: Record<string, unknown> = { level, ts, ...(options.name ? { logger: options.name } : {}), msg };
      for (const [k, v] of defined) record[k] = v;
      write(`${JSON.stringify(record)}\n`);
    } else {
      const rest = defined.map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`);
      write(`${ts} ${level.toUpperCase().padEnd(5)} ${msg}${rest.length ? ` ${rest.join(' ')}` : ''}\n`);
    }
  };
  return {
    info: (msg, fields) => line('info', msg, fields),
    debug: (level, msg, fields) => {
      if (level <= verbosity) line('debug', msg, { v: level, ...fields });
    },
    error: (msg, fields) => line('error', msg, fields),
  };
}
