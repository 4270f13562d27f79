// Managed clusters as the promotion logic sees them, from either kind Sveltos matches selectors on.
import type { CapiCluster, ClusterRef, KubeObject, SveltosCluster } from '../api/types.ts';

export function sveltosClusterRef(c: SveltosCluster): ClusterRef {
  return {
    namespace: c.metadata.namespace ?? 'default',
    name: c.metadata.name,
    type: 'Sveltos',
    labels: c.metadata.labels ?? {},
    ready: c.status?.ready === true,
  };
}

/**
 * Sveltos deploys to a Cluster API cluster once its control plane is up: `controlPlaneReady` in
 * v1beta1 status, `initialization.controlPlaneInitialized` in v1beta2, else the Provisioned phase.
 */
export function capiClusterRef(c: CapiCluster): ClusterRef {
  const s = c.status ?? {};
  const ready =
    s.controlPlaneReady === true || s.initialization?.controlPlaneInitialized === true || s.phase === 'Provisioned';
  return {
    namespace: c.metadata.namespace ?? 'default',
    name: c.metadata.name,
    type: 'Capi',
    labels: c.metadata.labels ?? {},
    ready,
  };
}

export function clusterRefOf(obj: KubeObject): ClusterRef {
  return obj.kind === 'SveltosCluster' ? sveltosClusterRef(obj as SveltosCluster) : capiClusterRef(obj as CapiCluster);
}
