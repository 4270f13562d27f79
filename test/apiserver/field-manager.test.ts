// Field ownership in the store, where the list and map types of the schema decide what an apply
// merges, owns and conflicts on: sets (finalizers), lists keyed by a field (owner references by
// uid), atomic maps (a stage's clusterSelector), and objects served without a schema (Leases).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/types.ts';
import { ApiError } from '../../simulator/apiserver/store.ts';
import { newStore } from './helpers.ts';

const API_VERSION = 'config.projectsveltos.io/v1beta1';

function applied(metadata: Record<string, unknown>, spec?: unknown): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterPromotion',
    metadata: { name: 'rollout', ...metadata },
    ...(spec === undefined ? {} : { spec }),
  } as KubeObject;
}

function spec(selector: Record<string, string>): unknown {
  return {
    profileSpec: { syncMode: 'Continuous' },
    stages: [{ name: 'qa', clusterSelector: { matchLabels: selector } }],
  };
}

interface Entry {
  manager: string;
  fieldsV1: Record<string, unknown>;
}

function entries(obj: KubeObject): Entry[] {
  return (obj.metadata as { managedFields?: Entry[] }).managedFields ?? [];
}

describe('field ownership by schema type', () => {
  it('finalizers are a set: each applier owns its own item, and dropping it removes only that one', () => {
    const { store } = newStore();
    store.patch('clusterpromotions', 'rollout', 'apply', applied({ finalizers: ['a/x'] }, spec({ env: 'qa' })), {
      fieldManager: 'one',
    });
    store.patch('clusterpromotions', 'rollout', 'apply', applied({ finalizers: ['b/y'] }), { fieldManager: 'two' });
    assert.deepEqual(store.get('clusterpromotions', 'rollout').metadata.finalizers, ['a/x', 'b/y']);
    const two = entries(store.get('clusterpromotions', 'rollout')).find((e) => e.manager === 'two');
    assert.deepEqual(two?.fieldsV1, { 'f:metadata': { 'f:finalizers': { 'v:"b/y"': {} } } });
    store.patch('clusterpromotions', 'rollout', 'apply', applied({}), { fieldManager: 'two' });
    assert.deepEqual(store.get('clusterpromotions', 'rollout').metadata.finalizers, ['a/x']);
  });

  it('owner references merge by uid', () => {
    const { store } = newStore();
    const ref = (uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid });
    store.patch(
      'clusterpromotions',
      'rollout',
      'apply',
      applied({ ownerReferences: [ref('u1')] }, spec({ env: 'qa' })),
      { fieldManager: 'one' },
    );
    const after = store.patch('clusterpromotions', 'rollout', 'apply', applied({ ownerReferences: [ref('u2')] }), {
      fieldManager: 'two',
    });
    assert.deepEqual(
      after.metadata.ownerReferences?.map((o) => o.uid),
      ['u1', 'u2'],
    );
    const two = entries(after).find((e) => e.manager === 'two');
    assert.deepEqual(two?.fieldsV1, {
      'f:metadata': {
        'f:ownerReferences': {
          'k:{"uid":"u2"}': { '.': {}, 'f:apiVersion': {}, 'f:kind': {}, 'f:name': {}, 'f:uid': {} },
        },
      },
    });
  });

  it('an atomic map is owned and replaced whole: a different selector conflicts on the map itself', () => {
    const { store } = newStore();
    store.patch('clusterpromotions', 'rollout', 'apply', applied({}, spec({ env: 'qa' })), { fieldManager: 'one' });
    assert.throws(
      () =>
        store.patch('clusterpromotions', 'rollout', 'apply', applied({}, spec({ tier: 'qa' })), {
          fieldManager: 'two',
        }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 409 &&
        err.message ===
          // syncMode has the same value: shared, not a conflict.
          'Apply failed with 1 conflict: conflict with "one": .spec.stages[name="qa"].clusterSelector',
    );
    const forced = store.patch('clusterpromotions', 'rollout', 'apply', applied({}, spec({ tier: 'qa' })), {
      fieldManager: 'two',
      force: true,
    });
    const stage = (forced.spec as { stages: { clusterSelector: unknown }[] }).stages[0]!;
    assert.deepEqual(stage.clusterSelector, { matchLabels: { tier: 'qa' } }, 'replaced, not merged');
  });

  it('an update that changes nothing records nothing and stores nothing', () => {
    const { store } = newStore();
    const created = store.patch('clusterpromotions', 'rollout', 'apply', applied({}, spec({ env: 'qa' })), {
      fieldManager: 'one',
    });
    const same = store.update('clusterpromotions', structuredClone(created), { fieldManager: 'editor' });
    assert.equal(same.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.deepEqual(
      entries(same).map((e) => e.manager),
      ['one'],
    );
  });

  it('a resource served without a schema merges objects field by field (a Lease)', () => {
    const { store } = newStore();
    const lease = (spec: Record<string, unknown>) =>
      ({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'l', namespace: 'default' },
        spec,
      }) as KubeObject;
    store.patch('leases', 'l', 'apply', lease({ holderIdentity: 'a' }), { namespace: 'default', fieldManager: 'a' });
    const after = store.patch('leases', 'l', 'apply', lease({ leaseDurationSeconds: 15 }), {
      namespace: 'default',
      fieldManager: 'b',
    });
    assert.deepEqual(after.spec, { holderIdentity: 'a', leaseDurationSeconds: 15 });
  });
});
