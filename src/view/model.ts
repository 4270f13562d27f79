// The view model: what a person watching a rollout needs to know, derived from what the API holds.
// It reads status written by this project's engine and status written by Sveltos's own controller
// (addon-controller up to v1.13.0): both write the same `currentStatusDescription` phrases with a
// ` (time)` suffix, but they differ in two ways that matter here:
//   - our engine keeps the suffix while the phrase stays the same (the moment the wait began);
//     Sveltos rewrites it on every reconcile (about every two minutes), so it only says "seen at";
//   - our engine sets `lastPromotionTime` once, when the final stage passes; Sveltos sets it every
//     time a stage starts.
// Pure: the time is passed in, nothing is read from the world.
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
  type StageStatus,
} from '../api/types.ts';
import { canonicalJson } from '../engine/canonical.ts';
import * as D from '../engine/description.ts';
import { mainProfileName, verificationProfileName } from '../engine/names.ts';
import { gatesOf, type Gates } from '../engine/trigger.ts';
import type { StagePhase, World } from '../engine/types.ts';
import { worldOf } from '../engine/world.ts';
import { parseWindow, windowState } from '../schedule/window.ts';

/**
 * The engine's phases plus one only an observer sees: the spec says `approved: true` but the
 * status still says the stage awaits approval, because the controller has not acted on it yet.
 */
export type ViewStagePhase = StagePhase | 'ApprovedAwaitingController';

/** The promotion as a whole, in the words of its current stage. */
export type OverallPhase = 'NotStarted' | 'Progressing' | 'Waiting' | 'Paused' | 'Failed' | 'Completed';

/** Who wrote the status, as far as it can be told (see the file comment). */
export type StatusDialect = 'engine' | 'sveltos';

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

/** Instants in epoch milliseconds; absent when they do not apply or are unknown. */
export interface StageTimes {
  /** The stage's profile was applied (lastUpdateReconciledTime). */
  startedAt?: number;
  /** Every cluster was last seen deployed (lastSuccessfulAppliedTime). */
  deployedAt?: number;
  /** lastStatusCheckTime. */
  checkedAt?: number;
  /** The time suffix of currentStatusDescription. */
  describedAt?: number;
  soakEndsAt?: number;
  windowOpensAt?: number;
  windowClosesAt?: number;
  /** When the current wait (soak, gate, deployment) began, as well as can be told. */
  waitingSince?: number;
  /** When the stage passed its gates (the next stage started, or the promotion completed). */
  promotedAt?: number;
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

const CONTENT_FIELDS = ['helmCharts', 'policyRefs', 'kustomizationRefs'] as const;

const STATE_ORDER: Record<ClusterState, number> = {
  Failed: 0,
  Provisioning: 1,
  Outdated: 2,
  NotDeployed: 3,
  NotReady: 4,
  Removing: 5,
  Provisioned: 6,
};

// Phrases only Sveltos's controller writes (profile_utils.go and the promotion controller there).
const SVELTOS_ONLY_DESCRIPTION = /^(All matching clusters are successfully deployed\.|No matching clusters found for )/;
const SVELTOS_ONLY_FAILURE =
  /^(ClusterSummary\S* \S+ is not (yet provisioned|in sync)\.|Failed to (fetch ClusterProfile|create ProfileScope)\.)$/;

const RFC3339 = '(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?(?:Z|[+-]\\d\\d:\\d\\d))';
const DELAYED = new RegExp(`^Delayed: Waiting for Time Window: ${RFC3339}$`);
const WINDOW_CLOSED = new RegExp(`^Window Closed: Waiting for Next Schedule \\(${RFC3339}\\)\\.?$`);
const WINDOW_NEVER = /^Window Closed:/;

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
  const status = promotion.status ?? {};
  const stages = spec.stages ?? [];
  const entries = new Map((status.stages ?? []).map((e) => [e.name, e]));
  const name = promotion.metadata.name;
  let fleet: FleetIndex | null = null;
  const fleetIndex = () => (fleet ??= cache ? cache.fleet(world.clusters()) : indexFleet(world.clusters()));

  const currentName = status.currentStageName;
  const found = currentName ? stages.findIndex((s) => s.name === currentName) : -1;
  const current = found >= 0 ? found : null;
  let note: string | null = null;
  if (currentName && current === null) {
    note = `status names stage ${currentName}, which the spec no longer has: the controller restarts the pipeline`;
  }

  const finalPassed =
    current === stages.length - 1 && phraseOf(entries.get(currentName!)) === D.SUCCESSFULLY_PROVISIONED;
  const dialect = detectDialect(status.stages ?? [], status.lastPromotionTime, finalPassed);

  const views = stages.map((stage, index): StageView => {
    const entry = entries.get(stage.name);
    const profileName = mainProfileName(name, stage.name);
    const lists =
      cache?.stage(stage, spec) ??
      cache?.remember(
        stage,
        spec,
        clustersOf(stage, fleetIndex(), world.summariesOf(profileName), spec.profileSpec, cache),
      ) ??
      clustersOf(stage, fleetIndex(), world.summariesOf(profileName), spec.profileSpec);
    const { clusters, progress } = lists;
    let gates: Gates | null = null;
    let gateError: string | null = null;
    try {
      gates = gatesOf(stage);
    } catch (e) {
      gateError = (e as Error).message;
    }
    const base: StageView = {
      name: stage.name,
      index,
      phase: 'Pending',
      trigger: gates?.kind ?? (stage.trigger?.manual ? 'manual' : stage.trigger?.auto ? 'auto' : 'none'),
      approved: stage.trigger?.manual?.approved === true,
      description: null,
      failureMessage: null,
      progress,
      clusters,
      times: {},
    };
    if (current === null || index > current) return base;
    const { phrase, since } = D.splitDescription(entry?.currentStatusDescription);
    base.description = phrase || null;
    base.failureMessage = entry?.failureMessage ?? null;
    base.times = entry ? baseTimes(entry, since) : {};
    if (index < current) {
      base.phase = 'Promoted';
      base.failureMessage = null;
      const next = entries.get(stages[index + 1]!.name);
      const promotedAt = time(next?.lastUpdateReconciledTime);
      if (promotedAt !== undefined) base.times.promotedAt = promotedAt;
      return base;
    }
    const profiles = { main: profileName, verification: verificationProfileName(name, stage.name) };
    const ctx: CurrentContext = {
      stage,
      entry: entry ?? { name: stage.name },
      phrase,
      gates,
      gateError,
      progress,
      lists,
      now,
      dialect,
      isFinal: index === stages.length - 1,
      world,
      profiles,
      lastPromotionTime: status.lastPromotionTime,
    };
    return { ...base, ...currentStage(ctx, base.times) };
  });

  return {
    name,
    phase: overallPhase(current === null ? null : views[current]!.phase),
    current,
    stageCount: stages.length,
    dialect,
    note,
    now,
    stages: views,
  };
}

interface CurrentContext {
  stage: Stage;
  entry: StageStatus;
  phrase: string;
  gates: Gates | null;
  gateError: string | null;
  progress: StageProgress;
  /** The stage's cluster lists, and what was learnt from its summaries while making them. */
  lists: StageClusters;
  now: number;
  dialect: StatusDialect;
  isFinal: boolean;
  world: World;
  profiles: { main: string; verification: string };
  lastPromotionTime: string | undefined;
}

/** Phase and times of the stage the pipeline is at. */
function currentStage(ctx: CurrentContext, times: StageTimes): Pick<StageView, 'phase' | 'times' | 'failureMessage'> {
  const { phrase, gates, entry, now } = ctx;
  const out = {
    phase: 'Deploying' as ViewStagePhase,
    times: { ...times },
    failureMessage: entry.failureMessage ?? null,
  };
  const deployed = times.deployedAt !== undefined;
  const soakEnd = deployed && gates && gates.delayMs > 0 ? times.deployedAt! + gates.delayMs : undefined;
  // A gate is reached no earlier than the end of the soak; for Sveltos status that is the best
  // "waiting since" there is, as its suffix moves with every reconcile.
  const gateSince = () =>
    ctx.dialect === 'engine'
      ? (times.describedAt ?? soakEnd ?? times.deployedAt)
      : (soakEnd ?? times.deployedAt ?? times.describedAt);

  if (ctx.gateError) {
    out.phase = 'Failed';
    out.failureMessage = ctx.gateError;
    out.times.waitingSince = times.describedAt;
    return out;
  }

  let m: RegExpExecArray | null;
  if (phrase === D.SUCCESSFULLY_PROVISIONED) {
    out.phase = ctx.isFinal ? 'Completed' : 'Promoted';
    // Both controllers write this phrase at the moment the stage passes; lastPromotionTime is that
    // moment only for our engine (Sveltos sets it when a stage starts).
    const passedAt = times.describedAt ?? (ctx.isFinal ? time(ctx.lastPromotionTime) : undefined);
    if (passedAt !== undefined) out.times.promotedAt = passedAt;
    out.failureMessage = null;
  } else if ((m = DELAYED.exec(phrase))) {
    out.phase = 'Soaking';
    out.times.soakEndsAt = Date.parse(m[1]!);
    out.times.waitingSince = times.deployedAt ?? times.describedAt;
  } else if ((m = WINDOW_CLOSED.exec(phrase)) || WINDOW_NEVER.test(phrase)) {
    out.phase = 'AwaitingWindow';
    out.times.waitingSince = gateSince();
    if (m) out.times.windowOpensAt = Date.parse(m[1]!);
    Object.assign(out.times, windowTimes(gates, now, out.times.windowOpensAt));
  } else if (phrase === D.AWAITING_APPROVAL) {
    out.phase = gates?.approved ? 'ApprovedAwaitingController' : 'AwaitingApproval';
    out.times.waitingSince = gateSince();
  } else if (phrase === D.RUNNING_HEALTH_CHECKS || phrase === D.AWAITING_HEALTH_CHECKS) {
    out.phase = hasPermanentFailure(ctx) ? 'Failed' : verifying(ctx) ? 'Verifying' : 'CheckingHealth';
    out.times.waitingSince = gateSince();
  } else if (deployed && phrase === D.PROVISIONING && entry.failureMessage) {
    // Our engine holds a deployed stage this way when a gate cannot be evaluated (a bad window).
    out.phase = 'Failed';
    out.times.waitingSince = times.describedAt;
  } else if (!deployed || phrase === D.PROVISIONING) {
    out.phase = ctx.progress.failing > 0 && hasPermanentFailure(ctx) ? 'Failed' : 'Deploying';
    out.times.waitingSince = times.startedAt ?? times.describedAt;
  } else {
    // Deployed, and a phrase the gates have not overwritten yet (Sveltos's "All matching clusters
    // are successfully deployed."): tell from the spec which gate holds it.
    out.phase = inferGate(ctx, soakEnd);
    out.times.waitingSince = out.phase === 'Soaking' ? times.deployedAt : gateSince();
    if (out.phase === 'Soaking') out.times.soakEndsAt = soakEnd;
    if (out.phase === 'AwaitingWindow') Object.assign(out.times, windowTimes(gates, now, undefined));
  }
  if (out.phase !== 'Soaking' && soakEnd !== undefined && out.phase !== 'Deploying' && out.phase !== 'Failed') {
    out.times.soakEndsAt = soakEnd;
  }
  return out;
}

function inferGate(ctx: CurrentContext, soakEnd: number | undefined): ViewStagePhase {
  const { gates, now } = ctx;
  if (!gates) return 'CheckingHealth';
  if (soakEnd !== undefined && now < soakEnd) return 'Soaking';
  if (gates.kind === 'manual') return gates.approved ? 'ApprovedAwaitingController' : 'AwaitingApproval';
  if (gates.window) {
    try {
      if (!windowState(parseWindow(gates.window), new Date(now)).open) return 'AwaitingWindow';
    } catch {
      return 'Failed';
    }
  }
  // Nothing holds it but the readiness re-check every stage goes through (rule 3).
  return 'CheckingHealth';
}

/**
 * Both health phrases cover two steps: the verification profile being deployed, and the checks
 * appended to the stage's profile. It is verification while that profile exists and the checks
 * are not on the main profile yet, or the main profile is done and only verification is left.
 */
function verifying(ctx: CurrentContext): boolean {
  const gates = ctx.gates;
  if (!gates || gates.verification.length === 0) return false;
  if (ctx.phrase === D.AWAITING_HEALTH_CHECKS) {
    return ctx.progress.total > 0 && ctx.progress.provisioned === ctx.progress.total && ctx.lists.summaries > 0;
  }
  if (gates.postChecks.length === 0) return true;
  // Kept with the lists: the answer changes only when the summaries (or the stage's spec) do.
  ctx.lists.checksAppended ??= checksAppended(ctx.world.summariesOf(ctx.profiles.main), gates);
  return !ctx.lists.checksAppended;
}

function checksAppended(main: Iterable<ClusterSummary>, gates: Gates): boolean {
  const names = new Set(gates.postChecks.map((c) => c.name));
  for (const s of main)
    if ((s.spec.clusterProfileSpec.validateHealths ?? []).some((v) => names.has(v.name))) return true;
  return false;
}

function hasPermanentFailure(ctx: CurrentContext): boolean {
  return ctx.lists.permanentFailure;
}

function windowTimes(
  gates: Gates | null,
  now: number,
  opensAt: number | undefined,
): Pick<StageTimes, 'windowOpensAt' | 'windowClosesAt'> {
  if (!gates?.window) return opensAt === undefined ? {} : { windowOpensAt: opensAt };
  try {
    const w = parseWindow(gates.window);
    let opens = opensAt;
    if (opens === undefined) {
      const state = windowState(w, new Date(now));
      if (state.open) return state.changesAt ? { windowClosesAt: state.changesAt.getTime() } : {};
      opens = state.changesAt?.getTime();
    }
    if (opens === undefined) return {};
    const then = windowState(w, new Date(opens));
    return {
      windowOpensAt: opens,
      ...(then.open && then.changesAt ? { windowClosesAt: then.changesAt.getTime() } : {}),
    };
  } catch {
    return opensAt === undefined ? {} : { windowOpensAt: opensAt };
  }
}

function baseTimes(entry: StageStatus, since: string | null): StageTimes {
  const t: StageTimes = {};
  const set = (k: keyof StageTimes, v: string | null | undefined) => {
    const n = time(v);
    if (n !== undefined) t[k] = n;
  };
  set('startedAt', entry.lastUpdateReconciledTime);
  set('deployedAt', entry.lastSuccessfulAppliedTime);
  set('checkedAt', entry.lastStatusCheckTime);
  set('describedAt', since);
  return t;
}

function time(v: string | null | undefined): number | undefined {
  if (!v) return undefined;
  const n = Date.parse(v);
  return Number.isNaN(n) ? undefined : n;
}

function phraseOf(entry: StageStatus | undefined): string {
  return D.splitDescription(entry?.currentStatusDescription).phrase;
}

function detectDialect(
  entries: readonly StageStatus[],
  lastPromotionTime: string | undefined,
  finalPassed: boolean,
): StatusDialect {
  if (lastPromotionTime && !finalPassed) return 'sveltos';
  for (const e of entries) {
    if (SVELTOS_ONLY_DESCRIPTION.test(phraseOf(e))) return 'sveltos';
    if (e.failureMessage && SVELTOS_ONLY_FAILURE.test(e.failureMessage)) return 'sveltos';
  }
  return 'engine';
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

interface StageClusters {
  clusters: ClusterView[];
  progress: StageProgress;
  /** Summaries of the stage's profile. */
  summaries: number;
  /** Some summary of the stage's profile has a feature that failed for good. */
  permanentFailure: boolean;
  /** Some summary carries the stage's post-delay checks (worked out when first asked). */
  checksAppended?: boolean;
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

/** The same reading of a selector as the engine's (an empty one matches every cluster). */
function matchingClusters(
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
  targetPrints: readonly string[],
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
  const view = clusterFromSummary(key, s, ref, targetPrints);
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
  const targetPrints = CONTENT_FIELDS.map((field) => fingerprint(target[field]));
  const targets = targetPrints.join('\u0000');
  let count = 0;
  let permanentFailure = false;
  for (const s of summaries) {
    count++;
    const view = clusterViewOf(s, fleet, targetPrints, targets, cache?.clusterViews);
    byKey.set(view.key, view);
    if (!permanentFailure && view.features.some((f) => f.status === 'FailedNonRetriable')) permanentFailure = true;
  }
  for (const { key, ref: c } of matchingClusters(fleet, stage.clusterSelector)) {
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

// Thousands of summaries share a handful of spec lists (the fleet hands each the profile's), so a
// list's canonical form is worked out once per object. API objects are replaced, not edited in
// place, which is what makes keying on the object sound.
const prints = new WeakMap<object, string>();

/** A value's canonical JSON, with a missing list and an empty one alike (as sameValue has it). */
function fingerprint(v: unknown): string {
  if (v === undefined || (Array.isArray(v) && v.length === 0)) return '';
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  let p = prints.get(v);
  if (p === undefined) {
    p = canonicalJson(v);
    prints.set(v, p);
  }
  return p;
}

function clusterFromSummary(
  key: string,
  s: ClusterSummary,
  ref: ClusterRef | undefined,
  targetPrints: readonly string[],
): ClusterView {
  const features: FeatureView[] = (s.status?.featureSummaries ?? []).map((f) => ({
    id: f.featureID,
    status: f.status ?? 'Unknown',
    ...(f.failureMessage ? { message: f.failureMessage } : {}),
    ...(f.consecutiveFailures ? { consecutiveFailures: f.consecutiveFailures } : {}),
  }));
  const failed = features.find((f) => f.status === 'Failed' || f.status === 'FailedNonRetriable');
  const theirs = s.spec.clusterProfileSpec ?? {};
  const inSync = CONTENT_FIELDS.every((field, i) => fingerprint(theirs[field]) === targetPrints[i]);
  let state: ClusterState;
  if (failed) state = 'Failed';
  else if (features.some((f) => f.status === 'Removing' || f.status === 'Removed' || f.status === 'AgentRemoving'))
    state = 'Removing';
  else if (!inSync) state = 'Outdated';
  else if (features.length > 0 && features.every((f) => f.status === 'Provisioned')) state = 'Provisioned';
  else state = 'Provisioning';
  const view: ClusterView = { key, type: ref?.type ?? s.spec.clusterType, ready: ref?.ready ?? true, state, features };
  if (failed) view.message = `${failed.id}: ${failed.message ?? failed.status}`;
  return view;
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
