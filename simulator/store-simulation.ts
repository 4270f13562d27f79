// The simulation with an API server's object store as its single source of truth: the fleet's
// clusters, the ClusterPromotions, the ClusterProfiles and the ClusterSummaries all live in the
// store, where kubectl reads and edits them. Around it, on a virtual clock:
// - the fleet plays addon-controller for every ClusterProfile in the store and its summaries are
//   mirrored into the store as they change, as are the jobCheck Jobs its clusters run;
// - the promotion controller (the engine, unless left out for another controller to drive the
//   promotions) reconciles every ClusterPromotion in the store.
// Time moves only through advanceTo, one moment anything can change after another, exactly like
// the headless simulation; serve.ts lets it flow with the wall clock.
import type { ClusterPromotion, KubeObject } from '../src/api/types.ts';
import { ObjectStore } from './apiserver/store.ts';
import { seedClusters } from './cluster-objects.ts';
import { Fleet, type HealthEvaluator } from './fleet.ts';
import { JobMirror } from './job-mirror.ts';
import type { FleetSpec } from './fleet-spec.ts';
import { followClusters } from './store-clusters.ts';
import { StoreController } from './store-controller.ts';
import { recordEvents } from './store-events.ts';
import { followProfiles, StoreProfileSink } from './store-profiles.ts';
import { SummaryMirror } from './summary-mirror.ts';

export interface StoreSimulationOptions {
  /** Created in the store at the start (their status and server-set metadata dropped). */
  promotions: readonly ClusterPromotion[];
  fleet: FleetSpec;
  /** Virtual start time. */
  start: number;
  seed?: number;
  health?: HealthEvaluator;
  /** Run the promotion controller (default true); false leaves the promotions to another controller. */
  controller?: boolean;
  /** The controller's least time between two countings of a promotion's progress (default 5 s). */
  publishEvery?: number;
  /** Publish the counts at all (default true); false rehearses a controller that does not, as Sveltos's. */
  publishProgress?: boolean;
  /** Watch events the store keeps per resource (default 5,000, as the store's own default). */
  historyLimit?: number;
  /** How long a Kubernetes Event lives after its last sighting (virtual time; default one hour, as --event-ttl). */
  eventTtlMs?: number;
  /** At most this many Events per reporting controller (default 1,000). */
  maxEvents?: number;
}

/** A line about a scripted event: when, what, and the stage or cluster it concerns. */
export interface StoreNote {
  at: number;
  message: string;
  stage: string | null;
  cluster: string | null;
}

/** At most this many controller passes at one instant: more means two writers undo each other. */
const SETTLE_LIMIT = 1000;

export class StoreSimulation {
  readonly store: ObjectStore;
  readonly fleet: Fleet;
  /** Null with `controller: false`. */
  readonly controller: StoreController | null;
  readonly #mirror: SummaryMirror;
  readonly #jobs: JobMirror;
  readonly #stopFollowing: () => void;
  readonly #stopFollowingClusters: () => void;
  readonly #events: { expire(): void; stop(): void };
  readonly #changeListeners = new Set<() => void>();
  readonly #noteListeners = new Set<(note: StoreNote) => void>();
  /** Scripted actions (a RolloutTest's events), in the order they fall due. */
  readonly #scheduled: { at: number; seq: number; run: () => void | Promise<void> }[] = [];
  #scheduleSeq = 0;
  #now: number;
  #busy = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: StoreSimulationOptions) {
    this.#now = options.start;
    this.store = new ObjectStore({
      now: () => new Date(this.#now),
      // As a Sveltos management cluster: Sveltos and its controllers (their leader-election Leases)
      // live in projectsveltos.
      namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'projectsveltos'],
      ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}),
    });
    this.fleet = new Fleet(options.fleet, {
      start: options.start,
      seed: options.seed ?? 1,
      ...(options.health ? { health: options.health } : {}),
    });
    seedClusters(this.store, options.fleet.clusters);
    this.#mirror = new SummaryMirror(this.store, this.fleet);
    this.#jobs = new JobMirror(this.store, this.fleet);
    this.#stopFollowingClusters = followClusters(this.store, this.fleet, () => {
      for (const p of this.fleet.profiles()) this.#mirror.profileChanged(p.metadata.name);
      this.#jobs.clustersChanged();
    });
    this.controller =
      options.controller === false
        ? null
        : new StoreController({
            store: this.store,
            world: this.fleet,
            profiles: new StoreProfileSink(this.store),
            ...(options.publishEvery !== undefined ? { publishEvery: options.publishEvery } : {}),
            ...(options.publishProgress === false ? { publishProgress: false } : {}),
          });
    this.#events = recordEvents(this.store, this.fleet, this.controller, {
      ...(options.eventTtlMs !== undefined ? { ttlMs: options.eventTtlMs } : {}),
      ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
    });
    this.#stopFollowing = followProfiles(this.store, this.fleet, (name) => this.#mirror.profileChanged(name));
    for (const p of options.promotions) this.store.create('clusterpromotions', asNewObject(p));
    this.store.onChange(() => {
      if (!this.#busy) for (const l of this.#changeListeners) l();
    });
  }

  /** Virtual time the simulation has processed up to (the store's clock). */
  nowMs(): number {
    return this.#now;
  }

  /** The next virtual moment anything changes on its own, or null until someone writes. */
  nextEventAt(): number | null {
    const times = [
      this.fleet.nextEventAt(),
      this.controller?.nextRequeueAfter(this.#now) ?? null,
      this.#scheduled[0]?.at ?? null,
    ].filter((t): t is number => t !== null);
    return times.length === 0 ? null : Math.min(...times);
  }

  /**
   * Runs `action` when the clock reaches `at`: after the fleet's own changes due at that instant,
   * before the controller looks; actions due at the same instant run in the order they were scheduled.
   */
  schedule(at: number, action: () => void | Promise<void>): void {
    this.#scheduled.push({ at: Math.max(at, this.#now), seq: this.#scheduleSeq++, run: action });
    this.#scheduled.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** A line for whoever follows the rehearsal (a scripted event happened). */
  note(message: string, stage: string | null = null, cluster: string | null = null): void {
    for (const l of this.#noteListeners) l({ at: this.#now, message, stage, cluster });
  }

  onNote(listener: (note: StoreNote) => void): () => void {
    this.#noteListeners.add(listener);
    return () => this.#noteListeners.delete(listener);
  }

  /** The controller process restarts: it forgets what it held in memory and lists everything again. */
  restartController(): void {
    this.controller?.restart();
  }

  /** Called when someone other than the simulation wrote to the store (kubectl, a test): it should settle soon. */
  onExternalChange(listener: () => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /**
   * Processes every moment up to `t` in order and leaves the time at `t`. Calls run one after
   * another; a `t` already passed settles at the current time (what a user wrote gets its answer).
   */
  advanceTo(t: number): Promise<void> {
    const run = this.#queue.then(() => this.#advance(t));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Reacts to what was written since the last step, without moving time. */
  settle(): Promise<void> {
    return this.advanceTo(this.#now);
  }

  close(): void {
    this.controller?.stop();
    this.#events.stop();
    this.#stopFollowingClusters();
    this.#mirror.stop();
    this.#jobs.stop();
    this.#stopFollowing();
    this.#changeListeners.clear();
  }

  async #advance(target: number): Promise<void> {
    this.#busy = true;
    try {
      await this.#settleAt(this.#now);
      for (;;) {
        const next = this.nextEventAt();
        if (next === null || next > target) break;
        await this.#settleAt(next);
      }
      if (target > this.#now) await this.#settleAt(target);
    } finally {
      this.#busy = false;
    }
  }

  async #settleAt(t: number): Promise<void> {
    this.#now = Math.max(this.#now, t);
    for (let pass = 0; ; pass++) {
      await this.fleet.runUntil(this.#now);
      if ((this.#scheduled[0]?.at ?? Number.POSITIVE_INFINITY) <= this.#now) {
        while ((this.#scheduled[0]?.at ?? Number.POSITIVE_INFINITY) <= this.#now) await this.#scheduled.shift()!.run();
        // What the actions changed in the fleet may fall due at once (a check re-evaluated).
        await this.fleet.runUntil(this.#now);
      }
      const dirty = this.fleet.takeDirtyProfiles();
      this.controller?.profilesChanged(dirty);
      this.#mirror.flush();
      this.#jobs.flush();
      this.#events.expire();
      if (this.controller === null || !this.controller.hasDue(this.#now)) return;
      if (pass >= SETTLE_LIMIT) {
        throw new Error(
          `the simulation did not settle at ${new Date(this.#now).toISOString()}: the controller keeps writing`,
        );
      }
      await this.controller.reconcileDue(this.#now);
    }
  }
}

/** A manifest as a user would create it: server-set metadata and status left out. */
function asNewObject(p: ClusterPromotion): KubeObject {
  const { name, labels, annotations } = p.metadata;
  return {
    apiVersion: p.apiVersion,
    kind: p.kind,
    metadata: { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    spec: p.spec,
  };
}
