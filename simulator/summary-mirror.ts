// The fleet's ClusterSummaries, kept in the store as addon-controller keeps them in a management
// cluster: created when a profile reaches a cluster (owned by the profile), spec updated when the
// profile's spec reaches it, status written through the status subresource as features move
// through Provisioning, Provisioned and Failed, deleted when the profile stops matching it.
//
// Work is proportional to what changed: the fleet's events name the (profile, cluster) pairs that
// moved, and only a profile that was applied or deleted is compared whole. A summary someone else
// deletes while its profile still reaches the cluster comes back at once, as addon-controller
// recreates it.
import type { ClusterProfile, ClusterSummary, KubeObject } from '../src/api/types.ts';
import { LABEL_SUMMARY_PROFILE } from '../src/api/types.ts';
import type { ObjectStore } from './apiserver/store.ts';
import type { Fleet } from './fleet.ts';

const SUMMARIES = 'clustersummaries';

/**
 * What was last written for a summary: the fleet's spec and features objects (replaced on every
 * change, never mutated).
 */
interface Written {
  spec: unknown;
  features: unknown;
}

export class SummaryMirror {
  readonly #written = new Map<string, Written>();
  readonly #pairs = new Map<string, { profile: string; cluster: string }>();
  readonly #profiles = new Set<string>();
  readonly #unsubscribe: () => void;
  readonly #unsubscribeStore: () => void;
  /** Set while the mirror deletes a summary itself. */
  #deleting = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly fleet: Fleet,
  ) {
    this.#unsubscribe = fleet.onEvent((e) => {
      if (e.profile !== null && e.cluster !== null)
        this.#pairs.set(`${e.profile}\u0000${e.cluster}`, { profile: e.profile, cluster: e.cluster });
    });
    this.#unsubscribeStore = store.onChange((e) => {
      if (e.type !== 'DELETED' || e.resource.plural !== SUMMARIES || this.#deleting) return;
      this.#restore(e.object as ClusterSummary);
    });
  }

  /** The profile was applied or deleted: its summaries are compared whole at the next flush. */
  profileChanged(name: string): void {
    this.#profiles.add(name);
  }

  /** Writes what changed since the last flush to the store. */
  flush(): void {
    for (const profile of this.#profiles) this.#syncProfile(profile);
    for (const { profile, cluster } of this.#pairs.values()) {
      if (this.#profiles.has(profile)) continue;
      const s = this.fleet.summaryOf(profile, cluster);
      if (s !== undefined) this.#sync(s);
    }
    this.#profiles.clear();
    this.#pairs.clear();
  }

  stop(): void {
    this.#unsubscribe();
    this.#unsubscribeStore();
  }

  /** A summary deleted behind the mirror's back: written again if the fleet still has it. */
  #restore(deleted: ClusterSummary): void {
    const key = keyOf(deleted);
    this.#written.delete(key);
    const profile = deleted.metadata.labels?.[LABEL_SUMMARY_PROFILE];
    const cluster = `${deleted.spec?.clusterNamespace ?? deleted.metadata.namespace}/${deleted.spec?.clusterName}`;
    const live = profile === undefined ? undefined : this.fleet.summaryOf(profile, cluster);
    if (live !== undefined && keyOf(live) === key) this.#sync(live);
  }

  #syncProfile(profile: string): void {
    const live = new Set<string>();
    for (const s of this.fleet.summariesOf(profile)) {
      live.add(keyOf(s));
      this.#sync(s);
    }
    const stored = this.store.list<ClusterSummary>(SUMMARIES, {
      labelSelector: `${LABEL_SUMMARY_PROFILE}=${profile}`,
    }).items;
    for (const s of stored) {
      const key = keyOf(s);
      if (live.has(key)) continue;
      this.#written.delete(key);
      this.#deleting = true;
      try {
        this.store.delete(SUMMARIES, s.metadata.name, { namespace: s.metadata.namespace });
      } finally {
        this.#deleting = false;
      }
    }
  }

  #sync(s: ClusterSummary): void {
    const key = keyOf(s);
    const { name, namespace } = s.metadata;
    const features = s.status?.featureSummaries;
    let stored = this.store.find<ClusterSummary>(SUMMARIES, name, namespace);
    let written = this.#written.get(key);
    if (stored === undefined) {
      const profile = this.store.find<ClusterProfile>(
        'clusterprofiles',
        s.metadata.labels?.[LABEL_SUMMARY_PROFILE] ?? '',
      );
      // Its profile is already gone from the store: the summary is about to go too.
      if (profile === undefined) return;
      stored = this.store.create<ClusterSummary>(
        SUMMARIES,
        {
          apiVersion: s.apiVersion,
          kind: s.kind,
          metadata: { name, namespace, labels: { ...s.metadata.labels }, ownerReferences: [ownerReference(profile)] },
          spec: s.spec,
        } as KubeObject,
        BY_ADDON_CONTROLLER,
      );
      written = { spec: s.spec.clusterProfileSpec, features: undefined };
    } else if (written === undefined || written.spec !== s.spec.clusterProfileSpec) {
      stored = this.store.update<ClusterSummary>(SUMMARIES, { ...stored, spec: s.spec }, BY_ADDON_CONTROLLER);
      written = { spec: s.spec.clusterProfileSpec, features: written?.features };
    }
    if (written.features !== features) {
      this.store.updateStatus(
        SUMMARIES,
        { ...stored, status: { featureSummaries: features ?? [] } },
        BY_ADDON_CONTROLLER,
      );
      written = { ...written, features };
    }
    this.#written.set(key, written);
  }
}

/** The fleet plays Sveltos's addon-controller: its writes say so in managedFields. */
const BY_ADDON_CONTROLLER = { fieldManager: 'addon-controller' };

function keyOf(s: KubeObject): string {
  return `${s.metadata.namespace}/${s.metadata.name}`;
}

function ownerReference(profile: ClusterProfile) {
  return {
    apiVersion: profile.apiVersion,
    kind: profile.kind,
    name: profile.metadata.name,
    uid: profile.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}
