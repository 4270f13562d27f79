// The resources the live commands read and write, and the URL paths a Kubernetes API server
// serves them at. Versions are the ones Sveltos and Cluster API serve today.
import {
  CAPI_GROUP,
  LABEL_PROMOTION_NAME,
  SVELTOS_CONFIG_GROUP,
  SVELTOS_LIB_GROUP,
  SVELTOS_VERSION,
} from '../api/types.ts';

export interface ResourceType {
  group: string;
  version: string;
  /** The plural used in URLs and in RBAC rules. */
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const CLUSTER_PROMOTIONS: ResourceType = {
  group: SVELTOS_CONFIG_GROUP,
  version: SVELTOS_VERSION,
  plural: 'clusterpromotions',
  kind: 'ClusterPromotion',
  namespaced: false,
};

export const CLUSTER_PROFILES: ResourceType = {
  group: SVELTOS_CONFIG_GROUP,
  version: SVELTOS_VERSION,
  plural: 'clusterprofiles',
  kind: 'ClusterProfile',
  namespaced: false,
};

export const CLUSTER_SUMMARIES: ResourceType = {
  group: SVELTOS_CONFIG_GROUP,
  version: SVELTOS_VERSION,
  plural: 'clustersummaries',
  kind: 'ClusterSummary',
  namespaced: true,
};

export const SVELTOS_CLUSTERS: ResourceType = {
  group: SVELTOS_LIB_GROUP,
  version: SVELTOS_VERSION,
  plural: 'sveltosclusters',
  kind: 'SveltosCluster',
  namespaced: true,
};

export const CAPI_CLUSTERS: ResourceType = {
  group: CAPI_GROUP,
  version: 'v1beta1',
  plural: 'clusters',
  kind: 'Cluster',
  namespaced: true,
};

/** Only the profiles a promotion generated carry this label (the selector `key` means "exists"). */
export const PROMOTION_PROFILES_SELECTOR = LABEL_PROMOTION_NAME;

/** `clusterpromotions.config.projectsveltos.io`: how RBAC rules and `kubectl auth can-i` name it. */
export function qualifiedResource(r: ResourceType): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function resourcePath(
  r: ResourceType,
  where: { namespace?: string | undefined; name?: string; subresource?: string } = {},
): string {
  let path = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && where.namespace) path += `/namespaces/${encodeURIComponent(where.namespace)}`;
  path += `/${r.plural}`;
  if (where.name !== undefined) path += `/${encodeURIComponent(where.name)}`;
  if (where.subresource) path += `/${where.subresource}`;
  return path;
}
