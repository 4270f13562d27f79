// The served API against the real kubectl (KUBECTL=path picks another binary, e.g. the 1.20 CI
// installs). Each test starts its own server and writes its own kubeconfig.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { KUBECTL, kubectl, KubectlStream, promotion, withServer } from './helpers.ts';

const missing = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).error !== undefined;
// CI installs kubectl, so only a developer machine without it skips.
const skip = missing && process.env.CI === undefined ? `${KUBECTL} is not installed` : false;

function setStage(
  s: { store: import('../../simulator/apiserver/store.ts').ObjectStore },
  name: string,
  stage: string,
): void {
  s.store.patch('clusterpromotions', name, 'merge', { status: { currentStageName: stage } }, { subresource: 'status' });
}

describe('served API with the real kubectl', { skip }, () => {
  it("get lists clusterpromotions and sveltosclusters with the CRDs' printer columns", () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      setStage(s, 'rollout', 'qa');
      const res = await kubectl(s, ['get', 'clusterpromotions']);
      assert.equal(res.code, 0, res.stderr);
      const lines = res.stdout.trim().split('\n');
      // The CRD declares no columns: the API server's default, AGE.
      assert.match(lines[0]!, /^NAME\s+AGE$/);
      assert.match(lines[1]!, /^rollout\s+\d+s$/);
      s.store.create('sveltosclusters', {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        metadata: { name: 'c1', namespace: 'default' },
        spec: {},
      });
      s.store.patch(
        'sveltosclusters',
        'c1',
        'merge',
        { status: { ready: true, version: 'v1.31.2' } },
        { namespace: 'default', subresource: 'status' },
      );
      const clusters = await kubectl(s, ['get', 'sveltosclusters', '-n', 'default', '-o', 'wide']);
      assert.equal(clusters.code, 0, clusters.stderr);
      const [head, row] = clusters.stdout.trim().split('\n');
      assert.match(head!, /^NAME\s+READY\s+CONNECTIONSTATUS\s+VERSION\s+AGE\s+SHARD$/);
      assert.match(row!, /^c1\s+true\s+v1\.31\.2\s+\d+s\s*$/);
    }));

  it('get -o yaml prints the stored object', () =>
    withServer(async (s) => {
      const stored = s.store.create('clusterpromotions', promotion('rollout'));
      const res = await kubectl(s, ['get', 'clusterpromotion', 'rollout', '-o', 'yaml']);
      assert.equal(res.code, 0, res.stderr);
      const printed = parse(res.stdout);
      assert.equal(printed.metadata.uid, stored.metadata.uid);
      assert.equal(printed.metadata.resourceVersion, stored.metadata.resourceVersion);
      assert.deepEqual(printed.spec, stored.spec);
    }));

  it('get -w shows a change made in process', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      setStage(s, 'rollout', 'qa');
      const columns = 'custom-columns=NAME:.metadata.name,STAGE:.status.currentStageName';
      const watch = new KubectlStream(s, ['get', 'clusterpromotions', '-w', '-o', columns]);
      try {
        await watch.waitForLine((l) => /^rollout\s+qa\s*$/.test(l));
        setStage(s, 'rollout', 'prod');
        await watch.waitForLine((l) => /^rollout\s+prod\s*$/.test(l));
      } finally {
        await watch.stop();
      }
    }));

  it('patch --type=json approves when its test holds and is refused when it does not', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const approve = JSON.stringify([
        { op: 'test', path: '/spec/stages/1/trigger/manual', value: { automaticReset: true } },
        { op: 'add', path: '/spec/stages/1/trigger/manual/approved', value: true },
      ]);
      const ok = await kubectl(s, ['patch', 'clusterpromotion', 'rollout', '--type=json', '-p', approve]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(
        (s.store.get('clusterpromotions', 'rollout').spec as { stages: { trigger: unknown }[] }).stages[1]!.trigger,
        { manual: { approved: true, automaticReset: true } },
      );
      const again = await kubectl(s, ['patch', 'clusterpromotion', 'rollout', '--type=json', '-p', approve]);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /The request is invalid/);
    }));

  it('replace with a stale resourceVersion is refused with a Conflict', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const got = await kubectl(s, ['get', 'clusterpromotion', 'rollout', '-o', 'json']);
      assert.equal(got.code, 0, got.stderr);
      s.store.patch('clusterpromotions', 'rollout', 'merge', { metadata: { labels: { edited: 'elsewhere' } } });
      const file = join(s.scratch, 'rollout.json');
      const edited = JSON.parse(got.stdout);
      edited.spec.stages[1].trigger.manual.approved = true;
      writeFileSync(file, JSON.stringify(edited));
      const res = await kubectl(s, ['replace', '-f', file]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /Error from server \(Conflict\).*the object has been modified/);
      assert.equal(
        Object.hasOwn(
          (s.store.get('clusterpromotions', 'rollout').spec as { stages: { trigger: { manual: object } }[] }).stages[1]!
            .trigger.manual,
          'approved',
        ),
        false,
      );
    }));

  it('delete removes the promotion and the profiles it owns', () =>
    withServer(async (s) => {
      const owner = s.store.create('clusterpromotions', promotion('rollout'));
      s.store.create('clusterprofiles', {
        apiVersion: owner.apiVersion,
        kind: 'ClusterProfile',
        metadata: {
          name: 'rollout-qa',
          ownerReferences: [
            { apiVersion: owner.apiVersion, kind: owner.kind, name: 'rollout', uid: owner.metadata.uid! },
          ],
        },
        spec: {},
      });
      const res = await kubectl(s, ['delete', 'clusterpromotion', 'rollout']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /clusterpromotion.config.projectsveltos.io "rollout" deleted/);
      assert.equal(s.store.find('clusterpromotions', 'rollout'), undefined);
      assert.equal(s.store.find('clusterprofiles', 'rollout-qa'), undefined);
    }));

  it('apply creates from a manifest and reports a second apply unchanged', () =>
    withServer(async (s) => {
      // The stages carry the CRD's defaults: a list is replaced whole by kubectl's merge patch, so
      // a manifest without them differs from the stored (defaulted) list on every apply.
      const defaulted = promotion('rollout', [
        { name: 'qa' },
        { name: 'prod', trigger: { manual: { automaticReset: true } } },
      ]);
      const file = join(s.scratch, 'p.json');
      writeFileSync(file, JSON.stringify(defaulted));
      const first = await kubectl(s, ['apply', '-f', file]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /created/);
      const second = await kubectl(s, ['apply', '-f', file]);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /unchanged/);
    }));

  it('apply of a manifest without the defaults says configured and changes nothing, as against kube-apiserver', () =>
    withServer(async (s) => {
      const file = join(s.scratch, 'p.json');
      writeFileSync(file, JSON.stringify(promotion('rollout')));
      assert.equal((await kubectl(s, ['apply', '-f', file])).code, 0);
      const stored = s.store.get('clusterpromotions', 'rollout');
      const again = await kubectl(s, ['apply', '-f', file]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /configured/);
      assert.equal(
        s.store.get('clusterpromotions', 'rollout').metadata.resourceVersion,
        stored.metadata.resourceVersion,
      );
    }));

  it('answers without the token in the kubeconfig with Unauthorized', () =>
    withServer(async (s) => {
      const res = await kubectl(s, ['get', 'clusterpromotions', '--token', 'wrong']);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /Unauthorized|must be logged in/);
    }));
});
