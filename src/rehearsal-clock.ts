// How the rehearsal's API server (`simulate --serve`) tells its clients what time it is there. A real
// API server sends only Date, which counts whole seconds on a clock that runs as ours does; a
// rehearsal's virtual clock runs at --speed, so with every answer it sends its time and its pace,
// e.g. `kubectl-promotion-clock: 1767225600000; speed=60` (speed 0 while time stands still), and
// the live commands' countdowns run at the rehearsal's pace between answers.

export const REHEARSAL_CLOCK_HEADER = 'kubectl-promotion-clock';

export interface RehearsalClock {
  /** Virtual time, in milliseconds since the epoch. */
  nowMs: number;
  /** Virtual milliseconds per real one. */
  speed: number;
}

export function formatRehearsalClock(clock: RehearsalClock): string {
  return `${Math.round(clock.nowMs)}; speed=${clock.speed}`;
}

export function parseRehearsalClock(value: string | string[] | undefined): RehearsalClock | null {
  const m = typeof value === 'string' ? /^(\d+); speed=(\d+(?:\.\d+)?)$/.exec(value) : null;
  return m ? { nowMs: Number(m[1]), speed: Number(m[2]) } : null;
}
