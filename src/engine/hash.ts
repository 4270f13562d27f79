// The two hashes that decide whether the pipeline restarts (rule 1 of docs/semantics.md).
// Triggers are left out on purpose: approving, or editing a delay or a window, acts on the
// pipeline in flight and must not restart it.
import type { ClusterPromotionSpec, ProfileSpec, Stage } from '../api/types.ts';
import { canonicalJson, sha256Base64 } from './canonical.ts';

// Lists whose order Sveltos treats as meaningless (it sorts them before hashing), so that
// reordering chart entries in YAML does not redeploy a whole fleet.
const UNORDERED_LISTS = [
  'helmCharts',
  'policyRefs',
  'kustomizationRefs',
  'dependsOn',
  'templateResourceRefs',
  'validateHealths',
  'patches',
  'driftExclusions',
] as const;

export function profileSpecHash(profileSpec: ProfileSpec): string {
  const copy: Record<string, unknown> = { ...profileSpec };
  for (const field of UNORDERED_LISTS) {
    const list = copy[field];
    if (Array.isArray(list)) {
      copy[field] = list.map((item) => canonicalJson(item)).sort();
    }
  }
  return sha256Base64(canonicalJson(copy));
}

export function stagesHash(spec: ClusterPromotionSpec): string {
  let hash = stagesHashes.get(spec.stages);
  if (hash === undefined) {
    hash = sha256Base64(
      canonicalJson(spec.stages.map((s) => ({ name: s.name, clusterSelector: s.clusterSelector ?? {} }))),
    );
    stagesHashes.set(spec.stages, hash);
  }
  return hash;
}

// Every reconcile asks, and the answer costs as much as the pipeline is long: it is kept per list
// of stages. Sound because API objects are replaced, never edited in place (as for canonical.ts's
// fingerprints): an edit of the stages arrives as a new promotion with a new list.
const stagesHashes = new WeakMap<readonly Stage[], string>();
