// The engine, rule by rule, as docs/semantics.md states them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, reconcileDelete, worldOf, profileSpecHash } from '../../src/engine/index.ts';
import { T0, at, MIN, FakeSveltos, cluster, env, promotion } from './fake-sveltos.ts';
import type { ValidateHealth } from '../../src/api/types.ts';

const fleet = () => [
  cluster('staging-1', { env: 'staging' }),
  cluster('staging-2', { env: 'staging' }),
  cluster('prod-1', { env: 'production' }),
  cluster('prod-2', { env: 'production' }),
];

const twoStages = (
  stagingTrigger: object = { auto: { delay: '5m' } },
  prodTrigger: object = { auto: { delay: '5m' } },
) =>
  promotion([
    { name: 'staging', clusterSelector: env('staging'), trigger: stagingTrigger },
    { name: 'production', clusterSelector: env('production'), trigger: prodTrigger },
  ]);

const jobCheck: ValidateHealth = {
  name: 'validation-job-done',
  featureID: 'Resources',
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  namespace: 'validation',
  script: 'function evaluate() return {healthy = obj.status.succeeded == 1} end',
};

describe('rule 1: start and restart', () => {
  it(
    'applies stage 1 profile named P-S with label, annotation, owner and profileSpec + selector on the ' +
      'first reconcile',
    async () => {
      const p = twoStages();
      p.spec.profileSpec.someFutureField = { keep: ['me'] };
      const r = reconcile(p, worldOf({ clusters: fleet() }), T0);
      assert.equal(r.apply.length, 1);
      const prof = r.apply[0]!;
      assert.equal(prof.metadata.name, 'rollout-staging');
      assert.equal(prof.metadata.labels?.['config.projectsveltos.io/promotionname'], 'rollout');
      assert.equal(prof.metadata.annotations?.['config.projectsveltos.io/stagename'], 'staging');
      assert.deepEqual(prof.metadata.ownerReferences, [
        { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterPromotion', name: 'rollout', uid: 'uid-1' },
      ]);
      assert.deepEqual(prof.spec.clusterSelector, env('staging'));
      assert.deepEqual(prof.spec.helmCharts, p.spec.profileSpec.helmCharts);
      assert.deepEqual(prof.spec.someFutureField, { keep: ['me'] }, 'unknown profileSpec fields pass through');
      assert.equal(r.status?.currentStageName, 'staging');
      assert.deepEqual(
        r.status?.stages?.map((s) => s.name),
        ['staging'],
      );
      assert.equal(
        r.status?.stages?.[0]?.currentStatusDescription,
        'Clusters are being provisioned (2026-03-02T09:00:00Z)',
      );
      assert.equal(r.status?.profileSpecHash, profileSpecHash(p.spec.profileSpec));
      assert.match(r.status!.stagesHash!, /^[A-Za-z0-9+/]{43}=$/, 'SHA-256 in base64 as Kubernetes encodes []byte');
      assert.deepEqual(r.phases, [
        { name: 'staging', phase: 'Deploying' },
        { name: 'production', phase: 'Pending' },
      ]);
      assert.equal(r.events[0]?.type, 'PipelineStarted');
    },
  );

  it(
    'restarts from stage 1 when profileSpec changes, leaving later stages on the spec they were promoted ' + 'with',
    async () => {
      const s = new FakeSveltos(twoStages({ auto: {} }, { manual: {} }), fleet());
      await s.settle(T0);
      assert.equal(s.promotion.status?.currentStageName, 'production');
      const oldProd = s.profiles.get('rollout-production')!;
      s.promotion = structuredClone(s.promotion);
      s.promotion.spec.profileSpec.helmCharts![0]!.chartVersion = '3.6.0';
      s.autoProvision = false;
      const r = await s.settle(at(MIN));
      assert.ok(s.events.some((e) => e.type === 'PipelineRestarted' && /profileSpec changed/.test(e.message)));
      assert.equal(s.promotion.status?.currentStageName, 'staging');
      assert.deepEqual(
        s.promotion.status?.stages?.map((x) => x.name),
        ['staging'],
      );
      assert.equal(s.profiles.get('rollout-staging')!.spec.helmCharts![0]!.chartVersion, '3.6.0');
      assert.deepEqual(s.profiles.get('rollout-production'), oldProd);
      assert.equal(r.phases[0]!.phase, 'Deploying');
    },
  );

  it('does not restart when only a trigger changes (approving, editing a delay)', async () => {
    const s = new FakeSveltos(twoStages({ auto: { delay: '5m' } }), fleet());
    await s.settle(T0);
    s.editStage('staging', (st) => (st.trigger = { auto: { delay: '1m' } }));
    const r = await s.settle(at(2 * MIN));
    assert.ok(!s.events.some((e) => e.type === 'PipelineRestarted'));
    assert.equal(s.promotion.status?.currentStageName, 'production', 'the shorter delay acted on the stage in flight');
    assert.equal(r.phases[0]!.phase, 'Promoted');
  });

  it('restarts when a selector changes and deletes the profiles of stages that no longer exist', async () => {
    const s = new FakeSveltos(twoStages({ auto: {} }, { auto: { delay: '1h' } }), fleet());
    await s.settle(T0);
    assert.ok(s.profiles.has('rollout-production'));
    s.promotion = structuredClone(s.promotion);
    s.promotion.spec.stages = [{ name: 'staging', clusterSelector: { matchLabels: { env: 'staging', tier: 'x' } } }];
    await s.settle(at(MIN));
    assert.ok(!s.profiles.has('rollout-production'));
    assert.ok(s.events.some((e) => e.type === 'ProfileDeleted' && e.message.includes('rollout-production')));
    assert.ok(s.events.some((e) => e.type === 'PipelineRestarted' && /stages changed/.test(e.message)));
  });

  it('never touches a labelled profile that another owner created', async () => {
    const foreign = {
      apiVersion: 'config.projectsveltos.io/v1beta1' as const,
      kind: 'ClusterProfile' as const,
      metadata: { name: 'rollout-old', labels: { 'config.projectsveltos.io/promotionname': 'rollout' } },
      spec: {},
    };
    const r = reconcile(twoStages(), worldOf({ clusters: fleet(), profiles: [foreign] }), T0);
    assert.deepEqual(r.delete, []);
  });
});

describe('rule 2: deployed', () => {
  it('waits until every matching ready cluster has an in-sync, Provisioned summary', async () => {
    const s = new FakeSveltos(twoStages(), fleet());
    s.autoProvision = false;
    await s.settle(T0);
    assert.equal(s.phase('staging'), 'Deploying');
    // a summary still working on an older chart version does not count
    const stale = structuredClone(s.profiles.get('rollout-staging')!);
    stale.spec.helmCharts![0]!.chartVersion = '1.0.0';
    s.provision(stale);
    for (const sum of s.summaries.values())
      sum.metadata.labels!['projectsveltos.io/cluster-profile-name'] = 'rollout-staging';
    await s.settle(at(MIN));
    assert.equal(s.stageStatus('staging')?.lastSuccessfulAppliedTime, undefined);
    s.behaviour.set('staging-2', 'hold');
    s.provisionAll();
    await s.settle(at(2 * MIN));
    assert.equal(
      s.stageStatus('staging')?.lastSuccessfulAppliedTime,
      undefined,
      'staging-2 has no up-to-date summary yet',
    );
    s.behaviour.delete('staging-2');
    s.provisionAll();
    await s.settle(at(3 * MIN));
    assert.equal(s.stageStatus('staging')?.lastSuccessfulAppliedTime, '2026-03-02T09:03:00Z');
    assert.ok(s.events.some((e) => e.type === 'StageDeployed' && e.stage === 'staging'));
  });

  it(
    'ignores clusters that are not ready, and counts a stage that matches no cluster as deployed at ' + 'once',
    async () => {
      const clusters = [cluster('staging-1', { env: 'staging' }, false)];
      const s = new FakeSveltos(twoStages({ auto: {} }), clusters);
      s.autoProvision = false;
      await s.settle(T0);
      assert.equal(s.promotion.status?.currentStageName, 'production');
      assert.equal(s.stageStatus('staging')?.lastSuccessfulAppliedTime, '2026-03-02T09:00:00Z');
    },
  );

  it('holds the stage on a Failed feature, naming the cluster and message, and goes on when it recovers', async () => {
    const s = new FakeSveltos(twoStages(), fleet());
    s.behaviour.set('staging-2', { status: 'Failed', message: 'chart kyverno: timed out waiting for condition' });
    s.behaviour.set('staging-1', { status: 'Failed', message: 'boom' });
    const r = await s.settle(T0);
    assert.equal(r.phases[0]!.phase, 'Deploying');
    assert.equal(
      s.stageStatus('staging')?.failureMessage,
      'cluster default/staging-1: Helm: boom (and 1 more cluster failing)',
    );
    assert.ok(s.events.some((e) => e.type === 'StageFailing'));
    s.behaviour.clear();
    await s.settle(at(MIN));
    assert.equal(s.stageStatus('staging')?.failureMessage, undefined);
    assert.ok(s.events.some((e) => e.type === 'StageRecovered'));
    assert.equal(s.stageStatus('staging')?.lastSuccessfulAppliedTime, '2026-03-02T09:01:00Z');
  });

  it(
    'says what the stage waits for in failureMessage as Sveltos does: the first summary by name not in ' +
      'sync or not Provisioned, cleared once deployed, and no failure event',
    async () => {
      const s = new FakeSveltos(twoStages(), fleet());
      s.autoProvision = false;
      await s.settle(T0);
      // No summaries yet: named by the summary each cluster will have.
      assert.equal(
        s.stageStatus('staging')?.failureMessage,
        'ClusterSummary rollout-staging-sveltos-staging-1 is not yet provisioned.',
      );
      assert.equal(s.stageStatus('staging')?.lastStatusCheckTime, '2026-03-02T09:00:00Z');
      // staging-1 works on an older chart: Sveltos's in-sync wording names the field.
      const stale = structuredClone(s.profiles.get('rollout-staging')!);
      stale.spec.helmCharts![0]!.chartVersion = '1.0.0';
      s.provision(stale);
      for (const sum of s.summaries.values())
        sum.metadata.labels!['projectsveltos.io/cluster-profile-name'] = 'rollout-staging';
      await s.settle(at(MIN));
      assert.equal(
        s.stageStatus('staging')?.failureMessage,
        'ClusterSummary HelmCharts rollout-staging-sveltos-staging-1 is not in sync.',
      );
      // staging-1 up to date and Provisioned, staging-2 still provisioning.
      s.behaviour.set('staging-2', { status: 'Provisioning' });
      s.provisionAll();
      await s.settle(at(2 * MIN));
      assert.equal(
        s.stageStatus('staging')?.failureMessage,
        'ClusterSummary rollout-staging-sveltos-staging-2 is not yet provisioned.',
      );
      assert.equal(
        s.stageStatus('staging')?.lastStatusCheckTime,
        '2026-03-02T09:00:00Z',
        'still waiting: the outcome did not change',
      );
      s.behaviour.clear();
      s.provisionAll();
      await s.settle(at(3 * MIN));
      assert.equal(s.stageStatus('staging')?.failureMessage, undefined);
      assert.equal(s.stageStatus('staging')?.lastSuccessfulAppliedTime, '2026-03-02T09:03:00Z');
      assert.deepEqual(
        s.events.filter((e) => e.type === 'StageFailing' || e.type === 'StageRecovered'),
        [],
        'waiting is not failing',
      );
    },
  );

  it('replaces the waiting message with the failure when a cluster fails, and goes back to waiting', async () => {
    const s = new FakeSveltos(twoStages(), fleet());
    s.behaviour.set('staging-1', { status: 'Provisioning' });
    s.behaviour.set('staging-2', { status: 'Failed', message: 'boom' });
    await s.settle(T0);
    assert.equal(s.stageStatus('staging')?.failureMessage, 'cluster default/staging-2: Helm: boom');
    s.behaviour.set('staging-2', { status: 'Provisioning' });
    await s.settle(at(MIN));
    assert.equal(
      s.stageStatus('staging')?.failureMessage,
      'ClusterSummary rollout-staging-sveltos-staging-1 is not yet provisioned.',
    );
    assert.deepEqual(
      s.events.filter((e) => e.type === 'StageFailing' || e.type === 'StageRecovered').map((e) => e.type),
      ['StageFailing', 'StageRecovered'],
    );
  });

  it('reports a FailedNonRetriable cluster as a failed stage', async () => {
    const s = new FakeSveltos(twoStages(), fleet());
    s.behaviour.set('staging-1', { status: 'FailedNonRetriable', message: 'invalid chart' });
    const r = await s.settle(T0);
    assert.equal(r.phases[0]!.phase, 'Failed');
  });
});

describe('rule 3: gates in order', () => {
  it('soaks for the delay from lastSuccessfulAppliedTime, asking to be woken exactly then', async () => {
    const s = new FakeSveltos(twoStages(), fleet());
    const r = await s.settle(T0);
    assert.equal(r.phases[0]!.phase, 'Soaking');
    assert.equal(r.requeueAt?.toISOString(), '2026-03-02T09:05:00.000Z');
    assert.equal(
      s.stageStatus('staging')?.currentStatusDescription,
      'Delayed: Waiting for Time Window: 2026-03-02T09:05:00Z (2026-03-02T09:00:00Z)',
    );
    assert.equal((await s.settle(at(5 * MIN - 1))).phases[0]!.phase, 'Soaking');
    await s.settle(at(5 * MIN));
    assert.equal(s.promotion.status?.currentStageName, 'production');
  });

  it(
    'applies the verification profile after the delay, then the health checks, and deletes it on ' + 'advance',
    async () => {
      const refs = [{ kind: 'ConfigMap', namespace: 'default', name: 'validation-job' }];
      const p = twoStages({ auto: { delay: '2m', preHealthCheckDeployment: refs, postDelayHealthChecks: [jobCheck] } });
      p.spec.profileSpec.tier = 50;
      const s = new FakeSveltos(p, fleet());
      s.autoProvision = false;
      await s.settle(T0);
      s.provisionAll();
      await s.settle(T0);
      assert.equal(s.phase('staging'), 'Soaking');
      assert.ok(!s.profiles.has('preverification-rollout-staging'), 'nothing is verified before the soak ends');

      let r = await s.settle(at(2 * MIN));
      const v = s.profiles.get('preverification-rollout-staging')!;
      assert.deepEqual(v.spec, { syncMode: 'Continuous', clusterSelector: env('staging'), policyRefs: refs, tier: 50 });
      assert.equal(v.metadata.labels?.['config.projectsveltos.io/promotion-verification'], 'true');
      assert.deepEqual(
        s.profiles.get('rollout-staging')!.spec.validateHealths,
        [jobCheck],
        'checks appended to the stage profile',
      );
      assert.equal(r.phases[0]!.phase, 'CheckingHealth');
      // the write itself says "Running", and until the clusters report on the new content it awaits them
      assert.match(
        s.stageStatus('staging')!.currentStatusDescription!,
        /^Awaiting Health Checks to Pass \(2026-03-02T09:02:00Z\)$/,
      );
      assert.deepEqual(
        s.events
          .filter((e) => e.stage === 'staging')
          .map((e) => e.type)
          .slice(-2),
        ['VerificationDeployed', 'HealthChecksAdded'],
      );

      // the cluster side reports the check failing
      s.behaviour.set('staging-1', { status: 'Failed', message: 'validation-job-done: job not complete' });
      s.provisionAll();
      r = await s.settle(at(3 * MIN));
      assert.equal(r.phases[0]!.phase, 'CheckingHealth');
      assert.match(s.stageStatus('staging')!.currentStatusDescription!, /^Awaiting Health Checks to Pass/);
      assert.match(
        s.stageStatus('staging')!.failureMessage!,
        /default\/staging-1: Helm: validation-job-done: job not complete/,
      );

      s.behaviour.clear();
      s.provisionAll();
      await s.settle(at(4 * MIN));
      assert.equal(s.promotion.status?.currentStageName, 'production');
      assert.ok(!s.profiles.has('preverification-rollout-staging'));
      assert.ok(s.events.some((e) => e.type === 'HealthChecksPassed' && e.stage === 'staging'));
    },
  );

  it(
    're-checks readiness after the delay even with no checks: a cluster that failed during the soak holds ' +
      'the gate',
    async () => {
      const s = new FakeSveltos(twoStages({ manual: { delay: '5m', approved: true } }), fleet());
      await s.settle(T0);
      s.behaviour.set('staging-2', { status: 'Failed', message: 'drifted' });
      s.provisionAll();
      const r = await s.settle(at(5 * MIN));
      assert.equal(r.phases[0]!.phase, 'CheckingHealth');
      assert.equal(s.promotion.status?.currentStageName, 'staging', 'an early approval does not skip the re-check');
    },
  );

  it('waits for the promotion window after the checks and wakes when it opens', async () => {
    const s = new FakeSveltos(
      twoStages({ auto: { promotionWindow: { from: '0 22 * * *', to: '0 6 * * *' } } }),
      fleet(),
    );
    const r = await s.settle(T0);
    assert.equal(r.phases[0]!.phase, 'AwaitingWindow');
    assert.equal(r.requeueAt?.toISOString(), '2026-03-02T22:00:00.000Z');
    assert.equal(
      s.stageStatus('staging')?.currentStatusDescription,
      'Window Closed: Waiting for Next Schedule (2026-03-02T22:00:00Z). (2026-03-02T09:00:00Z)',
    );
    await s.settle(new Date('2026-03-02T22:00:00Z'));
    assert.equal(s.promotion.status?.currentStageName, 'production');
  });

  it('promotes inside an open window straight away', async () => {
    const s = new FakeSveltos(
      twoStages({ auto: { promotionWindow: { from: '0 8 * * *', to: '0 17 * * *' } } }),
      fleet(),
    );
    await s.settle(T0);
    assert.equal(s.promotion.status?.currentStageName, 'production');
  });

  it('pauses a manual stage until approved, then resets the approval with a guarded patch', async () => {
    const s = new FakeSveltos(twoStages({ manual: {} }), fleet());
    let r = await s.settle(T0);
    assert.equal(r.phases[0]!.phase, 'AwaitingApproval');
    assert.equal(r.requeueAt, null, 'nothing but a spec change moves a manual gate');
    assert.equal(
      s.stageStatus('staging')?.currentStatusDescription,
      'Paused: Awaiting Manual Approval (2026-03-02T09:00:00Z)',
    );
    await s.settle(at(60 * MIN));
    assert.equal(
      s.stageStatus('staging')?.currentStatusDescription,
      'Paused: Awaiting Manual Approval (2026-03-02T09:00:00Z)',
      'waiting since is kept',
    );
    s.editStage('staging', (st) => (st.trigger!.manual!.approved = true));
    const before = structuredClone(s.promotion);
    r = reconcile(before, s.world(), at(61 * MIN));
    assert.deepEqual(r.specPatch, [
      { op: 'test', path: '/spec/stages/0/name', value: 'staging' },
      { op: 'test', path: '/spec/stages/0/trigger/manual/approved', value: true },
      { op: 'remove', path: '/spec/stages/0/trigger/manual/approved' },
    ]);
    await s.settle(at(61 * MIN));
    assert.equal(s.promotion.status?.currentStageName, 'production');
    assert.equal(s.promotion.spec.stages[0]!.trigger!.manual!.approved, undefined);
    assert.match(s.stageStatus('staging')!.currentStatusDescription!, /^Successfully provisioned/);
  });

  it('keeps the approval when automaticReset is false', async () => {
    const s = new FakeSveltos(twoStages({ manual: { approved: true, automaticReset: false } }), fleet());
    await s.settle(T0);
    assert.equal(s.promotion.status?.currentStageName, 'production');
    assert.equal(s.promotion.spec.stages[0]!.trigger!.manual!.approved, true);
    assert.ok(!s.events.some((e) => e.type === 'ApprovalReset'));
  });

  it('advances a stage with no trigger right after it is deployed', async () => {
    const p = promotion([
      { name: 'a', clusterSelector: env('staging') },
      { name: 'b', clusterSelector: env('production') },
    ]);
    const s = new FakeSveltos(p, fleet());
    const r = await s.settle(T0);
    assert.deepEqual(
      r.phases.map((x) => x.phase),
      ['Promoted', 'Completed'],
    );
  });

  it('holds a stage whose trigger cannot be read, with a message naming the field', async () => {
    const s = new FakeSveltos(twoStages({ auto: { delay: '5 minutes' } }), fleet());
    const r = await s.settle(T0);
    assert.equal(r.phases[0]!.phase, 'Failed');
    assert.match(
      s.stageStatus('staging')!.failureMessage!,
      /stage staging: trigger.auto.delay: invalid duration "5 minutes"/,
    );
  });
});

describe('rule 5: the final stage', () => {
  it('gates completion with its own trigger and sets lastPromotionTime when it passes', async () => {
    const s = new FakeSveltos(twoStages({ auto: {} }, { auto: { delay: '5m' } }), fleet());
    let r = await s.settle(T0);
    assert.deepEqual(
      r.phases.map((x) => x.phase),
      ['Promoted', 'Soaking'],
    );
    assert.equal(s.promotion.status?.lastPromotionTime, undefined);
    r = await s.settle(at(5 * MIN));
    assert.deepEqual(
      r.phases.map((x) => x.phase),
      ['Promoted', 'Completed'],
    );
    assert.equal(s.promotion.status?.lastPromotionTime, '2026-03-02T09:05:00Z');
    assert.equal(s.events.at(-1)?.type, 'PromotionCompleted');
    const again = reconcile(s.promotion, s.world(), at(600 * MIN));
    assert.equal(again.status, null, 'a completed promotion writes nothing more');
    assert.deepEqual(again.apply, []);
  });
});

describe('rule 8: deletion', () => {
  it('deletes every profile of the promotion, or keeps them without the owner reference when asked', async () => {
    const s = new FakeSveltos(twoStages({ auto: {} }, { manual: {} }), fleet());
    await s.settle(T0);
    const del = reconcileDelete(s.promotion, s.world());
    assert.deepEqual(del.delete.sort(), ['rollout-production', 'rollout-staging']);
    const keep = reconcileDelete(
      { ...s.promotion, spec: { ...s.promotion.spec, preserveClusterProfilesOnDelete: true } },
      s.world(),
    );
    assert.deepEqual(keep.delete, []);
    assert.equal(keep.apply.length, 2);
    assert.ok(keep.apply.every((p) => p.metadata.ownerReferences?.length === 0));
  });
});

describe('durable state', () => {
  // The same rollout twice: once uninterrupted, once with the status pruned to the CRD schema (as a
  // restarted engine would read it back from the API server) before every reconcile.
  async function rollout(roundTrip: boolean) {
    const p = promotion([
      {
        name: 'dev',
        clusterSelector: env('staging'),
        trigger: {
          auto: {
            delay: '2m',
            preHealthCheckDeployment: [{ kind: 'ConfigMap', namespace: 'default', name: 'job' }],
            postDelayHealthChecks: [jobCheck],
          },
        },
      },
      { name: 'uat', clusterSelector: env('uat'), trigger: { manual: { delay: '1m' } } },
      {
        name: 'prod',
        clusterSelector: env('production'),
        trigger: { auto: { delay: '10m', promotionWindow: { from: '0 10 * * *', to: '0 11 * * *' } } },
      },
    ]);
    const s = new FakeSveltos(p, [...fleet(), cluster('uat-1', { env: 'uat' })], roundTrip);
    const trace: unknown[] = [];
    let now = T0;
    for (let step = 0; step < 40; step++) {
      const r = await s.settle(now);
      trace.push({
        now: now.toISOString(),
        phases: r.phases,
        status: s.promotion.status,
        profiles: [...s.profiles.keys()].sort(),
      });
      if (r.phases.at(-1)?.phase === 'Completed') break;
      if (r.phases[1]!.phase === 'AwaitingApproval') s.editStage('uat', (st) => (st.trigger!.manual!.approved = true));
      now = r.requeueAt ?? new Date(now.getTime() + MIN);
    }
    return { trace, events: s.events };
  }

  it('resumes exactly where it was when restarted between any two steps', async () => {
    const straight = await rollout(false);
    const restarted = await rollout(true);
    assert.deepEqual(restarted.trace, straight.trace);
    assert.deepEqual(restarted.events, straight.events);
    assert.equal((straight.trace.at(-1) as { phases: { phase: string }[] }).phases.at(-1)!.phase, 'Completed');
  });
});
