// Folds the figures of many runs into a forecast as they arrive, in any order: what is kept per run
// is a few numbers in typed arrays (a million runs of a 4-stage promotion take some 100 MB at most),
// and the result depends only on the set of runs, so worker threads finishing in any order give the
// same forecast for the same seed.
import type { Outcome } from '../driver.ts';
import { GATE_KINDS, noWaiting, type GateKind, type RunFigures } from './figures.ts';
import { countAtOrBelow, mean, nearestRank, sortedPresent } from './percentiles.ts';

export const OUTCOMES: readonly Outcome[] = ['Completed', 'Failed', 'AwaitingApproval', 'Stalled'];

export interface Spread {
  /** Milliseconds from the start; null when no run reached that point. */
  p10: number | null;
  p50: number | null;
  p90: number | null;
}

export interface StageForecast {
  name: string;
  /** How many runs started deploying the stage (the waiting means are over these). */
  reached: number;
  deployStarted: Spread;
  deployed: Spread;
  promoted: Spread;
  /** Mean milliseconds per gate kind over the runs that reached the stage. */
  waiting: Record<GateKind, number>;
}

export interface Forecast {
  promotion: string;
  runs: number;
  seed: number;
  startedAt: number;
  outcomes: Record<Outcome, number>;
  completion: Spread & { mean: number | null };
  /** Present when a deadline was asked for: the share of all runs completed by then. */
  deadline?: { at: number; probability: number };
  stages: StageForecast[];
  /** Every completed run's completion time (ms from the start), ascending: the charts read these. */
  completions: Float64Array;
}

export class ForecastAccumulator {
  readonly #stageNames: string[];
  readonly #capacity: number;
  #runs = 0;
  readonly #outcomes: Record<Outcome, number> = { Completed: 0, Failed: 0, AwaitingApproval: 0, Stalled: 0 };
  readonly #completed: Float64Array;
  readonly #times: { started: Float64Array; deployed: Float64Array; promoted: Float64Array }[];
  readonly #waitSum: Record<GateKind, number>[];
  readonly #reached: number[];

  /** `runs`: how many runs will be added (the arrays are sized once). */
  constructor(stageNames: readonly string[], runs: number) {
    this.#stageNames = [...stageNames];
    this.#capacity = runs;
    this.#completed = new Float64Array(runs).fill(Number.NaN);
    this.#times = this.#stageNames.map(() => ({
      started: new Float64Array(runs).fill(Number.NaN),
      deployed: new Float64Array(runs).fill(Number.NaN),
      promoted: new Float64Array(runs).fill(Number.NaN),
    }));
    this.#waitSum = this.#stageNames.map(() => noWaiting());
    this.#reached = this.#stageNames.map(() => 0);
  }

  get count(): number {
    return this.#runs;
  }

  add(run: RunFigures): void {
    if (this.#runs >= this.#capacity) throw new Error(`more than the ${this.#capacity} runs announced`);
    const i = this.#runs++;
    this.#outcomes[run.outcome]++;
    if (run.completedMs !== null) this.#completed[i] = run.completedMs;
    run.stages.forEach((s, k) => {
      const t = this.#times[k];
      if (!t) return;
      if (s.deployStartedMs !== null) {
        t.started[i] = s.deployStartedMs;
        this.#reached[k]!++;
        for (const g of GATE_KINDS) this.#waitSum[k]![g] += s.waitingMs[g];
      }
      if (s.deployedMs !== null) t.deployed[i] = s.deployedMs;
      if (s.promotedMs !== null) t.promoted[i] = s.promotedMs;
    });
  }

  result(head: { promotion: string; seed: number; startedAt: number; deadlineMs?: number }): Forecast {
    const n = this.#runs;
    const completions = sortedPresent(this.#completed.subarray(0, n));
    const outcomes = { Completed: 0, Failed: 0, AwaitingApproval: 0, Stalled: 0 };
    for (const o of OUTCOMES) outcomes[o] = n === 0 ? 0 : this.#outcomes[o] / n;
    const forecast: Forecast = {
      promotion: head.promotion,
      runs: n,
      seed: head.seed,
      startedAt: head.startedAt,
      outcomes,
      completion: { ...spread(completions), mean: mean(completions) },
      stages: this.#stageNames.map((name, k) => {
        const t = this.#times[k]!;
        const reached = this.#reached[k]!;
        const waiting = noWaiting();
        for (const g of GATE_KINDS) waiting[g] = reached === 0 ? 0 : this.#waitSum[k]![g] / reached;
        return {
          name,
          reached,
          deployStarted: spread(sortedPresent(t.started.subarray(0, n))),
          deployed: spread(sortedPresent(t.deployed.subarray(0, n))),
          promoted: spread(sortedPresent(t.promoted.subarray(0, n))),
          waiting,
        };
      }),
      completions,
    };
    if (head.deadlineMs !== undefined) {
      const by = countAtOrBelow(completions, head.deadlineMs - head.startedAt);
      forecast.deadline = { at: head.deadlineMs, probability: n === 0 ? 0 : by / n };
    }
    return forecast;
  }
}

function spread(sorted: Float64Array): Spread {
  return { p10: nearestRank(sorted, 10), p50: nearestRank(sorted, 50), p90: nearestRank(sorted, 90) };
}
