// Go's time.Duration string syntax, as metav1.Duration (and so the ClusterPromotion CRD) accepts it:
// a sequence of decimal numbers with units ns, us (or µs), ms, s, m, h, e.g. `300ms`, `1.5h`, `1h30m`.
import { UserError } from './user-error.ts';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * The longest duration Go holds (int64 nanoseconds, 2562047h47m16.854775807s, some 292 years), in
 * milliseconds (rounded up to one JavaScript holds): Kubernetes refuses anything longer, so lint does,
 * and what lint accepts simulates.
 */
export const MAX_DURATION_MS = 9_223_372_036_855;
const MAX_DURATION_TEXT = '2562047h47m16.854775807s';

export class DurationError extends UserError {
  override name = 'DurationError';
}

/** Parses a Go duration into milliseconds; throws DurationError with a message a user can act on. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  let i = 0;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    i = 1;
  }
  if (i >= s.length) throw new DurationError(`invalid duration "${text}": expected e.g. 90s, 5m or 1h30m`);
  let total = 0;
  while (i < s.length) {
    TERM.lastIndex = i;
    const m = TERM.exec(s);
    if (!m) {
      const rest = s.slice(i);
      const hint = /^\d+(\.\d*)?$/.test(rest) ? 'a unit is missing' : `unknown unit in "${rest}"`;
      throw new DurationError(`invalid duration "${text}": ${hint} (use ns, us, ms, s, m or h, e.g. 90s, 5m, 1h30m)`);
    }
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    i = TERM.lastIndex;
  }
  if (sign < 0) throw new DurationError(`invalid duration "${text}": must not be negative`);
  if (total > MAX_DURATION_MS)
    throw new DurationError(
      `invalid duration "${text}": out of range; the longest is ${MAX_DURATION_TEXT} (about 292 years)`,
    );
  return total;
}

/**
 * A Go duration, plus whole days in front (`30d`, `1d12h`): rehearsals are naturally counted in
 * days, which Go's syntax lacks.
 */
export function parseLongDuration(text: string): number {
  const m = /^(\d+)d(.*)$/.exec(text.trim());
  if (!m) return parseDuration(text);
  try {
    return Number(m[1]) * 86_400_000 + (m[2] ? parseDuration(m[2]) : 0);
  } catch (e) {
    throw new DurationError(
      `invalid duration "${text}": ${(e as Error).message.replace(/^invalid duration "[^"]*": /, '')}`,
    );
  }
}

/** Formats milliseconds the way Go's Duration.String does (`1h30m0s`, `300ms`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) {
    const out = Number.isInteger(rest) ? `${rest}ms` : `${+(rest * 1000).toFixed(3)}µs`;
    return neg ? `-${out}` : out;
  }
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = +(rest / 1000).toFixed(9);
  let out = '';
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  out += `${sec}s`;
  return neg ? `-${out}` : out;
}

/** A short human form for countdowns: `4m12s`, `2h5m`, `3d4h`. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) return h ? `${d}d${h}h` : `${d}d`;
  if (h) return m ? `${h}h${m}m` : `${h}h`;
  if (m) return sec ? `${m}m${sec}s` : `${m}m`;
  return `${sec}s`;
}

/**
 * kubectl's AGE (Go's k8s.io/apimachinery duration.HumanDuration, which the API server's Table
 * rows use too): seconds up to 2 minutes, then minutes (with seconds below 10 minutes), hours
 * (with minutes below 8 hours), days (with hours below 8 days), years.
 */
export function kubectlAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}
