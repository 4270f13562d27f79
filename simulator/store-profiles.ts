// ClusterProfiles when the served API's store is the source of truth. The engine's writes go to
// the store as a controller's would (create, update carrying the resourceVersion it read,
// delete), and the fleet follows whatever the store holds: the engine's profiles and any a user
// creates, edits or deletes with kubectl alike, as addon-controller follows the API server.
import type { ClusterProfile } from '../src/api/types.ts';
import { profileUpdate } from '../src/controller/profile-update.ts';
import type { ObjectStore, StoreEvent } from './apiserver/store.ts';
import type { ProfileSink } from './driver.ts';
import type { Fleet } from './fleet.ts';

const PROFILES = 'clusterprofiles';

/** The engine's profile writes, into the store. Returns whether anything changed. */
export class StoreProfileSink implements ProfileSink {
  constructor(private readonly store: ObjectStore) {}

  applyProfile(profile: ClusterProfile): boolean {
    const existing = this.store.find<ClusterProfile>(PROFILES, profile.metadata.name);
    if (existing === undefined) {
      this.store.create(PROFILES, profile);
      return true;
    }
    const next = profileUpdate(existing, profile);
    if (next === null) return false;
    // existing.metadata.resourceVersion goes with it: a concurrent edit is a 409, never overwritten.
    this.store.update(PROFILES, next);
    return true;
  }

  deleteProfile(name: string): boolean {
    const existing = this.store.find(PROFILES, name);
    if (existing === undefined || existing.metadata.deletionTimestamp !== undefined) return false;
    this.store.delete(PROFILES, name, { preconditions: { uid: existing.metadata.uid! } });
    return true;
  }
}

/**
 * The fleet plays addon-controller for every ClusterProfile in the store, from now on: one being
 * deleted (deletionTimestamp set) is withdrawn at once. `changed` hears of each profile the fleet
 * took up or dropped. Returns the unsubscribe function.
 */
export function followProfiles(store: ObjectStore, fleet: Fleet, changed: (name: string) => void): () => void {
  const follow = (profile: ClusterProfile | null, name: string): void => {
    if (profile === null || profile.metadata.deletionTimestamp !== undefined) {
      if (fleet.deleteProfile(name)) changed(name);
    } else if (fleet.applyProfile(profile)) {
      changed(name);
    }
  };
  for (const p of store.all<ClusterProfile>(PROFILES)) follow(p, p.metadata.name);
  return store.onChange((e: StoreEvent) => {
    if (e.resource.plural !== PROFILES) return;
    follow(e.type === 'DELETED' ? null : (e.object as ClusterProfile), e.object.metadata.name);
  });
}
