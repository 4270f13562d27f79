// The fake fleet: it plays Sveltos's addon-controller for the simulation. For every ClusterProfile
// it keeps one ClusterSummary per ready matching cluster and moves its features through
// Provisioning, Provisioned, Failed and FailedNonRetriable on the virtual clock, as the fleet file
// says each cluster behaves. It only ever does work when a timed task falls due, so a rollout over
// 100,000 clusters costs a few operations per cluster, never a scan per event.
//
// Behaviour, following addon-controller:
// - ClusterProfile controller: a profile matches the ready clusters its selector selects; its
//   summaries carry a copy of the profile spec. With `maxUpdate` only that many clusters get the
//   new spec at once (a sliding window, in the profile's matching order); the others keep the spec
//   they had (or get no summary yet) until a slot frees, when a cluster becomes Provisioned.
// - ClusterSummary controller: a summary whose spec changed deploys its features (Resources for
//   policyRefs, Helm for helmCharts, Kustomize for kustomizationRefs). An attempt that installs
//   changed content takes the cluster's deployTime (+ seeded jitter); one that finds the content
//   already installed (e.g. only validateHealths were appended) takes its checkTime. A failed
//   attempt shows the features Failed with the message while the next attempt runs; with the
//   profile's maxConsecutiveFailures M, the M-th consecutive failure is FailedNonRetriable and
//   nothing is retried. After a successful attempt the profile's validateHealths of the deployed
//   features are evaluated against the cluster's objects: a failing check keeps its feature Failed
//   with the check's message and is evaluated again whenever the cluster's objects change; checks
//   of features the profile does not deploy are never evaluated (as in Sveltos).
// - Metrics: a check's metric queries are answered from the cluster's `metrics` (PromQL is never
//   evaluated), as numbers or steps timed from when the cluster began deploying the profile's
//   content (every stage's profile of a promotion carries the same content, so they share it); a
//   failing check reading a metric is evaluated again at the exact moment that metric changes.
// - jobCheck (Sveltos Enterprise, v1.14+): the check's Job is created in the cluster the first time
//   the check runs there for that content, shows among its objects as a batch/v1 Job, and finishes
//   after its `duration` with its `outcome` (default: completes after 30s); a Job still running at
//   the check's timeout fails (simulator/check-inputs.ts).
import { isDeepStrictEqual } from 'node:util';
import {
  ANNOTATION_STAGE_NAME,
  CONFIG_API_VERSION,
  LABEL_PROMOTION_NAME,
  LABEL_SUMMARY_CLUSTER,
  LABEL_SUMMARY_CLUSTER_TYPE,
  LABEL_SUMMARY_PROFILE,
  LIB_API_VERSION,
  clusterKey,
} from '../src/api/types.ts';
import type {
  ClusterProfile,
  ClusterProfileSpec,
  ClusterRef,
  ClusterReference,
  ClusterSummary,
  FeatureID,
  FeatureSummary,
  JobCheck,
  KubeObject,
  ValidateHealth,
} from '../src/api/types.ts';
import { parseDuration } from '../src/duration.ts';
import { summaryName } from '../src/engine/names.ts';
import { LabelIndex } from '../src/api/label-index.ts';
import type { World } from '../src/engine/types.ts';
import {
  evaluateHealthChecks,
  type CheckOutcome,
  type ClusterObjects,
  type JobStatus,
} from '../src/health/evaluate.ts';
import { goDuration, JobRun, lastStepAt, metricValue, nextMetricChange } from './check-inputs.ts';
import { defaultKindExists, type ApiKind } from '../src/health/kinds.ts';
import { EventQueue } from './event-queue.ts';
import { DEFAULT_JOB, DEFAULT_JOB_TIMEOUT_MS } from './fleet-spec.ts';
import type { DynamicObjectSpec, FleetClusterSpec, FleetSpec } from './fleet-spec.ts';
import { isUncertain, quantileMs, remainingMs } from './forecast/distribution.ts';
import { describeObject, refsProvide, TimedObject } from './object-timeline.ts';
import { attemptUniform, STREAM } from './seeded-random.ts';

// ---- health checks -----------------------------------------------------------------------------------

/**
 * Evaluates checks against one cluster's objects (src/health: Lua 5.1 in WebAssembly and CEL);
 * injectable for tests.
 */
export type HealthEvaluator = (checks: readonly ValidateHealth[], cluster: ClusterObjects) => Promise<CheckOutcome[]>;

// ---- what the fleet tells the world --------------------------------------------------------------

export type FleetEventType =
  | 'Deploying'
  | 'Provisioned'
  | 'DeployFailed'
  | 'FailedNonRetriable'
  | 'HealthCheckFailed'
  | 'HealthChecksPassed'
  | 'HealthCheckIgnored'
  | 'ObjectCreated'
  | 'ObjectUpdated'
  | 'ObjectDeleted';

export interface FleetEvent {
  at: number;
  type: FleetEventType;
  /** The profile whose work this is, or null for an object changing on its own timeline. */
  profile: string | null;
  /** The promotion stage of that profile (its stagename annotation), if any. */
  stage: string | null;
  /** `namespace/name`, or null for a profile-wide notice. */
  cluster: string | null;
  message: string;
}

export interface ProfileStats {
  matching: number;
  /** Provisioned with the profile's current spec. */
  provisioned: number;
  /** Being deployed or re-provisioned with the current spec (failed attempts being retried included). */
  updating: number;
  /** Waiting for a maxUpdate slot. */
  waiting: number;
  /** Showing Failed (deploy failure being retried, or a failing health check). */
  failed: number;
  failedNonRetriable: number;
}

export interface FleetOptions {
  start: Date | number;
  seed?: number;
  health?: HealthEvaluator;
}

// ---- internal state --------------------------------------------------------------------------------

type Phase = 'idle' | 'provisioning' | 'retrying' | 'provisioned' | 'healthFailing' | 'failed' | 'nonRetriable';

interface ClusterState {
  index: number;
  key: string;
  spec: FleetClusterSpec;
  ref: ClusterRef;
  objects: KubeObject[];
  failuresLeft: number | 'permanent';
  extraFailures: number;
  summaries: SummaryState[] | undefined;
  dynamic: DynamicState[] | undefined;
  /** When this cluster began deploying each content (contentKey), for metric steps. */
  deployStarts: Map<string, number> | undefined;
  /** jobCheck Jobs run on this cluster, by content and Job. */
  jobRuns: Map<string, JobRun> | undefined;
  /** Metric values set from a moment on (a RolloutTest's metric event), by metric name. */
  metricSets: Map<string, MetricSet> | undefined;
}

type DynamicState = TimedObject<SummaryState, ProfileState>;

interface MetricSet {
  at: number;
  value: number;
}

interface ProfileState {
  name: string;
  object: ClusterProfile;
  version: number;
  spec: ClusterProfileSpec;
  contentKey: string;
  features: FeatureID[];
  checks: ValidateHealth[];
  stage: string | null;
  selectorKey: string;
  matching: ClusterState[];
  summaries: Map<ClusterState, SummaryState>;
  maxUpdate: number;
  waiting: ClusterState[];
  waitingHead: number;
  updating: number;
  provisioned: number;
  failed: number;
  nonRetriable: number;
  maxConsecutiveFailures: number | undefined;
  /** Changes to which clusters fail since the engine last looked (see #setPhase). */
  failureChanges: number;
  /** How many clusters were ever Provisioned for this profile, and when the last of them first was. */
  everProvisioned: number;
  firstAppliedAt: number;
  allProvisionedAt: number | null;
}

interface SummaryState {
  cluster: ClusterState;
  profile: ProfileState;
  object: ClusterSummary & { status: { featureSummaries: FeatureSummary[] } };
  version: number;
  gen: number;
  phase: Phase;
  inWindow: boolean;
  attemptIsDeploy: boolean;
  attempts: number;
  consecutiveFailures: number;
  deployedContentKey: string | null;
  /** When content was last installed here (featureSummaries' lastAppliedTime), as RFC 3339; null: never. */
  appliedAt: string | null;
  everProvisioned: boolean;
  removed: boolean;
}

type Task =
  | { at: number; seq: number; kind: 'attempt'; s: SummaryState; gen: number }
  | { at: number; seq: number; kind: 'evaluate'; s: SummaryState; gen: number }
  | { at: number; seq: number; kind: 'timeline'; c: ClusterState; d: DynamicState; gen: number; step: number }
  | { at: number; seq: number; kind: 'jobEnd'; c: ClusterState; run: JobRun };

const FEATURE_ORDER: FeatureID[] = ['Resources', 'Helm', 'Kustomize'];
const NO_KINDS: ApiKind[] = [];

export class Fleet implements World {
  readonly #clusters: ClusterState[] = [];
  readonly #refs: ClusterRef[] = [];
  readonly #byKey = new Map<string, ClusterState>();
  readonly #profiles = new Map<string, ProfileState>();
  /** The clusters by label, built when first needed after the fleet's clusters last changed. */
  #clusterIndex: LabelIndex<ClusterState> | null = null;
  /** profilesOf's answers, the same list until a profile changes (the engine keeps what it works out per list). */
  readonly #profileLists = new Map<string, ClusterProfile[]>();
  readonly #queue = new EventQueue<Task>();
  readonly #listeners = new Set<(e: FleetEvent) => void>();
  readonly #dirty = new Set<string>();
  readonly #health: HealthEvaluator;
  readonly #seed: number;
  // checks -> objects -> kinds -> outcomes: clusters sharing objects share one evaluation.
  readonly #healthCache = new WeakMap<ValidateHealth[], WeakMap<KubeObject[], WeakMap<ApiKind[], CheckOutcome[]>>>();
  /** Deploys a resumed rehearsal found under way: profile -> cluster key -> when the deploy began. */
  readonly #underWay = new Map<string, Map<string, number>>();
  #now: number;
  #uid = 0;

  constructor(spec: FleetSpec, options: FleetOptions) {
    this.#now = typeof options.start === 'number' ? options.start : options.start.getTime();
    this.#seed = (options.seed ?? 1) >>> 0;
    this.#health = options.health ?? evaluateHealthChecks;
    for (const cs of spec.clusters) this.#join(cs);
  }

  /** Adds a cluster at the end of the fleet, its objects that exist from the start included. */
  #join(cs: FleetClusterSpec): ClusterState {
    const key = clusterKey(cs);
    if (this.#byKey.has(key)) throw new Error(`cluster ${key} is defined twice`);
    const c: ClusterState = {
      index: this.#clusters.length,
      key,
      spec: cs,
      ref: { namespace: cs.namespace, name: cs.name, type: cs.type, labels: cs.labels, ready: cs.ready },
      objects: cs.objects,
      failuresLeft: cs.failures,
      extraFailures: 0,
      summaries: undefined,
      dynamic: undefined,
      deployStarts: undefined,
      jobRuns: undefined,
      metricSets: undefined,
    };
    this.#byKey.set(key, c);
    this.#clusters.push(c);
    this.#refs.push(c.ref);
    this.#clusterIndex = null;
    if (cs.dynamicObjects.length > 0) {
      c.dynamic = cs.dynamicObjects.map((d: DynamicObjectSpec): DynamicState => new TimedObject(d));
      let changed = false;
      for (const d of c.dynamic) {
        if (!d.spec.createdBy) {
          this.#appear(c, d, null, false);
          changed = true;
        }
      }
      if (changed) this.#rebuildObjects(c);
    }
    return c;
  }

  // ---- World ----------------------------------------------------------------------------------------

  clusters(): Iterable<ClusterRef> {
    return this.#refs;
  }

  profilesOf(promotionName: string): readonly ClusterProfile[] {
    let list = this.#profileLists.get(promotionName);
    if (!list) {
      list = [];
      for (const p of this.#profiles.values()) {
        if (p.object.metadata.labels?.[LABEL_PROMOTION_NAME] === promotionName) list.push(p.object);
      }
      this.#profileLists.set(promotionName, list);
    }
    return list;
  }

  *summariesOf(profileName: string): Iterable<ClusterSummary> {
    const p = this.#profiles.get(profileName);
    if (!p) return;
    for (const s of p.summaries.values()) yield s.object;
  }

  // ---- reading ---------------------------------------------------------------------------------------

  nowMs(): number {
    return this.#now;
  }

  profile(name: string): ClusterProfile | undefined {
    return this.#profiles.get(name)?.object;
  }

  profiles(): ClusterProfile[] {
    return [...this.#profiles.values()].map((p) => p.object);
  }

  /** The profile's summary for the cluster (`namespace/name`), if it has one; the live object, not a copy. */
  summaryOf(profileName: string, clusterKey: string): ClusterSummary | undefined {
    const c = this.#byKey.get(clusterKey);
    return c && this.#profiles.get(profileName)?.summaries.get(c)?.object;
  }

  cluster(key: string): { ref: ClusterRef; objects: KubeObject[] } | undefined {
    const c = this.#byKey.get(key);
    return c && { ref: c.ref, objects: c.objects };
  }

  /** The jobCheck Jobs on a cluster now (each object replaced, never mutated, when its Job changes). */
  jobsOf(key: string): KubeObject[] {
    const runs = this.#byKey.get(key)?.jobRuns;
    return runs ? [...runs.values()].map((r) => r.object) : [];
  }

  /** Ready clusters a selector matches, in fleet order: what a profile with it would match. */
  matchingClusters(selector: ClusterProfileSpec['clusterSelector']): ClusterRef[] {
    return this.#matching(selector).map((c) => c.ref);
  }

  #matching(selector: ClusterProfileSpec['clusterSelector']): ClusterState[] {
    this.#clusterIndex ??= new LabelIndex(this.#clusters, (c) => c.ref.labels);
    return this.#clusterIndex.select(selector, (c) => c.ref.ready);
  }

  stats(profileName: string): ProfileStats | undefined {
    const p = this.#profiles.get(profileName);
    if (!p) return undefined;
    return {
      matching: p.matching.length,
      provisioned: p.provisioned,
      updating: p.updating,
      waiting: p.waiting.length - p.waitingHead,
      failed: p.failed,
      failedNonRetriable: p.nonRetriable,
    };
  }

  /** Whether every matching cluster is Provisioned with the profile's current spec. */
  isDeployed(profileName: string): boolean {
    const p = this.#profiles.get(profileName);
    return !!p && isDeployed(p);
  }

  /** When the profile was first applied and when its last cluster first became Provisioned. */
  profileTimes(profileName: string): { firstAppliedAt: number; allProvisionedAt: number | null } | undefined {
    const p = this.#profiles.get(profileName);
    return p && { firstAppliedAt: p.firstAppliedAt, allProvisionedAt: p.allProvisionedAt };
  }

  /**
   * Profiles whose state, as an engine sees it, changed since the last call: deployed or not, some
   * cluster failing or none, some failing for good or none. Changes in which clusters fail while
   * others already do are reported at once on stages of up to 100 clusters, and after every 1% of
   * the stage's clusters changed on larger ones.
   */
  takeDirtyProfiles(): string[] {
    const out = [...this.#dirty];
    this.#dirty.clear();
    for (const name of out) {
      const p = this.#profiles.get(name);
      if (p) p.failureChanges = 0;
    }
    return out;
  }

  /** The next virtual moment anything of the fleet's own will change, or null when nothing will. */
  nextEventAt(): number | null {
    for (;;) {
      const t = this.#queue.peek();
      if (!t) return null;
      if (isStale(t)) {
        this.#queue.pop();
        continue;
      }
      return t.at;
    }
  }

  onEvent(listener: (e: FleetEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- writing (the management cluster's API, as the engine's caller uses it) -------------------------------

  /** Creates or updates a ClusterProfile at the fleet's current time. Returns whether anything changed. */
  applyProfile(profile: ClusterProfile): boolean {
    const name = profile.metadata.name;
    const existing = this.#profiles.get(name);
    if (existing && isDeepStrictEqual(existing.object.spec, profile.spec)) {
      if (
        isDeepStrictEqual(existing.object.metadata.labels, profile.metadata.labels) &&
        isDeepStrictEqual(existing.object.metadata.annotations, profile.metadata.annotations)
      ) {
        return false;
      }
      this.#profileLists.clear();
      existing.object = {
        ...existing.object,
        metadata: {
          ...existing.object.metadata,
          labels: profile.metadata.labels,
          annotations: profile.metadata.annotations,
        },
      };
      existing.stage = profile.metadata.annotations?.[ANNOTATION_STAGE_NAME] ?? null;
      return true;
    }
    // A new spec starts every deploy afresh: none is under way any longer.
    if (existing) this.#underWay.delete(name);
    const spec = deepFreeze(structuredClone(profile.spec));
    const p: ProfileState = existing ?? {
      name,
      object: profile,
      version: 0,
      spec,
      contentKey: '',
      features: [],
      checks: [],
      stage: null,
      selectorKey: '\u0000',
      matching: [],
      summaries: new Map(),
      maxUpdate: 0,
      waiting: [],
      waitingHead: 0,
      updating: 0,
      provisioned: 0,
      failed: 0,
      nonRetriable: 0,
      maxConsecutiveFailures: undefined,
      failureChanges: 0,
      everProvisioned: 0,
      firstAppliedAt: this.#now,
      allProvisionedAt: null,
    };
    const wasDeployed = existing ? isDeployed(p) : null;
    p.version++;
    p.spec = spec;
    p.contentKey = contentKey(spec);
    p.features = featuresOf(spec);
    p.checks = spec.validateHealths ?? [];
    p.stage = profile.metadata.annotations?.[ANNOTATION_STAGE_NAME] ?? null;
    p.maxConsecutiveFailures = spec.maxConsecutiveFailures ?? undefined;
    this.#profiles.set(name, p);

    const selectorKey = JSON.stringify(spec.clusterSelector ?? null);
    if (selectorKey !== p.selectorKey) {
      p.selectorKey = selectorKey;
      p.matching = this.#matching(spec.clusterSelector);
      const still = new Set(p.matching);
      for (const [c, s] of p.summaries) if (!still.has(c)) this.#removeSummary(s);
    }
    p.maxUpdate = resolveMaxUpdate(spec.maxUpdate, p.matching.length);
    // The profile and its summaries share one frozen spec: summaries are copies in meaning, and an
    // engine comparing a summary's spec with its profile's finds them identical at once.
    this.#profileLists.clear();
    p.object = {
      ...structuredClone(profile),
      spec,
      metadata: {
        ...structuredClone(profile.metadata),
        uid: existing?.object.metadata.uid ?? `sim-${++this.#uid}`,
        generation: p.version,
        creationTimestamp: existing?.object.metadata.creationTimestamp ?? new Date(this.#now).toISOString(),
      },
      status: { matchingClusters: p.matching.map(clusterReference) },
    };

    for (const check of p.checks) {
      if (!p.features.includes(check.featureID)) {
        this.#emit(
          'HealthCheckIgnored',
          p,
          null,
          `health check ${check.name} is for feature ${check.featureID}, which ${name} does not deploy: ` +
            `Sveltos never evaluates it`,
        );
      }
    }

    // A new spec: clusters already in the window keep their slot and take the new spec at once;
    // every other matching cluster queues for a slot (or starts now when there is no limit).
    p.provisioned = 0;
    p.updating = 0;
    p.waiting = [];
    p.waitingHead = 0;
    // Deploys a resumed rehearsal found under way held a slot: they take the first ones again.
    const underWay = this.#underWay.get(name);
    const resumed: ClusterState[] = [];
    for (const c of p.matching) {
      const s = p.summaries.get(c);
      if (s?.inWindow) {
        p.updating++;
      } else if (underWay?.has(c.key)) {
        resumed.push(c);
      } else {
        p.waiting.push(c);
      }
    }
    if (resumed.length > 0) p.waiting = [...resumed, ...p.waiting];
    for (const s of p.summaries.values()) {
      if (s.inWindow) this.#update(s);
    }
    this.#fillWindow(p);
    if (p.matching.length === 0 && p.allProvisionedAt === null) p.allProvisionedAt = this.#now;
    if (wasDeployed !== isDeployed(p)) this.#dirty.add(name);
    return true;
  }

  /** Deletes a ClusterProfile and its summaries. Returns whether it existed. */
  deleteProfile(name: string): boolean {
    const p = this.#profiles.get(name);
    if (!p) return false;
    for (const s of [...p.summaries.values()]) this.#removeSummary(s);
    this.#profiles.delete(name);
    this.#profileLists.clear();
    this.#dirty.add(name);
    return true;
  }

  /**
   * A profile as a live management cluster holds it, for a rehearsal that resumes a rollout where
   * it stands: the clusters in `deployed` have its content installed and are Provisioned already;
   * those in `underWay` have been deploying it since the moment given, and finish as a deploy that
   * has lasted that long does (remainingMs); the other matching clusters deploy from now.
   */
  resumeProfile(
    profile: ClusterProfile,
    deployed: Iterable<string>,
    underWay: ReadonlyMap<string, number> = new Map(),
  ): void {
    if (underWay.size > 0) this.#underWay.set(profile.metadata.name, new Map(underWay));
    this.applyProfile(profile);
    const p = this.#profiles.get(profile.metadata.name)!;
    const matching = new Set(p.matching);
    for (const key of deployed) {
      const c = this.#byKey.get(key);
      if (!c || !matching.has(c)) continue;
      const s = p.summaries.get(c);
      const summary = s ?? this.#createSummary(p, c);
      if (!summary.inWindow) {
        // Out of the queue: it takes no maxUpdate slot.
        const i = p.waiting.indexOf(c, p.waitingHead);
        if (i >= 0) p.waiting.splice(i, 1);
      }
      summary.gen++;
      summary.version = p.version;
      summary.object.spec = { ...summary.object.spec, clusterProfileSpec: p.spec };
      summary.deployedContentKey = p.contentKey;
      if (c.spec.metrics && !c.deployStarts?.has(p.contentKey))
        (c.deployStarts ??= new Map()).set(p.contentKey, this.#now);
      this.#deliverObjects(summary);
      this.#provisioned(summary);
    }
  }

  /** The cluster's next deploy attempt fails (for the interactive view's "break this cluster"). */
  failNextAttempt(key: string): void {
    const c = this.#byKey.get(key);
    if (!c) throw new Error(`no cluster ${key} in the fleet`);
    c.extraFailures++;
  }

  // ---- clusters changing (labels, readiness, joining, leaving), as the management cluster says -------------

  /**
   * A cluster's labels or readiness changed: every profile's matching clusters follow, as Sveltos
   * re-evaluates selectors when a cluster changes. Returns whether anything changed.
   */
  updateCluster(key: string, change: { labels: Record<string, string>; ready: boolean }): boolean {
    const c = this.#byKey.get(key);
    if (!c) throw new Error(`no cluster ${key} in the fleet`);
    if (c.ref.ready === change.ready && isDeepStrictEqual(c.ref.labels, change.labels)) return false;
    const i = this.#refs.indexOf(c.ref);
    c.ref = { ...c.ref, labels: { ...change.labels }, ready: change.ready };
    this.#refs[i] = c.ref;
    this.#clusterIndex = null;
    this.#rematchAll();
    return true;
  }

  /**
   * A cluster joins the fleet (registered through the API); profiles whose selector it matches reach
   * it. It is the fleet file's entry from now on: its objects' timelines start now, as the fleet's
   * started at the start; deploy times, failures, metrics and Jobs are its entry's.
   */
  addCluster(spec: FleetClusterSpec): void {
    this.#join(spec);
    this.#rematchAll();
  }

  /** A cluster leaves the fleet: its summaries go, as when it stops matching. Returns whether it was there. */
  removeCluster(key: string): boolean {
    const c = this.#byKey.get(key);
    if (!c) return false;
    this.#byKey.delete(key);
    this.#clusters.splice(this.#clusters.indexOf(c), 1);
    this.#refs.splice(this.#refs.indexOf(c.ref), 1);
    this.#clusterIndex = null;
    // Its own timeline stops with it.
    for (const d of c.dynamic ?? []) d.gen++;
    this.#rematchAll();
    return true;
  }

  #rematchAll(): void {
    for (const p of this.#profiles.values()) this.#rematch(p);
  }

  /** Recomputes which ready clusters the profile's selector matches; new ones queue, gone ones lose their summary. */
  #rematch(p: ProfileState): void {
    const matching = this.#matching(p.spec.clusterSelector);
    const before = new Set(p.matching);
    if (matching.length === before.size && matching.every((c) => before.has(c))) return;
    const still = new Set(matching);
    for (const [c, s] of [...p.summaries]) if (!still.has(c)) this.#removeSummary(s);
    p.waiting = p.waiting.slice(p.waitingHead).filter((c) => still.has(c));
    p.waitingHead = 0;
    for (const c of matching) if (!before.has(c)) p.waiting.push(c);
    p.matching = matching;
    p.maxUpdate = resolveMaxUpdate(p.spec.maxUpdate, matching.length);
    this.#profileLists.clear();
    p.object = { ...p.object, status: { ...p.object.status, matchingClusters: matching.map(clusterReference) } };
    this.#fillWindow(p);
    if (p.allProvisionedAt === null && p.everProvisioned === p.matching.length) p.allProvisionedAt = this.#now;
    // Which clusters a stage covers is part of what the engine reads, deployed or not.
    this.#dirty.add(p.name);
  }

  /** Processes every task due at or before `t`, then sets the fleet's time to `t`. */
  async runUntil(t: number): Promise<void> {
    if (t < this.#now) throw new Error(`fleet cannot go back in time to ${new Date(t).toISOString()}`);
    for (;;) {
      const task = this.#queue.peek();
      if (!task || task.at > t) break;
      this.#queue.pop();
      if (isStale(task)) continue;
      this.#now = task.at;
      switch (task.kind) {
        case 'attempt':
          await this.#finishAttempt(task.s);
          break;
        case 'evaluate':
          await this.#evaluate(task.s);
          break;
        case 'timeline':
          this.#timelineStep(task.c, task.d, task.step);
          break;
        case 'jobEnd':
          this.#jobEnd(task.c, task.run);
          break;
      }
    }
    this.#now = t;
  }

  // ---- ClusterProfile controller ------------------------------------------------------------------------

  #fillWindow(p: ProfileState): void {
    while (p.waitingHead < p.waiting.length && (p.maxUpdate === 0 || p.updating < p.maxUpdate)) {
      const c = p.waiting[p.waitingHead++]!;
      if (p.waitingHead === p.waiting.length) {
        p.waiting = [];
        p.waitingHead = 0;
      }
      p.updating++;
      let s = p.summaries.get(c);
      if (!s) s = this.#createSummary(p, c);
      s.inWindow = true;
      this.#update(s);
    }
  }

  #createSummary(p: ProfileState, c: ClusterState): SummaryState {
    const object = {
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterSummary',
      metadata: {
        name: summaryName(p.name, c.ref),
        namespace: c.ref.namespace,
        labels: {
          [LABEL_SUMMARY_PROFILE]: p.name,
          [LABEL_SUMMARY_CLUSTER]: c.ref.name,
          [LABEL_SUMMARY_CLUSTER_TYPE]: c.ref.type,
        },
      },
      spec: {
        clusterNamespace: c.ref.namespace,
        clusterName: c.ref.name,
        clusterType: c.ref.type,
        clusterProfileSpec: p.spec,
      },
      status: { featureSummaries: [] as FeatureSummary[] },
    } satisfies ClusterSummary;
    const s: SummaryState = {
      cluster: c,
      profile: p,
      object,
      version: 0,
      gen: 0,
      phase: 'idle',
      inWindow: false,
      attemptIsDeploy: false,
      attempts: 0,
      consecutiveFailures: 0,
      deployedContentKey: null,
      appliedAt: null,
      everProvisioned: false,
      removed: false,
    };
    p.summaries.set(c, s);
    (c.summaries ??= []).push(s);
    return s;
  }

  /** Gives the summary the profile's current spec and starts deploying it. */
  #update(s: SummaryState): void {
    const p = s.profile;
    // The phase first: counters look at the version the summary held until now.
    this.#setPhase(
      s,
      'provisioning',
      p.features.map((f) => ({ featureID: f, status: 'Provisioning' })),
    );
    s.version = p.version;
    s.object.spec = { ...s.object.spec, clusterProfileSpec: p.spec };
    s.attempts = 0;
    s.consecutiveFailures = 0;
    this.#startAttempt(s);
  }

  #startAttempt(s: SummaryState): void {
    const c = s.cluster;
    const p = s.profile;
    s.gen++;
    s.attempts++;
    s.attemptIsDeploy = p.contentKey !== s.deployedContentKey;
    let duration = c.spec.checkTimeMs;
    if (s.attemptIsDeploy) {
      const began = this.#takeUnderWay(p.name, c.key);
      const draw =
        began === undefined
          ? this.#deployTime(c, p.name, s.attempts)
          : this.#remainingDeployTime(c, p.name, this.#now - began);
      duration = draw + this.#jitter(c, p.name, s.attempts);
      if (c.spec.metrics && !c.deployStarts?.has(p.contentKey))
        (c.deployStarts ??= new Map()).set(p.contentKey, this.#now);
    }
    this.#queue.push({ at: this.#now + duration, kind: 'attempt', s, gen: s.gen });
    const what = s.attemptIsDeploy ? 'deploying' : 're-provisioning';
    const attempt = s.attempts > 1 ? ` (attempt ${s.attempts})` : '';
    this.#emit('Deploying', p, c, `${what} ${p.name}${attempt}`);
  }

  #removeSummary(s: SummaryState): void {
    const p = s.profile;
    const c = s.cluster;
    const wasDeployed = isDeployed(p);
    this.#setPhase(s, 'idle', []);
    s.removed = true;
    s.gen++;
    if (s.inWindow) {
      s.inWindow = false;
      p.updating--;
    }
    p.summaries.delete(c);
    if (s.everProvisioned) p.everProvisioned--;
    const list = c.summaries!;
    list.splice(list.indexOf(s), 1);
    this.#withdrawObjects(s);
    if (wasDeployed !== isDeployed(p)) this.#dirty.add(p.name);
  }

  // ---- ClusterSummary controller ------------------------------------------------------------------------

  async #finishAttempt(s: SummaryState): Promise<void> {
    const c = s.cluster;
    const p = s.profile;
    if (s.attemptIsDeploy) {
      const failure = this.#takeFailure(c) ?? this.#randomFailure(c, p.name, s.attempts);
      if (failure === 'permanent') {
        this.#failForGood(
          s,
          c.spec.failureMessage ??
            `deploying ${p.name} failed on ${c.key} and will not be retried (failures: permanent)`,
        );
        return;
      }
      if (failure === 'once') {
        s.consecutiveFailures++;
        const message = c.spec.failureMessage ?? `deploy attempt ${s.attempts} of ${p.name} failed on ${c.key}`;
        const max = p.maxConsecutiveFailures;
        if (max !== undefined && s.consecutiveFailures >= max) {
          this.#emit('DeployFailed', p, c, message);
          this.#failForGood(s, 'the maximum number of consecutive errors has been reached');
          return;
        }
        this.#setPhase(
          s,
          'retrying',
          p.features.map((f) => ({
            featureID: f,
            status: 'Failed',
            failureMessage: message,
            consecutiveFailures: s.consecutiveFailures,
          })),
        );
        this.#emit('DeployFailed', p, c, message);
        this.#startAttempt(s);
        return;
      }
      s.deployedContentKey = p.contentKey;
      s.appliedAt = new Date(this.#now).toISOString().replace('.000Z', 'Z');
      s.consecutiveFailures = 0;
      this.#deliverObjects(s);
    }
    await this.#evaluate(s);
  }

  #failForGood(s: SummaryState, message: string): void {
    const p = s.profile;
    this.#setPhase(
      s,
      'nonRetriable',
      p.features.map((f) => ({
        featureID: f,
        status: 'FailedNonRetriable',
        failureMessage: message,
        consecutiveFailures: s.consecutiveFailures || undefined,
      })),
    );
    this.#emit('FailedNonRetriable', p, s.cluster, message);
  }

  /** Evaluates the health checks of the deployed features; none: Provisioned. */
  async #evaluate(s: SummaryState): Promise<void> {
    const p = s.profile;
    const c = s.cluster;
    const checks = p.checks.filter((h) => p.features.includes(h.featureID));
    let failing: CheckOutcome[] = [];
    if (checks.length > 0) {
      const gen = s.gen;
      const results = await this.#runChecks(p, checks, c);
      if (s.removed || s.gen !== gen) return;
      failing = results.filter((r) => !r.healthy);
    }
    if (failing.length === 0) {
      if (checks.length > 0)
        this.#emit('HealthChecksPassed', p, c, `health checks ${checks.map((h) => h.name).join(', ')} passed`);
      this.#provisioned(s);
      return;
    }
    // addon-controller stops a feature at its first failing check: that one is what it shows.
    const byFeature = new Map<FeatureID, string>();
    for (const r of failing) if (!byFeature.has(r.featureID)) byFeature.set(r.featureID, r.message);
    const before = s.phase === 'healthFailing' ? s.object.status.featureSummaries : null;
    const features: FeatureSummary[] = p.features.map((f) => {
      const message = byFeature.get(f);
      return message === undefined
        ? { featureID: f, status: 'Provisioned' }
        : { featureID: f, status: 'Failed', failureMessage: message };
    });
    this.#wakeForMetrics(s, checks, failing);
    if (before && isDeepStrictEqual(before, features)) return;
    this.#setPhase(s, 'healthFailing', features);
    for (const message of byFeature.values()) this.#emit('HealthCheckFailed', p, c, message);
  }

  async #runChecks(p: ProfileState, checks: ValidateHealth[], c: ClusterState): Promise<CheckOutcome[]> {
    const all = p.checks;
    const objects = c.objects;
    const kinds = c.spec.kinds.length === 0 ? NO_KINDS : c.spec.kinds;
    // Metrics and Jobs are the cluster's own and move with time: such checks are not shared.
    if (checks.some((h) => h.jobCheck || (h.metricSource && h.metricQueries?.length))) {
      try {
        return await this.#health(checks, {
          objects,
          kindExists: defaultKindExists(objects, kinds),
          metric: (name) => this.#metric(c, p, name),
          job: (check) => this.#job(c, p, check),
        });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        return checks.map((h) => ({ check: h.name, featureID: h.featureID, healthy: false, message }));
      }
    }
    let byObjects = this.#healthCache.get(all);
    if (!byObjects) this.#healthCache.set(all, (byObjects = new WeakMap()));
    let byKinds = byObjects.get(objects);
    if (!byKinds) byObjects.set(objects, (byKinds = new WeakMap()));
    const cached = byKinds.get(kinds);
    if (cached) return cached;
    let results: CheckOutcome[];
    try {
      results = await this.#health(checks, { objects, kindExists: defaultKindExists(objects, kinds) });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      results = checks.map((h) => ({ check: h.name, featureID: h.featureID, healthy: false, message }));
    }
    byKinds.set(kinds, results);
    return results;
  }

  #provisioned(s: SummaryState): void {
    const p = s.profile;
    const c = s.cluster;
    this.#setPhase(
      s,
      'provisioned',
      p.features.map((f) => ({ featureID: f, status: 'Provisioned' })),
    );
    this.#emit('Provisioned', p, c, `${p.name} provisioned`);
    if (!s.everProvisioned) {
      s.everProvisioned = true;
      p.everProvisioned++;
      if (p.allProvisionedAt === null && p.everProvisioned === p.matching.length) p.allProvisionedAt = this.#now;
    }
    if (s.inWindow) {
      s.inWindow = false;
      p.updating--;
      this.#fillWindow(p);
    }
  }

  #takeFailure(c: ClusterState): 'permanent' | 'once' | null {
    if (c.failuresLeft === 'permanent') return 'permanent';
    if (c.extraFailures > 0) {
      c.extraFailures--;
      return 'once';
    }
    if (c.failuresLeft > 0) {
      c.failuresLeft--;
      return 'once';
    }
    return null;
  }

  /** Moves a summary to a phase, keeping the profile's counters and the engine's dirty set right. */
  #setPhase(s: SummaryState, phase: Phase, features: FeatureSummary[]): void {
    const p = s.profile;
    const wasDeployed = isDeployed(p);
    const old = s.phase;
    const oldFailing = isFailing(old);
    const failedBefore = p.failed;
    const nonRetriableBefore = p.nonRetriable;
    const current = s.version === p.version;
    if (old === 'provisioned' && current) p.provisioned--;
    if (oldFailing) p.failed--;
    if (old === 'nonRetriable') p.nonRetriable--;
    s.phase = phase;
    // As addon-controller records it: when each feature's content was last installed.
    const at = s.appliedAt;
    s.object.status.featureSummaries = at === null ? features : features.map((f) => ({ ...f, lastAppliedTime: at }));
    if (phase === 'provisioned') p.provisioned++;
    if (isFailing(phase)) p.failed++;
    if (phase === 'nonRetriable') p.nonRetriable++;
    if (
      wasDeployed !== isDeployed(p) ||
      (p.failed === 0) !== (failedBefore === 0) ||
      (p.nonRetriable === 0) !== (nonRetriableBefore === 0)
    ) {
      this.#dirty.add(p.name);
    } else if (oldFailing || isFailing(phase)) {
      p.failureChanges++;
      // Which clusters fail only changes the wording of the stage's failure message: over large
      // stages that is refreshed once every 1% of the stage's clusters' changes, so that the
      // engine's O(stage) work stays proportional to what happens (see takeDirtyProfiles).
      if (p.failureChanges >= Math.max(1, Math.ceil(p.matching.length / 100))) this.#dirty.add(p.name);
    }
  }

  // ---- objects changing over virtual time --------------------------------------------------------------------

  #deliverObjects(s: SummaryState): void {
    const c = s.cluster;
    if (!c.dynamic) return;
    const refs = s.profile.spec.policyRefs ?? [];
    let changed = false;
    for (const d of c.dynamic) {
      const by = d.spec.createdBy;
      if (!by) continue;
      if (refsProvide(refs, by, c.ref.namespace)) {
        d.providers.add(s);
        if (!d.present) {
          this.#appear(c, d, s.profile, true);
          changed = true;
        }
      } else if (d.providers.delete(s) && d.providers.size === 0 && d.present) {
        this.#disappear(c, d, s.profile);
        changed = true;
      }
    }
    if (changed) this.#objectsChanged(c);
  }

  #withdrawObjects(s: SummaryState): void {
    const c = s.cluster;
    if (!c.dynamic) return;
    let changed = false;
    for (const d of c.dynamic) {
      if (d.providers.delete(s) && d.providers.size === 0 && d.present) {
        this.#disappear(c, d, s.profile);
        changed = true;
      }
    }
    if (changed) this.#objectsChanged(c);
  }

  #appear(c: ClusterState, d: DynamicState, profile: ProfileState | null, emit: boolean): void {
    for (const { afterMs, step } of d.appear(profile)) {
      this.#queue.push({ at: this.#now + afterMs, kind: 'timeline', c, d, gen: d.gen, step });
    }
    if (emit) this.#emitObject('ObjectCreated', c, d, `${describeObject(d.current)} created by ${profile?.name}`);
  }

  #disappear(c: ClusterState, d: DynamicState, profile: ProfileState | null): void {
    d.disappear();
    const by = profile ? ` with ${profile.name}` : '';
    this.#emitObject('ObjectDeleted', c, d, `${describeObject(d.current)} deleted${by}`);
  }

  #timelineStep(c: ClusterState, d: DynamicState, step: number): void {
    const change = d.step(step);
    if (change) this.#emitObject(change.type, c, d, change.message);
    this.#objectsChanged(c);
  }

  #rebuildObjects(c: ClusterState): void {
    const live = (c.dynamic ?? []).filter((d) => d.present).map((d) => d.current);
    for (const run of c.jobRuns?.values() ?? []) live.push(run.object);
    c.objects = live.length === 0 ? c.spec.objects : [...c.spec.objects, ...live];
  }

  // ---- metrics and Jobs ------------------------------------------------------------------------------------------

  /**
   * The metrics answer these values from now on (until a later step of the cluster's own series):
   * a failing check reading one of them is evaluated again at once.
   */
  setMetrics(key: string, values: Readonly<Record<string, number>>): void {
    const c = this.#byKey.get(key);
    if (!c) throw new Error(`no cluster ${key} in the fleet`);
    const sets = (c.metricSets ??= new Map());
    for (const [name, value] of Object.entries(values)) sets.set(name, { at: this.#now, value });
    for (const s of c.summaries ?? []) {
      if (s.phase !== 'healthFailing') continue;
      const reads = s.profile.checks.some(
        (h) => h.metricSource && h.metricQueries?.some((q) => Object.hasOwn(values, q.name)),
      );
      if (reads) this.#queue.push({ at: this.#now, kind: 'evaluate', s, gen: s.gen });
    }
  }

  /** What the metric answers now: the latest of the series' steps and the values set. */
  #metric(c: ClusterState, p: ProfileState, name: string): number | undefined {
    const start = c.deployStarts?.get(p.contentKey);
    const series = c.spec.metrics?.[name];
    const set = c.metricSets?.get(name);
    if (set === undefined) return metricValue(series, start, this.#now);
    const step = lastStepAt(series, start, this.#now);
    return step !== undefined && step > set.at ? metricValue(series, start, this.#now) : set.value;
  }

  /** A failing check reading a metric is looked at again when the metric next changes. */
  #wakeForMetrics(s: SummaryState, checks: ValidateHealth[], failing: CheckOutcome[]): void {
    const c = s.cluster;
    const start = c.deployStarts?.get(s.profile.contentKey);
    if (!c.spec.metrics || start === undefined) return;
    let next = Number.POSITIVE_INFINITY;
    for (const check of checks) {
      if (!check.metricSource || !failing.some((f) => f.check === check.name)) continue;
      for (const q of check.metricQueries ?? []) {
        next = Math.min(next, nextMetricChange(c.spec.metrics[q.name], start, this.#now) ?? next);
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#queue.push({ at: next, kind: 'evaluate', s, gen: s.gen });
  }

  /** The jobCheck's Job on this cluster for the profile's content, created the first time it is asked for. */
  #job(c: ClusterState, p: ProfileState, check: ValidateHealth & { jobCheck: JobCheck }): JobStatus {
    const ref = check.jobCheck.jobRef;
    const namespace = ref.namespace || c.ref.namespace;
    const key = `${p.contentKey}\u0000${namespace}/${ref.name}`;
    let run = c.jobRuns?.get(key);
    if (!run) {
      const timeoutMs = check.jobCheck.timeout ? parseDuration(check.jobCheck.timeout) : DEFAULT_JOB_TIMEOUT_MS;
      const behaviour = c.spec.jobs?.[ref.name] ?? DEFAULT_JOB;
      run = new JobRun(key, { name: ref.name, namespace, check: check.name }, behaviour, timeoutMs, this.#now);
      // The same Job for new content replaces the old run, as a recreated Job would.
      for (const [k, old] of c.jobRuns ?? []) if (old.name === run.name) c.jobRuns!.delete(k);
      (c.jobRuns ??= new Map()).set(key, run);
      this.#queue.push({ at: run.endsAt, kind: 'jobEnd', c, run });
      this.#rebuildObjects(c);
      this.#emitJob('ObjectCreated', c, p, `Job ${run.name} created for health check ${check.name}`);
    }
    const failure = run.failure;
    return {
      job: run.name,
      state: run.done ? run.end : 'Running',
      timeout: goDuration(run.timeoutMs),
      ...(failure ? { condition: failure } : {}),
    };
  }

  #jobEnd(c: ClusterState, run: JobRun): void {
    const what = run.finish(this.#now);
    this.#emitJob('ObjectUpdated', c, null, `Job ${run.name} ${what}`);
    this.#objectsChanged(c);
  }

  #emitJob(type: FleetEventType, c: ClusterState, p: ProfileState | null, message: string): void {
    if (this.#listeners.size === 0) return;
    const e: FleetEvent = {
      at: this.#now,
      type,
      profile: p?.name ?? null,
      stage: p?.stage ?? null,
      cluster: c.key,
      message,
    };
    for (const l of this.#listeners) l(e);
  }

  /** Health checks failing on this cluster are evaluated again, in order, at this instant. */
  #objectsChanged(c: ClusterState): void {
    this.#rebuildObjects(c);
    for (const s of c.summaries ?? []) {
      if (s.phase === 'healthFailing') this.#queue.push({ at: this.#now, kind: 'evaluate', s, gen: s.gen });
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  #jitter(c: ClusterState, profileName: string, attempt: number): number {
    const max = c.spec.jitterMs;
    if (max <= 0) return 0;
    return Math.round(attemptUniform(this.#seed, STREAM.jitter, c.key, profileName, attempt) * max);
  }

  #deployTime(c: ClusterState, profileName: string, attempt: number): number {
    const d = c.spec.deployTime;
    if (!d || !isUncertain(d)) return c.spec.deployTimeMs;
    return quantileMs(d, attemptUniform(this.#seed, STREAM.deployTime, c.key, profileName, attempt));
  }

  /** The rest of a first deploy attempt that began `elapsedMs` before the rehearsal resumed. */
  #remainingDeployTime(c: ClusterState, profileName: string, elapsedMs: number): number {
    const d = c.spec.deployTime;
    if (!d || !isUncertain(d)) return Math.max(0, c.spec.deployTimeMs - elapsedMs);
    return remainingMs(d, elapsedMs, attemptUniform(this.#seed, STREAM.deployTime, c.key, profileName, 1));
  }

  /** When the deploy of the profile on the cluster began, if a resume found it under way; once only. */
  #takeUnderWay(profileName: string, key: string): number | undefined {
    const m = this.#underWay.get(profileName);
    const began = m?.get(key);
    if (began === undefined) return undefined;
    m!.delete(key);
    if (m!.size === 0) this.#underWay.delete(profileName);
    return began;
  }

  /** A deploy attempt failing by chance (`failureRate`), after the ones the fleet file fails for sure. */
  #randomFailure(c: ClusterState, profileName: string, attempt: number): 'once' | null {
    const rate = c.spec.failureRate ?? 0;
    if (rate <= 0) return null;
    return attemptUniform(this.#seed, STREAM.failure, c.key, profileName, attempt) < rate ? 'once' : null;
  }

  #emit(type: FleetEventType, p: ProfileState, c: ClusterState | null, message: string): void {
    if (this.#listeners.size === 0) return;
    const e: FleetEvent = { at: this.#now, type, profile: p.name, stage: p.stage, cluster: c ? c.key : null, message };
    for (const l of this.#listeners) l(e);
  }

  #emitObject(type: FleetEventType, c: ClusterState, d: DynamicState, message: string): void {
    if (this.#listeners.size === 0) return;
    const e: FleetEvent = {
      at: this.#now,
      type,
      profile: d.owner?.name ?? null,
      stage: d.owner?.stage ?? null,
      cluster: c.key,
      message,
    };
    for (const l of this.#listeners) l(e);
  }
}

function isStale(t: Task): boolean {
  if (t.kind === 'timeline') return t.gen !== t.d.gen || !t.d.present;
  if (t.kind === 'jobEnd') return t.c.jobRuns?.get(t.run.key) !== t.run;
  return t.s.removed || t.gen !== t.s.gen;
}

function isDeployed(p: ProfileState): boolean {
  return p.waitingHead >= p.waiting.length && p.provisioned === p.matching.length;
}

function isFailing(phase: Phase): boolean {
  return phase === 'retrying' || phase === 'healthFailing' || phase === 'nonRetriable';
}

/** The part of a spec whose change means installing something new (not just re-checking). */
function contentKey(spec: ClusterProfileSpec): string {
  return JSON.stringify([spec.policyRefs ?? null, spec.helmCharts ?? null, spec.kustomizationRefs ?? null]);
}

function featuresOf(spec: ClusterProfileSpec): FeatureID[] {
  return FEATURE_ORDER.filter((f) =>
    f === 'Resources'
      ? (spec.policyRefs?.length ?? 0) > 0
      : f === 'Helm'
        ? (spec.helmCharts?.length ?? 0) > 0
        : (spec.kustomizationRefs?.length ?? 0) > 0,
  );
}

/** maxUpdate as Sveltos reads it: a count, or a percentage of the matching clusters rounded up; 0: no limit. */
export function resolveMaxUpdate(value: number | string | undefined, matching: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return Math.max(0, Math.floor(value));
  const m = /^\s*(\d+)\s*%\s*$/.exec(value);
  if (m) {
    const pct = Number(m[1]);
    if (pct === 0) return 0;
    return Math.max(1, Math.ceil((pct * matching) / 100));
  }
  const n = Number(value);
  return Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
}

function clusterReference(c: ClusterState): ClusterReference {
  return c.ref.type === 'Capi'
    ? { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', namespace: c.ref.namespace, name: c.ref.name }
    : { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace: c.ref.namespace, name: c.ref.name };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
