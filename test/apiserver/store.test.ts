import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/types.ts';
import { ApiError } from '../../simulator/apiserver/errors.ts';
import type { WatchEvent } from '../../simulator/apiserver/store.ts';
import { newStore, promotion, summary } from './helpers.ts';

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('expected an ApiError');
}

function edit<T extends KubeObject>(obj: T, change: (copy: T) => void): T {
  const copy = structuredClone(obj) as T;
  change(copy);
  return copy;
}

describe('ObjectStore: create', () => {
  it('sets uid, creationTimestamp from the injected clock, generation 1 and a fresh resourceVersion', () => {
    const { store } = newStore();
    const before = store.resourceVersion;
    const p = store.create('clusterpromotions', promotion('p'));
    assert.match(p.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.equal(p.metadata.creationTimestamp, '2025-03-01T12:00:00Z');
    assert.equal(p.metadata.generation, 1);
    assert.equal(p.metadata.resourceVersion, String(before + 1));
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.metadata), 'handed-out objects are frozen');
  });

  it('drops a status given on create when the resource has a status subresource', () => {
    const { store } = newStore();
    const p = store.create('clusterpromotions', { ...promotion('p'), status: { currentStageName: 'qa' } });
    assert.equal(p.status, undefined);
  });

  it('refuses a duplicate name with 409 AlreadyExists', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('p'));
    const err = apiError(() => store.create('clusterpromotions', promotion('p')));
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'AlreadyExists');
    assert.equal(err.message, 'clusterpromotions.config.projectsveltos.io "p" already exists');
  });

  it('refuses an object in a namespace that does not exist with 404, unless told to create it', () => {
    const { store } = newStore();
    const err = apiError(() => store.create('clustersummaries', summary('fleet', 's1')));
    assert.equal(err.code, 404);
    assert.equal(err.message, 'namespaces "fleet" not found');
    const lenient = newStore({ autoCreateNamespaces: true }).store;
    lenient.create('clustersummaries', summary('fleet', 's1'));
    assert.ok(lenient.find('namespaces', 'fleet'));
  });

  it('rejects what the ClusterPromotion CRD rejects with 422 Invalid and field causes', () => {
    const { store } = newStore();
    const err = apiError(() =>
      store.create(
        'clusterpromotions',
        promotion('p', [{ name: 'a', trigger: { manual: {}, auto: {} } }, { name: 'a' }]),
      ),
    );
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.deepEqual(
      err.status.details?.causes?.map((c) => c.field),
      ['spec.stages[1]', 'spec.stages[0].trigger'],
    );
    assert.equal(
      err.message,
      'ClusterPromotion.config.projectsveltos.io "p" is invalid: [spec.stages[1]: Duplicate value: {"name":"a"}, ' +
        `spec.stages[0].trigger: Invalid value: "object": A trigger must have either a 'manual' or 'auto' ` +
        `field, but not both.]`,
    );
    const noStages = apiError(() => store.create('clusterpromotions', promotion('q', [])));
    assert.match(noStages.message, /spec.stages in body should have at least 1 items/);
  });

  it('rejects a name that is not a DNS subdomain with 422', () => {
    const { store } = newStore();
    const err = apiError(() => store.create('clusterpromotions', promotion('Not_Valid')));
    assert.equal(err.code, 422);
    assert.equal(err.status.details?.causes?.[0]?.field, 'metadata.name');
  });
});

describe('ObjectStore: update, generation and the status subresource', () => {
  it('bumps generation on a spec change only, and resourceVersion on every change', () => {
    const { store } = newStore();
    const p = store.create('clusterpromotions', promotion('p'));
    const labelled = store.update(
      'clusterpromotions',
      edit(p, (c) => (c.metadata.labels = { team: 'a' })),
    );
    assert.equal(labelled.metadata.generation, 1);
    assert.ok(Number(labelled.metadata.resourceVersion) > Number(p.metadata.resourceVersion));
    const respecced = store.update(
      'clusterpromotions',
      edit(labelled, (c) => ((c.spec as { stages: unknown[] }).stages = [{ name: 'only' }])),
    );
    assert.equal(respecced.metadata.generation, 2);
  });

  it('refuses a stale resourceVersion with 409 Conflict', () => {
    const { store } = newStore();
    const p = store.create('clusterpromotions', promotion('p'));
    store.update(
      'clusterpromotions',
      edit(p, (c) => (c.metadata.labels = { a: '1' })),
    );
    const err = apiError(() =>
      store.update(
        'clusterpromotions',
        edit(p, (c) => (c.metadata.labels = { a: '2' })),
      ),
    );
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.match(
      err.message,
      /the object has been modified; please apply your changes to the latest version and try again/,
    );
  });

  it('requires a resourceVersion to update a custom resource', () => {
    const { store } = newStore();
    const p = store.create('clusterpromotions', promotion('p'));
    const err = apiError(() =>
      store.update(
        'clusterpromotions',
        edit(p, (c) => delete c.metadata.resourceVersion),
      ),
    );
    assert.equal(err.code, 422);
    assert.match(err.message, /metadata.resourceVersion: Invalid value: 0: must be specified for an update/);
  });

  it('ignores status on the main resource and everything but status on /status', () => {
    const { store } = newStore();
    const p = store.create('clusterpromotions', promotion('p'));
    const viaMain = store.update(
      'clusterpromotions',
      edit(p, (c) => (c.status = { currentStageName: 'qa' })),
    );
    assert.equal(viaMain.status, undefined);
    assert.equal(viaMain.metadata.resourceVersion, p.metadata.resourceVersion, 'a no-op write is not a write');
    const viaStatus = store.updateStatus(
      'clusterpromotions',
      edit(p, (c) => {
        c.status = { currentStageName: 'qa' };
        (c.spec as { stages: unknown[] }).stages = [{ name: 'ignored' }];
        c.metadata.labels = { ignored: 'yes' };
      }),
    );
    assert.deepEqual(viaStatus.status, { currentStageName: 'qa' });
    assert.deepEqual(viaStatus.spec, p.spec);
    assert.equal(viaStatus.metadata.labels, undefined);
    assert.equal(viaStatus.metadata.generation, 1, 'a status write never bumps generation');
  });

  it('drops status fields the ClusterPromotion CRD does not declare, and refuses a hash that is not base64', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('p'));
    const p = store.patch(
      'clusterpromotions',
      'p',
      'merge',
      {
        status: {
          currentStageName: 'qa',
          phase: 'Soaking',
          stages: [{ name: 'qa', soakUntil: 'x', failureMessage: 'm' }],
        },
      },
      { subresource: 'status' },
    );
    assert.deepEqual(p.status, { currentStageName: 'qa', stages: [{ name: 'qa', failureMessage: 'm' }] });
    const err = apiError(() =>
      store.patch(
        'clusterpromotions',
        'p',
        'merge',
        { status: { profileSpecHash: 'not base64!' } },
        { subresource: 'status' },
      ),
    );
    assert.equal(err.code, 422);
    assert.equal(err.status.details?.causes?.[0]?.field, 'status.profileSpecHash');
    assert.doesNotThrow(() =>
      store.patch(
        'clusterpromotions',
        'p',
        'merge',
        { status: { profileSpecHash: Buffer.alloc(32, 7).toString('base64') } },
        { subresource: 'status' },
      ),
    );
  });

  it('keeps system metadata whatever the client sends', () => {
    const { store, clock } = newStore();
    const p = store.create('clusterpromotions', promotion('p'));
    clock.advance(60_000);
    const u = store.update(
      'clusterpromotions',
      edit(p, (c) => {
        c.metadata.creationTimestamp = '1999-01-01T00:00:00Z';
        c.metadata.generation = 42;
        c.metadata.labels = { x: 'y' };
      }),
    );
    assert.equal(u.metadata.creationTimestamp, p.metadata.creationTimestamp);
    assert.equal(u.metadata.generation, 1);
  });
});

describe('ObjectStore: patch', () => {
  it('applies a JSON Patch whose test holds, and answers 422 when a test fails', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('p'));
    const approved = store.patch('clusterpromotions', 'p', 'json', [
      // The CRD's default is stored with the object: a test must expect it.
      { op: 'test', path: '/spec/stages/1/trigger/manual', value: { automaticReset: true } },
      { op: 'add', path: '/spec/stages/1/trigger/manual/approved', value: true },
    ]);
    assert.deepEqual((approved.spec as { stages: { trigger?: unknown }[] }).stages[1]!.trigger, {
      manual: { approved: true, automaticReset: true },
    });
    const err = apiError(() =>
      store.patch('clusterpromotions', 'p', 'json', [
        { op: 'test', path: '/spec/stages/1/trigger/manual/approved', value: false },
        { op: 'replace', path: '/spec/stages/1/trigger/manual/approved', value: true },
      ]),
    );
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.detail, 'testing value /spec/stages/1/trigger/manual/approved failed: test failed');
  });

  it('merges a merge patch, null removing a field', () => {
    const { store } = newStore();
    store.create('clusterpromotions', { ...promotion('p'), metadata: { name: 'p', labels: { a: '1', b: '2' } } });
    const p = store.patch('clusterpromotions', 'p', 'merge', { metadata: { labels: { a: null, c: '3' } } });
    assert.deepEqual(p.metadata.labels, { b: '2', c: '3' });
  });

  it('is conditional on a resourceVersion the patch carries', () => {
    const { store } = newStore();
    const p = store.create('clusterpromotions', promotion('p'));
    store.patch('clusterpromotions', 'p', 'merge', { metadata: { labels: { a: '1' } } });
    const err = apiError(() =>
      store.patch('clusterpromotions', 'p', 'merge', {
        metadata: { resourceVersion: p.metadata.resourceVersion, labels: { a: '2' } },
      }),
    );
    assert.equal(err.code, 409);
  });

  it('refuses strategic merge patch on a custom resource with 415', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('p'));
    const err = apiError(() =>
      store.patch('clusterpromotions', 'p', 'strategic', { metadata: { labels: { a: '1' } } }),
    );
    assert.equal(err.code, 415);
    assert.equal(err.reason, 'UnsupportedMediaType');
  });

  it('writes only status through a /status patch', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('p'));
    const p = store.patch(
      'clusterpromotions',
      'p',
      'merge',
      { status: { currentStageName: 'qa' }, spec: { stages: [] } },
      { subresource: 'status' },
    );
    assert.equal((p.spec as { stages: unknown[] }).stages.length, 2);
    assert.equal((p.status as { currentStageName: string }).currentStageName, 'qa');
  });
});

describe('ObjectStore: delete, finalizers and garbage collection', () => {
  it('marks an object with finalizers and removes it when the last finalizer goes', () => {
    const { store, clock } = newStore();
    store.create('clusterpromotions', { ...promotion('p'), metadata: { name: 'p', finalizers: ['a', 'b'] } });
    clock.advance(5_000);
    const marked = store.delete('clusterpromotions', 'p');
    assert.equal(marked.metadata.deletionTimestamp, '2025-03-01T12:00:05Z');
    assert.ok(store.find('clusterpromotions', 'p'));
    const err = apiError(() =>
      store.patch('clusterpromotions', 'p', 'merge', { metadata: { finalizers: ['a', 'b', 'c'] } }),
    );
    assert.equal(err.code, 422, 'no new finalizers once deleting');
    store.patch('clusterpromotions', 'p', 'merge', { metadata: { finalizers: ['b'] } });
    assert.ok(store.find('clusterpromotions', 'p'));
    store.patch('clusterpromotions', 'p', 'merge', { metadata: { finalizers: null } });
    assert.equal(store.find('clusterpromotions', 'p'), undefined);
  });

  it('deletes dependents whose owners are all gone, unless orphaned', () => {
    const { store } = newStore();
    const owner = store.create('clusterpromotions', promotion('p'));
    const ref = {
      apiVersion: owner.apiVersion,
      kind: owner.kind,
      name: 'p',
      uid: owner.metadata.uid!,
      controller: true,
    };
    store.create('clusterprofiles', {
      apiVersion: owner.apiVersion,
      kind: 'ClusterProfile',
      metadata: { name: 'p-qa', ownerReferences: [ref] },
      spec: {},
    });
    store.delete('clusterpromotions', 'p');
    assert.equal(store.find('clusterprofiles', 'p-qa'), undefined);

    const owner2 = store.create('clusterpromotions', promotion('q'));
    const ref2 = { ...ref, name: 'q', uid: owner2.metadata.uid! };
    store.create('clusterprofiles', {
      apiVersion: owner.apiVersion,
      kind: 'ClusterProfile',
      metadata: { name: 'q-qa', ownerReferences: [ref2] },
      spec: {},
    });
    store.delete('clusterpromotions', 'q', { propagationPolicy: 'Orphan' });
    assert.equal(store.get('clusterprofiles', 'q-qa').metadata.ownerReferences, undefined);
  });

  it('checks delete preconditions with 409', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('p'));
    const err = apiError(() => store.delete('clusterpromotions', 'p', { preconditions: { resourceVersion: '1' } }));
    assert.equal(err.code, 409);
  });

  it('terminates a namespace: its content goes, then the namespace', () => {
    const { store } = newStore();
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fleet' } });
    store.create('clustersummaries', {
      ...summary('fleet', 's1'),
      metadata: { name: 's1', namespace: 'fleet', finalizers: ['keep'] },
    });
    const ns = store.delete('namespaces', 'fleet');
    assert.equal((ns.status as { phase: string }).phase, 'Terminating');
    assert.equal(apiError(() => store.create('clustersummaries', summary('fleet', 's2'))).code, 403);
    store.patch('clustersummaries', 's1', 'merge', { metadata: { finalizers: null } }, { namespace: 'fleet' });
    assert.equal(store.find('namespaces', 'fleet'), undefined);
  });
});

describe('ObjectStore: list', () => {
  function fleet() {
    const { store } = newStore({ autoCreateNamespaces: true });
    for (let i = 0; i < 10; i++) {
      store.create(
        'clustersummaries',
        summary(i % 2 === 0 ? 'even' : 'odd', `s${i}`, { n: String(i), tier: i < 5 ? 'low' : 'high' }),
      );
    }
    return store;
  }

  it('filters by namespace, label selector (set-based included) and field selector', () => {
    const store = fleet();
    const names = (r: { items: KubeObject[] }) => r.items.map((o) => o.metadata.name);
    assert.deepEqual(names(store.list('clustersummaries', { namespace: 'even' })), ['s0', 's2', 's4', 's6', 's8']);
    assert.deepEqual(names(store.list('clustersummaries', { labelSelector: 'tier=high,n in (5,6,9),n notin (9)' })), [
      's6',
      's5',
    ]);
    assert.deepEqual(names(store.list('clustersummaries', { labelSelector: '!tier' })), []);
    assert.deepEqual(
      names(
        store.list('clustersummaries', {
          fieldSelector: 'metadata.namespace=odd,metadata.name!=s1',
          labelSelector: 'n>6',
        }),
      ),
      ['s7', 's9'],
    );
    assert.equal(apiError(() => store.list('clustersummaries', { fieldSelector: 'spec.clusterName=x' })).code, 400);
    assert.equal(apiError(() => store.list('clustersummaries', { labelSelector: 'a in (b' })).code, 400);
  });

  it('pages with limit and continue over a consistent snapshot', () => {
    const store = fleet();
    const first = store.list('clustersummaries', { limit: 4 });
    assert.equal(first.items.length, 4);
    assert.equal(first.remainingItemCount, 6);
    // Changes after the first page do not show in later pages of the same list.
    store.delete('clustersummaries', 's9', { namespace: 'odd' });
    store.create('clustersummaries', summary('odd', 's99'));
    const pages = [first];
    for (let i = 0; i < 10 && pages.at(-1)!.continue !== undefined; i++) {
      pages.push(store.list('clustersummaries', { limit: 4, continue: pages.at(-1)!.continue }));
    }
    const names = pages.flatMap((p) => p.items.map((o) => o.metadata.name));
    assert.deepEqual(names, ['s0', 's2', 's4', 's6', 's8', 's1', 's3', 's5', 's7', 's9']);
    assert.ok(pages.every((p) => p.resourceVersion === first.resourceVersion));
  });

  it('answers 410 to a continue token older than the history', () => {
    const { store } = newStore({ autoCreateNamespaces: true, historyLimit: 3 });
    for (let i = 0; i < 4; i++) store.create('clustersummaries', summary('ns', `s${i}`));
    const page = store.list('clustersummaries', { limit: 2 });
    for (let i = 0; i < 4; i++)
      store.patch('clustersummaries', 's0', 'merge', { metadata: { labels: { i: String(i) } } }, { namespace: 'ns' });
    const err = apiError(() => store.list('clustersummaries', { limit: 2, continue: page.continue }));
    assert.equal(err.code, 410);
    assert.equal(err.reason, 'Expired');
  });
});

describe('ObjectStore: watch', () => {
  function collect(): { events: WatchEvent[]; listener: (e: WatchEvent) => void } {
    const events: WatchEvent[] = [];
    return { events, listener: (e) => events.push(e) };
  }

  it('starts with the current objects when no resourceVersion is given, then follows changes in order', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('a'));
    const { events, listener } = collect();
    const handle = store.watch('clusterpromotions', {}, listener);
    store.create('clusterpromotions', promotion('b'));
    store.patch('clusterpromotions', 'a', 'merge', { metadata: { labels: { x: 'y' } } });
    store.delete('clusterpromotions', 'b');
    handle.stop();
    store.delete('clusterpromotions', 'a');
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b'],
    );
    const rvs = events.slice(1).map((e) => e.resourceVersion);
    assert.deepEqual(
      rvs,
      [...rvs].sort((x, y) => x - y),
    );
  });

  it('resumes after a resourceVersion with exactly the changes since', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('a'));
    const mark = String(store.resourceVersion);
    store.create('clusterpromotions', promotion('b'));
    store.patch('clusterpromotions', 'a', 'merge', { metadata: { labels: { x: 'y' } } });
    const { events, listener } = collect();
    store.watch('clusterpromotions', { resourceVersion: mark }, listener);
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED b', 'MODIFIED a'],
    );
  });

  it('answers 410 Expired to a resourceVersion older than the retained history', () => {
    const { store } = newStore({ historyLimit: 2 });
    const mark = String(store.resourceVersion);
    for (const n of ['a', 'b', 'c']) store.create('clusterpromotions', promotion(n));
    const err = apiError(() => store.watch('clusterpromotions', { resourceVersion: mark }, () => undefined));
    assert.equal(err.code, 410);
    assert.match(err.message, /^too old resource version: \d+ \(\d+\)$/);
    // Within the window it still resumes.
    assert.doesNotThrow(() =>
      store.watch('clusterpromotions', { resourceVersion: String(store.resourceVersion - 2) }, () => undefined),
    );
  });

  it('shows an object leaving the selection as DELETED and entering it as ADDED', () => {
    const { store } = newStore();
    store.create('clusterpromotions', { ...promotion('a'), metadata: { name: 'a', labels: { env: 'qa' } } });
    const { events, listener } = collect();
    store.watch(
      'clusterpromotions',
      { labelSelector: 'env=qa', resourceVersion: String(store.resourceVersion) },
      listener,
    );
    store.patch('clusterpromotions', 'a', 'merge', { metadata: { labels: { env: 'prod' } } });
    store.patch('clusterpromotions', 'a', 'merge', { metadata: { labels: { other: '1' } } });
    store.patch('clusterpromotions', 'a', 'merge', { metadata: { labels: { env: 'qa' } } });
    assert.deepEqual(
      events.map((e) => e.type),
      ['DELETED', 'ADDED'],
    );
  });

  it('delivers a write made by a listener after the event that caused it, to every watcher', () => {
    const { store } = newStore();
    const first: string[] = [];
    const second: string[] = [];
    store.watch('clusterpromotions', { resourceVersion: String(store.resourceVersion) }, (e) => {
      first.push(`${e.type} ${e.object.metadata.name}`);
      if (e.object.metadata.name === 'a' && e.type === 'ADDED')
        store.create('clusterpromotions', promotion('reaction'));
    });
    store.watch('clusterpromotions', { resourceVersion: String(store.resourceVersion) }, (e) =>
      second.push(`${e.type} ${e.object.metadata.name}`),
    );
    store.create('clusterpromotions', promotion('a'));
    assert.deepEqual(first, ['ADDED a', 'ADDED reaction']);
    assert.deepEqual(second, ['ADDED a', 'ADDED reaction']);
  });

  it('forgets history on compaction, as a restarted server does', () => {
    const { store } = newStore();
    store.create('clusterpromotions', promotion('a'));
    const mark = String(store.resourceVersion - 1);
    store.compactHistory();
    assert.equal(
      apiError(() => store.watch('clusterpromotions', { resourceVersion: mark }, () => undefined)).code,
      410,
    );
    const rv = store.resourceVersion;
    store.create('clusterpromotions', promotion('b'));
    assert.equal(store.resourceVersion, rv + 1, 'resourceVersions continue');
  });
});
