// Promotion windows: a `from` and a `to` cron schedule. The window is open from a `from` firing
// (inclusive) until the next `to` firing (exclusive). Put differently, at time t the window is open
// when some `from` firing f <= t has no `to` firing in (f, t]. So a `to` firing at the very instant
// of a `from` firing does not close the window that `from` opens (the same reading as Sveltos
// v1.13.0, which looks for the first `to` strictly after the opening), and a window whose `from`
// and `to` fire at the same instants never closes.
//
// Cron syntax is what Sveltos's parser (robfig/cron ParseStandard) accepts: five fields (minute,
// hour, day of month, month, day of week) with `*`, `?`, lists, ranges, steps and JAN-DEC/SUN-SAT
// names, or a descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly).
// Times are UTC unless the expression starts with `CRON_TZ=Zone/Name`. cron-parser does the
// calendar arithmetic (day-of-month OR day-of-week, as in cron; DST in the zone); the syntax is
// checked here first because cron-parser also takes forms Sveltos would reject (seconds, L, #, H).
// Everything here is pure: the time is always passed in.
import { CronExpressionParser } from 'cron-parser';
import type { TimeWindow } from '../api/types.ts';
import { UserError } from '../user-error.ts';

export class CronError extends UserError {
  override name = 'CronError';
}

/** A bad `from` or `to`; `reason` is the message without the field name. */
export class WindowError extends UserError {
  override name = 'WindowError';
  constructor(
    readonly field: 'from' | 'to',
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export interface CronSchedule {
  /** The expression as written. */
  readonly expression: string;
  /** The five fields it stands for (descriptors expanded), without the zone. */
  readonly fields: string;
  /** IANA zone the fields are read in; `UTC` unless CRON_TZ= says otherwise. */
  readonly timeZone: string;
  /** The first firing strictly after `t`, or null if it never fires again. */
  nextAfter(t: Date): Date | null;
  /** The last firing at or before `t`, or null if there is none. */
  latestAtOrBefore(t: Date): Date | null;
}

export interface ParsedWindow {
  readonly from: CronSchedule;
  readonly to: CronSchedule;
}

export interface WindowState {
  open: boolean;
  /** When it next opens (if closed) or closes (if open); null when that never happens. */
  changesAt: Date | null;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const MONTHS = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAYS = 'SUN|MON|TUE|WED|THU|FRI|SAT';

function fieldPattern(names?: string): RegExp {
  const value = names ? `(?:\\d+|${names})` : '\\d+';
  const part = `(?:\\*|\\?|${value}(?:-${value})?)(?:/\\d+)?`;
  return new RegExp(`^${part}(?:,${part})*$`, 'i');
}

const FIELD_PATTERNS = [fieldPattern(), fieldPattern(), fieldPattern(), fieldPattern(MONTHS), fieldPattern(DAYS)];

function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses one schedule; throws CronError with a message a user can act on. */
export function parseCron(expression: string): CronSchedule {
  let rest = expression.trim();
  let timeZone = 'UTC';
  const tz = /^CRON_TZ=(\S*)\s*/.exec(rest);
  if (tz) {
    timeZone = tz[1]!;
    if (!timeZone || !isValidZone(timeZone)) {
      throw new CronError(`unknown time zone "${timeZone}" in CRON_TZ= (use an IANA name such as Europe/Berlin)`);
    }
    rest = rest.slice(tz[0].length);
  } else if (/^TZ=/.test(rest)) {
    throw new CronError(`"${expression}": write the time zone as CRON_TZ=Zone/Name`);
  }
  if (!rest) throw new CronError('empty cron expression');
  let fields: string;
  if (rest.startsWith('@')) {
    const expanded = DESCRIPTORS[rest.toLowerCase()];
    if (!expanded) {
      throw new CronError(
        `unsupported descriptor "${rest}" (use @yearly, @monthly, @weekly, @daily or @hourly, or five cron fields)`,
      );
    }
    fields = expanded;
  } else {
    const parts = rest.split(/\s+/);
    if (parts.length !== 5) {
      throw new CronError(
        `"${rest}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; expected 5 (minute hour ` +
          `day-of-month month day-of-week)`,
      );
    }
    parts.forEach((p, i) => {
      if (!FIELD_PATTERNS[i]!.test(p)) throw new CronError(`bad ${FIELD_NAMES[i]} field "${p}" in "${rest}"`);
    });
    fields = parts.join(' ');
  }
  try {
    CronExpressionParser.parse(fields, { tz: timeZone, currentDate: new Date(0) });
  } catch (e) {
    throw new CronError(`bad cron expression "${rest}": ${(e as Error).message}`);
  }
  const at = (t: Date) => CronExpressionParser.parse(fields, { tz: timeZone, currentDate: t });
  const schedule: CronSchedule = {
    expression,
    fields,
    timeZone,
    nextAfter(t) {
      try {
        return at(t).next().toDate();
      } catch {
        return null;
      }
    },
    latestAtOrBefore(t) {
      let latest: Date;
      try {
        // Firings fall on whole minutes, so one millisecond later makes "strictly before" inclusive.
        latest = at(new Date(t.getTime() + 1))
          .prev()
          .toDate();
      } catch {
        return null;
      }
      // cron-parser's prev() misses a firing that next() moves out of a DST gap (02:30 on a
      // spring-forward day fires at 03:30); next() is the reference, so walk forward with it.
      for (let n = this.nextAfter(latest); n !== null && n.getTime() <= t.getTime(); n = this.nextAfter(n)) latest = n;
      return latest;
    },
  };
  if (schedule.nextAfter(new Date(0)) === null) throw new CronError(`"${rest}" never fires`);
  return schedule;
}

/** Parses both ends of a window; a problem is a WindowError naming `from` or `to`. */
export function parseWindow(w: TimeWindow): ParsedWindow {
  const one = (field: 'from' | 'to'): CronSchedule => {
    const expr = w[field];
    if (typeof expr !== 'string' || expr.trim() === '') throw new WindowError(field, 'is required (a cron expression)');
    try {
      return parseCron(expr);
    } catch (e) {
      throw new WindowError(field, (e as Error).message);
    }
  };
  return { from: one('from'), to: one('to') };
}

/** Whether `from` and `to` fire at exactly the same instants, so that the window never closes. */
export function neverCloses(w: ParsedWindow): boolean {
  return w.from.fields === w.to.fields && w.from.timeZone === w.to.timeZone;
}

// Closing instants that coincide with an opening are skipped one by one; past this many the
// window is reported as changing there anyway, and the caller simply looks again then.
const MAX_REOPENINGS = 1000;

/** Whether the window is open at `now`, and when that next changes. */
export function windowState(w: ParsedWindow, now: Date): WindowState {
  const opened = w.from.latestAtOrBefore(now);
  const closed = w.to.latestAtOrBefore(now);
  const open = opened !== null && (closed === null || closed.getTime() <= opened.getTime());
  if (!open) return { open, changesAt: w.from.nextAfter(now) };
  if (neverCloses(w)) return { open, changesAt: null };
  let closesAt = w.to.nextAfter(now);
  for (let i = 0; closesAt !== null && i < MAX_REOPENINGS; i++) {
    const reopens = w.from.latestAtOrBefore(closesAt);
    if (reopens === null || reopens.getTime() !== closesAt.getTime()) break;
    closesAt = w.to.nextAfter(closesAt);
  }
  return { open, changesAt: closesAt };
}
