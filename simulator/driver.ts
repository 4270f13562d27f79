// The headless simulation: the promotion engine against the fake fleet on a virtual clock, for
// `simulate`, the terminal rehearsal, the forecast and the benchmarks. At each instant it lets the
// fleet do what falls due, then has the controller loop (src/controller/promotion-controller.ts)
// reconcile the promotion and apply the engine's writes until nothing changes, then jumps to the
// next moment anything can change: a fleet task, the engine's requeue time or a scheduled
// approval. The engine is called only when something it looks at changed (a profile became
// deployed or stopped being, a failure appeared, changed or cleared, the promotion was written, its
// requeue time came), which keeps 100,000 clusters fast.
//
// The promotion lives in memory here and the profiles go straight to the fleet; the served API
// runs the same controller loop over its object store instead (store-simulation.ts).
import jsonpatch from 'fast-json-patch';
import {
  LABEL_PROMOTION_NAME,
  clusterKey,
  type ClusterProfile,
  type ClusterPromotion,
  type ClusterPromotionStatus,
  type ClusterRef,
  type ClusterSummary,
} from '../src/api/types.ts';
import { matchesSelector } from '../src/api/selector.ts';
import { formatDuration } from '../src/duration.ts';
import { rfc3339Millis } from '../src/rfc3339.ts';
import {
  CONFLICT,
  PromotionController,
  UNCHANGED,
  WRITTEN,
  type ControllerPorts,
} from '../src/controller/promotion-controller.ts';
import { mainProfileName } from '../src/engine/names.ts';
import {
  ENGINE_EVENT_TYPES,
  type EngineEventType,
  type JsonPatchOp,
  type ReconcileResult,
  type StagePhase,
  type World,
} from '../src/engine/types.ts';
import { UserError } from '../src/user-error.ts';
import { VirtualClock } from './clock.ts';
import { exponentialMs } from './forecast/distribution.ts';
import { mergePatch } from './merge-patch.ts';
import { Fleet, type FleetEvent, type FleetEventType, type HealthEvaluator, type ProfileStats } from './fleet.ts';
import type { FleetSpec } from './fleet-spec.ts';
import { namedUniform, STREAM } from './seeded-random.ts';

export const DEFAULT_HORIZON_MS = 30 * 24 * 3_600_000;

/** Where the engine's profile writes go; returns whether anything changed. */
export interface ProfileSink {
  applyProfile(profile: ClusterProfile): boolean;
  deleteProfile(name: string): boolean;
}

/** The promotion as the simulation reads and writes it, in memory. */
class MemoryPromotionStore {
  #promotion: ClusterPromotion;

  constructor(promotion: ClusterPromotion) {
    this.#promotion = structuredClone(promotion);
  }

  get(): ClusterPromotion {
    return this.#promotion;
  }

  /** Kept as it is: the engine never edits a status in place, it hands back a new one. */
  setStatus(status: ClusterPromotionStatus): void {
    this.#promotion = { ...this.#promotion, status };
  }

  patch(ops: JsonPatchOp[]): boolean {
    try {
      const { newDocument } = jsonpatch.applyPatch(
        structuredClone(this.#promotion),
        ops as jsonpatch.Operation[],
        true,
        false,
      );
      this.#promotion = newDocument;
      return true;
    } catch (e) {
      if (e instanceof jsonpatch.JsonPatchError) return false;
      throw e;
    }
  }
}

/**
 * When a scheduled approval is given (`--approve STAGE`, `STAGE@DURATION`, `STAGE@RFC3339`), or
 * after an exponentially distributed wait with that mean (`STAGE@~DURATION`), drawn from the seed.
 */
export type ApprovalTime =
  | { kind: 'whenWaiting' }
  | { kind: 'afterWaiting'; ms: number }
  | { kind: 'afterRandomWait'; meanMs: number }
  | { kind: 'at'; at: number };

export interface ScheduledApproval {
  stage: string;
  when: ApprovalTime;
  /** How the user wrote it, for the timeline. */
  source: string;
}

export const OUTCOMES = ['Completed', 'Failed', 'AwaitingApproval', 'Stalled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type SimulationEventType =
  | EngineEventType
  | FleetEventType
  | 'Approved'
  | 'ApprovalNotApplied'
  | 'Revoked'
  | 'Scripted'
  | 'SimulationEnded';

// Keyed by the union, so that a type added to any of its parts must be added here too.
const EVENT_TYPES: Record<SimulationEventType, true> = {
  ...(Object.fromEntries(ENGINE_EVENT_TYPES.map((t) => [t, true])) as Record<EngineEventType, true>),
  Deploying: true,
  Provisioned: true,
  DeployFailed: true,
  FailedNonRetriable: true,
  HealthCheckFailed: true,
  HealthChecksPassed: true,
  HealthCheckIgnored: true,
  ObjectCreated: true,
  ObjectUpdated: true,
  ObjectDeleted: true,
  Approved: true,
  ApprovalNotApplied: true,
  Revoked: true,
  Scripted: true,
  SimulationEnded: true,
};

/** Every type of event a timeline can hold (engine, fleet, user and script). */
export const SIMULATION_EVENT_TYPES = Object.keys(EVENT_TYPES) as SimulationEventType[];

export interface SimulationEvent {
  at: number;
  type: SimulationEventType;
  stage: string | null;
  cluster: string | null;
  message: string;
}

export interface SimulationOptions {
  promotion: ClusterPromotion;
  /** The fleet file's content, or a Fleet already built (its time must be `start`). */
  fleet: FleetSpec | Fleet;
  start: Date | number;
  horizonMs?: number;
  seed?: number;
  approvals?: ScheduledApproval[];
  health?: HealthEvaluator;
  /** Keep every event for the report (default true); the benchmark can measure without. */
  recordEvents?: boolean;
  /**
   * Resume a rollout where it stands (a live one, for a forecast): the promotion keeps its status,
   * the fleet holds these profiles, each Provisioned on the clusters listed, and the engine goes on
   * from the stored status as a restarted one does.
   */
  resume?: ResumeState;
}

export interface ResumeState {
  /**
   * Each profile as it stands: the clusters with its content installed, and those deploying it and
   * since when (epoch ms). Plain data: a forecast sends it to worker threads.
   */
  profiles: { profile: ClusterProfile; deployed: string[]; underWay?: { cluster: string; since: number }[] }[];
}

export interface StageReport {
  name: string;
  clusters: string[];
  phase: StagePhase;
  deployStartedAt: number | null;
  deployedAt: number | null;
  promotedAt: number | null;
  failureMessage: string | null;
}

export interface SimulationResult {
  promotion: string;
  startedAt: number;
  completedAt: number | null;
  endedAt: number;
  outcome: Outcome;
  /** Why the simulation ended where it did, in one sentence. */
  reason: string;
  stages: StageReport[];
  events: SimulationEvent[];
}

export interface SimulationSnapshot {
  now: Date;
  promotion: ClusterPromotion;
  phases: { name: string; phase: StagePhase }[];
  profiles: ClusterProfile[];
  /** Every summary (a copy): O(clusters); large fleets read `stats` instead. */
  summaries: ClusterSummary[];
  clusters: ClusterRef[];
  stats: Record<string, ProfileStats>;
}

/** At most this many engine passes at one instant: more means two writers undo each other. */
const SETTLE_LIMIT = 1000;

export class Simulation {
  readonly fleet: Fleet;
  readonly #store: MemoryPromotionStore;
  readonly #profiles: ProfileSink;
  readonly #clock: VirtualClock;
  readonly #startMs: number;
  readonly #horizonEnd: number;
  readonly #pending: ScheduledApproval[];
  readonly #waitingSince = new Map<string, number>();
  readonly #events: SimulationEvent[] = [];
  readonly #record: boolean;
  readonly #listeners = new Set<(e: SimulationEvent) => void>();
  readonly #changeListeners = new Set<() => void>();
  readonly #phaseListeners = new Set<(at: number, phases: readonly { name: string; phase: StagePhase }[]) => void>();
  /** Scripted actions (a RolloutTest's events), in the order they fall due. */
  readonly #scheduled: { at: number; seq: number; run: () => void | Promise<void> }[] = [];
  #scheduleSeq = 0;
  readonly #firstApplied = new Map<string, number>();
  readonly #promotedAt = new Map<string, number>();
  readonly #deployedAt = new Map<string, number>();
  #controller: PromotionController;
  #phases: { name: string; phase: StagePhase }[];
  #completedAt: number | null = null;
  #ended: SimulationResult | null = null;
  #engineCalls = 0;
  #changedSinceNotice = false;

  constructor(options: SimulationOptions) {
    this.#startMs = typeof options.start === 'number' ? options.start : options.start.getTime();
    this.#clock = new VirtualClock(this.#startMs);
    this.#horizonEnd = this.#startMs + (options.horizonMs ?? DEFAULT_HORIZON_MS);
    this.fleet =
      options.fleet instanceof Fleet
        ? options.fleet
        : new Fleet(options.fleet, {
            start: this.#startMs,
            seed: options.seed ?? 1,
            ...(options.health ? { health: options.health } : {}),
          });
    const promotion = structuredClone(options.promotion);
    // A rehearsal starts from the beginning, unless it resumes; the engine's owner references need a uid.
    if (options.resume) {
      for (const r of options.resume.profiles)
        this.fleet.resumeProfile(r.profile, r.deployed, new Map((r.underWay ?? []).map((u) => [u.cluster, u.since])));
      this.fleet.takeDirtyProfiles();
    } else {
      delete promotion.status;
    }
    promotion.metadata = { ...promotion.metadata, uid: promotion.metadata.uid ?? `sim-${promotion.metadata.name}` };
    this.#store = new MemoryPromotionStore(promotion);
    this.#profiles = this.fleet;
    this.#record = options.recordEvents ?? true;
    const seed = options.seed ?? 1;
    this.#pending = (options.approvals ?? []).map((a) => drawApproval(a, seed));
    for (const a of this.#pending) this.#checkApprovable(a.stage, a.source);
    this.#phases = (promotion.spec.stages ?? []).map((s) => ({ name: s.name, phase: 'Pending' as StagePhase }));
    this.fleet.onEvent((e) => this.#fleetEvent(e));
    this.#controller = this.#startController();
  }

  /** A controller as a process starts it: nothing in memory, every promotion due at once. */
  #startController(): PromotionController {
    const controller = new PromotionController({ ports: this.#ports(), finalizer: false });
    controller.observe({ reconciled: (_p, r, now) => this.#reconciled(r, now) });
    controller.markDue(this.#store.get().metadata.name);
    return controller;
  }

  // ---- reading -----------------------------------------------------------------------------------------

  now(): Date {
    return this.#clock.now();
  }

  nowMs(): number {
    return this.#clock.nowMs();
  }

  get startMs(): number {
    return this.#startMs;
  }

  get horizonEnd(): number {
    return this.#horizonEnd;
  }

  promotion(): ClusterPromotion {
    return this.#store.get();
  }

  phases(): readonly { name: string; phase: StagePhase }[] {
    return this.#phases;
  }

  events(): readonly SimulationEvent[] {
    return this.#events;
  }

  get world(): World {
    return this.fleet;
  }

  /** How many times the engine reconciled so far (the benchmark reports it). */
  get engineCalls(): number {
    return this.#engineCalls;
  }

  get completed(): boolean {
    return this.#completedAt !== null;
  }

  /** The next virtual moment anything can change, or null when nothing will without a user. */
  nextEventAt(): Date | null {
    const t = this.#nextAt();
    return t === null ? null : new Date(t);
  }

  snapshot(): SimulationSnapshot {
    const profiles = this.fleet.profiles();
    const stats: Record<string, ProfileStats> = {};
    const summaries: ClusterSummary[] = [];
    for (const p of profiles) {
      stats[p.metadata.name] = this.fleet.stats(p.metadata.name)!;
      for (const s of this.fleet.summariesOf(p.metadata.name)) summaries.push(structuredClone(s));
    }
    return {
      now: this.now(),
      promotion: structuredClone(this.#store.get()),
      phases: this.#phases.map((p) => ({ ...p })),
      profiles: structuredClone(profiles),
      summaries,
      clusters: [...this.fleet.clusters()],
      stats,
    };
  }

  /** Every event as it happens (engine, fleet and user). */
  on(listener: (e: SimulationEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called when the simulation settled at an instant where anything happened (for redrawing a view). */
  onChange(listener: () => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /**
   * Every phase list the engine decides, as it decides it: several at one instant when the engine
   * passes through a phase without stopping (a stage of no clusters is Deploying and Promoted at once).
   */
  onPhases(listener: (at: number, phases: readonly { name: string; phase: StagePhase }[]) => void): () => void {
    this.#phaseListeners.add(listener);
    return () => this.#phaseListeners.delete(listener);
  }

  // ---- acting ------------------------------------------------------------------------------------------

  /**
   * Runs `action` when the clock reaches `at`, before the fleet's and the engine's reactions at that
   * instant; actions due at the same instant run in the order they were scheduled.
   */
  schedule(at: number, action: () => void | Promise<void>): void {
    if (at < this.nowMs()) throw new Error(`cannot schedule at ${new Date(at).toISOString()}: already past`);
    this.#scheduled.push({ at, seq: this.#scheduleSeq++, run: action });
    this.#scheduled.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Approves the stage without settling: for scripted events, which run while the simulation settles. */
  giveApproval(stage: string, why: string): void {
    this.#applyApproval(stage, why);
  }

  /** Takes a stage's approval back, as `kubectl promotion revoke` would; false when it was not approved. */
  revoke(stage: string, why = 'by the user'): boolean {
    const promotion = this.#store.get();
    const i = promotion.spec.stages.findIndex((s) => s.name === stage);
    const ok =
      i >= 0 &&
      promotion.spec.stages[i]!.trigger?.manual?.approved !== undefined &&
      this.#store.patch([
        { op: 'test', path: `/spec/stages/${i}/name`, value: stage },
        { op: 'remove', path: `/spec/stages/${i}/trigger/manual/approved` },
      ]);
    this.#emit({
      at: this.nowMs(),
      type: 'Revoked',
      stage,
      cluster: null,
      message: ok
        ? `stage ${stage}: approval revoked ${why}`
        : `stage ${stage}: nothing to revoke ${why}, it was not approved`,
    });
    if (ok) this.#controller.markDue(promotion.metadata.name);
    return ok;
  }

  /**
   * Someone edits the promotion: an RFC 7386 merge patch of its spec, labels and annotations (as
   * `kubectl patch --type merge` would send). The engine sees the edit at its next reconcile.
   */
  patchPromotion(patch: { spec?: unknown; metadata?: { labels?: unknown; annotations?: unknown } }): void {
    const current = this.#store.get();
    const ops: JsonPatchOp[] = [];
    if (patch.spec !== undefined)
      ops.push({ op: 'replace', path: '/spec', value: mergePatch(current.spec, patch.spec) });
    for (const field of ['labels', 'annotations'] as const) {
      const change = patch.metadata?.[field];
      if (change !== undefined)
        ops.push({ op: 'add', path: `/metadata/${field}`, value: mergePatch(current.metadata[field] ?? {}, change) });
    }
    if (ops.length > 0 && this.#store.patch(ops)) this.#controller.markDue(current.metadata.name);
  }

  /**
   * The controller process restarts: whatever it held in memory (when to look again) is gone, and
   * like any controller starting it reconciles every promotion from the stored objects at once.
   */
  restartController(): void {
    this.#controller = this.#startController();
  }

  /** A scripted event happened: it goes on the timeline like any other. */
  note(message: string, stage: string | null = null, cluster: string | null = null): void {
    this.#emit({ at: this.nowMs(), type: 'Scripted', stage, cluster, message });
  }

  /** Processes everything due up to and including `t` and leaves the clock at `t`. */
  async advanceTo(t: Date | number): Promise<void> {
    const target = typeof t === 'number' ? t : t.getTime();
    if (target < this.nowMs()) throw new Error(`cannot go back to ${new Date(target).toISOString()}`);
    await this.#settle();
    for (;;) {
      const next = this.#nextAt();
      if (next === null || next > target) break;
      await this.#moveTo(next);
    }
    if (target > this.nowMs()) await this.#moveTo(target);
  }

  /** Jumps to the next moment anything changes; false when nothing will. */
  async step(): Promise<boolean> {
    await this.#settle();
    const next = this.#nextAt();
    if (next === null) return false;
    await this.#moveTo(next);
    return true;
  }

  /** A user approves the stage now (as `kubectl promotion approve` would). */
  async approve(stage: string): Promise<void> {
    this.#checkApprovable(stage, stage);
    this.#applyApproval(stage, 'approved by the user');
    await this.#settle();
  }

  /** The cluster's next deploy attempt fails. */
  failNextAttempt(cluster: string): void {
    this.fleet.failNextAttempt(cluster);
  }

  /** Runs until nothing is left to happen, the promotion completes, or the horizon. */
  async run(): Promise<SimulationResult> {
    if (this.#ended) return this.#ended;
    await this.#settle();
    let horizonReached = false;
    // Scripted events still to come can change a completed promotion (an edit restarts it).
    while (!this.completed || this.#scheduled.length > 0) {
      const next = this.#nextAt();
      if (next === null) break;
      if (next > this.#horizonEnd) {
        horizonReached = true;
        await this.#moveTo(this.#horizonEnd);
        break;
      }
      await this.#moveTo(next);
    }
    this.#ended = this.#finish(horizonReached);
    return this.#ended;
  }

  /**
   * Ends the rehearsal where it stands, for a caller that moves the clock itself (the interactive
   * rehearsal): the result as `run()` would give it at this moment. `stoppedBy` says who stopped it
   * early (e.g. "stopped by the user") and then replaces "nothing left to happen" in the reason.
   */
  end(stoppedBy?: string): SimulationResult {
    this.#ended ??= this.#finish(this.nowMs() >= this.#horizonEnd, stoppedBy);
    return this.#ended;
  }

  // ---- the loop ------------------------------------------------------------------------------------------

  async #moveTo(t: number): Promise<void> {
    this.#clock.advanceTo(t);
    await this.#settle();
  }

  async #settle(): Promise<void> {
    const now = this.nowMs();
    const promotionName = this.#store.get().metadata.name;
    for (let pass = 0; ; pass++) {
      if (pass > SETTLE_LIMIT) {
        throw new Error(`the simulation did not settle at ${new Date(now).toISOString()}: the engine keeps writing`);
      }
      await this.fleet.runUntil(now);
      if (this.#scheduled.length > 0 && this.#scheduled[0]!.at <= now) {
        while (this.#scheduled.length > 0 && this.#scheduled[0]!.at <= now) await this.#scheduled.shift()!.run();
        // What the actions changed in the fleet may fall due at once (a check re-evaluated).
        await this.fleet.runUntil(now);
        this.#controller.markDue(promotionName);
        this.#changedSinceNotice = true;
      }
      for (const name of this.fleet.takeDirtyProfiles()) {
        const profile = this.fleet.profile(name);
        if (!profile || profile.metadata.labels?.[LABEL_PROMOTION_NAME] === promotionName)
          this.#controller.markDue(promotionName);
        this.#noteDeployed(name);
      }
      this.#fireDueApprovals(now);
      if (!this.#controller.hasDue(now)) break;
      this.#changedSinceNotice = true;
      await this.#controller.reconcileDue(now);
      this.#fireDueApprovals(now);
    }
    if (this.#changedSinceNotice) {
      this.#changedSinceNotice = false;
      for (const l of this.#changeListeners) l();
    }
  }

  /** The controller loop's ports over the in-memory promotion and the fleet (or a caller's sink). */
  #ports(): ControllerPorts {
    const store = this.#store;
    const profiles = this.#profiles;
    return {
      promotion: () => store.get(),
      world: () => this.fleet,
      applyProfile: (p) => (profiles.applyProfile(p) ? WRITTEN : UNCHANGED),
      deleteProfile: (name) => (profiles.deleteProfile(name) ? WRITTEN : UNCHANGED),
      writeStatus: (_read, status) => {
        store.setStatus(status);
        return WRITTEN;
      },
      patchSpec: (_read, ops) => (store.patch(ops) ? WRITTEN : CONFLICT),
      // A rehearsal deletes nothing: no finalizer to manage.
      setFinalizers: () => UNCHANGED,
      profileExists: (name) => this.fleet.profile(name) !== undefined,
    };
  }

  /** What the driver keeps of each reconcile: its events for the timeline, when stages moved. */
  #reconciled(r: ReconcileResult, now: number): void {
    this.#engineCalls++;
    // The engine's events first: they say why the fleet's reactions that follow happen.
    for (const e of r.events) {
      if (e.type === 'StagePromoted' && e.stage && !this.#promotedAt.has(e.stage)) this.#promotedAt.set(e.stage, now);
      if (e.type === 'PromotionCompleted' && this.#completedAt === null) this.#completedAt = now;
      if (e.type === 'PipelineRestarted') this.#completedAt = null;
      this.#emit({ at: now, type: e.type, stage: e.stage, cluster: null, message: e.message });
    }
    for (const name of r.delete) this.#noteDeployed(name);
    for (const profile of r.apply) {
      const name = profile.metadata.name;
      if (!this.#firstApplied.has(name)) this.#firstApplied.set(name, now);
    }
    this.#phases = r.phases;
    for (const l of this.#phaseListeners) l(now, r.phases);
    for (const { name, phase } of r.phases) {
      if (phase === 'AwaitingApproval') {
        if (!this.#waitingSince.has(name)) this.#waitingSince.set(name, now);
      } else {
        this.#waitingSince.delete(name);
      }
    }
  }

  #nextAt(): number | null {
    const now = this.nowMs();
    let next = this.fleet.nextEventAt();
    const consider = (t: number | null) => {
      if (t !== null && t >= now && (next === null || t < next)) next = t;
    };
    consider(this.#controller.nextRequeueAfter(now));
    if (this.#scheduled.length > 0) consider(this.#scheduled[0]!.at);
    for (const a of this.#pending) consider(this.#dueAt(a));
    return next;
  }

  // ---- approvals -------------------------------------------------------------------------------------

  #dueAt(a: ScheduledApproval): number | null {
    switch (a.when.kind) {
      case 'at':
        return a.when.at;
      case 'whenWaiting':
        return this.#waitingSince.get(a.stage) ?? null;
      case 'afterRandomWait':
        return null;
      case 'afterWaiting': {
        const since = this.#waitingSince.get(a.stage);
        return since === undefined ? null : since + a.when.ms;
      }
    }
  }

  #fireDueApprovals(now: number): void {
    for (let i = 0; i < this.#pending.length; ) {
      const a = this.#pending[i]!;
      const due = this.#dueAt(a);
      if (due !== null && due <= now) {
        this.#pending.splice(i, 1);
        this.#applyApproval(a.stage, `approved (--approve ${a.source})`);
      } else {
        i++;
      }
    }
  }

  #applyApproval(stage: string, why: string): void {
    const promotion = this.#store.get();
    const i = promotion.spec.stages.findIndex((s) => s.name === stage);
    const ok =
      i >= 0 &&
      this.#store.patch([
        { op: 'test', path: `/spec/stages/${i}/name`, value: stage },
        { op: 'add', path: `/spec/stages/${i}/trigger/manual/approved`, value: true },
      ]);
    const now = this.nowMs();
    if (ok) {
      this.#emit({
        at: now,
        type: 'Approved',
        stage,
        cluster: null,
        message: `stage ${stage} ${why}: spec.stages[${i}].trigger.manual.approved set to true`,
      });
      this.#controller.markDue(promotion.metadata.name);
    } else {
      this.#emit({
        at: now,
        type: 'ApprovalNotApplied',
        stage,
        cluster: null,
        message: `stage ${stage} could not be approved: it is no longer in the promotion`,
      });
    }
  }

  #checkApprovable(stage: string, source: string): void {
    const stages = this.#store.get().spec.stages ?? [];
    const s = stages.find((x) => x.name === stage);
    if (!s)
      throw new ApprovalError(
        `--approve ${source}: the promotion has no stage "${stage}" (stages: ${stages.map((x) => x.name).join(', ')})`,
      );
    if (!s.trigger?.manual)
      throw new ApprovalError(
        `--approve ${source}: stage "${stage}" has no manual trigger, so there is nothing to approve`,
      );
  }

  // ---- events and the end --------------------------------------------------------------------------------

  #fleetEvent(e: FleetEvent): void {
    this.#emit({ at: e.at, type: e.type, stage: e.stage, cluster: e.cluster, message: e.message });
  }

  #emit(e: SimulationEvent): void {
    this.#changedSinceNotice = true;
    if (this.#record) this.#events.push(e);
    for (const l of this.#listeners) l(e);
  }

  #noteDeployed(profileName: string): void {
    if (this.#deployedAt.has(profileName)) return;
    const t = this.fleet.profileTimes(profileName)?.allProvisionedAt;
    if (t !== null && t !== undefined) this.#deployedAt.set(profileName, t);
  }

  #finish(horizonReached: boolean, stoppedBy?: string): SimulationResult {
    const now = this.nowMs();
    const promotion = this.#store.get();
    const stages = promotion.spec.stages ?? [];
    const currentName = promotion.status?.currentStageName;
    const current = this.#phases.find((p) => p.name === currentName);
    const entry = promotion.status?.stages?.find((s) => s.name === currentName);
    let outcome: Outcome;
    let reason: string;
    if (this.completed) {
      outcome = 'Completed';
      reason = `promotion completed after ${formatDuration(this.#completedAt! - this.#startMs)}`;
    } else if (current?.phase === 'Failed') {
      outcome = 'Failed';
      reason =
        `stage ${current.name} failed for good: ` +
        `${entry?.failureMessage ?? 'a cluster failed and will not be retried'}`;
    } else if (current?.phase === 'AwaitingApproval') {
      outcome = 'AwaitingApproval';
      reason = stoppedBy
        ? `${stoppedBy} while stage ${current.name} waits for manual approval`
        : `stage ${current.name} waits for manual approval (approve it with --approve ${current.name})`;
    } else {
      outcome = 'Stalled';
      const where = current ? `stage ${current.name} is ${current.phase}` : 'no stage started';
      const detail = entry?.failureMessage
        ? `: ${entry.failureMessage}`
        : entry?.currentStatusDescription
          ? ` (${entry.currentStatusDescription})`
          : '';
      reason = horizonReached
        ? `horizon reached at ${rfc3339Millis(now)} while ${where}${detail}`
        : stoppedBy
          ? `${stoppedBy} at ${rfc3339Millis(now)} while ${where}${detail}`
          : `nothing left to happen while ${where}${detail}`;
    }
    this.#emit({
      at: now,
      type: 'SimulationEnded',
      stage: current?.name ?? null,
      cluster: null,
      message: `${outcome}: ${reason}`,
    });

    const reports: StageReport[] = stages.map((s, i) => {
      const profile = mainProfileName(promotion.metadata.name, s.name);
      this.#noteDeployed(profile);
      const st = promotion.status?.stages?.find((e) => e.name === s.name);
      return {
        name: s.name,
        clusters: [...this.fleet.clusters()]
          .filter((c) => c.ready && matchesSelector(c.labels, s.clusterSelector))
          .map(clusterKey),
        phase: this.#phases[i]?.phase ?? 'Pending',
        deployStartedAt: this.#firstApplied.get(profile) ?? null,
        deployedAt: this.#deployedAt.get(profile) ?? null,
        promotedAt: this.#promotedAt.get(s.name) ?? null,
        failureMessage: st?.failureMessage ?? null,
      };
    });
    return {
      promotion: promotion.metadata.name,
      startedAt: this.#startMs,
      completedAt: this.#completedAt,
      endedAt: now,
      outcome,
      reason,
      stages: reports,
      events: this.#events,
    };
  }
}

/** An approver who answers after a random wait: this run's wait, drawn from the seed per stage. */
function drawApproval(a: ScheduledApproval, seed: number): ScheduledApproval {
  if (a.when.kind !== 'afterRandomWait') return a;
  const ms = exponentialMs(a.when.meanMs, namedUniform(seed >>> 0, STREAM.approval, a.stage));
  return { ...a, when: { kind: 'afterWaiting', ms } };
}

/** A scheduled approval names a stage that cannot be approved (bad input). */
export class ApprovalError extends UserError {
  override name = 'ApprovalError';
}
