// Everything the live view of promotions needs, followed from the cluster: the ClusterPromotions,
// the ClusterProfiles they generated, those profiles' ClusterSummaries and the managed clusters,
// one informer each (no polling while the streams are healthy), joined into view models on demand.
// A pulse (pulse.ts) notices a server that stopped answering without closing the streams, and
// tells the streams to reconnect as soon as the server answers again.
import {
  LABEL_PROMOTION_NAME,
  LABEL_SUMMARY_PROFILE,
  type CapiCluster,
  type ClusterProfile,
  type ClusterPromotion,
  type ClusterRef,
  type ClusterSummary,
  type KubeObject,
  type SveltosCluster,
} from '../api/types.ts';
import { capiClusterRef, sveltosClusterRef } from '../kube/clusters.ts';
import { explainFailure, isMissingApi, type LiveError } from '../kube/errors.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { Informer, type InformerHealth, type Timers } from '../kube/informer.ts';
import { ServerPulse, type PulseOptions } from '../kube/pulse.ts';
import { listWatchOf } from '../kube/objects.ts';
import {
  CAPI_CLUSTERS,
  CLUSTER_PROFILES,
  CLUSTER_PROMOTIONS,
  CLUSTER_SUMMARIES,
  SVELTOS_CLUSTERS,
  type ResourceType,
} from '../kube/resources.ts';
import type { World } from '../engine/types.ts';
import { viewOfWorld, ViewCache, type PromotionView } from '../view/model.ts';

export interface LiveFleetOptions {
  /** Follow this promotion only (and its profiles); all of them otherwise. */
  promotion?: string;
  timers?: Timers;
  random?: () => number;
  idleTimeoutMs?: number;
  backoff?: { baseMs: number; capMs: number };
  /** How soon a silent server is noticed and a returning one found (pulse.ts; defaults there). */
  pulse?: Pick<PulseOptions, 'quietMs' | 'answerWithinMs' | 'retryMs'>;
}

export interface FleetHealth {
  state: InformerHealth['state'];
  /** The oldest moment up to which every stream is known current. */
  currentAsOf: number | null;
  lastError: string | null;
  /** The server has not answered since then (its streams may look open); null while it answers. */
  silentSince: number | null;
}

type Feed = { resource: ResourceType; informer: Informer<KubeObject>; optional: boolean; absent: boolean };

export class LiveFleet implements World {
  readonly promotions: Informer<ClusterPromotion>;
  readonly profiles: Informer<ClusterProfile>;
  readonly summaries: Informer<ClusterSummary>;
  readonly #feeds: Feed[];
  readonly #client: KubeClient;
  readonly #listeners = new Set<() => void>();
  /** Summaries by the profile they belong to, kept up to date from the summaries' changes. */
  readonly #summariesByProfile = new Map<string, Map<string, ClusterSummary>>();
  #clusters: ClusterRef[] | null = null;
  /** Counts changes of profiles, summaries and clusters: cluster lists are recomputed only then. */
  #worldVersion = 0;
  readonly #caches = new Map<string, ViewCache>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #pulse: ServerPulse;

  constructor(client: KubeClient, options: LiveFleetOptions = {}) {
    this.#client = client;
    const informerOptions = {
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    };
    const feed = <T extends KubeObject>(
      resource: ResourceType,
      selectors: { labelSelector?: string; fieldSelector?: string },
      optional = false,
    ) => {
      const informer = new Informer<T>(listWatchOf<T>(client, resource, selectors, options.random), informerOptions);
      this.#feeds.push({ resource, informer: informer as unknown as Informer<KubeObject>, optional, absent: false });
      return informer;
    };
    this.#feeds = [];
    this.#pulse = new ServerPulse({
      ...(options.timers ? { timers: options.timers } : {}),
      ...options.pulse,
      // Any answer will do, an error status included: /version is readable by everyone.
      probe: async (signal) => {
        try {
          await client.request('GET', '/version', { retry: false, signal });
        } catch (e) {
          if (!(e instanceof KubeApiError)) throw e;
        }
      },
    });
    const one = options.promotion;
    this.promotions = feed<ClusterPromotion>(CLUSTER_PROMOTIONS, one ? { fieldSelector: `metadata.name=${one}` } : {});
    this.profiles = feed<ClusterProfile>(CLUSTER_PROFILES, {
      labelSelector: one ? `${LABEL_PROMOTION_NAME}=${one}` : LABEL_PROMOTION_NAME,
    });
    this.summaries = feed<ClusterSummary>(CLUSTER_SUMMARIES, { labelSelector: LABEL_SUMMARY_PROFILE });
    feed<SveltosCluster>(SVELTOS_CLUSTERS, {});
    // Cluster API is optional in a Sveltos management cluster.
    feed<CapiCluster>(CAPI_CLUSTERS, {}, true);

    this.#unsubscribe.push(
      this.summaries.subscribe({
        change: ({ type, object, previous }) => {
          if (previous) this.#indexSummary(previous, false);
          if (type !== 'deleted') this.#indexSummary(object, true);
        },
      }),
      this.#pulse.subscribe({
        silent: () => this.#notify(),
        // Back: streams that were down retry now; after a silence every stream is re-opened, as the
        // server may have forgotten connections it kept no answer on.
        answered: (wasSilent) => {
          for (const f of this.#feeds)
            if (!f.absent && (wasSilent || f.informer.health().state !== 'live')) f.informer.reconnect();
          this.#notify();
        },
      }),
    );
    for (const f of this.#feeds) {
      const clusterFeed = f.resource === SVELTOS_CLUSTERS || f.resource === CAPI_CLUSTERS;
      this.#unsubscribe.push(
        f.informer.subscribe({
          change: () => {
            if (clusterFeed) this.#clusters = null;
            if (f.resource !== CLUSTER_PROMOTIONS) this.#worldVersion++;
            this.#notify();
          },
          health: () => {
            this.#pulse.watchClosely(
              this.#feeds.some((g) => !g.absent && g.informer.health().state === 'reconnecting'),
            );
            this.#notify();
          },
          heard: () => this.#pulse.heard(),
          error: (e) => {
            if (f.optional && isMissingApi(e, {})) {
              f.absent = true;
              f.informer.stop();
              this.#notify();
            }
          },
        }),
      );
    }
  }

  start(): void {
    for (const f of this.#feeds) f.informer.start();
    this.#pulse.start();
  }

  stop(): void {
    this.#pulse.stop();
    for (const f of this.#feeds) f.informer.stop();
  }

  /**
   * Resolves once every stream has listed once; rejects with the first failure as one clear line
   * (a missing CRD, a denied list). An optional API that is not installed counts as empty.
   */
  async whenSynced(): Promise<void> {
    await Promise.all(
      this.#feeds.map(async (f) => {
        try {
          await f.informer.whenSynced();
        } catch (e) {
          if (f.optional && isMissingApi(e, {})) return;
          throw explainFailure(e, { verb: 'list', resource: f.resource }, this.#client.connection) as LiveError;
        }
      }),
    );
  }

  /** Called after any change or health change; the caller coalesces redraws. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): FleetHealth {
    const rank = { live: 0, connecting: 1, reconnecting: 2, stopped: 3 } as const;
    let state: FleetHealth['state'] = 'live';
    // The view is only as current as its least current stream; one that never listed makes it unknown.
    let currentAsOf: number | null | undefined;
    let lastError: string | null = null;
    for (const f of this.#feeds) {
      if (f.absent) continue;
      const h = f.informer.health();
      if (rank[h.state] > rank[state]) state = h.state;
      if (h.currentAsOf === null) currentAsOf = null;
      else if (currentAsOf !== null)
        currentAsOf = currentAsOf === undefined ? h.currentAsOf : Math.min(currentAsOf, h.currentAsOf);
      lastError ??= h.lastError;
    }
    const silentSince = this.#pulse.silentSince;
    if (silentSince !== null && currentAsOf !== undefined && currentAsOf !== null)
      currentAsOf = Math.min(currentAsOf, silentSince);
    return { state, currentAsOf: currentAsOf ?? null, lastError, silentSince };
  }

  clusters(): ClusterRef[] {
    if (this.#clusters) return this.#clusters;
    const out: ClusterRef[] = [];
    for (const f of this.#feeds) {
      if (f.resource === SVELTOS_CLUSTERS)
        for (const c of f.informer.store.values()) out.push(sveltosClusterRef(c as SveltosCluster));
      if (f.resource === CAPI_CLUSTERS)
        for (const c of f.informer.store.values()) out.push(capiClusterRef(c as CapiCluster));
    }
    return (this.#clusters = out);
  }

  /** The API server's time at local time `localMs`: what the views' ages and countdowns count from. */
  serverNow(localMs: number): number {
    return this.#client.serverNow(localMs);
  }

  promotion(name: string): ClusterPromotion | undefined {
    return this.promotions.store.get(name);
  }

  viewOf(name: string, now: Date): PromotionView | null {
    const promotion = this.promotion(name);
    return promotion ? this.#view(promotion, now) : null;
  }

  views(now: Date): { promotion: ClusterPromotion; view: PromotionView }[] {
    return [...this.promotions.store.values()]
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((promotion) => ({ promotion, view: this.#view(promotion, now) }));
  }

  profilesOf(promotion: string): Iterable<ClusterProfile> {
    const out: ClusterProfile[] = [];
    for (const p of this.profiles.store.values())
      if (p.metadata.labels?.[LABEL_PROMOTION_NAME] === promotion) out.push(p);
    return out;
  }

  summariesOf(profile: string): Iterable<ClusterSummary> {
    return this.#summariesByProfile.get(profile)?.values() ?? [];
  }

  #view(promotion: ClusterPromotion, now: Date): PromotionView {
    const name = promotion.metadata.name;
    let cache = this.#caches.get(name);
    if (!cache) this.#caches.set(name, (cache = new ViewCache()));
    return viewOfWorld(promotion, this, now, cache.at(this.#worldVersion));
  }

  #indexSummary(s: ClusterSummary, add: boolean): void {
    const profile = s.metadata.labels?.[LABEL_SUMMARY_PROFILE];
    if (!profile) return;
    const key = `${s.metadata.namespace}/${s.metadata.name}`;
    let m = this.#summariesByProfile.get(profile);
    if (add) {
      if (!m) this.#summariesByProfile.set(profile, (m = new Map()));
      m.set(key, s);
    } else if (m) {
      m.delete(key);
      if (m.size === 0) this.#summariesByProfile.delete(profile);
    }
  }

  #notify(): void {
    for (const l of [...this.#listeners]) l();
  }
}
