// One-shot reads for the commands that print once (`get`, `list`, `gates`) or write once (`approve`):
// a list of each resource instead of streams, joined into view models the same way the live view is.
import {
  LABEL_PROMOTION_NAME,
  LABEL_SUMMARY_PROFILE,
  type CapiCluster,
  type ClusterProfile,
  type ClusterPromotion,
  type ClusterSummary,
  type SveltosCluster,
} from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { capiClusterRef, sveltosClusterRef } from '../kube/clusters.ts';
import { explainFailure, isMissingApi, isNotFound } from '../kube/errors.ts';
import { getObject, listObjects } from '../kube/objects.ts';
import {
  CAPI_CLUSTERS,
  CLUSTER_PROFILES,
  CLUSTER_PROMOTIONS,
  CLUSTER_SUMMARIES,
  SVELTOS_CLUSTERS,
  type ResourceType,
} from '../kube/resources.ts';
import { worldOf } from '../engine/world.ts';
import type { World } from '../engine/types.ts';
import { viewOfWorld, type PromotionView } from '../view/model.ts';

/** For decisions that need only the promotion itself (which stage waits for approval). */
export const NOTHING_ELSE: World = worldOf({});

async function listOrExplain<T extends import('../api/types.ts').KubeObject>(
  client: KubeClient,
  r: ResourceType,
  options: { labelSelector?: string } = {},
  optional = false,
): Promise<T[]> {
  try {
    return (await listObjects<T>(client, r, options)).items;
  } catch (e) {
    if (optional && isMissingApi(e, {})) return [];
    throw explainFailure(e, { verb: 'list', resource: r }, client.connection);
  }
}

export async function listPromotions(client: KubeClient): Promise<ClusterPromotion[]> {
  const items = await listOrExplain<ClusterPromotion>(client, CLUSTER_PROMOTIONS);
  return items.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

/** One promotion; a not-found names the promotions that do exist. */
export async function getPromotion(client: KubeClient, name: string): Promise<ClusterPromotion> {
  try {
    return await getObject<ClusterPromotion>(client, CLUSTER_PROMOTIONS, name);
  } catch (e) {
    let existing: string[] | undefined;
    if (isNotFound(e, name)) existing = await listObjects(client, CLUSTER_PROMOTIONS).then((l) => l.items.map((p) => p.metadata.name), () => undefined);
    throw explainFailure(e, { verb: 'get', resource: CLUSTER_PROMOTIONS, name }, client.connection, existing);
  }
}

/**
 * The profiles, summaries and clusters behind promotions: those of one promotion, or of all.
 * Summaries are asked for by their profiles' label, so other profiles' summaries stay on the server.
 */
export async function readSnapshot(client: KubeClient, promotion?: string): Promise<World> {
  const [profiles, sveltos, capi] = await Promise.all([
    listOrExplain<ClusterProfile>(client, CLUSTER_PROFILES, { labelSelector: promotion ? `${LABEL_PROMOTION_NAME}=${promotion}` : LABEL_PROMOTION_NAME }),
    listOrExplain<SveltosCluster>(client, SVELTOS_CLUSTERS),
    listOrExplain<CapiCluster>(client, CAPI_CLUSTERS, {}, true),
  ]);
  const names = profiles.map((p) => p.metadata.name);
  // A set-based selector keeps the request short for one promotion; for all, ask for every generated summary.
  const selector = promotion && names.length > 0 && names.length <= 50 ? `${LABEL_SUMMARY_PROFILE} in (${names.join(',')})` : LABEL_SUMMARY_PROFILE;
  const wanted = new Set(names);
  const summaries = names.length === 0 ? [] : (await listOrExplain<ClusterSummary>(client, CLUSTER_SUMMARIES, { labelSelector: selector })).filter((s) =>
    wanted.has(s.metadata.labels?.[LABEL_SUMMARY_PROFILE] ?? ''),
  );
  return worldOf({ profiles, summaries, clusters: [...sveltos.map(sveltosClusterRef), ...capi.map(capiClusterRef)] });
}

export function viewOf(promotion: ClusterPromotion, world: World, now: Date): PromotionView {
  return viewOfWorld(promotion, world, now);
}
