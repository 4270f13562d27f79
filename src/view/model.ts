// The view model: what a person watching a rollout needs to know, derived from what the API holds.
// The phases and times come from reading the status (src/engine/observe.ts, which reads status
// written by this project's engine and by Sveltos's own controller alike); this adds what a person
// looks at: every cluster of each stage, its state, and counts.
// Pure: the time is passed in, nothing is read from the world.
import type { PublishedProgress } from '../api/published-progress.ts';
import { matchesSelector } from '../api/selector.ts';
import {
  clusterKey,
  type ClusterProfile,
  type ClusterPromotion,
  type ClusterRef,
  type ClusterSummary,
  type ClusterType,
  type FeatureID,
  type FeatureStatus,
  type Stage,
} from '../api/types.ts';
import { fingerprint } from '../engine/canonical.ts';
import { CONTENT_FIELDS, inSync, matchingClusters } from '../engine/deployment.ts';
import { mainProfileName } from '../engine/names.ts';
import {
  healthEvidence,
  type ObservedPhase,
  observePromotion,
  type StageEvidence,
  type StageTimes,
  type StatusDialect,
} from '../engine/observe.ts';
import { gatesOf, type Gates } from '../engine/trigger.ts';
import type { World } from '../engine/types.ts';
import { worldOf } from '../engine/world.ts';

export type { StageTimes, StatusDialect } from '../engine/observe.ts';

/** The engine's phases plus ApprovedAwaitingController, which only an observer sees (observe.ts). */
export type ViewStagePhase = ObservedPhase;

/** The promotion as a whole, in the words of its current stage. */
export type OverallPhase = 'NotStarted' | 'Progressing' | 'Waiting' | 'Paused' | 'Failed' | 'Completed';

export type ClusterState =
  | 'Failed'
  | 'Provisioning'
  | 'Outdated'
  | 'NotDeployed'
  | 'NotReady'
  | 'Removing'
  | 'Provisioned';

export interface FeatureView {
  id: FeatureID;
  status: FeatureStatus | 'Unknown';
  message?: string;
  consecutiveFailures?: number;
}

export interface ClusterView {
  /** `namespace/name`. */
  key: string;
  type: ClusterType;
  ready: boolean;
  state: ClusterState;
  features: FeatureView[];
  /** The first failure, `Feature: message`, when the cluster is failing. */
  message?: string;
}

export interface StageProgress {
  /** Clusters that run the promotion's profileSpec with every feature Provisioned. */
  provisioned: number;
  /** Clusters of the stage that count: ready ones the selector matches, and any with a summary. */
  total: number;
  failing: number;
}

export interface StageView {
  name: string;
  index: number;
  phase: ViewStagePhase;
  trigger: Gates['kind'];
  /** Manual stages: the spec says `approved: true` (given early, it is honoured at the gate). */
  approved: boolean;
  /** The description's phrase, without the time suffix; null when there is none. */
  description: string | null;
  failureMessage: string | null;
  progress: StageProgress;
  /** Failing first, then in progress, then waiting, then done; by key within each group. */
  clusters: ClusterView[];
  times: StageTimes;
}

export interface PromotionView {
  name: string;
  phase: OverallPhase;
  /** Index of the current stage in spec order; null before the controller has started. */
  current: number | null;
  stageCount: number;
  dialect: StatusDialect;
  /** A condition the person should know about that belongs to no stage. */
  note: string | null;
  now: number;
  stages: StageView[];
}

export interface ViewModelInput {
  promotion: ClusterPromotion;
  /** The ClusterProfiles of the promotion (main and verification). */
  profiles: readonly ClusterProfile[];
  /** Their ClusterSummaries. */
  summaries: readonly ClusterSummary[];
  clusters: readonly ClusterRef[];
  now: Date;
}

const STATE_ORDER: Record<ClusterState, number> = {
  Failed: 0,
  Provisioning: 1,
  Outdated: 2,
  NotDeployed: 3,
  NotReady: 4,
  Removing: 5,
  Provisioned: 6,
};

export function buildViewModel(input: ViewModelInput): PromotionView {
  return viewOfWorld(input.promotion, worldOf(input), input.now);
}

/**
 * The same from a World (the simulated fleet, a watch cache): nothing is copied but what the view
 * keeps.
 */
export function viewOfWorld(
  promotion: ClusterPromotion,
  world: World,
  nowDate: Date,
  cache?: ViewCache,
): PromotionView {
  const now = nowDate.getTime();
  const spec = promotion.spec;
  const stages = spec.stages ?? [];
  const name = promotion.metadata.name;
  let fleet: FleetIndex | null = null;
  const fleetIndex = () => (fleet ??= cache ? cache.fleet(world.clusters()) : indexFleet(world.clusters()));

  const lists = stages.map((stage) => {
    const profileName = mainProfileName(name, stage.name);
    return (
      cache?.stage(stage, spec) ??
      cache?.remember(
        stage,
        spec,
        clustersOf(stage, fleetIndex(), world.summariesOf(profileName), spec.profileSpec, cache),
      ) ??
      clustersOf(stage, fleetIndex(), world.summariesOf(profileName), spec.profileSpec)
    );
  });
  return assemble(
    promotion,
    observePromotion(promotion, world, now, (_, index) => lists[index]!),
    lists,
    now,
  );
}

/**
 * A view without clusters, from the progress the controller published on the promotion
 * (src/api/published-progress.ts): the current stage's counts and phase, for a table of many
 * promotions read without a single ClusterSummary. The other stages show no counts.
 */
export function viewOfPublished(
  promotion: ClusterPromotion,
  published: PublishedProgress,
  nowDate: Date,
): PromotionView {
  const now = nowDate.getTime();
  const lists = (promotion.spec.stages ?? []).map((stage): StageClusters => {
    if (stage.name !== published.stage)
      return { clusters: [], progress: NO_PROGRESS, summaries: 0, permanentFailure: false };
    const { total, provisioned, failing, summaries, failedForGood, health } = published;
    return {
      clusters: [],
      progress: { total, provisioned, failing },
      summaries,
      permanentFailure: failedForGood,
      ...(health ? { mainDeployed: health.mainDeployed, checksAppended: health.checksAppended } : {}),
    };
  });
  return assemble(
    promotion,
    observePromotion(promotion, NO_WORLD, now, (_, index) => lists[index]!),
    lists,
    now,
  );
}

/**
 * What the controller publishes about the promotion's current stage: the counts this view shows,
 * and the health steps settled as observe.ts would settle them. Null before the pipeline started.
 */
export function progressToPublish(promotion: ClusterPromotion, world: World): PublishedProgress | null {
  const spec = promotion.spec;
  const name = promotion.metadata.name;
  const stage = (spec.stages ?? []).find((s) => s.name === promotion.status?.currentStageName);
  if (!stage) return null;
  const lists = countStage(stage, world, world.summariesOf(mainProfileName(name, stage.name)), spec.profileSpec);
  let health: PublishedProgress['health'];
  try {
    const gates = gatesOf(stage);
    if (gates.verification.length > 0) {
      const h = healthEvidence(world, name, stage, gates, lists);
      health = { mainDeployed: h.mainDeployed(), checksAppended: h.checksAppended() };
    }
  } catch {
    // A trigger the engine cannot read fails the stage whatever its clusters say.
  }
  return {
    stage: stage.name,
    generation: promotion.metadata.generation ?? 0,
    ...lists.progress,
    summaries: lists.summaries,
    failedForGood: lists.permanentFailure,
    ...(health ? { health } : {}),
  };
}

const NO_PROGRESS: StageProgress = { provisioned: 0, total: 0, failing: 0 };
const NO_WORLD: World = worldOf({});

function assemble(
  promotion: ClusterPromotion,
  observed: ReturnType<typeof observePromotion>,
  lists: readonly StageClusters[],
  now: number,
): PromotionView {
  const stages = promotion.spec.stages ?? [];
  const views = stages.map((stage, index): StageView => {
    const o = observed.stages[index]!;
    const { clusters, progress } = lists[index]!;
    return {
      name: stage.name,
      index,
      phase: o.phase,
      trigger: o.trigger,
      approved: o.approved,
      description: o.description,
      failureMessage: o.failureMessage,
      progress,
      clusters,
      times: o.times,
    };
  });

  const current = observed.current;
  return {
    name: promotion.metadata.name,
    phase: overallPhase(current === null ? null : views[current]!.phase),
    current,
    stageCount: stages.length,
    dialect: observed.dialect,
    note: observed.note,
    now,
    stages: views,
  };
}

function overallPhase(phase: ViewStagePhase | null): OverallPhase {
  switch (phase) {
    case null:
    case 'Pending':
      return 'NotStarted';
    case 'Soaking':
    case 'AwaitingWindow':
      return 'Waiting';
    case 'AwaitingApproval':
      return 'Paused';
    case 'Failed':
      return 'Failed';
    case 'Completed':
      return 'Completed';
    default:
      return 'Progressing';
  }
}

/**
 * Cluster lists change only when the world does, while phases and countdowns change with time: a
 * view redrawing every second keeps the lists of the last world `version` (the caller's count of
 * world changes) and the spec they were made for.
 */
export class ViewCache {
  #version = -1;
  #stages = new Map<string, { spec: unknown; stage: Stage; lists: StageClusters }>();
  #fleet: { source: unknown; index: FleetIndex } | null = null;
  #previous = new Map<string, readonly ClusterView[]>();
  /**
   * Cluster views by the summary they were read from, kept across versions: a new version rebuilds
   * the lists, but a cluster whose summary did not change keeps its view (see clusterViewOf).
   */
  readonly clusterViews = new WeakMap<ClusterSummary, KeptClusterView>();

  /** Call before each model: a new version drops what was kept. */
  at(version: number): this {
    if (version !== this.#version) {
      this.#version = version;
      for (const [name, kept] of this.#stages) this.#previous.set(name, kept.lists.clusters);
      this.#stages.clear();
    }
    return this;
  }

  /** The stage's list of the version before, whose order the next sort starts from. */
  previousList(stage: string): readonly ClusterView[] | undefined {
    return this.#previous.get(stage);
  }

  stage(stage: Stage, spec: unknown): StageClusters | undefined {
    const kept = this.#stages.get(stage.name);
    return kept && kept.spec === spec && kept.stage === stage ? kept.lists : undefined;
  }

  remember(stage: Stage, spec: unknown, lists: StageClusters): StageClusters {
    this.#stages.set(stage.name, { spec, stage, lists });
    return lists;
  }

  /**
   * The fleet indexed by key, and which clusters each selector matches; kept while the world hands
   * out the same collection of clusters (a LiveFleet keeps one until a cluster changes, the
   * simulated fleet one for good), as summaries change far more often than clusters do.
   */
  fleet(clusters: Iterable<ClusterRef>): FleetIndex {
    if (this.#fleet?.source !== clusters) this.#fleet = { source: clusters, index: indexFleet(clusters) };
    return this.#fleet.index;
  }
}

/** A stage's clusters, and what observe.ts needs to know of them to read the stage's phase. */
interface StageClusters extends StageEvidence {
  clusters: ClusterView[];
  progress: StageProgress;
}

interface FleetIndex {
  list: readonly { key: string; ref: ClusterRef }[];
  byKey: ReadonlyMap<string, ClusterRef>;
  /** The clusters a selector matches, by the selector's JSON. */
  matching: Map<string, readonly { key: string; ref: ClusterRef }[]>;
}

function indexFleet(clusters: Iterable<ClusterRef>): FleetIndex {
  const list = [...clusters].map((ref) => ({ key: clusterKey(ref), ref }));
  return { list, byKey: new Map(list.map((c) => [c.key, c.ref])), matching: new Map() };
}

/**
 * Every cluster the selector selects, ready or not (the view shows the ones not ready too; the
 * engine's matchingClusters in deployment.ts counts only the ready ones), kept per selector.
 */
function selectedClusters(
  fleet: FleetIndex,
  selector: Stage['clusterSelector'],
): readonly { key: string; ref: ClusterRef }[] {
  const id = JSON.stringify(selector ?? null);
  let out = fleet.matching.get(id);
  if (!out) fleet.matching.set(id, (out = fleet.list.filter((c) => matchesSelector(c.ref.labels, selector))));
  return out;
}

interface KeptClusterView {
  spec: unknown;
  features: unknown;
  refType: unknown;
  ready: unknown;
  targets: string;
  view: ClusterView;
}

/**
 * A summary's cluster view, reused while everything it was made from is the same: the summary's
 * spec and features (replaced, never edited in place, by the API's watches and by the simulated
 * fleet alike), its cluster's type and readiness, and the promotion's content.
 */
function clusterViewOf(
  s: ClusterSummary,
  fleet: FleetIndex,
  target: ClusterPromotion['spec']['profileSpec'],
  targets: string,
  kept?: WeakMap<ClusterSummary, KeptClusterView>,
): ClusterView {
  const k = kept?.get(s);
  const features = s.status?.featureSummaries;
  if (k && k.spec === s.spec && k.features === features && k.targets === targets) {
    const ref = fleet.byKey.get(k.view.key);
    if (ref?.type === k.refType && ref?.ready === k.ready) return k.view;
  }
  const key = `${s.spec.clusterNamespace}/${s.spec.clusterName}`;
  const ref = fleet.byKey.get(key);
  const view = clusterFromSummary(key, s, ref, target);
  kept?.set(s, { spec: s.spec, features, refType: ref?.type, ready: ref?.ready, targets, view });
  return view;
}

/** The stage's clusters: those its selector matches and those its profile has a summary for. */
function clustersOf(
  stage: Stage,
  fleet: FleetIndex,
  summaries: Iterable<ClusterSummary>,
  target: ClusterPromotion['spec']['profileSpec'],
  cache?: ViewCache,
): StageClusters {
  const byKey = new Map<string, ClusterView>();
  const targets = CONTENT_FIELDS.map((field) => fingerprint(target[field])).join('\u0000');
  let count = 0;
  let permanentFailure = false;
  for (const s of summaries) {
    count++;
    const view = clusterViewOf(s, fleet, target, targets, cache?.clusterViews);
    byKey.set(view.key, view);
    if (!permanentFailure && view.features.some((f) => f.status === 'FailedNonRetriable')) permanentFailure = true;
  }
  for (const { key, ref: c } of selectedClusters(fleet, stage.clusterSelector)) {
    if (byKey.has(key)) continue;
    byKey.set(key, { key, type: c.type, ready: c.ready, state: c.ready ? 'NotDeployed' : 'NotReady', features: [] });
  }
  const clusters = sortClusters(byKey, cache?.previousList(stage.name));
  return { clusters, progress: progressOf(clusters), summaries: count, permanentFailure };
}

const byStateThenKey = (a: ClusterView, b: ClusterView) =>
  STATE_ORDER[a.state] - STATE_ORDER[b.state] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Failing first, then by state and key. Between two versions a handful of clusters change, so the
 * views are laid out in the order of the previous list first: the sort (a merge sort that finds
 * runs already in order) then costs little more than a pass over thousands of clusters.
 */
function sortClusters(byKey: Map<string, ClusterView>, previous: readonly ClusterView[] | undefined): ClusterView[] {
  if (!previous) return [...byKey.values()].sort(byStateThenKey);
  const out: ClusterView[] = [];
  for (const old of previous) {
    const now = byKey.get(old.key);
    if (now !== undefined) out.push(now);
  }
  if (out.length < byKey.size) {
    const before = new Set(previous.map((v) => v.key));
    for (const v of byKey.values()) if (!before.has(v.key)) out.push(v);
  }
  return out.sort(byStateThenKey);
}

const sameFingerprint = (a: unknown, b: unknown) => fingerprint(a) === fingerprint(b);

function clusterFromSummary(
  key: string,
  s: ClusterSummary,
  ref: ClusterRef | undefined,
  target: ClusterPromotion['spec']['profileSpec'],
): ClusterView {
  const features: FeatureView[] = (s.status?.featureSummaries ?? []).map((f) => ({
    id: f.featureID,
    status: f.status ?? 'Unknown',
    ...(f.failureMessage ? { message: f.failureMessage } : {}),
    ...(f.consecutiveFailures ? { consecutiveFailures: f.consecutiveFailures } : {}),
  }));
  const failed = features.find((f) => f.status === 'Failed' || f.status === 'FailedNonRetriable');
  const state = summaryState(s, target);
  const view: ClusterView = { key, type: ref?.type ?? s.spec.clusterType, ready: ref?.ready ?? true, state, features };
  if (failed) view.message = `${failed.id}: ${failed.message ?? failed.status}`;
  return view;
}

/** Where a cluster stands, from its summary of the stage's profile. */
function summaryState(s: ClusterSummary, target: ClusterPromotion['spec']['profileSpec']): ClusterState {
  const features = s.status?.featureSummaries ?? [];
  if (features.some((f) => f.status === 'Failed' || f.status === 'FailedNonRetriable')) return 'Failed';
  if (features.some((f) => f.status === 'Removing' || f.status === 'Removed' || f.status === 'AgentRemoving'))
    return 'Removing';
  if (!inSync(s, target, { checks: false, same: sameFingerprint })) return 'Outdated';
  if (features.length > 0 && features.every((f) => f.status === 'Provisioned')) return 'Provisioned';
  return 'Provisioning';
}

/**
 * The stage's counts as progressOf counts its cluster list, without making the list: a controller
 * counts every few seconds, and at a stage's end many promotions at once. Clusters without a
 * summary count when ready; the world's index of clusters by label selects them.
 */
function countStage(
  stage: Stage,
  world: World,
  summaries: Iterable<ClusterSummary>,
  target: ClusterPromotion['spec']['profileSpec'],
): StageEvidence {
  const states = new Map<string, ClusterState>();
  let count = 0;
  let permanentFailure = false;
  for (const s of summaries) {
    count++;
    states.set(`${s.spec.clusterNamespace}/${s.spec.clusterName}`, summaryState(s, target));
    if (!permanentFailure && (s.status?.featureSummaries ?? []).some((f) => f.status === 'FailedNonRetriable'))
      permanentFailure = true;
  }
  let provisioned = 0;
  let failing = 0;
  for (const state of states.values()) {
    if (state === 'Provisioned') provisioned++;
    if (state === 'Failed') failing++;
  }
  let total = states.size;
  for (const c of matchingClusters(world, stage.clusterSelector)) if (!states.has(clusterKey(c))) total++;
  return { progress: { provisioned, total, failing }, summaries: count, permanentFailure };
}

function progressOf(clusters: readonly ClusterView[]): StageProgress {
  let provisioned = 0;
  let total = 0;
  let failing = 0;
  for (const c of clusters) {
    if (c.state === 'NotReady') continue;
    total++;
    if (c.state === 'Provisioned') provisioned++;
    if (c.state === 'Failed') failing++;
  }
  return { provisioned, total, failing };
}
