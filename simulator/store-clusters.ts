// The fleet follows the clusters the store holds, as Sveltos follows the management cluster: a
// SveltosCluster or Cluster API Cluster relabelled (`kubectl label`), marked ready or not (a
// status patch), registered or deleted through the API changes which profiles, and so which
// stages, reach it. Readiness is read the way Sveltos reads it (src/kube/clusters.ts).
import type { KubeObject } from '../src/api/types.ts';
import { clusterRefOf } from '../src/kube/clusters.ts';
import type { ObjectStore, StoreEvent } from './apiserver/store.ts';
import { defaultClusterSpec } from './fleet-file.ts';
import type { Fleet } from './fleet.ts';
import type { FleetClusterSpec } from './fleet-spec.ts';

const CLUSTER_RESOURCES = new Set(['sveltosclusters', 'clusters']);

/** A cluster registered through the API: deploys take the fleet file's default time, and never fail. */
export function registeredClusterSpec(obj: KubeObject): FleetClusterSpec {
  return defaultClusterSpec(clusterRefOf(obj));
}

/**
 * From now on, cluster objects written to the store move the fleet's clusters. `changed` hears
 * of every change the fleet took (its profiles' summaries may have come or gone). Returns the
 * unsubscribe function.
 */
export function followClusters(store: ObjectStore, fleet: Fleet, changed: () => void): () => void {
  return store.onChange((e: StoreEvent) => {
    if (!CLUSTER_RESOURCES.has(e.resource.plural)) return;
    const ref = clusterRefOf(e.object);
    const key = `${ref.namespace}/${ref.name}`;
    const known = fleet.cluster(key);
    // A Cluster API Cluster and a SveltosCluster may share a name; the fleet knows one of them.
    if (known !== undefined && known.ref.type !== ref.type) return;
    let took: boolean;
    if (e.type === 'DELETED') {
      took = fleet.removeCluster(key);
    } else if (known === undefined) {
      fleet.addCluster(registeredClusterSpec(e.object));
      took = true;
    } else {
      took = fleet.updateCluster(key, { labels: ref.labels, ready: ref.ready });
    }
    if (took) changed();
  });
}
