// `simulate --runs N`: the rollout plan rehearsed N times with independent draws from --seed, and
// what the runs say about when it completes: -o text (a table and a Gantt chart), -o json (the
// public shape of docs/forecast.md) or -o html (a self-contained report for a browser).
import { writeFileSync } from 'node:fs';
import type { ClusterPromotion } from '../../../src/api/types.ts';
import { supportsUnicode } from '../../../src/view/glyphs.ts';
import type { ScheduledApproval } from '../../../simulator/driver.ts';
import type { FleetSpec } from '../../../simulator/fleet-spec.ts';
import { toForecastJson } from '../../../simulator/forecast/json.ts';
import { formatForecastHtml } from '../../../simulator/forecast/render/html.ts';
import { formatForecastText } from '../../../simulator/forecast/render/text.ts';
import type { Io } from '../../command.ts';
import { EXIT_OK, UsageError } from '../../errors.ts';
import { parseLongDuration, parseTime } from './args.ts';

export type ForecastFormat = 'text' | 'json' | 'html';

/** More runs than this is a typo (an extra zero or two), not a forecast anyone waits for. */
export const MAX_RUNS = 1_000_000;

/** `--runs N`: a whole number from 2 (one run is what simulate without --runs does). */
export function parseRuns(value: unknown): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 2 || n > MAX_RUNS)
    throw new UsageError(
      `--runs ${String(value)}: expected a whole number from 2 to ${MAX_RUNS} ` +
        '(without --runs, simulate rehearses once)',
    );
  return n;
}

/** `--deadline`: an RFC 3339 time, or a duration after the start (`36h`, `2d`). */
export function parseDeadline(text: string, start: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return parseTime(text, '--deadline');
  try {
    return start + parseLongDuration(text, '--deadline');
  } catch {
    throw new UsageError(
      `--deadline ${text}: expected an RFC 3339 time such as 2025-06-02T09:00:00Z ` +
        'or a duration after the start such as 36h or 2d',
    );
  }
}

/** Where the report goes: -o html is a file for a browser, never a terminal's screen. */
export function checkDestination(format: ForecastFormat, outputFile: string | undefined, io: Io): void {
  if (format === 'html' && outputFile === undefined && io.stdout.isTTY === true)
    throw new UsageError(
      '-o html writes a page for a browser: give --output-file report.html (or redirect it: > report.html)',
    );
}

export interface ForecastRun {
  promotion: ClusterPromotion;
  fleet: FleetSpec;
  start: number;
  horizonMs: number;
  seed: number;
  approvals: ScheduledApproval[];
  runs: number;
  deadlineMs?: number;
  format: ForecastFormat;
  outputFile?: string;
  color: boolean;
  threads?: number;
}

export async function runForecastCommand(r: ForecastRun, io: Io): Promise<number> {
  // A count on the terminal while it works; nothing in a log.
  const progress = io.stderr.isTTY === true ? io.stderr : null;
  let shown = -1;
  // Its own chunk in the build: the worker threads load this module, and nothing of the command line.
  const { runForecast } = await import('../../../simulator/forecast/montecarlo.ts');
  const forecast = await runForecast(
    {
      promotion: r.promotion,
      fleet: r.fleet,
      start: r.start,
      horizonMs: r.horizonMs,
      approvals: r.approvals,
      runs: r.runs,
      seed: r.seed,
      ...(r.deadlineMs === undefined ? {} : { deadlineMs: r.deadlineMs }),
    },
    {
      ...(r.threads === undefined ? {} : { threads: r.threads }),
      onRun: progress
        ? (done, runs) => {
            const pct = Math.floor((done / runs) * 100);
            if (pct === shown) return;
            shown = pct;
            progress.write(`\rforecast: ${done}/${runs} runs${done === runs ? '\n' : ''}`);
          }
        : undefined,
    },
  );
  const toFile = r.outputFile !== undefined;
  const columns = toFile ? 100 : ((io.stdout as { columns?: number }).columns ?? 80);
  const text =
    r.format === 'json'
      ? `${JSON.stringify(toForecastJson(forecast), null, 2)}\n`
      : r.format === 'html'
        ? formatForecastHtml(forecast)
        : formatForecastText(forecast, {
            color: r.color && !toFile,
            unicode: toFile || supportsUnicode(io.env),
            columns,
          });
  if (r.outputFile !== undefined) {
    try {
      writeFileSync(r.outputFile, text);
    } catch (e) {
      throw new UsageError(`--output-file ${r.outputFile}: ${(e as NodeJS.ErrnoException).message}`);
    }
    io.stderr.write(`forecast of ${r.runs} runs written to ${r.outputFile}\n`);
  } else {
    io.stdout.write(text);
  }
  return EXIT_OK;
}
