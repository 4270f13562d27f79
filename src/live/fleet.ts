// Everything the live view of promotions needs, followed from the cluster: the ClusterPromotions,
// the ClusterProfiles they generated, those profiles' ClusterSummaries and the managed clusters,
// one informer each (no polling while the streams are healthy), joined into view models on demand.
// The summaries are by far the most numerous objects (one per profile and cluster, ours and every
// other ClusterProfile's): the controller follows them all, a command only those it shows (see
// SummaryScope).
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
import { LabelSetInformers } from '../kube/label-set-informers.ts';
import { listWatchOf } from '../kube/objects.ts';
import {
  CAPI_CLUSTERS,
  CLUSTER_PROFILES,
  CLUSTER_PROMOTIONS,
  CLUSTER_SUMMARIES,
  SVELTOS_CLUSTERS,
  type ResourceType,
} from '../kube/resources.ts';
import { currentProgress } from '../api/published-progress.ts';
import { mainProfileName, verificationProfileName } from '../engine/names.ts';
import type { World } from '../engine/types.ts';
import { viewOfPublished, viewOfWorld, ViewCache, type PromotionView } from '../view/model.ts';
import { uncountedProfile } from './snapshot.ts';

/**
 * Which ClusterSummaries a fleet follows:
 * - `all`: every one of any ClusterProfile (the controller, which counts for every reader);
 * - `stages`: those of the followed promotions' stages, main and verification profile (the
 *   promotions' full views: `watch`, `status`);
 * - `uncounted`: those of each promotion's current stage while no count the controller published
 *   holds for it (`list -w`, whose rows show the current stage only; the views are then built
 *   from the published counts where they hold);
 * - `none` (the promotions' objects printed as they are).
 *
 * A scoped fleet selects the summaries by `cluster-profile-name in (...)`, from profile names it
 * derives from each promotion as the engine names them (names.ts), not from the ClusterProfiles it
 * sees: the names are known from the promotion alone, before any profile exists, so a stage's
 * summaries are followed from the first one addon-controller writes; and the selection changes only
 * when the promotion's stages do (a stage added or renamed, a promotion created or deleted; for
 * `uncounted`, a stage reached or counts that stop or start holding), not each time a profile
 * appears. A ClusterProfile that carries the promotion's label under another name (written by hand)
 * has its summaries left out: the views read each stage's profiles by name, and the forecast (`e`)
 * takes such a profile as deployed nowhere.
 */
export type SummaryScope = 'all' | 'stages' | 'uncounted' | 'none';

const PROFILES_SHOWN: Record<Exclude<SummaryScope, 'all'>, (p: ClusterPromotion) => string[]> = {
  stages: (p) =>
    (p.spec.stages ?? []).flatMap((s) => [
      mainProfileName(p.metadata.name, s.name),
      verificationProfileName(p.metadata.name, s.name),
    ]),
  uncounted: (p) => {
    const profile = uncountedProfile(p);
    return profile === null ? [] : [profile];
  },
  none: () => [],
};

export interface LiveFleetOptions {
  /** Follow this promotion only (and its profiles); all of them otherwise. */
  promotion?: string;
  /** Follow only the promotions this label selector matches (`list -w -l`). */
  selector?: string;
  /** Which ClusterSummaries to follow (default `all`). */
  summaries?: SummaryScope;
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
  /** One informer while following them all, else one per part of the selected profiles' names. */
  readonly summaries: LabelSetInformers<ClusterSummary>;
  readonly #feeds: Feed[];
  readonly #scope: SummaryScope;
  /** The profiles whose summaries each promotion's view needs (scoped fleets). */
  readonly #shownBy = new Map<string, string[]>();
  #selectionChanged = false;
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
    this.promotions = feed<ClusterPromotion>(CLUSTER_PROMOTIONS, {
      ...(one ? { fieldSelector: `metadata.name=${one}` } : {}),
      ...(options.selector === undefined ? {} : { labelSelector: options.selector }),
    });
    this.profiles = feed<ClusterProfile>(CLUSTER_PROFILES, {
      labelSelector: one ? `${LABEL_PROMOTION_NAME}=${one}` : LABEL_PROMOTION_NAME,
    });
    this.#scope = options.summaries ?? 'all';
    this.summaries = new LabelSetInformers<ClusterSummary>(
      (labelSelector) => listWatchOf<ClusterSummary>(client, CLUSTER_SUMMARIES, { labelSelector }, options.random),
      LABEL_SUMMARY_PROFILE,
      this.#scope === 'all' ? null : [],
      informerOptions,
    );
    feed<SveltosCluster>(SVELTOS_CLUSTERS, {});
    // Cluster API is optional in a Sveltos management cluster.
    feed<CapiCluster>(CAPI_CLUSTERS, {}, true);

    if (this.#scope !== 'all') {
      const shown = PROFILES_SHOWN[this.#scope];
      // Subscribed before the listeners below: a change is seen with the selection it makes.
      this.#unsubscribe.push(
        this.promotions.subscribe({
          change: ({ type, object }) => {
            this.#shown(object.metadata.name, type === 'deleted' ? [] : shown(object));
            // The first list's changes are selected at once, when it is complete.
            if (this.promotions.synced) this.#select();
          },
          synced: () => this.#select(),
        }),
      );
    }

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
          for (const i of this.#informers()) if (wasSilent || i.health().state !== 'live') i.reconnect();
          this.#notify();
        },
      }),
    );
    const listen = (resource: ResourceType, source: Pick<Informer<KubeObject>, 'subscribe'>, f?: Feed) => {
      const clusterFeed = resource === SVELTOS_CLUSTERS || resource === CAPI_CLUSTERS;
      this.#unsubscribe.push(
        source.subscribe({
          change: () => {
            if (clusterFeed) this.#clusters = null;
            if (resource !== CLUSTER_PROMOTIONS) this.#worldVersion++;
            this.#notify();
          },
          health: () => {
            this.#pulse.watchClosely([...this.#informers()].some((i) => i.health().state === 'reconnecting'));
            this.#notify();
          },
          heard: () => this.#pulse.heard(),
          error: (e) => {
            if (f?.optional && isMissingApi(e, {})) {
              f.absent = true;
              f.informer.stop();
              this.#notify();
            }
          },
        }),
      );
    };
    for (const f of this.#feeds) listen(f.resource, f.informer, f);
    listen(CLUSTER_SUMMARIES, this.summaries as unknown as Pick<Informer<KubeObject>, 'subscribe'>);
  }

  start(): void {
    for (const f of this.#feeds) f.informer.start();
    this.summaries.start();
    this.#pulse.start();
  }

  stop(): void {
    this.#pulse.stop();
    for (const f of this.#feeds) f.informer.stop();
    this.summaries.stop();
  }

  /**
   * Resolves once every stream has listed once (a scoped fleet's summaries: those the promotions
   * listed show); rejects with the first failure as one clear line (a missing CRD, a denied list).
   * An optional API that is not installed counts as empty.
   */
  async whenSynced(): Promise<void> {
    const summaries = async () => {
      // Which summaries to list is known once the promotions are (a failure to list those is theirs).
      if (this.#scope !== 'all')
        try {
          await this.promotions.whenSynced();
        } catch {
          return;
        }
      try {
        await this.summaries.whenSynced();
      } catch (e) {
        throw explainFailure(e, { verb: 'list', resource: CLUSTER_SUMMARIES }, this.#client.connection) as LiveError;
      }
    };
    await Promise.all([
      ...this.#feeds.map(async (f) => {
        try {
          await f.informer.whenSynced();
        } catch (e) {
          if (f.optional && isMissingApi(e, {})) return;
          throw explainFailure(e, { verb: 'list', resource: f.resource }, this.#client.connection) as LiveError;
        }
      }),
      summaries(),
    ]);
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
    for (const i of this.#informers()) {
      const h = i.health();
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
    // This fleet has no summaries where the controller's counts hold.
    const published = this.#scope === 'uncounted' ? currentProgress(promotion) : null;
    if (published) return viewOfPublished(promotion, published, now);
    const name = promotion.metadata.name;
    let cache = this.#caches.get(name);
    if (!cache) this.#caches.set(name, (cache = new ViewCache()));
    return viewOfWorld(promotion, this, now, cache.at(this.#worldVersion));
  }

  /** Every stream the fleet's data comes from: what its health and the pulse's reconnects cover. */
  *#informers(): Iterable<Informer<KubeObject>> {
    for (const f of this.#feeds) if (!f.absent) yield f.informer;
    yield* this.summaries.informers as readonly Informer<KubeObject>[];
  }

  #shown(promotion: string, profiles: string[]): void {
    const before = this.#shownBy.get(promotion) ?? [];
    if (before.length === profiles.length && before.every((p, i) => p === profiles[i])) return;
    if (profiles.length === 0) this.#shownBy.delete(promotion);
    else this.#shownBy.set(promotion, profiles);
    this.#selectionChanged = true;
  }

  #select(): void {
    if (!this.#selectionChanged) return;
    this.#selectionChanged = false;
    this.summaries.select(new Set([...this.#shownBy.values()].flat()));
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
