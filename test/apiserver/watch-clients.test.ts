// Watches as every client asks for them: boolean query parameters read the way the apiserver's
// parameter codec reads them (the Python client sends `watch=True`), and the legacy
// `/apis/G/V/watch/...` paths that Ruby's kubeclient uses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { python, ruby, skipPython, skipRuby } from './clients.ts';
import { PROMOTIONS, promotion, summary, withServer } from './helpers.ts';

function setStage(s: { store: import('../../simulator/apiserver/store.ts').ObjectStore }, stage: string): void {
  s.store.patch(
    'clusterpromotions',
    'rollout',
    'merge',
    { status: { currentStageName: stage } },
    { subresource: 'status' },
  );
}

describe('boolean query parameters', () => {
  it('watch=True, watch=t, watch=1 and a bare watch open a watch', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      for (const flag of ['watch=True', 'watch=t', 'watch=TRUE', 'watch=1', 'watch']) {
        const stream = await s.watch(`${PROMOTIONS}?${flag}`);
        try {
          const first = await stream.next();
          assert.equal(first?.type, 'ADDED', flag);
          assert.equal(first?.object.metadata.name, 'rollout', flag);
        } finally {
          stream.close();
        }
      }
    }));

  it('watch=false, watch=False and watch=0 list', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      for (const flag of ['watch=false', 'watch=False', 'watch=0']) {
        const res = await s.request('GET', `${PROMOTIONS}?${flag}`);
        assert.equal(res.json.kind, 'ClusterPromotionList', flag);
      }
    }));

  it('allowWatchBookmarks=True with sendInitialEvents=True ends the initial events with a bookmark', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const stream = await s.watch(
        `${PROMOTIONS}?watch=True&allowWatchBookmarks=True&sendInitialEvents=True&resourceVersionMatch=NotOlderThan`,
      );
      try {
        const events = await stream.until((e) => e.type === 'BOOKMARK');
        assert.deepEqual(
          events.map((e) => e.type),
          ['ADDED', 'BOOKMARK'],
        );
        assert.equal(events[1]!.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
      } finally {
        stream.close();
      }
    }));
});

describe('legacy watch paths', () => {
  it('/apis/G/V/watch/PLURAL streams the resource, /watch/namespaces/NS/PLURAL one namespace', () =>
    withServer(async (s) => {
      s.store.create('clustersummaries', summary('default', 'a'));
      s.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'emea' } });
      s.store.create('clustersummaries', summary('emea', 'b'));
      const all = await s.watch('/apis/config.projectsveltos.io/v1beta1/watch/clustersummaries');
      const one = await s.watch('/apis/config.projectsveltos.io/v1beta1/watch/namespaces/emea/clustersummaries');
      try {
        const seen = [(await all.next())!, (await all.next())!].map((e) => `${e.type} ${e.object.metadata.name}`);
        assert.deepEqual(seen, ['ADDED a', 'ADDED b']);
        const first = (await one.next())!;
        assert.equal(`${first.type} ${first.object.metadata.name}`, 'ADDED b');
      } finally {
        all.close();
        one.close();
      }
    }));

  it('/watch/.../NAME watches that one object and refuses a fieldSelector naming another', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('other'));
      s.store.create('clusterpromotions', promotion('rollout'));
      const stream = await s.watch('/apis/config.projectsveltos.io/v1beta1/watch/clusterpromotions/rollout');
      try {
        assert.equal((await stream.next())?.object.metadata.name, 'rollout');
        s.store.delete('clusterpromotions', 'other');
        setStage(s, 'qa');
        const next = (await stream.next())!;
        assert.equal(`${next.type} ${next.object.metadata.name}`, 'MODIFIED rollout');
      } finally {
        stream.close();
      }
      const res = await s.request(
        'GET',
        '/apis/config.projectsveltos.io/v1beta1/watch/clusterpromotions/rollout?fieldSelector=metadata.name%3Dother',
      );
      assert.equal(res.status, 400);
      assert.equal(res.json.message, 'fieldSelector metadata.name doesn\'t match requested name: "other" != "rollout"');
    }));

  it('serves /api/v1/watch/namespaces and answers a write on a watch path with 405', () =>
    withServer(async (s) => {
      const stream = await s.watch('/api/v1/watch/namespaces/default');
      try {
        const first = (await stream.next())!;
        assert.equal(`${first.type} ${first.object.kind} ${first.object.metadata.name}`, 'ADDED Namespace default');
      } finally {
        stream.close();
      }
      const res = await s.request('POST', '/apis/config.projectsveltos.io/v1beta1/watch/clusterpromotions', {
        body: promotion('p'),
      });
      assert.equal(res.status, 405);
    }));
});

describe('watches with the Python client', { skip: skipPython }, () => {
  it('watch.Watch().stream sees the existing promotion and then its change', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const client = python(
        s,
        `
api = client.CustomObjectsApi()
w = watch.Watch()
for event in w.stream(api.list_cluster_custom_object, "config.projectsveltos.io", "v1beta1", "clusterpromotions",
                      timeout_seconds=20):
    o = event["object"]
    out(event["type"], o["metadata"]["name"], (o.get("status") or {}).get("currentStageName"))
    if event["type"] == "MODIFIED":
        w.stop()
`,
      );
      try {
        await client.waitForLine((l) => l === 'ADDED rollout None');
        setStage(s, 'qa');
        await client.waitForLine((l) => l === 'MODIFIED rollout qa');
        const done = await client.result();
        assert.equal(done.code, 0, done.stderr);
      } finally {
        await client.stop();
      }
    }));

  it('a namespaced watch with a label selector sees only what matches', () =>
    withServer(async (s) => {
      s.store.create('clustersummaries', summary('default', 'keep', { env: 'prod' }));
      s.store.create('clustersummaries', summary('default', 'skip', { env: 'qa' }));
      const client = python(
        s,
        `
api = client.CustomObjectsApi()
w = watch.Watch()
for event in w.stream(api.list_namespaced_custom_object, "config.projectsveltos.io", "v1beta1", "default",
                      "clustersummaries", label_selector="env=prod", timeout_seconds=20):
    out(event["type"], event["object"]["metadata"]["name"])
    if event["type"] == "DELETED":
        w.stop()
`,
      );
      try {
        await client.waitForLine((l) => l === 'ADDED keep');
        s.store.delete('clustersummaries', 'skip', { namespace: 'default' });
        s.store.delete('clustersummaries', 'keep', { namespace: 'default' });
        const done = await client.result();
        assert.equal(done.code, 0, done.stderr);
        assert.deepEqual(done.stdout.trim().split('\n'), ['ADDED keep', 'DELETED keep']);
      } finally {
        await client.stop();
      }
    }));
});

describe('watches with Ruby kubeclient', { skip: skipRuby }, () => {
  it('watch_entities over the legacy path sees the existing promotion and then its change', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const client = ruby(
        s,
        `
kube("/apis/config.projectsveltos.io", "v1beta1").watch_entities("clusterpromotions") do |notice|
  stage = notice.object.status ? notice.object.status.currentStageName : "none"
  puts "#{notice.type} #{notice.object.metadata.name} #{stage}"
  break if notice.type == "MODIFIED"
end
`,
      );
      try {
        await client.waitForLine((l) => l === 'ADDED rollout none');
        setStage(s, 'qa');
        const done = await client.result();
        assert.equal(done.code, 0, done.stderr);
        assert.deepEqual(done.stdout.trim().split('\n'), ['ADDED rollout none', 'MODIFIED rollout qa']);
      } finally {
        await client.stop();
      }
    }));

  it('a namespaced watch of one summary by name', () =>
    withServer(async (s) => {
      s.store.create('clustersummaries', summary('default', 'a'));
      s.store.create('clustersummaries', summary('default', 'b'));
      const client = ruby(
        s,
        `
kube("/apis/config.projectsveltos.io", "v1beta1")
  .watch_entities("clustersummaries", namespace: "default", name: "b") do |notice|
  puts "#{notice.type} #{notice.object.metadata.name}"
  break if notice.type == "DELETED"
end
`,
      );
      try {
        await client.waitForLine((l) => l === 'ADDED b');
        s.store.delete('clustersummaries', 'a', { namespace: 'default' });
        s.store.delete('clustersummaries', 'b', { namespace: 'default' });
        const done = await client.result();
        assert.equal(done.code, 0, done.stderr);
        assert.deepEqual(done.stdout.trim().split('\n'), ['ADDED b', 'DELETED b']);
      } finally {
        await client.stop();
      }
    }));
});
