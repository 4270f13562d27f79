// The timeline of any promotion over any fleet, not just the examples: randomly generated rollouts
// (seeded, so a failure reproduces) must show exactly the times docs/semantics.md predicts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Stage, Trigger } from '../../src/api/types.ts';
import { parseWindow, windowState } from '../../src/schedule/window.ts';
import { Simulation, type ScheduledApproval, type SimulationResult } from '../../simulator/driver.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { toReportJson } from '../../simulator/report.ts';
import { T0, cluster, env, m, promotion, s } from './helpers.ts';

/** mulberry32: a small seeded generator, so that every scenario can be replayed from its number. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  return { next, int, pick };
}

interface StagePlan {
  stage: Stage;
  delayMs: number;
  window: { from: string; to: string } | null;
  approval: ScheduledApproval | null;
  clusters: FleetClusterSpec[];
}

interface Scenario {
  seed: number;
  plans: StagePlan[];
  /** Clusters that no stage matches or that are not ready: they must never count. */
  others: FleetClusterSpec[];
  /** Whether deploy times are exact (no jitter, no maxUpdate), so times can be predicted to the second. */
  exact: boolean;
  maxUpdate: number | undefined;
}

function scenario(seed: number): Scenario {
  const r = random(seed);
  const exact = r.next() < 0.6;
  const maxUpdate = exact ? undefined : r.pick([undefined, 1, 2]);
  const plans: StagePlan[] = [];
  const stageCount = r.int(1, 4);
  for (let i = 0; i < stageCount; i++) {
    const name = `stage-${i}`;
    let delayMs = r.pick([0, s(30), m(5), m(45)]);
    const delay = delayMs === 0 && r.next() < 0.5 ? {} : { delay: `${delayMs / 1000}s` };
    let trigger: Trigger | undefined;
    let window: StagePlan['window'] = null;
    let approval: ScheduledApproval | null = null;
    switch (r.int(0, 3)) {
      case 0:
        trigger = undefined; // advances right after it is deployed
        delayMs = 0;
        break;
      case 1:
        trigger = { auto: { ...delay } };
        break;
      case 2: {
        const from = r.int(0, 23);
        window = { from: `0 ${from} * * *`, to: `0 ${(from + r.int(1, 6)) % 24} * * *` };
        trigger = { auto: { ...delay, promotionWindow: window } };
        break;
      }
      default: {
        trigger = { manual: { ...delay } };
        const roll = r.next();
        if (roll < 0.45) approval = { stage: name, when: { kind: 'whenWaiting' }, source: name };
        else if (roll < 0.9)
          approval = { stage: name, when: { kind: 'afterWaiting', ms: m(r.int(1, 90)) }, source: `${name}@later` };
      }
    }
    const clusters: FleetClusterSpec[] = [];
    for (let c = 0, n = r.int(0, 4); c < n; c++) {
      clusters.push(
        cluster(
          `${name}-c${c}`,
          { env: name },
          {
            deployTimeMs: s(r.int(1, 300)),
            failures: r.next() < 0.04 ? 'permanent' : r.pick([0, 0, 0, 1, 2]),
            jitterMs: exact ? 0 : s(r.int(0, 40)),
          },
        ),
      );
    }
    plans.push({
      stage: { name, clusterSelector: env(name), ...(trigger ? { trigger } : {}) },
      delayMs,
      window,
      approval,
      clusters,
    });
  }
  const others = [
    cluster('unready', { env: 'stage-0' }, { ready: false, deployTimeMs: m(600) }),
    cluster('stray', { env: 'nowhere' }, { deployTimeMs: m(600) }),
  ];
  return { seed, plans, others, exact, maxUpdate };
}

async function run(sc: Scenario): Promise<SimulationResult> {
  const p = promotion(sc.plans.map((x) => x.stage));
  if (sc.maxUpdate !== undefined) p.spec.profileSpec.maxUpdate = sc.maxUpdate;
  const sim = new Simulation({
    promotion: p,
    fleet: { clusters: [...sc.plans.flatMap((x) => x.clusters), ...sc.others] },
    start: T0,
    seed: sc.seed,
    horizonMs: m(60 * 24 * 5),
    approvals: sc.plans.flatMap((x) => (x.approval ? [x.approval] : [])),
  });
  return sim.run();
}

/** When the stage's last cluster is done: every attempt takes the cluster's deploy time. */
function exactDeployMs(plan: StagePlan): number {
  return Math.max(0, ...plan.clusters.map((c) => ((c.failures as number) + 1) * c.deployTimeMs));
}

function firstOpening(window: NonNullable<StagePlan['window']>, at: number): number {
  const state = windowState(parseWindow(window), new Date(at));
  return state.open ? at : state.changesAt!.getTime();
}

function check(sc: Scenario, result: SimulationResult): void {
  const why = `scenario ${sc.seed}`;
  const stages = result.stages;
  assert.equal(stages.length, sc.plans.length, why);
  assert.equal(stages[0]!.deployStartedAt, T0, `${why}: the first stage starts at once`);
  for (let i = 1; i < result.events.length; i++) {
    assert.ok(result.events[i]!.at >= result.events[i - 1]!.at, `${why}: events in time order`);
  }
  let reached = true;
  for (let i = 0; i < stages.length; i++) {
    const st = stages[i]!;
    const plan = sc.plans[i]!;
    const label = `${why}, ${st.name}`;
    assert.deepEqual(
      st.clusters,
      plan.clusters.map((c) => `default/${c.name}`).sort(),
      `${label}: ready matching clusters only`,
    );
    if (!reached) {
      assert.equal(st.deployStartedAt, null, `${label}: not reached`);
      continue;
    }
    if (i > 0)
      assert.equal(
        st.deployStartedAt,
        stages[i - 1]!.promotedAt,
        `${label}: starts when the previous stage is promoted`,
      );
    const brokenFor = plan.clusters.find((c) => c.failures === 'permanent');
    if (brokenFor) {
      assert.equal(st.deployedAt, null, `${label}: ${brokenFor.name} fails for good, so the stage never deploys`);
      assert.equal(result.outcome, 'Failed', `${label}: a cluster failed for good`);
    }
    if (st.deployStartedAt === null || st.deployedAt === null) {
      reached = false;
      continue;
    }
    const deploy = st.deployedAt - st.deployStartedAt;
    if (sc.exact) assert.equal(deploy, exactDeployMs(plan), `${label}: deployed when its slowest cluster is`);
    else assert.ok(deploy >= exactDeployMs(plan), `${label}: never deployed sooner than its slowest cluster can be`);

    // The status keeps times to the second (metav1.Time), so the soak counts from the second the
    // stage was seen deployed; it never ends before the stage is deployed.
    const soaked = Math.max(st.deployedAt, Math.floor(st.deployedAt / 1000) * 1000 + plan.delayMs);
    if (st.promotedAt === null) {
      reached = false;
      const waiting = plan.stage.trigger?.manual && (!plan.approval || result.outcome === 'AwaitingApproval');
      if (result.outcome === 'AwaitingApproval')
        assert.ok(waiting, `${label}: only a manual stage without approval waits for one`);
      continue;
    }
    let expected = soaked;
    if (plan.window) expected = firstOpening(plan.window, soaked);
    if (plan.approval?.when.kind === 'afterWaiting') expected = soaked + plan.approval.when.ms;
    assert.equal(st.promotedAt, expected, `${label}: promoted exactly when its gates allow`);
    if (plan.stage.trigger?.manual) assert.ok(plan.approval, `${label}: a manual stage passes only when approved`);
  }
  const last = stages.at(-1)!;
  assert.equal(
    result.outcome === 'Completed',
    last.promotedAt !== null,
    `${why}: complete when the final stage passed its gates`,
  );
  assert.equal(result.completedAt, last.promotedAt, `${why}: completedAt`);
  if (result.outcome !== 'Completed') {
    const current = sc.plans[stages.findIndex((st) => st.promotedAt === null)]!;
    if (result.outcome === 'AwaitingApproval')
      assert.ok(current.stage.trigger?.manual, `${why}: waits at a manual gate`);
  }
}

describe('the timeline of any promotion over any fleet', () => {
  const SCENARIOS = 150;
  it(
    `matches the semantics in ${SCENARIOS} generated rollouts (delays, windows, approvals, retries, ` +
      `failures, jitter, maxUpdate)`,
    async () => {
      const outcomes = new Set<string>();
      for (let seed = 1; seed <= SCENARIOS; seed++) {
        const sc = scenario(seed);
        const result = await run(sc);
        outcomes.add(result.outcome);
        check(sc, result);
      }
      // The generator must reach the interesting endings, or the checks above prove little.
      assert.ok(
        ['Completed', 'AwaitingApproval', 'Failed'].every((o) => outcomes.has(o)),
        `outcomes seen: ${[...outcomes].join(', ')}`,
      );
    },
  );

  it('gives the same report for the same seed', async () => {
    for (const seed of [3, 17, 42]) {
      const sc = scenario(seed);
      assert.deepEqual(toReportJson(await run(sc)), toReportJson(await run(scenario(seed))));
    }
  });
});
