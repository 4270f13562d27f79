// The ClusterPromotion controller of a served simulation: the engine run against the store the way
// addon-controller runs against an API server. Every ClusterPromotion in the store is reconciled
// when it changes, when one of its profiles changes or changes state in the fleet, and at the
// engine's requeue time. It adds Sveltos's finalizer, and on deletion lets the engine remove the
// generated profiles before taking the finalizer off.
//
// Every write to a promotion is conditional on what was read: the status carries the
// resourceVersion the engine reconciled, spec patches carry the engine's `test` operations. A
// write refused because someone else wrote first (409, or a failed test) is not an error: the
// promotion is read again and reconciled again, as a controller's requeue would.
import type { ClusterPromotion } from '../src/api/types.ts';
import { LABEL_PROMOTION_NAME } from '../src/api/types.ts';
import { reconcile, reconcileDelete } from '../src/engine/index.ts';
import type { EngineEventType, StagePhase, World } from '../src/engine/types.ts';
import { ApiError, type ObjectStore, type StoreEvent } from './apiserver/store.ts';
import type { ProfileSink } from './driver.ts';

export const PROMOTION_FINALIZER = 'config.projectsveltos.io/clusterpromotion';

const PROMOTIONS = 'clusterpromotions';

export type ControllerEventType = EngineEventType | 'FinalizerAdded' | 'Finalized' | 'WriteConflict' | 'WriteRefused';

export interface ControllerEvent {
  /** Virtual time. */
  at: number;
  promotion: string;
  type: ControllerEventType;
  stage: string | null;
  message: string;
}

export interface ControllerOptions {
  store: ObjectStore;
  /** What the engine observes: clusters, and the profiles and summaries as the fleet holds them. */
  world: World;
  /** Where the engine's profile writes go (the store). */
  profiles: ProfileSink;
}

export class PromotionController {
  readonly #store: ObjectStore;
  readonly #world: World;
  readonly #profiles: ProfileSink;
  readonly #due = new Set<string>();
  readonly #requeueAt = new Map<string, number>();
  readonly #phases = new Map<string, { name: string; phase: StagePhase }[]>();
  /** Profile name -> the promotion it is labelled for, remembered past the profile's deletion. */
  readonly #owners = new Map<string, string>();
  readonly #listeners = new Set<(e: ControllerEvent) => void>();
  readonly #unsubscribe: () => void;
  #reconciles = 0;
  #conflicts = 0;

  constructor(options: ControllerOptions) {
    this.#store = options.store;
    this.#world = options.world;
    this.#profiles = options.profiles;
    for (const p of this.#store.all(PROMOTIONS)) this.#due.add(p.metadata.name);
    this.#unsubscribe = this.#store.onChange((e) => this.#stored(e));
  }

  /** How many reconciles ran, and how many writes were refused by a concurrent change. */
  get stats(): { reconciles: number; conflicts: number } {
    return { reconciles: this.#reconciles, conflicts: this.#conflicts };
  }

  /** The stage phases of the promotion's latest reconcile. */
  phases(promotion: string): readonly { name: string; phase: StagePhase }[] {
    return this.#phases.get(promotion) ?? [];
  }

  on(listener: (e: ControllerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The fleet says these profiles changed state (deployed, failing...): their promotions look again. */
  profilesChanged(names: Iterable<string>): void {
    for (const name of names) {
      const owner = this.#owners.get(name);
      if (owner !== undefined) this.#due.add(owner);
    }
  }

  /** Whether a reconcile is due at `now`. */
  hasDue(now: number): boolean {
    if (this.#due.size > 0) return true;
    for (const at of this.#requeueAt.values()) if (at <= now) return true;
    return false;
  }

  /** The earliest requeue time after `now`, or null. */
  nextRequeueAfter(now: number): number | null {
    let next: number | null = null;
    for (const at of this.#requeueAt.values()) if (at > now && (next === null || at < next)) next = at;
    return next;
  }

  /** Reconciles every promotion due at `now`, once each, in name order. */
  reconcileDue(now: number): void {
    for (const [name, at] of this.#requeueAt) {
      if (at <= now) {
        this.#requeueAt.delete(name);
        this.#due.add(name);
      }
    }
    const names = [...this.#due].sort();
    this.#due.clear();
    for (const name of names) this.#reconcile(name, now);
  }

  stop(): void {
    this.#unsubscribe();
  }

  // ---- one promotion --------------------------------------------------------------------------------

  #reconcile(name: string, now: number): void {
    const promotion = this.#store.find<ClusterPromotion>(PROMOTIONS, name);
    if (promotion === undefined) {
      this.#requeueAt.delete(name);
      this.#phases.delete(name);
      return;
    }
    this.#reconciles++;
    if (promotion.metadata.deletionTimestamp !== undefined) {
      this.#finalize(promotion, now);
      return;
    }
    if (!(promotion.metadata.finalizers ?? []).includes(PROMOTION_FINALIZER)) {
      // Sveltos adds its finalizer before anything else; the write brings the promotion back here.
      const finalizers = [...(promotion.metadata.finalizers ?? []), PROMOTION_FINALIZER];
      if (
        this.#write(promotion, now, () =>
          this.#store.update(PROMOTIONS, { ...promotion, metadata: { ...promotion.metadata, finalizers } }),
        )
      ) {
        this.#emit(now, name, 'FinalizerAdded', null, `finalizer ${PROMOTION_FINALIZER} added`);
      }
      return;
    }

    const r = reconcile(promotion, this.#world, new Date(now));
    for (const e of r.events) this.#emit(now, name, e.type, e.stage, e.message);
    for (const profile of r.delete) this.#profiles.deleteProfile(profile);
    for (const profile of r.apply) this.#profiles.applyProfile(profile);
    if (r.status !== null) {
      const status = r.status;
      // The object as reconciled, resourceVersion included: a status computed from an older spec is refused.
      this.#write(promotion, now, () => this.#store.updateStatus(PROMOTIONS, { ...promotion, status }));
    }
    if (r.specPatch !== null) {
      const ops = r.specPatch;
      this.#write(promotion, now, () => this.#store.patch(PROMOTIONS, name, 'json', ops));
    }
    if (r.requeueAt !== null) this.#requeueAt.set(name, r.requeueAt.getTime());
    else this.#requeueAt.delete(name);
    this.#phases.set(name, r.phases);
  }

  /** Deleting: the engine removes (or keeps) the generated profiles, then the finalizer goes. */
  #finalize(promotion: ClusterPromotion, now: number): void {
    const name = promotion.metadata.name;
    this.#requeueAt.delete(name);
    if (!(promotion.metadata.finalizers ?? []).includes(PROMOTION_FINALIZER)) return;
    const r = reconcileDelete(promotion, this.#world);
    for (const profile of r.delete) this.#profiles.deleteProfile(profile);
    for (const profile of r.apply) this.#profiles.applyProfile(profile);
    // Sveltos waits until every profile is gone before letting the promotion go.
    const left = r.delete.filter((p) => this.#store.find('clusterprofiles', p) !== undefined);
    if (left.length > 0) {
      this.#due.add(name);
      return;
    }
    const finalizers = (promotion.metadata.finalizers ?? []).filter((f) => f !== PROMOTION_FINALIZER);
    const kept =
      r.apply.length > 0
        ? `kept ${r.apply.map((p) => p.metadata.name).join(', ')}`
        : `deleted ${r.delete.length} profile(s)`;
    if (
      this.#write(promotion, now, () =>
        this.#store.update(PROMOTIONS, { ...promotion, metadata: { ...promotion.metadata, finalizers } }),
      )
    ) {
      this.#emit(now, name, 'Finalized', null, `${kept}; finalizer ${PROMOTION_FINALIZER} removed`);
    }
  }

  /** Runs a conditional write; a concurrent change makes the promotion due again instead of failing. */
  #write(promotion: ClusterPromotion, now: number, write: () => unknown): boolean {
    const name = promotion.metadata.name;
    try {
      write();
      return true;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // Deleted meanwhile: its DELETED event ends its reconciling.
      if (err.code === 404) return false;
      if (err.code !== 409 && err.code !== 422) throw err;
      if (err.code === 422 && err.detail === undefined) {
        // Not a failed `test` but an object the API refuses: retrying would only repeat it.
        this.#emit(now, name, 'WriteRefused', null, err.message);
        return false;
      }
      this.#conflicts++;
      this.#due.add(name);
      this.#emit(now, name, 'WriteConflict', null, `${err.detail ?? err.message}; reading it again`);
      return false;
    }
  }

  #stored(e: StoreEvent): void {
    const plural = e.resource.plural;
    if (plural === PROMOTIONS) {
      this.#due.add(e.object.metadata.name);
    } else if (plural === 'clusterprofiles') {
      const owner =
        e.object.metadata.labels?.[LABEL_PROMOTION_NAME] ?? e.previous?.metadata.labels?.[LABEL_PROMOTION_NAME];
      if (owner === undefined) return;
      this.#owners.set(e.object.metadata.name, owner);
      this.#due.add(owner);
    }
  }

  #emit(at: number, promotion: string, type: ControllerEventType, stage: string | null, message: string): void {
    for (const l of this.#listeners) l({ at, promotion, type, stage, message });
  }
}
