import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterProfileSpec, FeatureSummary, ValidateHealth } from '../../src/api/types.ts';
import { Fleet, resolveMaxUpdate, type FleetEvent } from '../../simulator/fleet.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { T0, chart, cluster, env, m, profile, s } from './helpers.ts';

function fleetOf(clusters: FleetClusterSpec[], seed = 1) {
  const fleet = new Fleet({ clusters }, { start: T0, seed });
  const events: FleetEvent[] = [];
  fleet.onEvent((e) => events.push(e));
  const features = (profileName: string, clusterName: string): FeatureSummary[] => {
    const summary = [...fleet.summariesOf(profileName)].find((x) => x.spec.clusterName === clusterName);
    return summary?.status?.featureSummaries ?? [];
  };
  const statusOf = (profileName: string, clusterName: string) =>
    features(profileName, clusterName)
      .map((f) => f.status)
      .join(',');
  const at = (ms: number) => fleet.runUntil(T0 + ms);
  return { fleet, events, features, statusOf, at };
}

const spec = (more: ClusterProfileSpec = {}): ClusterProfileSpec => ({
  clusterSelector: env('prod'),
  helmCharts: [chart],
  ...more,
});

describe('the fleet plays addon-controller', () => {
  it('gives each ready matching cluster a ClusterSummary named, labelled and specced as Sveltos does', () => {
    const { fleet } = fleetOf([
      cluster('a', { env: 'prod' }),
      cluster('b', { env: 'prod' }, { type: 'Capi', namespace: 'capi' }),
      cluster('c', { env: 'prod' }, { ready: false }),
      cluster('d', { env: 'dev' }),
    ]);
    fleet.applyProfile(profile('p', spec({ policyRefs: [{ kind: 'ConfigMap', namespace: 'x', name: 'y' }] })));
    const summaries = [...fleet.summariesOf('p')];
    assert.deepEqual(
      summaries.map((x) => `${x.metadata.namespace}/${x.metadata.name}`),
      ['default/p-sveltos-a', 'capi/p-capi-b'],
    );
    const b = summaries[1]!;
    assert.deepEqual(b.metadata.labels, {
      'projectsveltos.io/cluster-profile-name': 'p',
      'projectsveltos.io/cluster-name': 'b',
      'projectsveltos.io/cluster-type': 'Capi',
    });
    assert.deepEqual(
      { ns: b.spec.clusterNamespace, name: b.spec.clusterName, type: b.spec.clusterType },
      { ns: 'capi', name: 'b', type: 'Capi' },
    );
    assert.deepEqual(b.spec.clusterProfileSpec.helmCharts, [chart]);
    assert.deepEqual(
      b.status?.featureSummaries?.map((f) => [f.featureID, f.status]),
      [
        ['Resources', 'Provisioning'],
        ['Helm', 'Provisioning'],
      ],
    );
    assert.deepEqual(
      fleet.profile('p')?.status?.matchingClusters?.map((r) => `${r.kind}:${r.namespace}/${r.name}`),
      ['SveltosCluster:default/a', 'Cluster:capi/b'],
    );
  });

  it('provisions a cluster after its deployTime, and says exactly when the next change is', async () => {
    const { fleet, statusOf, at } = fleetOf([cluster('a', { env: 'prod' }, { deployTimeMs: m(2) })]);
    fleet.applyProfile(profile('p', spec()));
    assert.equal(fleet.nextEventAt(), T0 + m(2));
    await at(m(2) - 1);
    assert.equal(statusOf('p', 'a'), 'Provisioning');
    assert.equal(fleet.isDeployed('p'), false);
    await at(m(2));
    assert.equal(statusOf('p', 'a'), 'Provisioned');
    assert.equal(fleet.isDeployed('p'), true);
    assert.equal(fleet.nextEventAt(), null);
  });

  it('shows a failed attempt as Failed with its message while the next attempt runs, until one succeeds', async () => {
    const { fleet, features, at, events } = fleetOf([
      cluster('a', { env: 'prod' }, { deployTimeMs: m(1), failures: 2, failureMessage: 'helm: timed out' }),
    ]);
    fleet.applyProfile(profile('p', spec()));
    await at(m(1));
    assert.deepEqual(features('p', 'a'), [
      { featureID: 'Helm', status: 'Failed', failureMessage: 'helm: timed out', consecutiveFailures: 1 },
    ]);
    await at(m(2));
    assert.deepEqual(features('p', 'a')[0]?.consecutiveFailures, 2);
    assert.equal(fleet.stats('p')?.failed, 1);
    await at(m(3));
    // lastAppliedTime: when the content was installed, as addon-controller records it.
    assert.deepEqual(features('p', 'a'), [
      {
        featureID: 'Helm',
        status: 'Provisioned',
        lastAppliedTime: new Date(T0 + m(3)).toISOString().replace('.000Z', 'Z'),
      },
    ]);
    assert.equal(fleet.stats('p')?.failed, 0);
    assert.deepEqual(
      events.map((e) => `${(e.at - T0) / 1000} ${e.type}`),
      ['0 Deploying', '60 DeployFailed', '60 Deploying', '120 DeployFailed', '120 Deploying', '180 Provisioned'],
    );
  });

  it('fails for good with failures: permanent, and tries no more', async () => {
    const { fleet, features, at } = fleetOf([cluster('a', { env: 'prod' }, { failures: 'permanent' })]);
    fleet.applyProfile(profile('p', spec()));
    await at(s(30));
    assert.equal(features('p', 'a')[0]?.status, 'FailedNonRetriable');
    assert.match(features('p', 'a')[0]?.failureMessage ?? '', /will not be retried/);
    assert.equal(fleet.nextEventAt(), null);
    assert.equal(fleet.stats('p')?.failedNonRetriable, 1);
  });

  it('stops retrying at the profile maxConsecutiveFailures-th consecutive failure, as Sveltos does', async () => {
    const { fleet, features, at } = fleetOf([cluster('a', { env: 'prod' }, { failures: 5 })]);
    fleet.applyProfile(profile('p', spec({ maxConsecutiveFailures: 2 })));
    await at(s(30));
    assert.equal(features('p', 'a')[0]?.status, 'Failed');
    await at(s(60));
    assert.deepEqual(features('p', 'a')[0], {
      featureID: 'Helm',
      status: 'FailedNonRetriable',
      failureMessage: 'the maximum number of consecutive errors has been reached',
      consecutiveFailures: 2,
    });
    assert.equal(fleet.nextEventAt(), null);
  });

  it('fails the next attempt of a cluster on demand', async () => {
    const { fleet, statusOf, at } = fleetOf([cluster('a', { env: 'prod' })]);
    fleet.failNextAttempt('default/a');
    fleet.applyProfile(profile('p', spec()));
    await at(s(30));
    assert.equal(statusOf('p', 'a'), 'Failed');
    await at(s(60));
    assert.equal(statusOf('p', 'a'), 'Provisioned');
  });

  describe('maxUpdate', () => {
    it('reads a number, or a percentage of the matching clusters rounded up, at least 1', () => {
      assert.equal(resolveMaxUpdate(undefined, 10), 0);
      assert.equal(resolveMaxUpdate(2, 10), 2);
      assert.equal(resolveMaxUpdate('25%', 10), 3);
      assert.equal(resolveMaxUpdate('10%', 3), 1);
      assert.equal(resolveMaxUpdate('100%', 7), 7);
    });

    it(
      'updates that many clusters at once, the next one starting as soon as one is Provisioned (a sliding ' + 'window)',
      async () => {
        const { fleet, at, events } = fleetOf([
          cluster('a', { env: 'prod' }, { deployTimeMs: m(1) }),
          cluster('b', { env: 'prod' }, { deployTimeMs: m(3) }),
          cluster('c', { env: 'prod' }, { deployTimeMs: m(1) }),
          cluster('d', { env: 'prod' }, { deployTimeMs: m(1) }),
        ]);
        fleet.applyProfile(profile('p', spec({ maxUpdate: 2 })));
        assert.deepEqual(fleet.stats('p'), {
          matching: 4,
          provisioned: 0,
          updating: 2,
          waiting: 2,
          failed: 0,
          failedNonRetriable: 0,
        });
        // Summaries of waiting clusters do not exist yet.
        assert.deepEqual(
          [...fleet.summariesOf('p')].map((x) => x.spec.clusterName),
          ['a', 'b'],
        );
        await at(m(10));
        const starts = events.filter((e) => e.type === 'Deploying').map((e) => `${e.cluster}@${(e.at - T0) / 60_000}`);
        assert.deepEqual(starts, ['default/a@0', 'default/b@0', 'default/c@1', 'default/d@2']);
        assert.equal(fleet.isDeployed('p'), true);
      },
    );

    it('keeps the old spec on clusters still waiting for a slot after a spec change', async () => {
      const { fleet, at } = fleetOf([cluster('a', { env: 'prod' }), cluster('b', { env: 'prod' })]);
      fleet.applyProfile(profile('p', spec({ maxUpdate: 1 })));
      await at(m(5));
      const v2 = { ...chart, chartVersion: '2.0.0' };
      fleet.applyProfile(profile('p', spec({ maxUpdate: 1, helmCharts: [v2] })));
      const versions = () =>
        [...fleet.summariesOf('p')].map(
          (x) => `${x.spec.clusterName}:${x.spec.clusterProfileSpec.helmCharts?.[0]?.chartVersion}`,
        );
      assert.deepEqual(versions(), ['a:2.0.0', 'b:1.0.0']);
      assert.equal(fleet.isDeployed('p'), false);
      await at(m(5) + s(30));
      assert.deepEqual(versions(), ['a:2.0.0', 'b:2.0.0']);
      await at(m(6));
      assert.equal(fleet.isDeployed('p'), true);
    });
  });

  it('draws jitter from the seed: the same seed gives the same times, another seed others', async () => {
    const run = async (seed: number) => {
      const clusters = ['a', 'b', 'c', 'd', 'e'].map((n) =>
        cluster(n, { env: 'prod' }, { deployTimeMs: m(1), jitterMs: s(30) }),
      );
      const { fleet, events, at } = fleetOf(clusters, seed);
      fleet.applyProfile(profile('p', spec()));
      await at(m(5));
      return events
        .filter((e) => e.type === 'Provisioned')
        .map((e) => `${e.cluster}@${e.at - T0}`)
        .sort();
    };
    const first = await run(42);
    assert.deepEqual(await run(42), first);
    assert.notDeepEqual(await run(43), first);
    for (const entry of first) {
      const ms = Number(entry.split('@')[1]);
      assert.ok(ms >= m(1) && ms <= m(1) + s(30), entry);
    }
  });

  it('re-deploys summaries when the profile spec changes, with checkTime when only checks were appended', async () => {
    const { fleet, at, events } = fleetOf([cluster('a', { env: 'prod' }, { deployTimeMs: m(2), checkTimeMs: s(10) })]);
    fleet.applyProfile(profile('p', spec()));
    await at(m(2));
    const check: ValidateHealth = {
      name: 'up',
      featureID: 'Helm',
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      evaluateCEL: [{ name: 'ok', rule: 'true' }],
    };
    assert.equal(fleet.applyProfile(profile('p', spec())), false, 'the same spec is no change');
    fleet.applyProfile(profile('p', spec({ validateHealths: [check] })));
    const summary = [...fleet.summariesOf('p')][0]!;
    assert.deepEqual(summary.spec.clusterProfileSpec.validateHealths, [check]);
    assert.equal(fleet.nextEventAt(), T0 + m(2) + s(10));
    fleet.applyProfile(profile('p', spec({ helmCharts: [{ ...chart, chartVersion: '2.0.0' }] })));
    assert.equal(fleet.nextEventAt(), T0 + m(4), 'new content is a full deploy, and the older attempt is void');
    await at(m(4));
    assert.deepEqual(
      events.filter((e) => e.type !== 'HealthCheckFailed').map((e) => `${(e.at - T0) / 1000} ${e.type} ${e.message}`),
      [
        '0 Deploying deploying p',
        '120 Provisioned p provisioned',
        '120 Deploying re-provisioning p',
        '120 Deploying deploying p',
        '240 Provisioned p provisioned',
      ],
    );
  });

  it('removes the summaries of a deleted profile, and of clusters a profile stops matching', () => {
    const { fleet } = fleetOf([cluster('a', { env: 'prod', zone: '1' }), cluster('b', { env: 'prod', zone: '2' })]);
    fleet.applyProfile(profile('p', spec()));
    assert.equal([...fleet.summariesOf('p')].length, 2);
    fleet.applyProfile(profile('p', spec({ clusterSelector: { matchLabels: { zone: '2' } } })));
    assert.deepEqual(
      [...fleet.summariesOf('p')].map((x) => x.spec.clusterName),
      ['b'],
    );
    assert.equal(fleet.deleteProfile('p'), true);
    assert.deepEqual([...fleet.summariesOf('p')], []);
    assert.equal(fleet.profile('p'), undefined);
    assert.equal(fleet.nextEventAt(), null);
  });

  it('counts a profile matching no cluster as deployed at once', () => {
    const { fleet } = fleetOf([cluster('a', { env: 'dev' })]);
    fleet.applyProfile(profile('p', spec()));
    assert.equal(fleet.isDeployed('p'), true);
    assert.deepEqual(fleet.profileTimes('p'), { firstAppliedAt: T0, allProvisionedAt: T0 });
  });

  it(
    'reports a profile as changed for the engine when it becomes deployed or a failure appears or ' + 'clears',
    async () => {
      const { fleet, at } = fleetOf([
        cluster('a', { env: 'prod' }, { failures: 1 }),
        cluster('b', { env: 'prod' }, { deployTimeMs: m(5) }),
      ]);
      fleet.applyProfile(profile('p', spec()));
      fleet.takeDirtyProfiles();
      await at(s(29));
      assert.deepEqual(fleet.takeDirtyProfiles(), []);
      await at(s(30));
      assert.deepEqual(fleet.takeDirtyProfiles(), ['p'], 'a failure appeared');
      await at(s(60));
      assert.deepEqual(fleet.takeDirtyProfiles(), ['p'], 'the failure cleared');
      await at(m(4));
      assert.deepEqual(fleet.takeDirtyProfiles(), []);
      await at(m(5));
      assert.deepEqual(fleet.takeDirtyProfiles(), ['p'], 'deployed');
    },
  );

  describe('health checks', () => {
    const jobCheck: ValidateHealth = {
      name: 'validation-job',
      featureID: 'Resources',
      group: 'batch',
      version: 'v1',
      kind: 'Job',
      namespace: 'default',
      evaluateCEL: [{ name: 'succeeded', rule: 'has(resource.status.succeeded) && resource.status.succeeded >= 1' }],
    };
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'validation', namespace: 'default' },
      status: { active: 1 },
    };
    const policyRef = { kind: 'ConfigMap', namespace: 'projectsveltos', name: 'validation-job' };

    it(
      'keeps the feature Failed with the check message while the check fails, and passes when objects ' + 'change',
      async () => {
        const c = cluster(
          'a',
          { env: 'prod' },
          {
            deployTimeMs: s(30),
            dynamicObjects: [
              { object: job, timeline: [{ afterMs: m(3), merge: { status: { active: null, succeeded: 1 } } }] },
            ],
          },
        );
        const { fleet, features, at, events } = fleetOf([c]);
        fleet.applyProfile(
          profile(
            'p',
            spec({
              helmCharts: undefined,
              policyRefs: [{ kind: 'ConfigMap', name: 'app' }],
              validateHealths: [jobCheck],
            }),
          ),
        );
        await at(s(30));
        assert.equal(features('p', 'a')[0]?.status, 'Failed');
        assert.match(
          features('p', 'a')[0]?.failureMessage ?? '',
          /validation-job.*Job default\/validation is not healthy/,
        );
        assert.equal(fleet.nextEventAt(), T0 + m(3), 'only the object change is left: checks are not polled');
        await at(m(3));
        assert.equal(features('p', 'a')[0]?.status, 'Provisioned');
        assert.deepEqual(
          events.map((e) => `${(e.at - T0) / 1000} ${e.type}`),
          ['0 Deploying', '30 HealthCheckFailed', '180 ObjectUpdated', '180 HealthChecksPassed', '180 Provisioned'],
        );
      },
    );

    it(
      'creates an object when a profile referencing its ConfigMap is deployed, and runs its timeline from ' + 'then',
      async () => {
        const c = cluster(
          'a',
          { env: 'prod' },
          {
            dynamicObjects: [
              {
                object: job,
                createdBy: policyRef,
                timeline: [{ afterMs: s(60), merge: { status: { succeeded: 1 } } }],
              },
            ],
          },
        );
        const { fleet, at, events } = fleetOf([c]);
        fleet.applyProfile(profile('main', spec({ validateHealths: [{ ...jobCheck, featureID: 'Helm' }] })));
        await at(m(1));
        assert.equal(fleet.stats('main')?.failed, 1, 'no Job yet: "did not fetch any resource"');
        fleet.applyProfile(profile('verify', { clusterSelector: env('prod'), policyRefs: [policyRef] }));
        await at(m(1) + s(30));
        assert.equal(fleet.cluster('default/a')?.objects.length, 1);
        assert.equal(fleet.stats('main')?.failed, 1, 'the Job runs');
        await at(m(2) + s(30));
        assert.equal(fleet.isDeployed('main'), true);
        fleet.deleteProfile('verify');
        assert.equal(fleet.cluster('default/a')?.objects.length, 0, 'the Job goes with its profile');
        assert.equal(fleet.isDeployed('main'), true, 'a Provisioned feature is not re-checked');
        assert.deepEqual(
          events.filter((e) => e.type.startsWith('Object')).map((e) => `${(e.at - T0) / 1000} ${e.type} ${e.message}`),
          [
            '90 ObjectCreated Job default/validation created by verify',
            '150 ObjectUpdated Job default/validation changed: {"status":{"succeeded":1}}',
            '150 ObjectDeleted Job default/validation deleted with verify',
          ],
        );
      },
    );

    it('never evaluates a check for a feature the profile does not deploy, as Sveltos', async () => {
      const { fleet, at, statusOf, events } = fleetOf([cluster('a', { env: 'prod' })]);
      fleet.applyProfile(profile('p', spec({ validateHealths: [jobCheck] })));
      await at(s(30));
      assert.equal(statusOf('p', 'a'), 'Provisioned');
      assert.match(events[0]?.message ?? '', /feature Resources, which p does not deploy/);
    });

    it('evaluates once for clusters that share the same objects', async () => {
      let calls = 0;
      const shared = [job];
      const clusters = ['a', 'b', 'c'].map((n) => cluster(n, { env: 'prod' }, { objects: shared }));
      const fleet = new Fleet(
        { clusters },
        {
          start: T0,
          health: async (checks) => {
            calls++;
            return checks.map((h) => ({ check: h.name, featureID: h.featureID, healthy: true, message: 'ok' }));
          },
        },
      );
      fleet.applyProfile(profile('p', spec({ validateHealths: [{ ...jobCheck, featureID: 'Helm' }] })));
      await fleet.runUntil(T0 + m(1));
      assert.equal(fleet.isDeployed('p'), true);
      assert.equal(calls, 1);
    });
  });
});
