// The time axis both charts (terminal and HTML) share: from the start to a little past the last
// figure worth showing, with ticks at round durations.
import { humanDuration } from '../../../src/duration.ts';
import type { Forecast } from '../reduce.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const STEPS = [
  S,
  5 * S,
  10 * S,
  15 * S,
  30 * S,
  M,
  2 * M,
  5 * M,
  10 * M,
  15 * M,
  30 * M,
  H,
  2 * H,
  3 * H,
  6 * H,
  12 * H,
  D,
  2 * D,
  7 * D,
];

export interface TimeAxis {
  /** Milliseconds from the start at the right edge. */
  endMs: number;
  ticks: { ms: number; label: string }[];
  /** The deadline (ms from the start) when it falls on the axis. */
  deadlineMs: number | null;
  /** The deadline lies beyond the right edge (too far to draw without squashing the rest). */
  deadlineBeyond: boolean;
}

/** The last time any figure shows (the latest P90), at least a second. */
export function latestFigure(f: Forecast): number {
  let end = f.completion.p90 ?? 0;
  for (const s of f.stages) end = Math.max(end, s.promoted.p90 ?? 0, s.deployed.p90 ?? 0, s.deployStarted.p90 ?? 0);
  return Math.max(end, S);
}

/** An axis with at most `maxTicks` intervals; a deadline within twice the figures' span widens it. */
export function timeAxis(f: Forecast, maxTicks: number): TimeAxis {
  let end = latestFigure(f);
  const deadline = f.deadline ? f.deadline.at - f.startedAt : null;
  const deadlineOn = deadline !== null && deadline >= 0 && deadline <= 2 * end;
  if (deadlineOn) end = Math.max(end, deadline);
  const step = STEPS.find((s) => end / s <= Math.max(1, maxTicks)) ?? Math.ceil(end / maxTicks / D) * D;
  const endMs = Math.ceil(end / step) * step;
  const ticks: { ms: number; label: string }[] = [];
  for (let t = 0; t <= endMs; t += step) ticks.push({ ms: t, label: t === 0 ? '0' : humanDuration(t) });
  return { endMs, ticks, deadlineMs: deadlineOn ? deadline : null, deadlineBeyond: deadline !== null && !deadlineOn };
}
