// The simulate command's flag values: --approve, --horizon, --start and --seed, each checked with
// a one-line message that says what was expected.
import { parseLongDuration as parseDays } from '../../../src/duration.ts';
import type { ScheduledApproval } from '../../../simulator/driver.ts';
import { UsageError } from '../../errors.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time in milliseconds; `flag` names it in the error. */
export function parseTime(text: string, flag: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${flag} ${text}: expected an RFC 3339 time such as 2025-06-01T09:00:00Z`);
  return ms;
}

/** A duration flag: a Go duration, or days in front (`30d`, `1d12h`). */
export function parseLongDuration(text: string, flag: string): number {
  try {
    return parseDays(text);
  } catch (e) {
    throw new UsageError(
      `${flag} ${text}: ${(e as Error).message.replace(/^invalid duration "[^"]*": /, '')} (days are written 30d)`,
    );
  }
}

/**
 * `STAGE` (as soon as it waits), `STAGE@DURATION` (that long after it starts waiting),
 * `STAGE@~DURATION` (after a random wait with that mean) or `STAGE@RFC3339` (at that moment).
 */
export function parseApproval(text: string): ScheduledApproval {
  const at = text.lastIndexOf('@');
  const stage = at < 0 ? text : text.slice(0, at);
  if (stage === '')
    throw new UsageError(
      `--approve ${text}: give the stage name, e.g. --approve production or --approve production@10m`,
    );
  if (at < 0) return { stage, when: { kind: 'whenWaiting' }, source: text };
  const when = text.slice(at + 1);
  if (when.startsWith('~')) {
    let meanMs: number;
    try {
      meanMs = parseLongDuration(when.slice(1), '');
    } catch {
      meanMs = Number.NaN;
    }
    if (!(meanMs > 0))
      throw new UsageError(
        `--approve ${text}: after @~ give the approver's mean wait, longer than 0s, such as ~1h (an exponential wait)`,
      );
    return { stage, when: { kind: 'afterRandomWait', meanMs }, source: text };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(when))
    return { stage, when: { kind: 'at', at: parseTime(when, `--approve ${stage}@`) }, source: text };
  try {
    return { stage, when: { kind: 'afterWaiting', ms: parseLongDuration(when, '') }, source: text };
  } catch {
    throw new UsageError(
      `--approve ${text}: after @ give a duration such as 10m or an RFC 3339 time such as 2025-06-01T09:00:00Z`,
    );
  }
}

export function parseSeed(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--seed ${String(value)}: expected a whole number, 0 or more`);
  return n;
}

/** `--speed N`: virtual seconds per real second, within what the interactive clock allows. */
export function parseSpeed(value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !(n >= min && n <= max))
    throw new UsageError(
      `--speed ${String(value)}: expected a number from ${min} to ${max} (60: a virtual minute per second)`,
    );
  return n;
}
