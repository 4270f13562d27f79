import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Stage, ValidateHealth } from '../../src/api/types.ts';
import { Simulation, type ScheduledApproval, type SimulationEvent } from '../../simulator/driver.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { T0, cluster, env, iso, m, promotion, s } from './helpers.ts';

const twoStages = (first: Stage['trigger'], second?: Stage['trigger']): Stage[] => [
  { name: 'staging', clusterSelector: env('staging'), ...(first ? { trigger: first } : {}) },
  { name: 'production', clusterSelector: env('production'), ...(second ? { trigger: second } : {}) },
];

const smallFleet = (more: Partial<FleetClusterSpec> = {}): FleetClusterSpec[] => [
  cluster('staging-1', { env: 'staging' }, { deployTimeMs: m(1) }),
  cluster('production-1', { env: 'production' }, { deployTimeMs: m(2), ...more }),
];

async function simulate(
  stages: Stage[],
  clusters: FleetClusterSpec[],
  opts: { approvals?: ScheduledApproval[]; horizonMs?: number } = {},
) {
  const sim = new Simulation({ promotion: promotion(stages), fleet: { clusters }, start: T0, ...opts });
  const result = await sim.run();
  const times = (type: string) => result.events.filter((e) => e.type === type).map((e) => iso(e.at));
  return { sim, result, times };
}

const engineEvents = (events: readonly SimulationEvent[]) =>
  events.filter((e) => e.cluster === null).map((e) => `${(e.at - T0) / 1000} ${e.type} ${e.stage ?? '-'}`);

describe('the simulation driver', () => {
  it('runs a rollout to completion, jumping from one moment anything changes to the next', async () => {
    const { result } = await simulate(twoStages({ auto: { delay: '5m' } }, { auto: { delay: '5m' } }), smallFleet());
    assert.equal(result.outcome, 'Completed');
    assert.equal(result.completedAt, T0 + m(13));
    assert.deepEqual(
      result.stages.map((st) => [st.name, st.phase, st.deployStartedAt, st.deployedAt, st.promotedAt]),
      [
        ['staging', 'Promoted', T0, T0 + m(1), T0 + m(6)],
        ['production', 'Completed', T0 + m(6), T0 + m(8), T0 + m(13)],
      ],
    );
    assert.deepEqual(engineEvents(result.events), [
      '0 PipelineStarted -',
      '0 StageStarted staging',
      '60 StageDeployed staging',
      '60 SoakStarted staging',
      '360 StagePromoted staging',
      '360 StageStarted production',
      '480 StageDeployed production',
      '480 SoakStarted production',
      '780 StagePromoted production',
      '780 PromotionCompleted -',
      '780 SimulationEnded production',
    ]);
  });

  it('ends AwaitingApproval at a manual gate nobody approves', async () => {
    const { result, sim } = await simulate(twoStages({ manual: {} }), smallFleet());
    assert.equal(result.outcome, 'AwaitingApproval');
    assert.equal(result.completedAt, null);
    assert.equal(result.endedAt, T0 + m(1), 'nothing left to happen once staging waits');
    assert.match(result.reason, /stage staging waits for manual approval/);
    assert.equal(sim.nextEventAt(), null);
  });

  describe('scheduled approvals, applied as a user would', () => {
    const manual = () => twoStages({ manual: {} });
    const approvedAt = (events: readonly SimulationEvent[]) =>
      events.filter((e) => e.type === 'Approved').map((e) => iso(e.at));

    it('STAGE: as soon as the stage waits for approval', async () => {
      const { result, times } = await simulate(manual(), smallFleet(), {
        approvals: [{ stage: 'staging', when: { kind: 'whenWaiting' }, source: 'staging' }],
      });
      assert.equal(result.outcome, 'Completed');
      assert.deepEqual(approvedAt(result.events), [iso(T0 + m(1))]);
      assert.deepEqual(times('StagePromoted')[0], iso(T0 + m(1)));
    });

    it('STAGE@DURATION: that long after it started waiting', async () => {
      const { result, times } = await simulate(manual(), smallFleet(), {
        approvals: [{ stage: 'staging', when: { kind: 'afterWaiting', ms: m(30) }, source: 'staging@30m' }],
      });
      assert.deepEqual(approvedAt(result.events), [iso(T0 + m(31))]);
      assert.deepEqual(times('StagePromoted')[0], iso(T0 + m(31)));
      assert.equal(result.completedAt, T0 + m(33));
    });

    it('STAGE@RFC3339: at that moment, even before the gate is reached (the approval is kept until then)', async () => {
      const { result, sim, times } = await simulate(manual(), smallFleet(), {
        approvals: [{ stage: 'staging', when: { kind: 'at', at: T0 + s(10) }, source: 'staging@...' }],
      });
      assert.deepEqual(approvedAt(result.events), [iso(T0 + s(10))]);
      assert.deepEqual(times('StagePromoted')[0], iso(T0 + m(1)), 'honoured when the stage is deployed');
      assert.deepEqual(times('AwaitingApproval'), []);
      assert.equal(sim.promotion().spec.stages[0]?.trigger?.manual?.approved, undefined, 'automaticReset consumed it');
      assert.deepEqual(times('ApprovalReset'), [iso(T0 + m(1))]);
    });

    it('STAGE@RFC3339 after the stage started waiting approves it then', async () => {
      const { result } = await simulate(manual(), smallFleet(), {
        approvals: [{ stage: 'staging', when: { kind: 'at', at: T0 + m(45) }, source: 'staging@...' }],
      });
      assert.equal(result.stages[0]?.promotedAt, T0 + m(45));
    });

    it('refuses to schedule an approval for a stage without a manual trigger, or no such stage', () => {
      const make = (stage: string) => () =>
        new Simulation({
          promotion: promotion(twoStages({ auto: {} })),
          fleet: { clusters: [] },
          start: T0,
          approvals: [{ stage, when: { kind: 'whenWaiting' }, source: stage }],
        });
      assert.throws(make('staging'), /stage "staging" has no manual trigger/);
      assert.throws(make('qa'), /no stage "qa" \(stages: staging, production\)/);
    });
  });

  it('ends Failed when a cluster fails for good and holds the current stage', async () => {
    const { result } = await simulate(
      twoStages({ auto: {} }),
      smallFleet({ failures: 'permanent', failureMessage: 'image pull failed' }),
    );
    assert.equal(result.outcome, 'Failed');
    assert.equal(result.stages[1]?.phase, 'Failed');
    assert.match(result.stages[1]?.failureMessage ?? '', /default\/production-1.*image pull failed/);
    assert.equal(result.endedAt, T0 + m(3));
  });

  it('recovers from failures that are retried and records when the stage failed and recovered', async () => {
    const { result, times } = await simulate(twoStages({ auto: {} }), smallFleet({ failures: 2 }));
    assert.equal(result.outcome, 'Completed');
    assert.deepEqual(times('StageFailing'), [iso(T0 + m(3))]);
    assert.deepEqual(times('StageRecovered'), [iso(T0 + m(7))]);
    assert.equal(result.stages[1]?.deployedAt, T0 + m(7));
  });

  it('ends Stalled when a health check cannot pass', async () => {
    const check: ValidateHealth = {
      name: 'never',
      featureID: 'Helm',
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      evaluateCEL: [{ name: 'no', rule: 'false' }],
    };
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'apps' } };
    const clusters = smallFleet().map((c) => ({ ...c, objects: [deployment] }));
    const { result, times } = await simulate(twoStages({ auto: { postDelayHealthChecks: [check] } }), clusters);
    assert.equal(result.outcome, 'Stalled');
    assert.deepEqual(times('HealthChecksAdded'), [iso(T0 + m(1))]);
    assert.match(result.reason, /nothing left to happen while stage staging is CheckingHealth.*never/);
  });

  it('ends Stalled at the horizon when the next change lies beyond it', async () => {
    const { result } = await simulate(twoStages({ auto: { delay: '2h' } }), smallFleet(), { horizonMs: m(90) });
    assert.equal(result.outcome, 'Stalled');
    assert.equal(result.endedAt, T0 + m(90));
    assert.match(result.reason, /horizon reached at 2030-01-01T01:30:00Z while stage staging is Soaking/);
  });

  it('ends Stalled when the promotion window does not open before the horizon', async () => {
    const window = { from: '0 9 1 2 *', to: '0 17 1 2 *' }; // opens on 1 February, a month after the start
    const { result } = await simulate(twoStages({ auto: { promotionWindow: window } }), smallFleet(), {
      horizonMs: 7 * 24 * 3_600_000,
    });
    assert.equal(result.outcome, 'Stalled');
    assert.match(result.reason, /stage staging is AwaitingWindow/);
  });

  it('steps for a view: advanceTo, nextEventAt, approve, snapshot and events as they happen', async () => {
    const sim = new Simulation({
      promotion: promotion(twoStages({ manual: {} })),
      fleet: { clusters: smallFleet() },
      start: T0,
    });
    const seen: string[] = [];
    sim.on((e) => seen.push(e.type));
    let changes = 0;
    sim.onChange(() => changes++);
    await sim.advanceTo(T0);
    assert.equal(changes, 1, 'the pipeline started');
    await sim.advanceTo(T0 + s(30));
    assert.equal(changes, 1, 'nothing happened: no redraw');
    assert.equal(sim.nextEventAt()?.getTime(), T0 + m(1));
    await sim.advanceTo(T0 + m(10));
    assert.equal(sim.now().getTime(), T0 + m(10));
    assert.deepEqual(
      sim.phases().map((p) => p.phase),
      ['AwaitingApproval', 'Pending'],
    );
    const snap = sim.snapshot();
    assert.equal(snap.promotion.status?.currentStageName, 'staging');
    assert.deepEqual(
      snap.profiles.map((p) => p.metadata.name),
      ['rollout-staging'],
    );
    assert.deepEqual(
      snap.summaries.map((x) => x.metadata.name),
      ['rollout-staging-sveltos-staging-1'],
    );
    assert.deepEqual(snap.stats['rollout-staging'], {
      matching: 1,
      provisioned: 1,
      updating: 0,
      waiting: 0,
      failed: 0,
      failedNonRetriable: 0,
    });
    sim.failNextAttempt('default/production-1');
    await sim.approve('staging');
    assert.deepEqual(
      sim.phases().map((p) => p.phase),
      ['Promoted', 'Deploying'],
    );
    const result = await sim.run();
    assert.equal(result.outcome, 'Completed');
    assert.equal(result.completedAt, T0 + m(14), 'one failed attempt of 2m, then 2m more');
    assert.ok(seen.includes('Approved') && seen.includes('DeployFailed'));
  });

  it('is deterministic: the same inputs and seed give the same events', async () => {
    const clusters = ['a', 'b', 'c'].map((n) => cluster(n, { env: 'production' }, { jitterMs: m(1), failures: 1 }));
    const run = async () => (await simulate(twoStages({ auto: { delay: '1m' } }), clusters)).result.events;
    assert.deepEqual(await run(), await run());
  });
});
