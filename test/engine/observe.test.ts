// The phase the engine decides and the phase read back from what it wrote (src/engine/observe.ts,
// through the view model a person sees) are one and the same, for every phase and at every step:
// each reconcile is read back before anyone else acts on its writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterPromotion, ValidateHealth } from '../../src/api/types.ts';
import type { StagePhase } from '../../src/engine/types.ts';
import { buildViewModel } from '../../src/view/model.ts';
import { cluster, env, FakeSveltos, MIN, promotion, T0 } from './fake-sveltos.ts';

const ALL_PHASES: StagePhase[] = [
  'AwaitingApproval',
  'AwaitingWindow',
  'CheckingHealth',
  'Completed',
  'Deploying',
  'Failed',
  'Pending',
  'Promoted',
  'Soaking',
  'Verifying',
];

const fleet = () => [
  cluster('staging-1', { env: 'staging' }),
  cluster('staging-2', { env: 'staging' }),
  cluster('prod-1', { env: 'production' }),
];

const jobCheck: ValidateHealth = {
  name: 'validation-job-done',
  featureID: 'Resources',
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  namespace: 'validation',
  script: 'function evaluate() return {healthy = obj.status.succeeded == 1} end',
};
const smokeRefs = [{ kind: 'ConfigMap', namespace: 'default', name: 'smoke-job' }];

/** Reconciles one step at a time, reading every step back; the phases seen, engine side. */
class ReadBack {
  readonly seen = new Set<StagePhase>();
  readonly s: FakeSveltos;

  constructor(p: ClusterPromotion) {
    this.s = new FakeSveltos(p, fleet());
    this.s.autoProvision = false;
  }

  /**
   * Reconciles until nothing more is written at this instant, comparing after every reconcile;
   * returns the phases the engine settled on.
   */
  async settle(now: Date): Promise<StagePhase[]> {
    for (let i = 0; i < 50; i++) {
      await this.s.controller.reconcileOne(this.s.promotion.metadata.name, now.getTime());
      const r = this.s.last;
      const wrote = r.apply.length + r.delete.length > 0 || r.status !== null || r.specPatch !== null;
      const view = buildViewModel({
        promotion: this.s.promotion,
        profiles: [...this.s.profiles.values()],
        summaries: [...this.s.summaries.values()],
        clusters: this.s.clusters,
        now,
      });
      const engine = r.phases.map((x) => x.phase);
      assert.deepEqual(
        view.stages.map((v) => v.phase),
        engine,
        `at ${now.toISOString()}, reconcile ${i + 1}: ${this.describe()}`,
      );
      for (const phase of engine) this.seen.add(phase);
      if (!wrote) return engine;
    }
    throw new Error('engine did not settle in 50 reconciles');
  }

  /** The addon-controller's turn: every profile's clusters report on its current content. */
  provision(...profileNames: string[]): void {
    if (profileNames.length === 0) this.s.provisionAll();
    for (const name of profileNames) this.s.provision(this.s.profiles.get(name)!);
  }

  private describe(): string {
    return (this.s.promotion.status?.stages ?? []).map((e) => `${e.name}: ${e.currentStatusDescription}`).join('; ');
  }
}

describe('observe: the phase read back from the status is the phase the engine decided', () => {
  it('through soak, manual approval and a promotion window, to completion', async () => {
    const rb = new ReadBack(
      promotion([
        { name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '5m' } } },
        { name: 'uat', clusterSelector: env('staging'), trigger: { manual: {} } },
        {
          name: 'production',
          clusterSelector: env('production'),
          trigger: { auto: { promotionWindow: { from: '0 22 * * *', to: '0 6 * * *' } } },
        },
      ]),
    );
    const t0 = T0.getTime();
    await rb.settle(T0);
    rb.provision();
    await rb.settle(new Date(t0 + MIN));
    await rb.settle(new Date(t0 + 6 * MIN));
    rb.provision();
    await rb.settle(new Date(t0 + 7 * MIN));
    rb.s.editStage('uat', (st) => (st.trigger!.manual!.approved = true));
    await rb.settle(new Date(t0 + 8 * MIN));
    rb.provision();
    await rb.settle(new Date(t0 + 9 * MIN));
    await rb.settle(new Date('2026-03-02T22:00:00Z'));
    for (const phase of ['Pending', 'Deploying', 'Soaking', 'AwaitingApproval', 'AwaitingWindow', 'Completed'])
      assert.ok(rb.seen.has(phase as StagePhase), phase);
  });

  it('through a verification deployment and health checks, each cluster side step on its own', async () => {
    const rb = new ReadBack(
      promotion([
        {
          name: 'staging',
          clusterSelector: env('staging'),
          trigger: { auto: { delay: '2m', preHealthCheckDeployment: smokeRefs, postDelayHealthChecks: [jobCheck] } },
        },
        { name: 'production', clusterSelector: env('production'), trigger: { auto: {} } },
      ]),
    );
    await rb.settle(T0);
    rb.provision();
    await rb.settle(T0);
    // The soak ends: the verification profile goes out, then the checks are appended.
    await rb.settle(new Date(T0.getTime() + 2 * MIN));
    // Only the verification profile's clusters report: the checks are still not evaluated.
    rb.provision('preverification-rollout-staging');
    await rb.settle(new Date(T0.getTime() + 3 * MIN));
    // The stage's clusters report on the checks, the verification profile's clusters are redone.
    rb.s.summaries.clear();
    rb.provision('rollout-staging');
    await rb.settle(new Date(T0.getTime() + 4 * MIN));
    rb.provision();
    await rb.settle(new Date(T0.getTime() + 5 * MIN));
    rb.provision();
    await rb.settle(new Date(T0.getTime() + 6 * MIN));
    for (const phase of ['Verifying', 'CheckingHealth', 'Promoted', 'Completed'])
      assert.ok(rb.seen.has(phase as StagePhase), phase);
  });

  it('health checks without verification, failing on a cluster and then passing', async () => {
    const rb = new ReadBack(
      promotion([
        {
          name: 'staging',
          clusterSelector: env('staging'),
          trigger: { auto: { delay: '1m', postDelayHealthChecks: [jobCheck] } },
        },
        { name: 'production', clusterSelector: env('production'), trigger: { auto: {} } },
      ]),
    );
    await rb.settle(T0);
    rb.provision();
    await rb.settle(T0);
    await rb.settle(new Date(T0.getTime() + MIN));
    rb.s.behaviour.set('staging-1', { status: 'Failed', message: 'validation-job-done: job not complete' });
    rb.provision();
    await rb.settle(new Date(T0.getTime() + 2 * MIN));
    rb.s.behaviour.clear();
    rb.provision();
    assert.deepEqual(await rb.settle(new Date(T0.getTime() + 3 * MIN)), ['Promoted', 'Deploying']);
    rb.provision();
    assert.deepEqual(await rb.settle(new Date(T0.getTime() + 4 * MIN)), ['Promoted', 'Completed']);
    assert.ok(rb.seen.has('CheckingHealth'));
  });

  it('Failed: a cluster that fails for good, while deploying and while the checks run', async () => {
    const rb = new ReadBack(
      promotion([
        {
          name: 'staging',
          clusterSelector: env('staging'),
          trigger: { auto: { delay: '1m', postDelayHealthChecks: [jobCheck] } },
        },
        { name: 'production', clusterSelector: env('production'), trigger: { auto: {} } },
      ]),
    );
    rb.s.behaviour.set('staging-2', { status: 'FailedNonRetriable', message: 'invalid chart' });
    await rb.settle(T0);
    rb.provision();
    assert.equal((await rb.settle(T0))[0], 'Failed', 'while deploying');
    rb.s.behaviour.clear();
    rb.provision();
    assert.equal((await rb.settle(T0))[0], 'Soaking');
    await rb.settle(new Date(T0.getTime() + MIN));
    rb.s.behaviour.set('staging-2', { status: 'FailedNonRetriable', message: 'validation-job-done: job failed' });
    rb.provision();
    assert.equal((await rb.settle(new Date(T0.getTime() + 2 * MIN)))[0], 'Failed', 'while the checks run');
  });

  it('Failed: a trigger the engine cannot read, and a promotion window that cannot be parsed', async () => {
    const unreadable = new ReadBack(
      promotion([{ name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '5 minutes' } } }]),
    );
    assert.deepEqual(await unreadable.settle(T0), ['Failed']);
    assert.deepEqual([...unreadable.seen], ['Failed'], 'from the reconcile that starts the stage on');

    const badWindow = new ReadBack(
      promotion([
        {
          name: 'staging',
          clusterSelector: env('staging'),
          trigger: { auto: { promotionWindow: { from: '0 99 * * *', to: '0 6 * * *' } } },
        },
      ]),
    );
    await badWindow.settle(T0);
    badWindow.provision();
    assert.deepEqual(await badWindow.settle(new Date(T0.getTime() + MIN)), ['Failed']);
  });

  it('reads the engine\'s "not yet provisioned" as Deploying, its own dialect, and no failure', async () => {
    const rb = new ReadBack(
      promotion([
        { name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '5m' } } },
        { name: 'production', clusterSelector: env('production') },
      ]),
    );
    await rb.settle(T0);
    const status = rb.s.stageStatus('staging');
    assert.equal(status?.failureMessage, 'ClusterSummary rollout-staging-sveltos-staging-1 is not yet provisioned.');
    const view = buildViewModel({
      promotion: rb.s.promotion,
      profiles: [...rb.s.profiles.values()],
      summaries: [...rb.s.summaries.values()],
      clusters: rb.s.clusters,
      now: T0,
    });
    assert.equal(view.dialect, 'engine');
    assert.equal(view.stages[0]!.phase, 'Deploying');
    assert.equal(view.stages[0]!.progress.failing, 0);
  });

  it('covers every phase the engine has', async () => {
    // The union of the scenarios above, run once more together: a phase added to the engine
    // without a scenario here fails this test.
    const seen = new Set<StagePhase>();
    const p = promotion([
      {
        name: 'staging',
        clusterSelector: env('staging'),
        trigger: { auto: { delay: '2m', preHealthCheckDeployment: smokeRefs, postDelayHealthChecks: [jobCheck] } },
      },
      { name: 'uat', clusterSelector: env('staging'), trigger: { manual: {} } },
      {
        name: 'production',
        clusterSelector: env('production'),
        trigger: { auto: { promotionWindow: { from: '0 22 * * *', to: '0 6 * * *' } } },
      },
    ]);
    const rb = new ReadBack(p);
    const t = (m: number) => new Date(T0.getTime() + m * MIN);
    await rb.settle(t(0));
    rb.s.behaviour.set('staging-2', { status: 'FailedNonRetriable', message: 'invalid chart' });
    rb.provision();
    await rb.settle(t(1));
    rb.s.behaviour.clear();
    rb.provision();
    await rb.settle(t(2));
    await rb.settle(t(4));
    rb.provision('preverification-rollout-staging');
    await rb.settle(t(5));
    rb.s.summaries.clear();
    rb.provision('rollout-staging');
    await rb.settle(t(6));
    rb.provision();
    await rb.settle(t(7));
    rb.provision();
    await rb.settle(t(8));
    rb.s.editStage('uat', (st) => (st.trigger!.manual!.approved = true));
    await rb.settle(t(9));
    rb.provision();
    await rb.settle(t(10));
    await rb.settle(new Date('2026-03-02T22:00:00Z'));
    for (const phase of rb.seen) seen.add(phase);
    assert.deepEqual([...seen].sort(), ALL_PHASES);
  });
});
