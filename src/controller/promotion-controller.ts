// The one ClusterPromotion controller loop: the engine's decisions applied to wherever the objects
// live. Headless `simulate` (memory), `simulate --serve` (the served API's object store) and the
// live `kubectl promotion controller` (a Kubernetes API, through informers) differ only in the
// ports they give it: how to read a promotion and the world, how to write, where events go.
//
// What the loop guarantees, whatever the ports:
// - a promotion is reconciled when someone marks it due (it or something it depends on changed),
//   after each of its own successful writes (so the next step sees the last), and at the engine's
//   requeue time, never earlier;
// - every write to a promotion carries what was read (the status the resourceVersion it was
//   computed from, a spec patch its `test` operations): a write refused because someone else
//   wrote first is not an error, the promotion is read again and reconciled again;
// - with `finalizer`, Sveltos's finalizer goes on before anything else, and on deletion the
//   engine removes (or keeps) the generated profiles before it comes off;
// - with a `publishProgress` port, the current stage's counts are published on the promotion
//   (src/api/published-progress.ts) when they change, at most once per `publishEvery`, at once
//   when the stage or the spec changed.
import { ANNOTATION_PROGRESS, currentProgress, encodeProgress } from '../api/published-progress.ts';
import type { ClusterProfile, ClusterPromotion, ClusterPromotionStatus } from '../api/types.ts';
import { splitDescription } from '../engine/description.ts';
import { reconcile, reconcileDelete } from '../engine/reconcile.ts';
import type { EngineEventType, JsonPatchOp, ReconcileResult, StagePhase, World } from '../engine/types.ts';
import { progressToPublish } from '../view/model.ts';

export const PROMOTION_FINALIZER = 'config.projectsveltos.io/clusterpromotion';

/**
 * How a write went. `conflict`: someone else wrote first (409, a failed `test`); `gone`: the object
 * no longer exists; `refused`: the API will not take it (retrying would only repeat it).
 */
export type WriteResult =
  | { outcome: 'written' | 'unchanged' | 'gone' }
  | { outcome: 'conflict'; message?: string }
  | { outcome: 'refused'; message: string };

export const WRITTEN: WriteResult = { outcome: 'written' };
export const UNCHANGED: WriteResult = { outcome: 'unchanged' };
export const GONE: WriteResult = { outcome: 'gone' };
export const CONFLICT: WriteResult = { outcome: 'conflict' };

type Maybe<T> = T | Promise<T>;

/** Where the controller reads and writes. Writes may be synchronous (a store) or not (HTTP). */
export interface ControllerPorts {
  /** The promotion as last read, resourceVersion included; undefined once it is gone. */
  promotion(name: string): ClusterPromotion | undefined;
  /** What the engine observes: clusters, profiles and summaries, including this controller's own writes. */
  world(): World;
  applyProfile(profile: ClusterProfile): Maybe<WriteResult>;
  deleteProfile(name: string): Maybe<WriteResult>;
  /** Writes the status only if the promotion is still at `read`'s resourceVersion. */
  writeStatus(read: ClusterPromotion, status: ClusterPromotionStatus): Maybe<WriteResult>;
  /** A JSON Patch whose `test` operations guard it. */
  patchSpec(read: ClusterPromotion, ops: JsonPatchOp[]): Maybe<WriteResult>;
  /** Replaces the finalizers, only if the promotion is still at `read`'s resourceVersion. */
  setFinalizers(read: ClusterPromotion, finalizers: string[]): Maybe<WriteResult>;
  /** Whether a profile still exists (a deletion waits for them all to be gone). */
  profileExists(name: string): boolean;
  /**
   * Sets (or, with null, removes) the progress annotation only, only if the promotion is still at
   * `read`'s resourceVersion. Without it nothing is published (a headless rehearsal has no reader).
   */
  publishProgress?(read: ClusterPromotion, value: string | null): Maybe<WriteResult>;
}

export type ControllerEventType =
  | EngineEventType
  | 'FinalizerAdded'
  | 'Finalized'
  | 'WriteConflict'
  | 'WriteRefused'
  | 'LeftAlone';

export interface ControllerEvent {
  /** The controller's clock (virtual in a rehearsal). */
  at: number;
  promotion: string;
  type: ControllerEventType;
  stage: string | null;
  message: string;
}

export interface ControllerOptions {
  ports: ControllerPorts;
  /** Add Sveltos's finalizer and finalize deleted promotions (default true; a headless rehearsal deletes nothing). */
  finalizer?: boolean;
  /**
   * Asked before each reconcile: a reason to leave the promotion alone (another controller drives
   * it), or null. The reason is reported once per change of mind.
   */
  leaveAlone?: (promotion: ClusterPromotion, now: number) => string | null;
  /**
   * How many promotions are reconciled at once (default 1: one pass in name order, as a rehearsal
   * needs to be deterministic). Above 1 the workers form a work queue, as controller-runtime's
   * MaxConcurrentReconciles: each promotion is reconciled by one worker at a time, and one that
   * becomes due while the others work is taken by the next free worker, not left for a later pass.
   */
  concurrency?: number;
  /**
   * The least time between two countings of a promotion's current stage for the progress
   * annotation, in the controller's clock (default 5 s): counting passes over the stage's
   * clusters, and each change published is a write every watcher of promotions receives.
   */
  publishEvery?: number;
}

export interface ReconcileObserver {
  /** A reconcile of the promotion begins (the time it waited in the queue ends). */
  starting?(promotion: string): void;
  /** The reconcile of the promotion, its writes included, is over. */
  finished?(promotion: string): void;
  /** Every reconcile's result, before its writes are applied (timelines, metrics, shadow comparison). */
  reconciled?(promotion: ClusterPromotion, result: ReconcileResult, now: number): void;
  /** A profile write that changed something. */
  profileWritten?(kind: 'apply' | 'delete', name: string, now: number): void;
  event?(e: ControllerEvent): void;
}

export class PromotionController {
  readonly #ports: ControllerPorts;
  readonly #finalizer: boolean;
  readonly #leaveAlone: ControllerOptions['leaveAlone'];
  readonly #due = new Set<string>();
  readonly #requeueAt = new Map<string, number>();
  readonly #phases = new Map<string, { name: string; phase: StagePhase }[]>();
  readonly #leftAlone = new Map<string, string>();
  readonly #observers = new Set<ReconcileObserver>();
  #reconciles = 0;
  #conflicts = 0;
  readonly #concurrency: number;
  readonly #publishEvery: number;
  /** When each promotion's current stage was last counted for its progress annotation. */
  readonly #countedAt = new Map<string, number>();
  /** Promotions whose clusters changed in a way only the counts see (markCountsChanged). */
  readonly #countDue = new Set<string>();
  /** When to count a promotion again: a change came within publishEvery of the last counting. */
  readonly #countAt = new Map<string, number>();
  /** Promotions a worker is reconciling now (concurrency above 1). */
  readonly #inFlight = new Set<string>();
  /** Idle workers waiting for a promotion to become due or a busy one to finish. */
  #idle: (() => void)[] = [];

  constructor(options: ControllerOptions) {
    this.#ports = options.ports;
    this.#finalizer = options.finalizer ?? true;
    this.#leaveAlone = options.leaveAlone;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#publishEvery = Math.max(0, options.publishEvery ?? 5_000);
  }

  /** How many reconciles ran, and how many writes were refused by a concurrent change. */
  get stats(): { reconciles: number; conflicts: number } {
    return { reconciles: this.#reconciles, conflicts: this.#conflicts };
  }

  /** The stage phases of the promotion's latest reconcile. */
  phases(promotion: string): readonly { name: string; phase: StagePhase }[] {
    return this.#phases.get(promotion) ?? [];
  }

  /** Every promotion's latest phases (metrics). */
  allPhases(): ReadonlyMap<string, readonly { name: string; phase: StagePhase }[]> {
    return this.#phases;
  }

  observe(observer: ReconcileObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Controller events only (engine events included), as a listener. */
  on(listener: (e: ControllerEvent) => void): () => void {
    return this.observe({ event: listener });
  }

  /** The promotion, or something it depends on, changed: reconcile it at the next pass. */
  markDue(name: string): void {
    this.#due.add(name);
    this.#wakeIdle();
  }

  /**
   * The promotion's clusters changed in a way the engine need not look at but its published counts
   * show (one more cluster provisioned): count them again, within publishEvery.
   */
  markCountsChanged(name: string): void {
    if (!this.#ports.publishProgress) return;
    this.#countDue.add(name);
    this.#wakeIdle();
  }

  /** Whether a reconcile (or a counting) is due at `now`. */
  hasDue(now: number): boolean {
    if (this.#due.size > 0 || this.#countDue.size > 0) return true;
    for (const at of this.#requeueAt.values()) if (at <= now) return true;
    for (const at of this.#countAt.values()) if (at <= now) return true;
    return false;
  }

  /** The earliest requeue (or counting) time after `now`, or null. */
  nextRequeueAfter(now: number): number | null {
    let next: number | null = null;
    for (const times of [this.#requeueAt.values(), this.#countAt.values()]) {
      for (const at of times) if (at > now && (next === null || at < next)) next = at;
    }
    return next;
  }

  /** When the promotion asked to be looked at again, if it did. */
  requeueAt(name: string): number | null {
    return this.#requeueAt.get(name) ?? null;
  }

  /** Forgets everything about a promotion that is gone for good. */
  forget(name: string): void {
    this.#due.delete(name);
    this.#requeueAt.delete(name);
    this.#phases.delete(name);
    this.#leftAlone.delete(name);
    this.#countedAt.delete(name);
    this.#countDue.delete(name);
    this.#countAt.delete(name);
  }

  /**
   * The process restarts: everything it held in memory (what was due, when to look again, the
   * phases it saw) is gone. What it must know again it reads from the stored objects.
   */
  restart(): void {
    this.#due.clear();
    this.#requeueAt.clear();
    this.#phases.clear();
    this.#leftAlone.clear();
    this.#countedAt.clear();
    this.#countDue.clear();
    this.#countAt.clear();
  }

  /**
   * Reconciles every promotion due at `now`: with concurrency 1 once each, in name order; above 1
   * until nothing is due or being reconciled, each reconcile at the clock's time when it starts.
   */
  async reconcileDue(now: number | (() => number)): Promise<void> {
    const clock = typeof now === 'number' ? () => now : now;
    const start = clock();
    for (const [name, at] of this.#requeueAt) {
      if (at <= start) {
        this.#requeueAt.delete(name);
        this.#due.add(name);
      }
    }
    for (const [name, at] of this.#countAt) if (at <= start) this.#countDue.add(name);
    if (this.#concurrency === 1) {
      const names = [...this.#due].sort();
      this.#due.clear();
      for (const name of names) await this.reconcileOne(name, start);
      for (const name of [...this.#countDue].sort()) await this.#countOne(name, start);
      return;
    }
    // Countings are jobs of the same queue: a worker counting one promotion holds up no other's reconcile.
    const worker = async (): Promise<void> => {
      for (;;) {
        const job = this.#takeJob();
        if (job !== undefined) {
          const name = job.name;
          this.#inFlight.add(name);
          try {
            if (job.reconcile) await this.reconcileOne(name, clock());
            else await this.#countOne(name, clock());
          } finally {
            this.#inFlight.delete(name);
            this.#wakeIdle();
          }
        } else if (this.#inFlight.size > 0) {
          // What is due is being reconciled (or nothing is): wait for it to finish or for a new one.
          await new Promise<void>((wake) => this.#idle.push(wake));
        } else return;
      }
    };
    await Promise.all(Array.from({ length: this.#concurrency }, worker));
  }

  /** A counting no reconcile did on its way (a reconcile of a promotion due for one counts as it goes). */
  async #countOne(name: string, now: number): Promise<void> {
    this.#countDue.delete(name);
    const promotion = this.#ports.promotion(name);
    if (promotion === undefined || this.#leftAlone.has(name)) return;
    await this.#publish(promotion, this.#ports.world(), now);
  }

  /** The first due promotion no worker is busy with, taken off the queue: reconciles first, then countings. */
  #takeJob(): { name: string; reconcile: boolean } | undefined {
    for (const name of this.#due) {
      if (this.#inFlight.has(name)) continue;
      this.#due.delete(name);
      return { name, reconcile: true };
    }
    for (const name of this.#countDue) {
      if (this.#inFlight.has(name)) continue;
      this.#countDue.delete(name);
      return { name, reconcile: false };
    }
    return undefined;
  }

  #wakeIdle(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const wake of idle) wake();
  }

  /** One reconcile of one promotion. */
  async reconcileOne(name: string, now: number): Promise<void> {
    for (const o of this.#observers) o.starting?.(name);
    try {
      await this.#reconcileOne(name, now);
    } finally {
      for (const o of this.#observers) o.finished?.(name);
    }
  }

  async #reconcileOne(name: string, now: number): Promise<void> {
    const promotion = this.#ports.promotion(name);
    if (promotion === undefined) {
      this.forget(name);
      return;
    }
    const reason = this.#leaveAlone?.(promotion, now) ?? null;
    if (reason !== null) {
      this.#requeueAt.delete(name);
      if (this.#leftAlone.get(name) !== reason) this.#emit(now, name, 'LeftAlone', null, reason);
      this.#leftAlone.set(name, reason);
      return;
    }
    this.#leftAlone.delete(name);
    this.#reconciles++;
    if (this.#finalizer && promotion.metadata.deletionTimestamp !== undefined) {
      await this.#finalize(promotion, now);
      return;
    }
    if (this.#finalizer && !(promotion.metadata.finalizers ?? []).includes(PROMOTION_FINALIZER)) {
      // Sveltos adds its finalizer before anything else; the write brings the promotion back here.
      const finalizers = [...(promotion.metadata.finalizers ?? []), PROMOTION_FINALIZER];
      if (await this.#write(promotion, now, () => this.#ports.setFinalizers(promotion, finalizers))) {
        this.#emit(now, name, 'FinalizerAdded', null, `finalizer ${PROMOTION_FINALIZER} added`);
      }
      return;
    }

    const world = this.#ports.world();
    const r = reconcile(promotion, world, new Date(now));
    for (const o of this.#observers) o.reconciled?.(promotion, r, now);
    // The engine's events first: they say why the writes that follow happen.
    for (const e of r.events) this.#emit(now, name, e.type, e.stage, e.message);
    let wrote = false;
    for (const profile of r.delete) {
      if (await this.#profileWrite(name, now, 'delete', profile, () => this.#ports.deleteProfile(profile)))
        wrote = true;
    }
    for (const profile of r.apply) {
      const n = profile.metadata.name;
      if (await this.#profileWrite(name, now, 'apply', n, () => this.#ports.applyProfile(profile))) wrote = true;
    }
    // The engine hands back a status only when it differs from the one read.
    if (r.status !== null) {
      const status = r.status;
      // Computed from this very object: a status from an older spec is refused, not written.
      if (await this.#write(promotion, now, () => this.#ports.writeStatus(promotion, status))) {
        wrote = true;
        // A new phase is news the counts must keep up with (a stage deployed, 5/5 beside "soaking"):
        // counted at once, however recently. Other status changes (which cluster a deploy waits for)
        // wait their turn like any change of the clusters.
        if (newPhase(promotion.status, status)) this.#countedAt.delete(name);
        this.markCountsChanged(name);
      }
    }
    if (r.specPatch !== null) {
      const ops = r.specPatch;
      if (await this.#write(promotion, now, () => this.#ports.patchSpec(promotion, ops))) wrote = true;
    }
    // Counted from a settled reconcile only: after a write, the next reconcile sees its result.
    // Counted in a job of its own, after the reconciles that are due: a burst of stage ends writes
    // its statuses first. After a write the next reconcile decides, on what the write made.
    if (!wrote && this.#ports.publishProgress && !publishedHolds(promotion)) this.markCountsChanged(name);
    if (r.requeueAt !== null) this.#requeueAt.set(name, r.requeueAt.getTime());
    else this.#requeueAt.delete(name);
    this.#phases.set(name, r.phases);
    // The next step must see this one's writes: look again (ports show their own writes at once).
    if (wrote) this.#due.add(name);
  }

  /**
   * Counts the current stage and publishes the counts if they changed: at once when what is
   * published does not hold (a new stage, an edited spec, nothing yet); for changes of the clusters
   * at most once per publishEvery of the controller's clock, the rest when that is over, though
   * within one instant as often as they come (a rehearsal settles one virtual moment in passes).
   */
  async #publish(promotion: ClusterPromotion, world: World, now: number): Promise<void> {
    const port = this.#ports.publishProgress;
    if (!port) return;
    const name = promotion.metadata.name;
    if (publishedHolds(promotion)) {
      const last = this.#countedAt.get(name);
      if (last !== undefined && now !== last && now - last < this.#publishEvery) {
        this.#countAt.set(name, last + this.#publishEvery);
        return;
      }
    }
    this.#countAt.delete(name);
    this.#countedAt.set(name, now);
    const progress = progressToPublish(promotion, world);
    const value = progress === null ? null : encodeProgress(progress);
    if (value === (promotion.metadata.annotations?.[ANNOTATION_PROGRESS] ?? null)) return;
    await this.#write(promotion, now, () => port.call(this.#ports, promotion, value));
  }

  /** Deleting: the engine removes (or keeps) the generated profiles, then the finalizer goes. */
  async #finalize(promotion: ClusterPromotion, now: number): Promise<void> {
    const name = promotion.metadata.name;
    this.#requeueAt.delete(name);
    if (!(promotion.metadata.finalizers ?? []).includes(PROMOTION_FINALIZER)) return;
    const r = reconcileDelete(promotion, this.#ports.world());
    for (const profile of r.delete)
      await this.#profileWrite(name, now, 'delete', profile, () => this.#ports.deleteProfile(profile));
    for (const profile of r.apply)
      await this.#profileWrite(name, now, 'apply', profile.metadata.name, () => this.#ports.applyProfile(profile));
    // Sveltos waits until every profile is gone before letting the promotion go.
    if (r.delete.some((p) => this.#ports.profileExists(p))) {
      this.#due.add(name);
      return;
    }
    const finalizers = (promotion.metadata.finalizers ?? []).filter((f) => f !== PROMOTION_FINALIZER);
    const kept =
      r.apply.length > 0
        ? `kept ${r.apply.map((p) => p.metadata.name).join(', ')}`
        : `deleted ${r.delete.length} profile(s)`;
    if (await this.#write(promotion, now, () => this.#ports.setFinalizers(promotion, finalizers))) {
      this.#emit(now, name, 'Finalized', null, `${kept}; finalizer ${PROMOTION_FINALIZER} removed`);
    }
  }

  async #profileWrite(
    promotion: string,
    now: number,
    kind: 'apply' | 'delete',
    profile: string,
    write: () => Maybe<WriteResult>,
  ): Promise<boolean> {
    const r = await write();
    if (r.outcome === 'written') for (const o of this.#observers) o.profileWritten?.(kind, profile, now);
    return this.#settled(promotion, now, r, `ClusterProfile ${profile}`);
  }

  /** Runs a conditional write; a concurrent change makes the promotion due again instead of failing. */
  async #write(promotion: ClusterPromotion, now: number, write: () => Maybe<WriteResult>): Promise<boolean> {
    return this.#settled(promotion.metadata.name, now, await write(), `ClusterPromotion ${promotion.metadata.name}`);
  }

  #settled(name: string, now: number, r: WriteResult, what: string): boolean {
    switch (r.outcome) {
      case 'written':
        return true;
      case 'unchanged':
      case 'gone':
        // Gone: its deletion brings the promotion back here if it matters.
        return false;
      case 'conflict':
        this.#conflicts++;
        this.#due.add(name);
        this.#emit(
          now,
          name,
          'WriteConflict',
          null,
          `${r.message ?? `${what} changed since it was read`}; reading it again`,
        );
        return false;
      case 'refused':
        this.#emit(now, name, 'WriteRefused', null, `${what}: ${r.message}`);
        return false;
    }
  }

  #emit(at: number, promotion: string, type: ControllerEventType, stage: string | null, message: string): void {
    for (const o of this.#observers) o.event?.({ at, promotion, type, stage, message });
  }
}

/** Whether the counts published on the promotion hold for it as it stands (published-progress.ts). */
function publishedHolds(promotion: ClusterPromotion): boolean {
  if (promotion.status?.currentStageName === undefined)
    return promotion.metadata.annotations?.[ANNOTATION_PROGRESS] === undefined;
  return currentProgress(promotion) !== null;
}

/** Whether a status moves its current stage to another phase, or another stage. */
function newPhase(before: ClusterPromotionStatus | undefined, after: ClusterPromotionStatus): boolean {
  if (before?.currentStageName !== after.currentStageName) return true;
  const entry = (st: ClusterPromotionStatus | undefined) => st?.stages?.find((e) => e.name === after.currentStageName);
  const [b, a] = [entry(before), entry(after)];
  return (
    splitDescription(b?.currentStatusDescription).phrase !== splitDescription(a?.currentStatusDescription).phrase ||
    b?.lastSuccessfulAppliedTime !== a?.lastSuccessfulAppliedTime
  );
}
