// `simulate --runs N -o json`: the forecast as a public interface (docs/forecast.md describes each
// field; renaming one breaks users' scripts). Times are seconds from the start.
import type { Outcome } from '../driver.ts';
import { rfc3339 } from '../../src/rfc3339.ts';
import type { GateKind } from './figures.ts';
import type { Forecast, Spread } from './reduce.ts';

export interface SpreadJson {
  p10: number | null;
  p50: number | null;
  p90: number | null;
}

export interface ForecastJson {
  promotion: string;
  runs: number;
  seed: number;
  startedAt: string;
  outcomes: Record<Outcome, number>;
  completion: SpreadJson & { mean: number | null };
  deadline?: { at: string; probability: number };
  stages: {
    name: string;
    deployStarted: SpreadJson;
    deployed: SpreadJson;
    promoted: SpreadJson;
    waiting: Record<GateKind, number>;
  }[];
}

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

function spreadJson(s: Spread): SpreadJson {
  return { p10: seconds(s.p10), p50: seconds(s.p50), p90: seconds(s.p90) };
}

export function toForecastJson(f: Forecast): ForecastJson {
  return {
    promotion: f.promotion,
    runs: f.runs,
    seed: f.seed,
    startedAt: rfc3339(f.startedAt),
    outcomes: { ...f.outcomes },
    completion: { ...spreadJson(f.completion), mean: seconds(f.completion.mean) },
    ...(f.deadline ? { deadline: { at: rfc3339(f.deadline.at), probability: f.deadline.probability } } : {}),
    stages: f.stages.map((s) => ({
      name: s.name,
      deployStarted: spreadJson(s.deployStarted),
      deployed: spreadJson(s.deployed),
      promoted: spreadJson(s.promoted),
      waiting: {
        deploy: s.waiting.deploy / 1000,
        soak: s.waiting.soak / 1000,
        checks: s.waiting.checks / 1000,
        window: s.waiting.window / 1000,
        approval: s.waiting.approval / 1000,
      },
    })),
  };
}
