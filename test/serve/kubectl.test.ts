// The served simulation through the real kubectl (KUBECTL=path picks another, e.g. the 1.20 CI
// installs): what a person rehearsing a rollout sees and does. Virtual time moves only when a test
// says; kubectl's output is read line by line with a deadline.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { ServedSimulation } from '../../simulator/serve.ts';
import { PROMOTION_FINALIZER } from '../../simulator/store-controller.ts';
import { KUBECTL, kubectl, KubectlStream } from '../apiserver/helpers.ts';
import { cluster, env, m } from '../simulator/helpers.ts';
import { currentStage, rolloutPromotion, s, T0, withServed } from './helpers.ts';

const missing = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).error !== undefined;
const skip = missing && process.env.CI === undefined ? `${KUBECTL} is not installed` : false;

const APPROVE_STAGING = JSON.stringify([
  { op: 'test', path: '/spec/stages/0/name', value: 'staging' },
  { op: 'add', path: '/spec/stages/0/trigger/manual/approved', value: true },
]);

describe('simulate --serve with the real kubectl', { skip }, () => {
  it('get shows the promotion at its first stage and the profile the engine generated for it', () =>
    withServed(async ({ server }) => {
      const res = await kubectl(server, ['get', 'clusterpromotions,clusterprofiles']);
      assert.equal(res.code, 0, res.stderr);
      const lines = res.stdout.split('\n');
      // The CRD's printer columns: NAME and AGE; the stage is in the status.
      assert.match(lines[1]!, /^clusterpromotion\.config\.projectsveltos\.io\/rollout\s+0s$/);
      const stage = await kubectl(server, [
        'get',
        'clusterpromotion',
        'rollout',
        '-o',
        'jsonpath={.status.currentStageName}',
      ]);
      assert.equal(stage.stdout, 'staging');
      assert.match(lines[4]!, /^clusterprofile\.config\.projectsveltos\.io\/rollout-staging\s+0s$/);
      assert.equal(lines.filter((l) => l.startsWith('clusterprofile.')).length, 1, 'production is not reached yet');
    }));

  it('get -o yaml shows the status the engine wrote, on virtual time, and Sveltos’s finalizer', () =>
    withServed(async ({ served, server }) => {
      // While the stage deploys, Sveltos's own words for what it waits for.
      const deploying = await kubectl(server, [
        'get',
        'clusterpromotion',
        'rollout',
        '-o',
        'jsonpath={.status.stages[0].failureMessage}',
      ]);
      assert.equal(deploying.stdout, 'ClusterSummary rollout-staging-sveltos-staging-1 is not yet provisioned.');
      await served.advanceTo(T0 + s(60));
      const res = await kubectl(server, ['get', 'clusterpromotion', 'rollout', '-o', 'yaml']);
      assert.equal(res.code, 0, res.stderr);
      const printed = parse(res.stdout) as ClusterPromotion;
      assert.deepEqual(printed.metadata.finalizers, [PROMOTION_FINALIZER]);
      assert.equal(printed.status?.currentStageName, 'staging');
      assert.deepEqual(printed.status?.stages?.[0], {
        name: 'staging',
        currentStatusDescription: 'Paused: Awaiting Manual Approval (2030-01-01T00:01:00Z)',
        lastStatusCheckTime: '2030-01-01T00:01:00Z',
        lastSuccessfulAppliedTime: '2030-01-01T00:01:00Z',
        lastUpdateReconciledTime: '2030-01-01T00:00:00Z',
      });
    }));

  it(
    'get clustersummaries -A -o wide -w shows each cluster go from Provisioning to Provisioned as virtual ' +
      'time passes',
    () =>
      withServed(async ({ served, server }) => {
        const watch = new KubectlStream(server, ['get', 'clustersummaries', '-A', '-o', 'wide', '-w']);
        try {
          await watch.waitForLine((l) => /^default\s+rollout-staging-sveltos-staging-2\s+0s\s+Provisioning\b/.test(l));
          await served.advanceTo(T0 + s(60));
          await watch.waitForLine((l) => /^default\s+rollout-staging-sveltos-staging-1\s+60s\s+Provisioned\b/.test(l));
          await watch.waitForLine((l) => /^default\s+rollout-staging-sveltos-staging-2\s+60s\s+Provisioned\b/.test(l));
        } finally {
          await watch.stop();
        }
      }),
  );

  it('patch --type=json with a test op approves the manual gate, the promotion moves on and completes', () =>
    withServed(async ({ served, server, events }) => {
      const columns = 'custom-columns=NAME:.metadata.name,STAGE:.status.currentStageName';
      const watch = new KubectlStream(server, ['get', 'clusterpromotions', '-w', '-o', columns]);
      try {
        await served.advanceTo(T0 + s(60));
        await watch.waitForLine((l) => /^rollout\s+staging\s*$/.test(l));
        const res = await kubectl(server, [
          'patch',
          'clusterpromotion',
          'rollout',
          '--type=json',
          '-p',
          APPROVE_STAGING,
        ]);
        assert.equal(res.code, 0, res.stderr);
        await served.settle();
        await watch.waitForLine((l) => /^rollout\s+production\s*$/.test(l));
        // Sveltos consumes the approval (automaticReset, the CRD's default, is stored with it).
        assert.deepEqual(served.store.get<ClusterPromotion>('clusterpromotions', 'rollout').spec.stages[0]!.trigger, {
          manual: { automaticReset: true },
        });
        await served.advanceTo(T0 + s(180));
        assert.equal(events.at(-1)?.type, 'PromotionCompleted');
        assert.equal(events.at(-1)?.at, T0 + s(180));
      } finally {
        await watch.stop();
      }
    }));

  it('patch --type=json is refused when its test no longer holds, and nothing moves', () =>
    withServed(async ({ served, server }) => {
      await served.advanceTo(T0 + s(60));
      const stale = JSON.stringify([
        { op: 'test', path: '/spec/stages/0/name', value: 'qa' },
        { op: 'add', path: '/spec/stages/0/trigger/manual/approved', value: true },
      ]);
      const res = await kubectl(server, ['patch', 'clusterpromotion', 'rollout', '--type=json', '-p', stale]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /The request is invalid/);
      await served.settle();
      assert.equal(currentStage(served), 'staging');
    }));

  it('replace with the resourceVersion read before the engine wrote again is refused with a Conflict', () =>
    withServed(async ({ served, server }) => {
      const got = await kubectl(server, ['get', 'clusterpromotion', 'rollout', '-o', 'json']);
      assert.equal(got.code, 0, got.stderr);
      await served.advanceTo(T0 + s(60)); // the engine writes the status: a new resourceVersion
      const edited = JSON.parse(got.stdout) as ClusterPromotion;
      edited.spec.stages[0]!.trigger = { manual: { approved: true } };
      const file = join(server.scratch, 'rollout.json');
      writeFileSync(file, JSON.stringify(edited));
      const res = await kubectl(server, ['replace', '-f', file]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /Error from server \(Conflict\).*the object has been modified/);
      await served.settle();
      assert.equal(currentStage(served), 'staging');
    }));

  it('a new profileSpec written with kubectl restarts the pipeline from the first stage', () =>
    withServed(async ({ served, server, events }) => {
      await served.advanceTo(T0 + s(60));
      assert.equal(
        (await kubectl(server, ['patch', 'clusterpromotion', 'rollout', '--type=json', '-p', APPROVE_STAGING])).code,
        0,
      );
      await served.settle();
      assert.equal(currentStage(served), 'production');
      const bump = JSON.stringify({
        spec: { profileSpec: { helmCharts: [{ ...helmChart(served), chartVersion: '2.0.0' }] } },
      });
      const res = await kubectl(server, ['patch', 'clusterpromotion', 'rollout', '--type=merge', '-p', bump]);
      assert.equal(res.code, 0, res.stderr);
      await served.settle();
      assert.ok(
        events.some((e) => e.type === 'PipelineRestarted'),
        JSON.stringify(events.map((e) => e.type)),
      );
      assert.equal(currentStage(served), 'staging');
      const staging = await kubectl(server, [
        'get',
        'clusterprofile',
        'rollout-staging',
        '-o',
        'jsonpath={.spec.helmCharts[0].chartVersion}',
      ]);
      assert.equal(staging.stdout, '2.0.0');
    }));

  it(
    'delete clusterpromotion waits for the engine to remove the generated profiles, whose summaries go ' + 'with them',
    () =>
      withServed(async ({ served, server, events }) => {
        await served.advanceTo(T0 + s(60));
        assert.equal(
          (await kubectl(server, ['patch', 'clusterpromotion', 'rollout', '--type=json', '-p', APPROVE_STAGING])).code,
          0,
        );
        await served.settle();
        assert.equal(served.store.all('clusterprofiles').length, 2);
        const res = await kubectl(server, ['delete', 'clusterpromotion', 'rollout']);
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /clusterpromotion.config.projectsveltos.io "rollout" deleted/);
        const left = await kubectl(server, ['get', 'clusterpromotions,clusterprofiles,clustersummaries', '-A']);
        assert.equal(left.code, 0, left.stderr);
        assert.match(left.stderr, /No resources found/);
        assert.equal(events.at(-1)?.type, 'Finalized');
        assert.equal(served.sim.fleet.profiles().length, 0, 'the fleet no longer deploys them');
      }),
  );

  it("get jobs -A shows a jobCheck's Job in its cluster's namespace, Running, then Complete or Failed", () =>
    withServed(
      async ({ served, server }) => {
        // Deployed at +1m, soaked until +2m: the checks start then, and each cluster's Job with them.
        await served.advanceTo(T0 + m(2));
        const running = await kubectl(server, ['get', 'jobs', '-A']);
        assert.equal(running.code, 0, running.stderr);
        const rows = running.stdout.trim().split('\n');
        assert.match(rows[0]!, /^NAMESPACE\s+NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
        assert.match(rows[1]!, /^default-canary-1\s+smoke-test\s+Running\s+0\/1\s+0s\s+0s$/);
        assert.match(rows[2]!, /^default-canary-2\s+smoke-test\s+Running\s+0\/1\s+0s\s+0s$/);
        assert.equal(rows.length, 3);

        await served.advanceTo(T0 + m(4));
        const done = await kubectl(server, ['get', 'jobs', '-A']);
        assert.equal(done.code, 0, done.stderr);
        const [, ok, failed] = done.stdout.trim().split('\n');
        assert.match(ok!, /^default-canary-1\s+smoke-test\s+Complete\s+1\/1\s+90s\s+2m$/);
        // A failed Job has no completionTime: its duration goes on counting, as on a real cluster.
        assert.match(failed!, /^default-canary-2\s+smoke-test\s+Failed\s+0\/1\s+2m\s+2m$/);
        const conditions = await kubectl(server, [
          'get',
          'job',
          'smoke-test',
          '-n',
          'default-canary-2',
          '-o',
          'jsonpath={.status.conditions[0].type}/{.status.failed}/{.metadata.annotations}',
        ]);
        assert.equal(
          conditions.stdout,
          'Failed/1/{"kubectl-promotion.dev/namespace-in-cluster":"tests"}',
          conditions.stderr,
        );
        const waited = await kubectl(server, [
          'wait',
          '--for=condition=complete',
          'job/smoke-test',
          '-n',
          'default-canary-1',
        ]);
        assert.equal(waited.code, 0, waited.stderr);

        // A cluster that leaves the fleet takes its Jobs and the namespace made for them along.
        const removed = await kubectl(server, ['delete', 'sveltoscluster', 'canary-2', '-n', 'default']);
        assert.equal(removed.code, 0, removed.stderr);
        await served.settle();
        const left = await kubectl(server, ['get', 'jobs', '-A', '-o', 'name']);
        assert.equal(left.stdout.trim(), 'job.batch/smoke-test');
        const gone = await kubectl(server, ['get', 'namespace', 'default-canary-2']);
        assert.match(gone.stderr, /NotFound|not found/);
      },
      {
        promotions: [
          rolloutPromotion('rollout', [
            {
              name: 'canary',
              clusterSelector: env('canary'),
              trigger: {
                auto: {
                  delay: '1m',
                  postDelayHealthChecks: [
                    {
                      name: 'smoke',
                      featureID: 'Helm',
                      jobCheck: { jobRef: { kind: 'ConfigMap', namespace: 'tests', name: 'smoke-test' } },
                    },
                  ],
                },
              },
            },
            { name: 'production', clusterSelector: env('production') },
          ]),
        ],
        fleet: {
          clusters: [
            cluster(
              'canary-1',
              { env: 'canary' },
              {
                deployTimeMs: m(1),
                jobs: { 'smoke-test': { durationMs: s(90), outcome: 'Complete' } },
              },
            ),
            cluster(
              'canary-2',
              { env: 'canary' },
              {
                deployTimeMs: m(1),
                jobs: { 'smoke-test': { durationMs: s(60), outcome: 'Failed' } },
              },
            ),
            cluster('production-1', { env: 'production' }),
          ],
        },
      },
    ));

  it('the fault endpoints answer through kubectl --raw with the kubeconfig’s token', () =>
    withServed(async ({ server }) => {
      const res = await kubectl(server, ['create', '--raw', '/admin/faults/expire-next-watch', '-f', '/dev/null']);
      assert.equal(res.code, 0, res.stderr);
      const status = await kubectl(server, ['get', '--raw', '/admin/faults']);
      assert.equal(JSON.parse(status.stdout).status.pendingWatchExpiries, 1);
    }));
});

function helmChart(served: ServedSimulation): Record<string, unknown> {
  return served.store.get<ClusterPromotion>('clusterpromotions', 'rollout').spec.profileSpec
    .helmCharts![0] as unknown as Record<string, unknown>;
}
