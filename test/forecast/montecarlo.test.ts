import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation, type ScheduledApproval } from '../../simulator/driver.ts';
import type { FleetSpec } from '../../simulator/fleet-spec.ts';
import { toForecastJson } from '../../simulator/forecast/json.ts';
import { runForecast, type ForecastInput } from '../../simulator/forecast/montecarlo.ts';
import { rehearseOnce, runSeed } from '../../simulator/forecast/rehearse.ts';
import { T0, cluster, env, m, promotion, s } from '../simulator/helpers.ts';

const plan = promotion([
  { name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '5m' } } },
  { name: 'production', clusterSelector: env('production'), trigger: { manual: {} } },
]);

const certain: FleetSpec = {
  clusters: [
    cluster('staging-1', { env: 'staging' }, { deployTimeMs: m(1), jitterMs: s(20) }),
    cluster('prod-1', { env: 'production' }, { deployTimeMs: m(2), failures: 1 }),
    cluster('prod-2', { env: 'production' }, { deployTimeMs: m(2) }),
  ],
};

const uncertain: FleetSpec = {
  clusters: [
    cluster(
      'staging-1',
      { env: 'staging' },
      { deployTimeMs: m(2), deployTime: { kind: 'logNormal', p50Ms: m(2), p90Ms: m(6) } },
    ),
    ...[1, 2, 3].map((i) =>
      cluster(
        `prod-${i}`,
        { env: 'production' },
        {
          deployTimeMs: m(2),
          deployTime: { kind: 'uniform', minMs: m(1), maxMs: m(3) },
          failureRate: 0.2,
        },
      ),
    ),
  ],
};

const approveIn1h: ScheduledApproval[] = [
  { stage: 'production', when: { kind: 'afterRandomWait', meanMs: m(60) }, source: 'production@~1h' },
];

function input(
  fleet: FleetSpec,
  runs: number,
  seed: number,
  approvals: ScheduledApproval[] = approveIn1h,
): ForecastInput {
  return { promotion: plan, fleet, start: T0, horizonMs: 30 * 86_400_000, approvals, runs, seed };
}

describe('a forecast over many runs', () => {
  it('gives the same answer for the same seed, on one thread or on worker threads', async () => {
    const one = await runForecast(input(uncertain, 40, 3), { threads: 1 });
    const two = await runForecast(input(uncertain, 40, 3), { threads: 2, workerStartMs: 0 });
    assert.deepEqual(toForecastJson(two), toForecastJson(one));
    assert.deepEqual([...two.completions], [...one.completions]);
  });

  it('gives different runs for a different seed, when the fleet is uncertain', async () => {
    const a = await runForecast(input(uncertain, 20, 1), { threads: 1 });
    const b = await runForecast(input(uncertain, 20, 2), { threads: 1 });
    assert.notDeepEqual([...a.completions], [...b.completions]);
    assert.ok(a.completion.p10! < a.completion.p90!, 'the runs spread');
  });

  it("without distributions, gives every run exactly the single rehearsal's timeline", async () => {
    const fixed = [
      { stage: 'production', when: { kind: 'afterWaiting', ms: m(30) }, source: 'production@30m' },
    ] as ScheduledApproval[];
    const single = await new Simulation({
      promotion: plan,
      fleet: certain,
      start: T0,
      seed: 9,
      approvals: fixed,
    }).run();
    // Jitter is per seed, and each run has its own seed: only a fleet without jitter is the same in every run.
    const noJitter: FleetSpec = { clusters: certain.clusters.map((c) => ({ ...c, jitterMs: 0 })) };
    const plain = await new Simulation({
      promotion: plan,
      fleet: noJitter,
      start: T0,
      seed: 9,
      approvals: fixed,
    }).run();
    const f = await runForecast(input(noJitter, 10, 9, fixed), { threads: 1 });
    const done = plain.completedAt! - T0;
    assert.deepEqual(f.completion, { p10: done, p50: done, p90: done, mean: done });
    assert.deepEqual(f.stages[1]!.deployed, {
      p10: plain.stages[1]!.deployedAt! - T0,
      p50: plain.stages[1]!.deployedAt! - T0,
      p90: plain.stages[1]!.deployedAt! - T0,
    });
    // Run 0 is the rehearsal `simulate --seed 9` prints, jitter and all.
    const run0 = await rehearseOnce(
      { promotion: plan, fleet: certain, start: T0, horizonMs: 30 * 86_400_000, approvals: fixed },
      runSeed(9, 0),
    );
    assert.equal(run0.completedMs, single.completedAt! - T0);
    assert.deepEqual(
      run0.stages.map((x) => x.promotedMs),
      single.stages.map((x) => (x.promotedAt === null ? null : x.promotedAt - T0)),
    );
  });

  it("breaks a stage's time down by the gate it waited in", async () => {
    const fixed = [
      { stage: 'production', when: { kind: 'afterWaiting', ms: m(30) }, source: 'production@30m' },
    ] as ScheduledApproval[];
    const noJitter: FleetSpec = { clusters: certain.clusters.map((c) => ({ ...c, jitterMs: 0 })) };
    const f = await runForecast(input(noJitter, 2, 1, fixed), { threads: 1 });
    assert.deepEqual(f.stages[0]!.waiting, { deploy: m(1), soak: m(5), checks: 0, window: 0, approval: 0 });
    // prod-1 fails once: 2 minutes twice; then the approver's 30 minutes.
    assert.deepEqual(f.stages[1]!.waiting, { deploy: m(4), soak: 0, checks: 0, window: 0, approval: m(30) });
  });

  it('draws an exponential approver: the mean wait comes out near the one asked for', async () => {
    const noJitter: FleetSpec = { clusters: certain.clusters.map((c) => ({ ...c, jitterMs: 0 })) };
    const f = await runForecast(input(noJitter, 400, 5), { threads: 1 });
    const mean = f.stages[1]!.waiting.approval;
    assert.ok(mean > m(50) && mean < m(70), `mean approval wait ${mean / 60_000} min`);
  });

  it('counts runs whose stage never completes as stalled or failed, not in the completion times', async () => {
    const never: FleetSpec = {
      clusters: [cluster('staging-1', { env: 'staging' }, { failures: 'permanent' }), ...certain.clusters.slice(1)],
    };
    const f = await runForecast(input(never, 5, 1), { threads: 1 });
    assert.equal(f.outcomes.Failed, 1);
    assert.deepEqual(f.completion, { p10: null, p50: null, p90: null, mean: null });
    assert.equal(f.stages[1]!.reached, 0);
  });
});
