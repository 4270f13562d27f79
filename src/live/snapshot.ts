// One-shot reads for the commands that print once (`get`, `list`, `gates`) or write once (`approve`):
// a list of each resource instead of streams, joined into view models the same way the live view is.
import { currentProgress } from '../api/published-progress.ts';
import { selectorQuery } from '../api/selector.ts';
import {
  clusterKey,
  LABEL_PROMOTION_NAME,
  LABEL_SUMMARY_PROFILE,
  type CapiCluster,
  type ClusterRef,
  type KubeObject,
  type ClusterProfile,
  type ClusterPromotion,
  type ClusterSummary,
  type SveltosCluster,
} from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { capiClusterRef, sveltosClusterRef } from '../kube/clusters.ts';
import { explainFailure, isMissingApi, isNotFound } from '../kube/errors.ts';
import { chunks, MAX_SET_VALUES, setSelector } from '../kube/label-set-informers.ts';
import { getObject, listObjects } from '../kube/objects.ts';
import {
  CAPI_CLUSTERS,
  CLUSTER_PROFILES,
  CLUSTER_PROMOTIONS,
  CLUSTER_SUMMARIES,
  SVELTOS_CLUSTERS,
  type ResourceType,
} from '../kube/resources.ts';
import { mainProfileName } from '../engine/names.ts';
import { worldOf } from '../engine/world.ts';
import type { World } from '../engine/types.ts';
import { viewOfPublished, viewOfWorld, type PromotionView } from '../view/model.ts';

/** For decisions that need only the promotion itself (which stage waits for approval). */
export const NOTHING_ELSE: World = worldOf({});

async function listOrExplain<T extends KubeObject>(
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

/** Every ClusterPromotion by name, or those matching a label selector (`list -l`). */
export async function listPromotions(client: KubeClient, labelSelector?: string): Promise<ClusterPromotion[]> {
  const items = await listOrExplain<ClusterPromotion>(
    client,
    CLUSTER_PROMOTIONS,
    labelSelector === undefined ? {} : { labelSelector },
  );
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
 * The profiles, summaries and clusters behind one promotion (`get`, which shows every stage's
 * clusters). Summaries are asked for by their profiles' label, so other profiles' summaries stay
 * on the server.
 */
export async function readSnapshot(client: KubeClient, promotion: string): Promise<World> {
  const [profiles, sveltos, capi] = await Promise.all([
    listOrExplain<ClusterProfile>(client, CLUSTER_PROFILES, { labelSelector: `${LABEL_PROMOTION_NAME}=${promotion}` }),
    listOrExplain<SveltosCluster>(client, SVELTOS_CLUSTERS),
    listOrExplain<CapiCluster>(client, CAPI_CLUSTERS, {}, true),
  ]);
  const names = profiles.map((p) => p.metadata.name);
  const summaries = await Promise.all(
    chunks(names, MAX_SET_VALUES).map((part) =>
      listOrExplain<ClusterSummary>(client, CLUSTER_SUMMARIES, {
        labelSelector: setSelector(LABEL_SUMMARY_PROFILE, part),
      }),
    ),
  );
  return worldOf({
    profiles,
    summaries: summaries.flat(),
    clusters: [...sveltos.map(sveltosClusterRef), ...capi.map(capiClusterRef)],
  });
}

/**
 * For `list`, which shows of each promotion its current stage only: the promotions whose current
 * stage it must count itself, because no count the controller published holds for it
 * (src/api/published-progress.ts; Sveltos's own controller publishes none).
 */
export function uncounted(promotions: readonly ClusterPromotion[]): ClusterPromotion[] {
  return promotions.filter((p) => uncountedProfile(p) !== null);
}

/** The profile whose summaries `list` counts for the promotion: its current stage's, unless it is counted. */
export function uncountedProfile(p: ClusterPromotion): string | null {
  const current = p.status?.currentStageName;
  if (current === undefined || !(p.spec.stages ?? []).some((s) => s.name === current) || currentProgress(p))
    return null;
  return mainProfileName(p.metadata.name, current);
}

/**
 * What counting those promotions' current stages takes, and no more: their profiles, the summaries
 * of each current stage's profile (by label) and the clusters each current stage selects (by label
 * selector, as long as there are few selectors and each has a query form; else every cluster).
 */
export async function readCurrentStages(client: KubeClient, promotions: readonly ClusterPromotion[]): Promise<World> {
  if (promotions.length === 0) return NOTHING_ELSE;
  const names = promotions.map((p) => p.metadata.name);
  const stages = promotions.map((p) => p.spec.stages!.find((s) => s.name === p.status!.currentStageName)!);
  const profileNames = promotions.map((p, i) => mainProfileName(p.metadata.name, stages[i]!.name));
  const queries = new Set(stages.map((s) => selectorQuery(s.clusterSelector)));
  const selectors = queries.has(null) || queries.size > MAX_SELECTOR_QUERIES ? [''] : [...queries];
  const clusters = (kind: ResourceType, optional: boolean) =>
    selectors.map((q) => listOrExplain<KubeObject>(client, kind, q ? { labelSelector: q } : {}, optional));
  const [profiles, summaries, sveltos, capi] = await Promise.all([
    Promise.all(
      chunks(names, MAX_SET_VALUES).map((part) =>
        listOrExplain<ClusterProfile>(client, CLUSTER_PROFILES, {
          labelSelector: setSelector(LABEL_PROMOTION_NAME, part),
        }),
      ),
    ).then((parts) => parts.flat()),
    Promise.all(
      chunks(profileNames, MAX_SET_VALUES).map((part) =>
        listOrExplain<ClusterSummary>(client, CLUSTER_SUMMARIES, {
          labelSelector: setSelector(LABEL_SUMMARY_PROFILE, part),
        }),
      ),
    ).then((parts) => parts.flat()),
    Promise.all(clusters(SVELTOS_CLUSTERS, false)).then((parts) => parts.flat() as SveltosCluster[]),
    Promise.all(clusters(CAPI_CLUSTERS, true)).then((parts) => parts.flat() as CapiCluster[]),
  ]);
  return worldOf({
    profiles,
    summaries,
    clusters: unique([...sveltos.map(sveltosClusterRef), ...capi.map(capiClusterRef)]),
  });
}

/** Beyond this many distinct stage selectors, one list of every cluster is cheaper than a list each. */
const MAX_SELECTOR_QUERIES = 8;

/** Clusters selected by two stages' selectors come back from both lists: each once. */
function unique(refs: ClusterRef[]): ClusterRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.type}/${clusterKey(r)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
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

/** `list`'s view of a promotion: from the counts published on it, else from what readCurrentStages read. */
export function listViewOf(promotion: ClusterPromotion, world: World, now: Date): PromotionView {
  const published = currentProgress(promotion);
  return published ? viewOfPublished(promotion, published, now) : viewOfWorld(promotion, world, now);
}
