// The ClusterPromotion controller of a served simulation: the one controller loop
// (src/controller) over the served API's object store, the way addon-controller runs against an
// API server. A promotion is due when it changes in the store, when one of its profiles changes
// in the store or changes state in the fleet, and at the engine's requeue time.
//
// Every write is conditional on what was read (the store checks the resourceVersion a status or
// finalizer write carries, and a JSON Patch's `test`); the store's refusals become the loop's
// conflict, gone and refused outcomes.
import type { ClusterProfile, ClusterPromotion, ClusterPromotionStatus } from '../src/api/types.ts';
import { LABEL_PROMOTION_NAME, LABEL_SUMMARY_PROFILE } from '../src/api/types.ts';
import { progressPatch } from '../src/controller/progress-patch.ts';
import {
  GONE,
  PromotionController,
  UNCHANGED,
  WRITTEN,
  type ControllerPorts,
  type WriteResult,
} from '../src/controller/promotion-controller.ts';
import type { JsonPatchOp, World } from '../src/engine/types.ts';
import { ApiError, type ObjectStore, type StoreEvent } from './apiserver/store.ts';
import type { ProfileSink } from './driver.ts';

export { PROMOTION_FINALIZER, type ControllerEvent } from '../src/controller/promotion-controller.ts';

const PROMOTIONS = 'clusterpromotions';

export interface StoreControllerOptions {
  store: ObjectStore;
  /** What the engine observes: clusters, and the profiles and summaries as the fleet holds them. */
  world: World;
  /** Where the engine's profile writes go (the store). */
  profiles: ProfileSink;
  /** The least time between two countings of a promotion for its published progress (default 5 s). */
  publishEvery?: number;
  /** Publish the counts at all (default true). */
  publishProgress?: boolean;
}

export class StoreController extends PromotionController {
  /** Profile name -> the promotion it is labelled for, remembered past the profile's deletion. */
  readonly #owners = new Map<string, string>();
  readonly #unsubscribe: () => void;
  readonly #store: ObjectStore;

  constructor(options: StoreControllerOptions) {
    super({
      ports: storePorts(options),
      ...(options.publishEvery !== undefined ? { publishEvery: options.publishEvery } : {}),
    });
    this.#store = options.store;
    this.#list();
    this.#unsubscribe = options.store.onChange((e) => this.#stored(e));
  }

  /** A restarted controller lists everything again, as an informer's first list does. */
  override restart(): void {
    super.restart();
    this.#owners.clear();
    this.#list();
  }

  /** Every promotion is due; every profile's owner is known (its state changing in the fleet wakes the owner). */
  #list(): void {
    for (const p of this.#store.all(PROMOTIONS)) this.markDue(p.metadata.name);
    for (const p of this.#store.all('clusterprofiles')) {
      const owner = p.metadata.labels?.[LABEL_PROMOTION_NAME];
      if (owner !== undefined) this.#owners.set(p.metadata.name, owner);
    }
  }

  /** The fleet says these profiles changed state (deployed, failing...): their promotions look again. */
  profilesChanged(names: Iterable<string>): void {
    for (const name of names) {
      const owner = this.#owners.get(name);
      if (owner !== undefined) this.markDue(owner);
    }
  }

  stop(): void {
    this.#unsubscribe();
  }

  #stored(e: StoreEvent): void {
    const plural = e.resource.plural;
    if (plural === PROMOTIONS) {
      this.markDue(e.object.metadata.name);
    } else if (plural === 'clusterprofiles') {
      const owner =
        e.object.metadata.labels?.[LABEL_PROMOTION_NAME] ?? e.previous?.metadata.labels?.[LABEL_PROMOTION_NAME];
      if (owner === undefined) return;
      this.#owners.set(e.object.metadata.name, owner);
      this.markDue(owner);
    } else if (plural === 'sveltosclusters' || plural === 'clusters') {
      // A cluster joining, leaving, relabelled or becoming (not) ready: any stage's counts.
      for (const owner of new Set(this.#owners.values())) this.markCountsChanged(owner);
    } else if (plural === 'clustersummaries') {
      // Any change of a summary may change its stage's counts; the fleet wakes the engine itself
      // only for changes the engine decides on (profilesChanged).
      const profile = e.object.metadata.labels?.[LABEL_SUMMARY_PROFILE];
      const owner = profile === undefined ? undefined : this.#owners.get(profile);
      if (owner !== undefined) this.markCountsChanged(owner);
    }
  }
}

function storePorts({ store, world, profiles, publishProgress = true }: StoreControllerOptions): ControllerPorts {
  const ports: ControllerPorts = {
    promotion: (name) => store.find<ClusterPromotion>(PROMOTIONS, name),
    world: () => world,
    applyProfile: (profile: ClusterProfile) => attempt(() => (profiles.applyProfile(profile) ? WRITTEN : UNCHANGED)),
    deleteProfile: (name) => attempt(() => (profiles.deleteProfile(name) ? WRITTEN : UNCHANGED)),
    // The object as reconciled, resourceVersion included: a status computed from an older spec is refused.
    writeStatus: (read, status: ClusterPromotionStatus) =>
      attempt(() => store.updateStatus(PROMOTIONS, { ...read, status })),
    patchSpec: (read, ops: JsonPatchOp[]) => attempt(() => store.patch(PROMOTIONS, read.metadata.name, 'json', ops)),
    setFinalizers: (read, finalizers) =>
      attempt(() => store.update(PROMOTIONS, { ...read, metadata: { ...read.metadata, finalizers } })),
    profileExists: (name) => store.find('clusterprofiles', name) !== undefined,
  };
  if (publishProgress) {
    ports.publishProgress = (read, value) =>
      attempt(() => store.patch(PROMOTIONS, read.metadata.name, 'merge', progressPatch(read, value)));
  }
  return ports;
}

function attempt(write: () => unknown): WriteResult {
  try {
    const r = write();
    return typeof r === 'object' && r !== null && 'outcome' in r ? (r as WriteResult) : WRITTEN;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.code === 404) return GONE;
    // A failed `test` is a 422 with the detail of what differed; any other 422 is an object the API refuses.
    if (err.code === 409 || (err.code === 422 && err.detail !== undefined))
      return { outcome: 'conflict', message: err.detail ?? err.message };
    if (err.code === 422) return { outcome: 'refused', message: err.message };
    throw err;
  }
}
