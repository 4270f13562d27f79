import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROMOTIONS, promotion, SUMMARIES, summary, withServer } from './helpers.ts';

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('served API: authentication', () => {
  it('answers 401 with an Unauthorized Status without a token or with a wrong one', () =>
    withServer(async (s) => {
      for (const token of [null, 'wrong']) {
        const res = await s.request('GET', PROMOTIONS, { token });
        assert.equal(res.status, 401);
        assert.deepEqual(res.json, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        });
      }
      assert.equal((await s.request('GET', '/version')).status, 200);
    }));

  it('lets a read-only token read and answers its writes with 403 Forbidden', () =>
    withServer(
      async (s) => {
        assert.equal((await s.request('GET', PROMOTIONS, { token: 'viewer-token' })).status, 200);
        const res = await s.request('POST', PROMOTIONS, { token: 'viewer-token', body: promotion('p') });
        assert.equal(res.status, 403);
        assert.equal(res.json.reason, 'Forbidden');
        assert.match(
          res.json.message,
          new RegExp(
            /User "viewer" cannot create resource "clusterpromotions" in API group /.source +
              /"config.projectsveltos.io" at the cluster scope/.source,
          ),
        );
      },
      { readOnlyToken: 'viewer-token' },
    ));
});

describe('served API: discovery', () => {
  it('serves /version, /api, /apis and each group version with its resources and status subresources', () =>
    withServer(async (s) => {
      assert.equal((await s.request('GET', '/version')).json.major, '1');
      assert.deepEqual((await s.request('GET', '/api')).json.versions, ['v1']);
      const groups = (await s.request('GET', '/apis')).json.groups.map((g: { name: string }) => g.name);
      assert.deepEqual(groups.sort(), [
        'apiextensions.k8s.io',
        'authentication.k8s.io',
        'authorization.k8s.io',
        'batch',
        'cluster.x-k8s.io',
        'config.projectsveltos.io',
        'coordination.k8s.io',
        'events.k8s.io',
        'lib.projectsveltos.io',
        'rbac.authorization.k8s.io',
      ]);
      const config = (await s.request('GET', '/apis/config.projectsveltos.io/v1beta1')).json;
      const byName = new Map(config.resources.map((r: { name: string }) => [r.name, r]));
      assert.deepEqual([...byName.keys()].sort(), [
        'clusterprofiles',
        'clusterprofiles/status',
        'clusterpromotions',
        'clusterpromotions/status',
        'clustersummaries',
        'clustersummaries/status',
      ]);
      assert.equal((byName.get('clusterpromotions') as { namespaced: boolean }).namespaced, false);
      assert.equal((byName.get('clustersummaries') as { namespaced: boolean }).namespaced, true);
      const core = (await s.request('GET', '/api/v1')).json.resources.map((r: { name: string }) => r.name);
      assert.ok(core.includes('namespaces') && core.includes('events'));
    }));

  it('answers the aggregated discovery kubectl asks for first, with its content type', () =>
    withServer(async (s) => {
      const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
      const res = await s.request('GET', '/apis', { accept });
      assert.equal(res.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
      const config = res.json.items.find(
        (g: { metadata: { name: string } }) => g.metadata.name === 'config.projectsveltos.io',
      );
      const promotions = config.versions[0].resources.find(
        (r: { resource: string }) => r.resource === 'clusterpromotions',
      );
      assert.equal(promotions.scope, 'Cluster');
      assert.deepEqual(
        promotions.subresources.map((x: { subresource: string }) => x.subresource),
        ['status'],
      );
    }));

  it('answers 404 NotFound for an unknown resource or a cluster-scoped one under a namespace', () =>
    withServer(async (s) => {
      for (const path of [
        '/apis/config.projectsveltos.io/v1beta1/nothings',
        '/apis/config.projectsveltos.io/v1beta1/namespaces/default/clusterpromotions',
      ]) {
        const res = await s.request('GET', path);
        assert.equal(res.status, 404);
        assert.equal(res.json.reason, 'NotFound');
      }
    }));

  it('answers 406 when no acceptable media type can be produced', () =>
    withServer(async (s) => {
      const res = await s.request('GET', PROMOTIONS, { accept: 'application/vnd.kubernetes.protobuf' });
      assert.equal(res.status, 406);
      assert.equal(res.json.reason, 'NotAcceptable');
    }));
});

describe('served API: reads', () => {
  it('gets an object, and answers 404 with the Status a real server gives for a missing one', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('p'));
      const res = await s.request('GET', `${PROMOTIONS}/p`);
      assert.equal(res.status, 200);
      assert.equal(res.json.metadata.name, 'p');
      const missing = await s.request('GET', `${PROMOTIONS}/nope`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'clusterpromotions.config.projectsveltos.io "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', group: 'config.projectsveltos.io', kind: 'clusterpromotions' },
        code: 404,
      });
    }));

  it('lists with label and field selectors, in one namespace or all', () =>
    withServer(async (s) => {
      s.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fleet' } });
      s.store.create('clustersummaries', summary('fleet', 'a', { env: 'qa' }));
      s.store.create('clustersummaries', summary('fleet', 'b', { env: 'prod' }));
      s.store.create('clustersummaries', summary('default', 'c', { env: 'qa' }));
      const names = async (path: string) =>
        (await s.request('GET', path)).json.items.map((o: { metadata: { name: string } }) => o.metadata.name);
      assert.deepEqual(await names(`${SUMMARIES}?labelSelector=${encodeURIComponent('env in (qa)')}`), ['c', 'a']);
      assert.deepEqual(
        await names(`/apis/config.projectsveltos.io/v1beta1/namespaces/fleet/clustersummaries?labelSelector=env%3Dqa`),
        ['a'],
      );
      assert.deepEqual(await names(`${SUMMARIES}?fieldSelector=metadata.namespace%3Dfleet,metadata.name!%3Da`), ['b']);
      const list = (await s.request('GET', SUMMARIES)).json;
      assert.equal(list.kind, 'ClusterSummaryList');
      assert.equal(list.apiVersion, 'config.projectsveltos.io/v1beta1');
      assert.equal(list.metadata.resourceVersion, String(s.store.resourceVersion));
      const bad = await s.request('GET', `${SUMMARIES}?fieldSelector=spec.clusterName%3Da`);
      assert.equal(bad.status, 400);
      assert.equal(bad.json.reason, 'BadRequest');
    }));

  it('pages a list with limit and continue', () =>
    withServer(async (s) => {
      for (let i = 0; i < 5; i++) s.store.create('clusterpromotions', promotion(`p${i}`));
      const seen: string[] = [];
      let path = `${PROMOTIONS}?limit=2`;
      for (let page = 0; page < 5; page++) {
        const list = (await s.request('GET', path)).json;
        seen.push(...list.items.map((o: { metadata: { name: string } }) => o.metadata.name));
        if (list.metadata.continue === undefined) break;
        if (page === 0) assert.equal(list.metadata.remainingItemCount, 3);
        path = `${PROMOTIONS}?limit=2&continue=${encodeURIComponent(list.metadata.continue)}`;
      }
      assert.deepEqual(seen, ['p0', 'p1', 'p2', 'p3', 'p4']);
    }));

  it('renders the Table kubectl asks for, with printer columns and ages on the store clock', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('p'));
      s.store.patch(
        'clusterpromotions',
        'p',
        'merge',
        { status: { currentStageName: 'qa' } },
        { subresource: 'status' },
      );
      s.clock.advance(5 * 60_000 + 30_000);
      const res = await s.request('GET', PROMOTIONS, { accept: TABLE_ACCEPT });
      assert.equal(res.headers['content-type'], 'application/json;as=Table;v=v1;g=meta.k8s.io');
      assert.equal(res.json.kind, 'Table');
      assert.deepEqual(
        res.json.columnDefinitions.map((c: { name: string }) => c.name),
        ['Name', 'Age'],
      );
      assert.deepEqual(res.json.rows[0].cells, ['p', '5m30s']);
      assert.equal(res.json.rows[0].object.kind, 'PartialObjectMetadata');
    }));
});

describe('served API: writes', () => {
  it('creates with 201, then answers 409 AlreadyExists', () =>
    withServer(async (s) => {
      const created = await s.request('POST', PROMOTIONS, { body: promotion('p') });
      assert.equal(created.status, 201);
      assert.equal(created.json.metadata.generation, 1);
      const again = await s.request('POST', PROMOTIONS, { body: promotion('p') });
      assert.equal(again.status, 409);
      assert.equal(again.json.reason, 'AlreadyExists');
    }));

  it('answers 422 Invalid with causes for a promotion the CRD rejects', () =>
    withServer(async (s) => {
      const res = await s.request('POST', PROMOTIONS, { body: promotion('p', [{ name: 'qa', trigger: {} }]) });
      assert.equal(res.status, 422);
      assert.equal(res.json.reason, 'Invalid');
      assert.equal(res.json.details.causes[0].field, 'spec.stages[0].trigger');
    }));

  it('updates with PUT, and answers 409 Conflict to a stale resourceVersion', () =>
    withServer(async (s) => {
      const p = structuredClone(s.store.create('clusterpromotions', promotion('p')));
      p.metadata.labels = { a: '1' };
      const ok = await s.request('PUT', `${PROMOTIONS}/p`, { body: p });
      assert.equal(ok.status, 200);
      p.metadata.labels = { a: '2' };
      const stale = await s.request('PUT', `${PROMOTIONS}/p`, { body: p });
      assert.equal(stale.status, 409);
      assert.equal(stale.json.reason, 'Conflict');
      assert.equal(stale.json.details.name, 'p');
    }));

  it('applies a JSON Patch and answers 422 when its test fails', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('p'));
      const contentType = 'application/json-patch+json';
      const ok = await s.request('PATCH', `${PROMOTIONS}/p`, {
        contentType,
        body: [
          { op: 'test', path: '/spec/stages/1/trigger/manual', value: { automaticReset: true } },
          { op: 'add', path: '/spec/stages/1/trigger/manual/approved', value: true },
        ],
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.json.spec.stages[1].trigger.manual.approved, true);
      assert.equal(ok.json.metadata.generation, 2);
      const failed = await s.request('PATCH', `${PROMOTIONS}/p`, {
        contentType,
        body: [{ op: 'test', path: '/spec/stages/1/trigger/manual/approved', value: false }],
      });
      assert.equal(failed.status, 422);
      assert.equal(failed.json.reason, 'Invalid');
      assert.equal(failed.json.message, 'the server rejected our request due to an error in our request');
    }));

  it('merges a merge patch, and refuses strategic merge on a custom resource with 415', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('p'));
      const merged = await s.request('PATCH', `${PROMOTIONS}/p`, {
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { team: 'a' } } },
      });
      assert.equal(merged.status, 200);
      assert.deepEqual(merged.json.metadata.labels, { team: 'a' });
      const strategic = await s.request('PATCH', `${PROMOTIONS}/p`, {
        contentType: 'application/strategic-merge-patch+json',
        body: { metadata: { labels: { team: 'b' } } },
      });
      assert.equal(strategic.status, 415);
      assert.equal(strategic.json.reason, 'UnsupportedMediaType');
      assert.match(
        strategic.json.message,
        new RegExp(
          /accepted media types include: application\/json-patch\+json, /.source +
            /application\/merge-patch\+json, application\/apply-patch\+yaml/.source,
        ),
      );
    }));

  it('writes spec and status separately through the main resource and /status', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('p'));
      const merge = 'application/merge-patch+json';
      const viaMain = await s.request('PATCH', `${PROMOTIONS}/p`, {
        contentType: merge,
        body: { status: { currentStageName: 'qa' } },
      });
      assert.equal(viaMain.json.status, undefined);
      const viaStatus = await s.request('PATCH', `${PROMOTIONS}/p/status`, {
        contentType: merge,
        body: { status: { currentStageName: 'qa' }, spec: { stages: [{ name: 'x' }] } },
      });
      assert.equal(viaStatus.status, 200);
      assert.equal(viaStatus.json.status.currentStageName, 'qa');
      assert.equal(viaStatus.json.spec.stages.length, 2);
      assert.equal(viaStatus.json.metadata.generation, 1);
      const onNoStatus = await s.request('GET', '/api/v1/namespaces/default/events/x/status');
      assert.equal(onNoStatus.status, 404);
    }));

  it('deletes with 202 while finalizers remain, then 404', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', { ...promotion('p'), metadata: { name: 'p', finalizers: ['sveltos'] } });
      const marked = await s.request('DELETE', `${PROMOTIONS}/p`);
      assert.equal(marked.status, 202);
      assert.ok(marked.json.metadata.deletionTimestamp);
      await s.request('PATCH', `${PROMOTIONS}/p`, {
        contentType: 'application/json-patch+json',
        body: [{ op: 'remove', path: '/metadata/finalizers' }],
      });
      assert.equal((await s.request('GET', `${PROMOTIONS}/p`)).status, 404);
      const again = await s.request('DELETE', `${PROMOTIONS}/p`);
      assert.equal(again.status, 404);
    }));

  it('answers 405 MethodNotAllowed to a verb the path does not take', () =>
    withServer(async (s) => {
      const res = await s.request('PUT', PROMOTIONS, { body: promotion('p') });
      assert.equal(res.status, 405);
      assert.equal(res.json.reason, 'MethodNotAllowed');
    }));

  it('answers 400 BadRequest to a body that is not JSON', () =>
    withServer(async (s) => {
      const res = await s.request('POST', PROMOTIONS, { body: '{not json' });
      assert.equal(res.status, 400);
      assert.equal(res.json.reason, 'BadRequest');
    }));
});

describe('served API: watch', () => {
  it('streams the current objects, then changes made in process, as newline-delimited JSON', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('a'));
      const w = await s.watch(`${PROMOTIONS}?watch=1`);
      assert.equal(w.status, 200);
      assert.equal(w.response.headers['transfer-encoding'], 'chunked');
      const first = await w.next();
      assert.equal(first?.type, 'ADDED');
      assert.equal(first?.object.metadata.name, 'a');
      s.store.patch(
        'clusterpromotions',
        'a',
        'merge',
        { status: { currentStageName: 'prod' } },
        { subresource: 'status' },
      );
      const change = await w.next();
      assert.equal(change?.type, 'MODIFIED');
      assert.equal(change?.object.status.currentStageName, 'prod');
      w.close();
    }));

  it('resumes from a resourceVersion without losing or repeating a change', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('a'));
      const w = await s.watch(`${PROMOTIONS}?watch=true&resourceVersion=${s.store.resourceVersion}`);
      s.store.create('clusterpromotions', promotion('b'));
      const seen = await w.next();
      w.close();
      s.store.create('clusterpromotions', promotion('c'));
      s.store.delete('clusterpromotions', 'a');
      const resumed = await s.watch(
        `${PROMOTIONS}?watch=true&resourceVersion=${seen?.object.metadata.resourceVersion}`,
      );
      const events = [await resumed.next(), await resumed.next()];
      assert.deepEqual(
        events.map((e) => `${e?.type} ${e?.object.metadata.name}`),
        ['ADDED c', 'DELETED a'],
      );
      resumed.close();
    }));

  it('answers a resourceVersion older than the history with an ERROR event holding 410 Expired', () =>
    withServer(
      async (s) => {
        const old = s.store.resourceVersion;
        for (const n of ['a', 'b', 'c']) s.store.create('clusterpromotions', promotion(n));
        const w = await s.watch(`${PROMOTIONS}?watch=true&resourceVersion=${old}`);
        const events = await w.toEnd();
        assert.equal(events.length, 1);
        assert.equal(events[0]!.type, 'ERROR');
        assert.equal(events[0]!.object.code, 410);
        assert.equal(events[0]!.object.reason, 'Expired');
        assert.match(events[0]!.object.message, /^too old resource version/);
      },
      { storeOptions: { historyLimit: 2 } },
    ));

  it('sends bookmarks when allowed, carrying a resourceVersion to resume from', () =>
    withServer(
      async (s) => {
        const w = await s.watch(
          `${PROMOTIONS}?watch=true&allowWatchBookmarks=true&resourceVersion=${s.store.resourceVersion}`,
        );
        s.store.create('clusterpromotions', promotion('a'));
        const events = await w.until((e) => e.type === 'BOOKMARK');
        const bookmark = events.at(-1)!;
        assert.equal(bookmark.object.kind, 'ClusterPromotion');
        assert.ok(Number(bookmark.object.metadata.resourceVersion) >= s.store.resourceVersion);
        w.close();
      },
      { bookmarkIntervalMs: 20 },
    ));

  it('ends the initial events with a bookmark when sendInitialEvents is asked for', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('a'));
      const w = await s.watch(
        `${PROMOTIONS}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
      );
      const events = await w.until((e) => e.type === 'BOOKMARK');
      assert.deepEqual(
        events.map((e) => e.type),
        ['ADDED', 'BOOKMARK'],
      );
      assert.equal(events[1]!.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
      w.close();
    }));

  it('ends the stream after timeoutSeconds', () =>
    withServer(async (s) => {
      const w = await s.watch(`${PROMOTIONS}?watch=true&timeoutSeconds=1&resourceVersion=${s.store.resourceVersion}`);
      assert.deepEqual(await w.toEnd(5_000), []);
    }));

  it('filters watch events by label selector and namespace', () =>
    withServer(
      async (s) => {
        const w = await s.watch(
          `/apis/config.projectsveltos.io/v1beta1/namespaces/fleet/clustersummaries?watch=1&labelSelector=env%3Dqa`,
        );
        s.store.create('clustersummaries', summary('other', 'x', { env: 'qa' }));
        s.store.create('clustersummaries', summary('fleet', 'y', { env: 'prod' }));
        s.store.create('clustersummaries', summary('fleet', 'z', { env: 'qa' }));
        const e = await w.next();
        assert.equal(e?.object.metadata.name, 'z');
        w.close();
      },
      { storeOptions: { autoCreateNamespaces: true } },
    ));

  it('streams Table rows, with column definitions in the first event only', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('a'));
      s.clock.advance(90_000);
      const w = await s.watch(`${PROMOTIONS}?watch=1`, { accept: TABLE_ACCEPT });
      const first = await w.next();
      assert.equal(first?.object.kind, 'Table');
      assert.ok(first?.object.columnDefinitions.length > 0);
      s.store.patch(
        'clusterpromotions',
        'a',
        'merge',
        { status: { currentStageName: 'qa' } },
        { subresource: 'status' },
      );
      const second = await w.next();
      assert.equal(second?.object.columnDefinitions, undefined);
      assert.deepEqual(second?.object.rows[0].cells, ['a', '90s']);
      w.close();
    }));
});
