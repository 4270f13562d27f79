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
    if (isNotFound(e, name))
      existing = await listObjects(client, CLUSTER_PROMOTIONS).then(
        (l) => l.items.map((p) => p.metadata.name),
        () => undefined,
      );
    throw explainFailure(e, { verb: 'get', resource: CLUSTER_PROMOTIONS, name }, client.connection, existing);
  }
}

/**
 * The profiles, summaries and clusters behind promotions: those of one promotion, or of all.
 * Summaries are asked for by their profiles' label, so other profiles' summaries stay on the server;
 * for all promotions that label is all there is to ask by, so every list goes out at once.
 */
export async function readSnapshot(client: KubeClient, promotion?: string): Promise<World> {
  const summariesOf = (selector: string) =>
    listOrExplain<ClusterSummary>(client, CLUSTER_SUMMARIES, { labelSelector: selector });
  const [profiles, sveltos, capi, everySummary] = await Promise.all([
    listOrExplain<ClusterProfile>(client, CLUSTER_PROFILES, {
      labelSelector: promotion ? `${LABEL_PROMOTION_NAME}=${promotion}` : LABEL_PROMOTION_NAME,
    }),
    listOrExplain<SveltosCluster>(client, SVELTOS_CLUSTERS),
    listOrExplain<CapiCluster>(client, CAPI_CLUSTERS, {}, true),
    promotion ? undefined : summariesOf(LABEL_SUMMARY_PROFILE),
  ]);
  const names = profiles.map((p) => p.metadata.name);
  const wanted = new Set(names);
  let summaries = everySummary;
  if (summaries === undefined && names.length > 0) {
    // A set-based selector keeps the request short for one promotion.
    summaries = await summariesOf(
      names.length <= 50 ? `${LABEL_SUMMARY_PROFILE} in (${names.join(',')})` : LABEL_SUMMARY_PROFILE,
    );
  }
  const ours = (summaries ?? []).filter((s) => wanted.has(s.metadata.labels?.[LABEL_SUMMARY_PROFILE] ?? ''));
  return worldOf({
    profiles,
    summaries: ours,
    clusters: [...sveltos.map(sveltosClusterRef), ...capi.map(capiClusterRef)],
  });
}

/**
 * Promotions and the snapshot behind them, read at the same time. When both reads fail, the
 * promotions' failure is the one to report: a missing ClusterPromotion API or a misspelt name says
 * more than whatever the snapshot ran into.
 */
export async function withSnapshot<T>(promotions: Promise<T>, snapshot: Promise<World>): Promise<[T, World]> {
  const [p, w] = await Promise.allSettled([promotions, snapshot]);
  if (p.status === 'rejected') throw p.reason;
  if (w.status === 'rejected') throw w.reason;
  return [p.value, w.value];
}

export function viewOf(promotion: ClusterPromotion, world: World, now: Date): PromotionView {
  return viewOfWorld(promotion, world, now);
}
