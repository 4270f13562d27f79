// The fleet follows what is done to its clusters through the API, as Sveltos follows a management
// cluster: relabelling a SveltosCluster or a Cluster API Cluster, marking it not ready, registering
// or deleting one changes which stages reach it, and the ClusterSummaries follow. A summary a
// user deletes comes back at once. Judged with the real kubectl.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterSummary } from '../../src/api/types.ts';
import { skipKubectl } from '../apiserver/clients.ts';
import { kubectl } from '../apiserver/helpers.ts';
import { type Harness, s, T0, withServed } from './helpers.ts';

function summaries(h: Harness): string[] {
  return h.served.store
    .all<ClusterSummary>('clustersummaries')
    .map((x) => `${x.metadata.namespace}/${x.metadata.name}`)
    .sort();
}

async function ok(h: Harness, args: string[], stdin?: string): Promise<string> {
  const res = await kubectl(h.server, args, stdin);
  assert.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stderr}`);
  await h.served.settle();
  return res.stdout;
}

const STAGING_SUMMARIES = ['default/rollout-staging-sveltos-staging-1', 'default/rollout-staging-sveltos-staging-2'];

describe('the fleet follows cluster edits made through the API', { skip: skipKubectl }, () => {
  it('kubectl label moves a SveltosCluster and a Cluster API Cluster into the staging stage', () =>
    withServed(async (h) => {
      assert.deepEqual(summaries(h), STAGING_SUMMARIES);
      await ok(h, ['label', 'sveltoscluster', '-n', 'default', 'production-1', 'env=staging', '--overwrite']);
      await ok(h, ['label', 'cluster', '-n', 'emea', 'production-3', 'env=staging', '--overwrite']);
      assert.deepEqual(summaries(h), [
        'default/rollout-staging-sveltos-production-1',
        ...STAGING_SUMMARIES,
        'emea/rollout-staging-capi-production-3',
      ]);
      await h.served.advanceTo(T0 + s(120));
      const phase = await ok(h, [
        'get',
        'clustersummary',
        '-n',
        'default',
        'rollout-staging-sveltos-production-1',
        '-o',
        'jsonpath={.status.featureSummaries[0].status}',
      ]);
      assert.equal(phase, 'Provisioned');
    }));

  it('a SveltosCluster marked not ready through the status subresource leaves the stage; ready again, it returns', () =>
    withServed(async (h) => {
      const patch = (ready: boolean) => [
        'patch',
        'sveltoscluster',
        '-n',
        'default',
        'staging-2',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { ready } }),
      ];
      await ok(h, patch(false));
      assert.deepEqual(summaries(h), ['default/rollout-staging-sveltos-staging-1']);
      await ok(h, patch(true));
      assert.deepEqual(summaries(h), STAGING_SUMMARIES);
    }));

  it('a SveltosCluster registered with kubectl joins the stage its labels select; deleted, it leaves', () =>
    withServed(async (h) => {
      const manifest = {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        metadata: { name: 'staging-3', namespace: 'default', labels: { env: 'staging' } },
        spec: {},
      };
      await ok(h, ['create', '-f', '-'], JSON.stringify(manifest));
      assert.deepEqual(summaries(h), STAGING_SUMMARIES, 'not ready yet: Sveltos waits');
      await ok(h, [
        'patch',
        'sveltoscluster',
        '-n',
        'default',
        'staging-3',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"ready":true}}',
      ]);
      assert.deepEqual(summaries(h), [...STAGING_SUMMARIES, 'default/rollout-staging-sveltos-staging-3']);
      await ok(h, ['delete', 'sveltoscluster', '-n', 'default', 'staging-3']);
      assert.deepEqual(summaries(h), STAGING_SUMMARIES);
    }));

  it('a ClusterSummary a user deletes comes back at once, as a new object', () =>
    withServed(async (h) => {
      const name = 'rollout-staging-sveltos-staging-1';
      const before = h.served.store.get('clustersummaries', name, 'default');
      const out = await ok(h, ['delete', 'clustersummary', '-n', 'default', name]);
      assert.match(out, /deleted/);
      const again = await kubectl(h.server, ['get', 'clustersummary', '-n', 'default', name, '-o', 'json']);
      assert.equal(again.code, 0, again.stderr);
      const back = JSON.parse(again.stdout) as ClusterSummary;
      assert.notEqual(back.metadata.uid, before.metadata.uid);
      assert.deepEqual(back.metadata.labels, before.metadata.labels);
      assert.deepEqual(back.spec, before.spec);
    }));
});
