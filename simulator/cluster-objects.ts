// The fleet's clusters as the management cluster holds them: one SveltosCluster or Cluster API
// Cluster per fleet cluster, in its namespace, with its labels and its readiness in the status,
// so that kubectl and the live commands see the same clusters the simulated addon-controller
// deploys to (src/kube/clusters.ts reads readiness back the way Sveltos does).
import { CAPI_GROUP, LIB_API_VERSION, type KubeObject } from '../src/api/types.ts';
import type { ObjectStore } from './apiserver/store.ts';
import type { FleetClusterSpec } from './fleet-spec.ts';

export interface ClusterObject {
  resource: 'sveltosclusters' | 'clusters';
  object: KubeObject;
  /** Written through the status subresource, as the cluster's own controller would. */
  status: Record<string, unknown>;
}

export function clusterObject(c: FleetClusterSpec): ClusterObject {
  const metadata = { name: c.name, namespace: c.namespace, labels: { ...c.labels } };
  if (c.type === 'Capi') {
    return {
      resource: 'clusters',
      object: { apiVersion: `${CAPI_GROUP}/v1beta1`, kind: 'Cluster', metadata, spec: {} },
      status: c.ready
        ? { phase: 'Provisioned', controlPlaneReady: true, infrastructureReady: true }
        : { phase: 'Provisioning', controlPlaneReady: false, infrastructureReady: false },
    };
  }
  return {
    resource: 'sveltosclusters',
    object: { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', metadata, spec: {} },
    status: { ready: c.ready },
  };
}

/** Creates the clusters' namespaces (those missing) and the clusters with their status. */
export function seedClusters(store: ObjectStore, clusters: readonly FleetClusterSpec[]): void {
  for (const namespace of new Set(clusters.map((c) => c.namespace))) {
    if (store.find('namespaces', namespace) === undefined) {
      store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    }
  }
  for (const c of clusters) {
    const { resource, object, status } = clusterObject(c);
    const created = store.create(resource, object);
    store.updateStatus(resource, { ...created, status });
  }
}
