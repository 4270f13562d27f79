// dryRun=All as kube-apiserver honours it: in the query of create, update, patch (status
// included) and delete, and in the DeleteOptions body, where kubectl and the Python client put it.
// A dry run answers what the write would have produced and stores nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { python, skipKubectl, skipPython } from './clients.ts';
import { kubectl, PROMOTIONS, promotion, withServer } from './helpers.ts';

describe('dry run over HTTP', () => {
  it('a DELETE with dryRun in the DeleteOptions body deletes nothing', () =>
    withServer(async (s) => {
      const stored = s.store.create('clusterpromotions', promotion('rollout'));
      const res = await s.request('DELETE', `${PROMOTIONS}/rollout`, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', dryRun: ['All'] },
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.metadata.uid, stored.metadata.uid);
      assert.equal(
        s.store.get('clusterpromotions', 'rollout').metadata.resourceVersion,
        stored.metadata.resourceVersion,
      );
    }));

  it('a collection DELETE with dryRun in the body deletes nothing', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('a'));
      s.store.create('clusterpromotions', promotion('b'));
      const res = await s.request('DELETE', PROMOTIONS, { body: { dryRun: ['All'] } });
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
        ['a', 'b'],
      );
      assert.equal(s.store.all('clusterpromotions').length, 2);
    }));

  it('a body, when there is one, is where DeleteOptions come from; the query is then not read', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const res = await s.request('DELETE', `${PROMOTIONS}/rollout?dryRun=All`, {
        body: { propagationPolicy: 'Orphan' },
      });
      assert.equal(res.status, 200);
      assert.equal(s.store.find('clusterpromotions', 'rollout'), undefined);
    }));

  it('a status write with dryRun=All answers the new status and keeps the old one', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const res = await s.request('PATCH', `${PROMOTIONS}/rollout/status?dryRun=All`, {
        body: { status: { currentStageName: 'prod' } },
        contentType: 'application/merge-patch+json',
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.status.currentStageName, 'prod');
      assert.equal(s.store.get('clusterpromotions', 'rollout').status, undefined);
    }));

  it('refuses a dryRun value other than All with the 422 of the options kind, writing nothing', () =>
    withServer(async (s) => {
      const res = await s.request('POST', `${PROMOTIONS}?dryRun=Some`, { body: promotion('rollout') });
      assert.equal(res.status, 422);
      assert.deepEqual(res.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported ' +
          'values: "All"',
        reason: 'Invalid',
        details: {
          group: 'meta.k8s.io',
          kind: 'CreateOptions',
          causes: [
            {
              reason: 'FieldValueNotSupported',
              message: 'Unsupported value: []string{"Some"}: supported values: "All"',
              field: 'dryRun',
            },
          ],
        },
        code: 422,
      });
      assert.equal(s.store.find('clusterpromotions', 'rollout'), undefined);
      const del = await s.request('DELETE', `${PROMOTIONS}/rollout`, { body: { dryRun: ['all'] } });
      assert.equal(del.status, 422);
      assert.match(del.json.message, /^DeleteOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value/);
    }));

  it('refuses an unknown propagationPolicy with a 422 naming the supported ones', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const res = await s.request('DELETE', `${PROMOTIONS}/rollout`, { body: { propagationPolicy: 'Later' } });
      assert.equal(res.status, 422);
      assert.equal(
        res.json.message,
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Later": ' +
          'supported values: "Foreground", "Background", "Orphan", "nil"',
      );
      assert.notEqual(s.store.find('clusterpromotions', 'rollout'), undefined);
    }));
});

describe('dry run with the real kubectl', { skip: skipKubectl }, () => {
  it('delete --dry-run=server reports the deletion and deletes nothing', () =>
    withServer(async (s) => {
      const stored = s.store.create('clusterpromotions', promotion('rollout'));
      const res = await kubectl(s, ['delete', 'clusterpromotion', 'rollout', '--dry-run=server']);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout.trim(), 'clusterpromotion.config.projectsveltos.io "rollout" deleted (server dry run)');
      assert.equal(s.store.get('clusterpromotions', 'rollout').metadata.uid, stored.metadata.uid);
    }));

  it('create, label, patch and server-side apply with --dry-run=server print the result and store nothing', () =>
    withServer(async (s) => {
      const manifest = JSON.stringify(promotion('candidate'));
      const created = await kubectl(s, ['create', '-f', '-', '--dry-run=server', '-o', 'json'], manifest);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(JSON.parse(created.stdout).metadata.name, 'candidate');
      assert.equal(s.store.find('clusterpromotions', 'candidate'), undefined);

      const stored = s.store.create('clusterpromotions', promotion('rollout'));
      const label = await kubectl(s, ['label', 'clusterpromotion', 'rollout', 'team=payments', '--dry-run=server']);
      assert.equal(label.code, 0, label.stderr);
      assert.match(label.stdout, /labeled \(server dry run\)/);
      const patch = await kubectl(s, [
        'patch',
        'clusterpromotion',
        'rollout',
        '--type=merge',
        '-p',
        '{"spec":{"stages":[{"name":"only"}]}}',
        '--dry-run=server',
        '-o',
        'json',
      ]);
      assert.equal(patch.code, 0, patch.stderr);
      assert.deepEqual(JSON.parse(patch.stdout).spec.stages, [{ name: 'only' }]);
      const apply = await kubectl(s, ['apply', '--server-side', '--dry-run=server', '-f', '-'], manifest);
      assert.equal(apply.code, 0, apply.stderr);
      assert.match(apply.stdout, /serverside-applied \(server dry run\)/);
      assert.equal(s.store.find('clusterpromotions', 'candidate'), undefined);
      assert.equal(
        s.store.get('clusterpromotions', 'rollout').metadata.resourceVersion,
        stored.metadata.resourceVersion,
      );
    }));
});

describe('dry run with the Python client', { skip: skipPython }, () => {
  it('delete with dry_run in the body or the query, create and patch with dry_run, store nothing', () =>
    withServer(async (s) => {
      const stored = s.store.create('clusterpromotions', promotion('rollout'));
      const run = await python(
        s,
        `
api = client.CustomObjectsApi()
g, v, p = "config.projectsveltos.io", "v1beta1", "clusterpromotions"
gone = api.delete_cluster_custom_object(g, v, p, "rollout", body=client.V1DeleteOptions(dry_run=["All"]))
out("body", gone["metadata"]["name"])
gone = api.delete_cluster_custom_object(g, v, p, "rollout", dry_run="All")
out("query", gone["metadata"]["name"])
made = api.create_cluster_custom_object(g, v, p, ${JSON.stringify(promotion('candidate'))}, dry_run="All")
out("created", made["metadata"]["name"], bool(made["metadata"].get("uid")))
patched = api.patch_cluster_custom_object(g, v, p, "rollout", {"metadata": {"labels": {"a": "b"}}}, dry_run="All")
out("patched", patched["metadata"]["labels"]["a"])
try:
    api.create_cluster_custom_object(g, v, p, ${JSON.stringify(promotion('x'))}, dry_run="Everything")
except ApiException as e:
    out("refused", e.status, json.loads(e.body)["reason"])
`,
      ).result();
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split('\n'), [
        'body rollout',
        'query rollout',
        'created candidate True',
        'patched b',
        'refused 422 Invalid',
      ]);
      const after = s.store.get('clusterpromotions', 'rollout');
      assert.equal(after.metadata.resourceVersion, stored.metadata.resourceVersion);
      assert.equal(after.metadata.labels, undefined);
      assert.equal(s.store.find('clusterpromotions', 'candidate'), undefined);
    }));
});
