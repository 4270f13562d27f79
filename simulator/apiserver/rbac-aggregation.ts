// What kube-controller-manager's clusterrole-aggregation controller does, done by the store as it
// does garbage collection: a ClusterRole with an aggregationRule gets, as its rules, the rules of
// every other ClusterRole its selectors match (in name order, each rule once), written by server-side
// apply as `clusterrole-aggregation-controller`, whenever any ClusterRole changes. The authorizer
// then reads the written rules, as on a cluster.
import { isDeepStrictEqual } from 'node:util';
import { matchesSelector } from '../../src/api/selector.ts';
import type { KubeObject, LabelSelector } from '../../src/api/types.ts';
import { RBAC_GROUP } from './rbac-resources.ts';
import type { ObjectStore } from './store.ts';

export const AGGREGATION_MANAGER = 'clusterrole-aggregation-controller';

function selectorsOf(role: KubeObject): LabelSelector[] | undefined {
  const rule = role.aggregationRule as { clusterRoleSelectors?: unknown } | null | undefined;
  const selectors = rule?.clusterRoleSelectors;
  return Array.isArray(selectors) ? (selectors as LabelSelector[]) : undefined;
}

function rulesOf(role: KubeObject): unknown[] {
  return Array.isArray(role.rules) ? role.rules : [];
}

/** The rules an aggregated role should hold: the matched roles' rules, each once. */
function aggregatedRules(roles: readonly KubeObject[], role: KubeObject, selectors: LabelSelector[]): unknown[] {
  const out: unknown[] = [];
  for (const selector of selectors) {
    for (const other of roles) {
      if (other.metadata.name === role.metadata.name) continue;
      if (!matchesSelector(other.metadata.labels ?? {}, selector)) continue;
      for (const rule of rulesOf(other)) if (!out.some((r) => isDeepStrictEqual(r, rule))) out.push(rule);
    }
  }
  return out;
}

/** Keeps the aggregated ClusterRoles' rules up to date from now on; returns the unsubscribe. */
export function aggregateClusterRoles(store: ObjectStore): () => void {
  return store.onChange((event) => {
    if (event.resource.group !== RBAC_GROUP || event.resource.kind !== 'ClusterRole') return;
    const roles = store.all('clusterroles');
    for (const role of roles) {
      const selectors = selectorsOf(role);
      if (selectors === undefined || role.metadata.deletionTimestamp !== undefined) continue;
      const rules = aggregatedRules(roles, role, selectors);
      if (isDeepStrictEqual(rules, rulesOf(role))) continue;
      const config = {
        apiVersion: `${RBAC_GROUP}/v1`,
        kind: 'ClusterRole',
        metadata: { name: role.metadata.name },
        rules,
      };
      // A write the store refuses is retried at the next change, as the controller requeues it.
      try {
        store.patch('clusterroles', role.metadata.name, 'apply', config, {
          fieldManager: AGGREGATION_MANAGER,
          force: true,
        });
      } catch {
        // nothing more to do until the next change
      }
    }
  });
}
