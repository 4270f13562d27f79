// One run of a forecast: a headless rehearsal that keeps no events, timed per stage and per gate.
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { StagePhase } from '../../src/engine/types.ts';
import { Simulation, type ResumeState, type ScheduledApproval } from '../driver.ts';
import type { FleetSpec } from '../fleet-spec.ts';
import type { HealthEvaluator } from '../fleet.ts';
import { mix32 } from '../seeded-random.ts';
import { gateOf, noWaiting, type RunFigures } from './figures.ts';

export interface RehearsalInput {
  promotion: ClusterPromotion;
  fleet: FleetSpec;
  start: number;
  horizonMs: number;
  approvals: ScheduledApproval[];
  /** Resume a live rollout where it stands (see simulator/forecast/live.ts). */
  resume?: ResumeState;
  /** Every health check passes (a live forecast cannot see the clusters' objects, metrics or Jobs). */
  assumeHealthy?: boolean;
}

const allHealthy: HealthEvaluator = async (checks) =>
  checks.map((h) => ({ check: h.name, featureID: h.featureID, healthy: true, message: 'assumed to pass' }));

/** Rehearses once with this seed and returns the run's figures. */
export async function rehearseOnce(input: RehearsalInput, seed: number): Promise<RunFigures> {
  const sim = new Simulation({
    promotion: input.promotion,
    fleet: input.fleet,
    start: input.start,
    horizonMs: input.horizonMs,
    seed,
    approvals: input.approvals,
    recordEvents: false,
    ...(input.resume ? { resume: input.resume } : {}),
    ...(input.assumeHealthy ? { health: allHealthy } : {}),
  });
  const waiting = sim.phases().map(() => noWaiting());
  // The phases hold from one settled instant to the next: each interval goes to the gate the
  // stage was in when it began.
  let since = sim.startMs;
  let phases: StagePhase[] = sim.phases().map((p) => p.phase);
  const account = (now: number) => {
    if (now > since) {
      phases.forEach((phase, i) => {
        const gate = gateOf(phase);
        if (gate && waiting[i]) waiting[i][gate] += now - since;
      });
      since = now;
    }
  };
  sim.onChange(() => {
    account(sim.nowMs());
    phases = sim.phases().map((p) => p.phase);
  });
  const result = await sim.run();
  account(result.endedAt);
  const from = (t: number | null) => (t === null ? null : t - result.startedAt);
  return {
    outcome: result.outcome,
    completedMs: from(result.completedAt),
    stages: result.stages.map((s, i) => ({
      deployStartedMs: from(s.deployStartedAt),
      deployedMs: from(s.deployedAt),
      promotedMs: from(s.promotedAt),
      waitingMs: waiting[i] ?? noWaiting(),
    })),
  };
}

/**
 * The seed of run i of a forecast seeded with `seed`: run 0 is the single rehearsal with that seed
 * (so a forecast's first run is the timeline `simulate --seed` prints); the others are spread by a
 * 32-bit mix so that neighbouring seeds do not give overlapping runs.
 */
export function runSeed(seed: number, i: number): number {
  if (i === 0) return seed >>> 0;
  return mix32((seed ^ Math.imul(i, 0x9e3779b1)) >>> 0);
}
