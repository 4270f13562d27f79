// Whether a generated ClusterProfile already says what the engine wants, for every controller's
// ports. The API server hands back what it stored: the CRD's defaults filled in (the verification
// profile the engine builds leaves out `reloader` and `stopMatchingBehavior`) and, from a real
// kube-apiserver, object keys in sorted order. Compared naively, the profile always differs, the
// update is a no-op the server answers without a new resourceVersion, and the controller, having
// "written", looks again at once: a hot loop. So desired is defaulted as the server would default
// it and compared without regard to key order.
import type { ClusterProfile } from '../api/types.ts';
import { canonicalJson } from '../engine/canonical.ts';
import { withBundledDefaults } from '../schema/index.ts';

/**
 * The object to write so that `existing` says what `desired` does, or null when it already does.
 * The engine owns the spec, its labels and annotations and the owner reference (dropped when the
 * profiles are preserved on delete); labels and annotations others added stay.
 */
export function profileUpdate(existing: ClusterProfile, desired: ClusterProfile): ClusterProfile | null {
  const metadata = {
    ...existing.metadata,
    labels: { ...existing.metadata.labels, ...desired.metadata.labels },
    annotations: { ...existing.metadata.annotations, ...desired.metadata.annotations },
    ownerReferences: desired.metadata.ownerReferences ?? [],
  };
  // Empty is absent to the API server: `{}` would read as a difference from an object without them.
  for (const key of ['labels', 'annotations', 'ownerReferences'] as const) {
    if (Object.keys(metadata[key]).length === 0) delete (metadata as Partial<typeof metadata>)[key];
  }
  const next: ClusterProfile = { ...existing, metadata, spec: desired.spec };
  return canonicalJson(withBundledDefaults('ClusterProfile', next)) === canonicalJson(existing) ? null : next;
}
