// A generated profile is rewritten only when the engine wants something it does not say: read
// back from an API server it carries the CRD's defaults and, from kube-apiserver, sorted keys;
// neither is a difference (else every reconcile would write, and look again, forever).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterProfile } from '../../src/api/types.ts';
import { canonicalJson } from '../../src/engine/canonical.ts';
import { profileUpdate } from '../../src/controller/profile-update.ts';
import { ObjectStore } from '../../simulator/apiserver/store.ts';

const desired: ClusterProfile = {
  apiVersion: 'config.projectsveltos.io/v1beta1',
  kind: 'ClusterProfile',
  metadata: {
    name: 'preverification-rollout-staging',
    labels: { 'config.projectsveltos.io/promotionname': 'rollout' },
  },
  spec: {
    syncMode: 'Continuous',
    clusterSelector: { matchLabels: { env: 'staging' } },
    policyRefs: [{ kind: 'ConfigMap', namespace: 'projectsveltos', name: 'validation-job' }],
  },
};

/**
 * As an API server hands it back: stored by the served API (the CRD's defaults filled in, server
 * fields set), then with its keys sorted as kube-apiserver encodes them.
 */
function readBack(profile: ClusterProfile, extraLabels: Record<string, string> = {}): ClusterProfile {
  const store = new ObjectStore();
  const labels = { ...profile.metadata.labels, ...extraLabels };
  const stored = store.create('clusterprofiles', { ...profile, metadata: { ...profile.metadata, labels } });
  return JSON.parse(canonicalJson(stored)) as ClusterProfile;
}

describe('rewriting a generated ClusterProfile', () => {
  it('leaves alone a profile that says what the engine wants once defaulted, whatever its key order', () => {
    const existing = readBack(desired);
    assert.equal(existing.spec.stopMatchingBehavior, 'WithdrawPolicies', 'the store filled in a default');
    assert.equal(profileUpdate(existing, desired), null);
  });

  it('rewrites a changed spec, keeping the labels others added and the resourceVersion read', () => {
    const existing = readBack(desired, { team: 'payments' });
    const wanted = { ...desired, spec: { ...desired.spec, clusterSelector: { matchLabels: { env: 'prod' } } } };
    const next = profileUpdate(existing, wanted);
    assert.ok(next);
    assert.deepEqual(next.spec, wanted.spec);
    assert.equal(next.metadata.labels?.team, 'payments');
    assert.equal(next.metadata.resourceVersion, existing.metadata.resourceVersion);
  });

  it('rewrites a profile that carries a field the engine dropped (health checks removed after the stage)', () => {
    const checked = {
      ...desired,
      spec: { ...desired.spec, validateHealths: [{ name: 'ready', featureID: 'Resources' as const }] },
    };
    assert.ok(profileUpdate(readBack(checked), desired));
  });

  it('rewrites a profile whose defaulted field was set otherwise by hand', () => {
    const edited = readBack(desired);
    edited.spec.stopMatchingBehavior = 'LeavePolicies';
    assert.ok(profileUpdate(edited, desired));
  });
});
