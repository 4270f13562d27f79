// The fleet's clusters as the management cluster holds them: one SveltosCluster or Cluster API
// Cluster per fleet cluster, in its namespace, with its labels and its readiness in the status,
// so that kubectl and the live commands see the same clusters the simulated addon-controller
// deploys to (src/kube/clusters.ts reads readiness back the way Sveltos does).
import { CAPI_GROUP, LIB_API_VERSION, type KubeObject } from '../src/api/types.ts';
import type { ObjectStore } from './apiserver/store.ts';
import type { FleetClusterSpec } from './fleet-spec.ts';
import type { Fleet } from './fleet.ts';

export interface ClusterObject {
  resource: 'sveltosclusters' | 'clusters';
  object: KubeObject;
  /** Written through the status subresource, as the cluster's own controller would. */
  status: Record<string, unknown>;
}

/** What a cluster's object shows: a fleet file's entry, or a cluster as the fleet sees it now. */
export type ClusterShape = Pick<FleetClusterSpec, 'namespace' | 'name' | 'type' | 'labels' | 'ready'>;

export function clusterObject(c: ClusterShape): ClusterObject {
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
export function seedClusters(store: ObjectStore, clusters: readonly ClusterShape[]): void {
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

/** The cluster as the fleet sees it now (labels, readiness), or undefined when it left the fleet. */
export function clusterObjectFor(fleet: Fleet, key: string): ClusterShape | undefined {
  return fleet.cluster(key)?.ref;
}

/** Brings the cluster's object in line with the fleet: created, relabelled, its readiness, or deleted. */
export function syncClusterObject(store: ObjectStore, key: string, cluster: ClusterShape | undefined): void {
  const [namespace, name] = key.split('/') as [string, string];
  for (const resource of ['sveltosclusters', 'clusters'] as const) {
    const existing = store.find(resource, name, namespace);
    if (existing === undefined) continue;
    if (cluster === undefined) {
      store.delete(resource, name, { namespace });
      return;
    }
    const { object, status } = clusterObject(cluster);
    const updated = store.update(resource, {
      ...existing,
      metadata: { ...existing.metadata, labels: object.metadata.labels },
    });
    store.updateStatus(resource, { ...updated, status });
    return;
  }
  if (cluster !== undefined) seedClusters(store, [cluster]);
}
