// The controller loop against a real Kubernetes API (`kubectl promotion controller`): informers
// over ClusterPromotions, their ClusterProfiles and ClusterSummaries and the managed clusters feed
// the one controller loop (promotion-controller.ts); its writes go to the API with preconditions.
//
// - A promotion is reconciled when it, one of its profiles, one of their summaries or any cluster
//   changes, and at its requeue time on the API server's clock (a rehearsal's runs faster).
// - The informers see the controller's own writes only later: until they do, the written objects
//   stand in for the informer's copies (the loop's next step must see its last one).
// - Only the leader writes, and only while its Lease is surely still its own (leader-election.ts).
// - Another controller already advancing a promotion (Sveltos Enterprise, addon-controller before
//   v1.14) is detected and left alone unless forced; --dry-run and --shadow write nothing.
import { randomBytes } from 'node:crypto';
import {
  LABEL_PROMOTION_NAME,
  LABEL_SUMMARY_PROFILE,
  type ClusterProfile,
  type ClusterPromotion,
  type KubeObject,
} from '../api/types.ts';
import { canonicalJson } from '../engine/canonical.ts';
import type { JsonPatchOp, ReconcileResult, World } from '../engine/types.ts';
import { KubeApiError, KubeUnreachableError, type KubeClient } from '../kube/client.ts';
import type { Informer, InformerHealth } from '../kube/informer.ts';
import { CLUSTER_PROFILES, CLUSTER_PROMOTIONS, resourcePath } from '../kube/resources.ts';
import { LiveFleet } from '../live/fleet.ts';
import { rfc3339 } from '../rfc3339.ts';
import type { Timers } from '../timers.ts';
import type { LeaderElector } from './leader-election.ts';
import type { Logger } from './log.ts';
import type { ControllerMetrics } from './metrics.ts';
import {
  GONE,
  PromotionController,
  UNCHANGED,
  WRITTEN,
  type ControllerEvent,
  type ControllerPorts,
  type WriteResult,
} from './promotion-controller.ts';
import { profileUpdate } from './profile-update.ts';
import { progressPatch } from './progress-patch.ts';

export const FIELD_MANAGER = 'kubectl-promotion-controller';
export const CONTROLLER_NAME = 'kubectl-promotion-controller';

export type Mode = 'normal' | 'dry-run' | 'shadow';

export interface LiveControllerOptions {
  client: KubeClient;
  timers: Timers;
  log: Logger;
  metrics?: ControllerMetrics;
  /** Null: no leader election, this process always leads (--leader-elect=false). */
  elector: LeaderElector | null;
  mode?: Mode;
  /** Drive promotions another controller drives too (--force). */
  force?: boolean;
  /** A status write by another manager this recent means another controller drives the promotion. */
  foreignWriterWindowMs?: number;
  /** The identity written into Events (reportingInstance). */
  identity: string;
  /** The longest real wait between two looks at the clock (a paused rehearsal's time can jump). */
  maxSleepMs?: number;
}

const DEFAULT_FOREIGN_WINDOW_MS = 24 * 3_600_000;
/** After a write was refused for a concurrent change, wait this long before reading again. */
const CONFLICT_BACKOFF_MS = 200;

export class LiveController {
  readonly fleet: LiveFleet;
  readonly core: PromotionController;
  readonly #o: LiveControllerOptions;
  readonly #mode: Mode;
  /** Objects this controller wrote that the informers have not shown yet. */
  readonly #writtenPromotions = new Map<string, ClusterPromotion>();
  readonly #writtenProfiles = new Map<string, ClusterProfile | null>();
  /** resourceVersions of this controller's own promotion writes (to tell them from others'). */
  readonly #ownVersions = new Set<string>();
  /** resourceVersions of this controller's own progress annotations: nothing to reconcile for. */
  readonly #ownCounts = new Set<string>();
  /** The last statuses this controller wrote (or is writing) per promotion, canonical JSON. */
  readonly #ownStatuses = new Map<string, string[]>();
  readonly #foreignWrites = new Map<string, { at: number; by: string }>();
  readonly #shadowNoted = new Map<string, string>();
  readonly #shadowStage = new Map<string, { theirs: string | undefined; ours: string | undefined }>();
  readonly #unsubscribe: (() => void)[] = [];
  /** When each promotion became due (real time), for the queue-wait and reconcile-duration metrics. */
  readonly #dueSince = new Map<string, number>();
  readonly #startedAt = new Map<string, number>();
  #timer: unknown = null;
  #pass: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #ready = false;

  constructor(options: LiveControllerOptions) {
    this.#o = options;
    this.#mode = options.mode ?? 'normal';
    // Every summary: the engine reads any stage's, and the counts it publishes spare the commands theirs.
    this.fleet = new LiveFleet(options.client, { summaries: 'all', timers: options.timers });
    this.core = new PromotionController({
      ports: this.#ports(),
      finalizer: true,
      // Writes wait on the network: several promotions in flight at once (as MaxConcurrentReconciles).
      concurrency: 8,
      leaveAlone: (p, now) => this.#leaveAlone(p, now),
    });
    this.core.observe({
      event: (e) => this.#event(e),
      reconciled: (p, r, now) => this.#reconciled(p, r, now),
      starting: (name) => {
        const now = this.#o.timers.now();
        const since = this.#dueSince.get(name);
        this.#dueSince.delete(name);
        if (since !== undefined) this.#o.metrics?.queued(Math.max(0, now - since) / 1000);
        this.#startedAt.set(name, now);
      },
      finished: (name) => {
        const started = this.#startedAt.get(name);
        this.#startedAt.delete(name);
        if (started !== undefined) this.#o.metrics?.reconciled(Math.max(0, this.#o.timers.now() - started) / 1000);
      },
    });
    this.#follow();
  }

  /** Ready once every informer listed (readyz). */
  get ready(): boolean {
    return this.#ready;
  }

  health(): { state: InformerHealth['state']; lastError: string | null } {
    const h = this.fleet.health();
    return { state: h.state, lastError: h.lastError };
  }

  /** Lists everything once; rejects with one clear line (a missing CRD, a denied list). */
  async start(): Promise<void> {
    this.fleet.start();
    await this.fleet.whenSynced();
    this.#ready = true;
    for (const name of this.fleet.promotions.store.keys()) this.#markDue(name);
    this.#o.log.info('caches synced', {
      promotions: this.fleet.promotions.store.size,
      clusters: this.fleet.clusters().length,
    });
    this.kick();
  }

  /** Leadership changed: a new leader starts from the status alone, with nothing remembered. */
  leadershipChanged(leading: boolean): void {
    this.#o.metrics?.leader(leading);
    this.#writtenPromotions.clear();
    this.#writtenProfiles.clear();
    this.#foreignWrites.clear();
    if (leading) {
      for (const name of this.fleet.promotions.store.keys()) this.#markDue(name);
      this.kick();
    }
  }

  /** Something changed: reconcile what is due as soon as the pass under way (if any) ends. */
  kick(delayMs = 0): void {
    if (this.#stopped) return;
    if (this.#pass !== null) {
      this.#again = true;
      return;
    }
    this.#schedule(delayMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#pass;
    for (const off of this.#unsubscribe) off();
    this.fleet.stop();
  }

  /** Something the promotion depends on changed: queue it (noting since when, for the metrics). */
  #markDue(name: string): void {
    if (!this.#dueSince.has(name)) this.#dueSince.set(name, this.#o.timers.now());
    this.core.markDue(name);
  }

  #leading(): boolean {
    return this.#o.elector === null || this.#o.elector.leading;
  }

  #canWrite(): boolean {
    return this.#o.elector === null || this.#o.elector.canWrite();
  }

  #now(): number {
    return this.#o.client.serverNow();
  }

  #schedule(ms: number): void {
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = null;
      this.#pass = this.#run().finally(() => (this.#pass = null));
    }, ms);
  }

  async #run(): Promise<void> {
    if (this.#stopped || !this.#ready) return;
    let conflicted = false;
    if (this.#leading() || this.#mode === 'shadow') {
      const before = this.core.stats.conflicts;
      try {
        await this.core.reconcileDue(() => this.#now());
      } catch (e) {
        this.#o.log.error('reconcile failed; retrying', { error: oneLine(e) });
        conflicted = true;
      }
      conflicted ||= this.core.stats.conflicts > before;
    }
    if (this.#stopped) return;
    if (this.#again || this.core.hasDue(this.#now())) {
      this.#again = false;
      this.#schedule(conflicted ? CONFLICT_BACKOFF_MS : 0);
      return;
    }
    const next = this.core.nextRequeueAfter(this.#now());
    const maxSleep = this.#o.maxSleepMs ?? 60_000;
    if (next === null) return;
    const delay = this.#o.client.localDelayUntil(next);
    this.#schedule(delay === null ? maxSleep : Math.min(delay, maxSleep));
  }

  // ---- what changes make promotions due --------------------------------------------------------------

  #follow(): void {
    const f = this.fleet;
    const restarts = (resource: string, informer: Pick<Informer<KubeObject>, 'subscribe'>) => {
      let synced = false;
      let state: InformerHealth['state'] = 'stopped';
      return informer.subscribe({
        synced: () => {
          if (synced) this.#o.metrics?.watchRestarted(resource);
          synced = true;
        },
        health: (h) => {
          if (h.state === 'reconnecting' && state !== 'reconnecting') {
            this.#o.metrics?.watchRestarted(resource);
            this.#o.log.debug(1, 'watch interrupted; reconnecting', { resource, error: h.lastError ?? undefined });
          }
          state = h.state;
        },
      });
    };
    this.#unsubscribe.push(
      restarts('clusterpromotions', f.promotions as unknown as Informer<KubeObject>),
      restarts('clusterprofiles', f.profiles as unknown as Informer<KubeObject>),
      restarts('clustersummaries', f.summaries as unknown as Pick<Informer<KubeObject>, 'subscribe'>),
      f.promotions.subscribe({
        change: ({ type, object, previous }) => {
          const name = object.metadata.name;
          this.#caughtUp(this.#writtenPromotions, name, type === 'deleted' ? null : object);
          if (type === 'deleted') this.#o.metrics?.forget(name);
          else this.#noteForeignWrite(object, previous);
          // Its own counts changed nothing the engine reads; a reconcile would only find that out.
          if (type !== 'deleted' && this.#ownCounts.has(object.metadata.resourceVersion ?? '')) return;
          this.#markDue(name);
          this.kick();
        },
      }),
      f.profiles.subscribe({
        change: ({ type, object, previous }) => {
          this.#caughtUp(this.#writtenProfiles, object.metadata.name, type === 'deleted' ? null : object);
          const owner =
            object.metadata.labels?.[LABEL_PROMOTION_NAME] ?? previous?.metadata.labels?.[LABEL_PROMOTION_NAME];
          if (owner !== undefined) {
            this.#markDue(owner);
            this.kick();
          }
        },
      }),
      f.summaries.subscribe({
        change: ({ object }) => {
          const profile = object.metadata.labels?.[LABEL_SUMMARY_PROFILE];
          const owner =
            profile === undefined ? undefined : this.#profile(profile)?.metadata.labels?.[LABEL_PROMOTION_NAME];
          if (owner !== undefined) {
            this.#markDue(owner);
            this.core.markCountsChanged(owner);
            this.kick();
          }
        },
      }),
    );
    // A cluster joining, leaving, relabelled or becoming (not) ready can change any stage's clusters.
    this.#unsubscribe.push(
      f.onChange(() => {
        if (this.#clustersVersion === f.clusters()) return;
        this.#clustersVersion = f.clusters();
        for (const name of f.promotions.store.keys()) {
          this.#markDue(name);
          this.core.markCountsChanged(name);
        }
        this.kick();
      }),
    );
  }

  #clustersVersion: unknown = null;

  /** The informer now shows `seen` (or its deletion): drop the written copy once it is at least as new. */
  #caughtUp<T extends KubeObject>(written: Map<string, T | null>, name: string, seen: T | null): void {
    if (!written.has(name)) return;
    const mine = written.get(name) ?? null;
    if (seen === null || mine === null || !olderThan(seen, mine)) written.delete(name);
  }

  #profile(name: string): ClusterProfile | undefined {
    if (this.#writtenProfiles.has(name)) return this.#writtenProfiles.get(name) ?? undefined;
    return this.fleet.profiles.store.get(name);
  }

  // ---- coexistence -----------------------------------------------------------------------------------

  /** A status change this controller did not make, seen while it leads: someone else drives the promotion. */
  #noteForeignWrite(object: ClusterPromotion, previous: ClusterPromotion | undefined): void {
    if (previous === undefined || !this.#canWrite() || this.#mode !== 'normal') return;
    const rv = object.metadata.resourceVersion ?? '';
    if (this.#ownVersions.has(rv)) return;
    // Its watch event can arrive before the answer to the write that made it.
    if (this.#ownStatuses.get(object.metadata.name)?.includes(canonicalJson(object.status ?? {}))) return;
    if (JSON.stringify(previous.status ?? {}) === JSON.stringify(object.status ?? {})) return;
    // Not this controller's write: the latest status manager other than this controller made it.
    const by = statusManager(object, { excluding: FIELD_MANAGER })?.manager ?? 'another client';
    this.#foreignWrites.set(object.metadata.name, { at: this.#now(), by });
  }

  #leaveAlone(p: ClusterPromotion, now: number): string | null {
    if (this.#o.force || this.#mode === 'shadow') return null;
    const window = this.#o.foreignWriterWindowMs ?? DEFAULT_FOREIGN_WINDOW_MS;
    const seen = this.#foreignWrites.get(p.metadata.name);
    if (seen && now - seen.at < window) {
      return (
        `another controller (${seen.by}) wrote this promotion's status at ${iso(seen.at)}: left alone ` +
        `(--force to take over, --shadow to compare)`
      );
    }
    const m = statusManager(p);
    if (m && m.manager !== FIELD_MANAGER && m.time !== undefined && now - Date.parse(m.time) < window) {
      return (
        `its status is managed by ${m.manager} (last written ${m.time}), which looks like Sveltos ` +
        `Enterprise or addon-controller before v1.14 driving it: left alone (--force to take over, --shadow to compare)`
      );
    }
    return null;
  }

  // ---- what happened -------------------------------------------------------------------------------

  #reconciled(p: ClusterPromotion, r: ReconcileResult, now: number): void {
    const name = p.metadata.name;
    this.#o.metrics?.phases(name, r.status?.currentStageName ?? p.status?.currentStageName, r.phases, now);
    for (const e of r.events)
      if (['StageStarted', 'StagePromoted', 'PromotionCompleted', 'PipelineRestarted'].includes(e.type))
        this.#o.metrics?.transition(e.type);
    this.#o.log.debug(2, 'reconciled', {
      promotion: name,
      phases: r.phases.map((x) => `${x.name}=${x.phase}`).join(','),
      requeueAt: r.requeueAt ? r.requeueAt.toISOString() : undefined,
    });
    if (this.#mode === 'shadow') this.#compare(p, r, now);
  }

  /** --shadow: where the open engine would have acted differently from the controller that writes. */
  #compare(p: ClusterPromotion, r: ReconcileResult, now: number): void {
    const name = p.metadata.name;
    const diffs: string[] = [];
    const theirs = p.status?.currentStageName;
    const ours = r.status?.currentStageName ?? theirs;
    if (ours !== theirs)
      diffs.push(
        `would be at stage ${ours ?? '(none)'} at ${iso(now)}; the other controller has it at ${theirs ?? '(none)'}`,
      );
    // Their stage moved on while the open engine, a moment ago on the same status, would have stayed.
    const before = this.#shadowStage.get(name);
    if (before && theirs !== before.theirs && before.ours === before.theirs)
      diffs.push(`the other controller moved to stage ${theirs ?? '(none)'} before the open engine would have`);
    this.#shadowStage.set(name, { theirs, ours });
    for (const profile of r.apply) {
      const existing = this.#profile(profile.metadata.name);
      if (existing === undefined) diffs.push(`would create ClusterProfile ${profile.metadata.name}`);
      else if (JSON.stringify(existing.spec) !== JSON.stringify(profile.spec))
        diffs.push(`would change the spec of ClusterProfile ${profile.metadata.name}`);
    }
    for (const profile of r.delete) diffs.push(`would delete ClusterProfile ${profile}`);
    const key = diffs.join('; ');
    if (key === (this.#shadowNoted.get(name) ?? '')) return;
    this.#shadowNoted.set(name, key);
    if (key !== '')
      this.#o.log.info('shadow: the open engine would act differently', { promotion: name, differences: key });
  }

  #event(e: ControllerEvent): void {
    const level = e.type === 'WriteConflict' ? 1 : 0;
    const fields = { promotion: e.promotion, event: e.type, stage: e.stage ?? undefined, at: iso(e.at) };
    if (e.type === 'WriteRefused') this.#o.log.error(e.message, fields);
    else if (level === 0) this.#o.log.info(e.message, fields);
    else this.#o.log.debug(level, e.message, fields);
    if (e.type === 'WriteConflict' || this.#mode !== 'normal') return;
    if (e.type === 'LeftAlone' || this.#canWrite()) void this.#recordEvent(e);
  }

  readonly #eventSeries = new Map<string, { name: string; count: number; first: string }>();

  /** Kubernetes Events, as client-go's recorder writes them (cluster-scoped objects' go to `default`). */
  async #recordEvent(e: ControllerEvent): Promise<void> {
    const promotion = this.fleet.promotion(e.promotion);
    const type = WARNINGS.has(e.type) ? 'Warning' : 'Normal';
    const key = `${e.promotion}\u0000${e.type}\u0000${e.message}`;
    const at = rfc3339(e.at);
    const series = this.#eventSeries.get(key);
    try {
      if (series) {
        series.count++;
        await this.#o.client.request('PATCH', `/api/v1/namespaces/default/events/${series.name}`, {
          body: { count: series.count, lastTimestamp: at },
          contentType: 'application/merge-patch+json',
        });
        return;
      }
      const name = `${e.promotion}.${randomBytes(8).toString('hex')}`;
      await this.#o.client.request('POST', '/api/v1/namespaces/default/events', {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: 'default' },
          involvedObject: {
            apiVersion: 'config.projectsveltos.io/v1beta1',
            kind: 'ClusterPromotion',
            name: e.promotion,
            ...(promotion?.metadata.uid ? { uid: promotion.metadata.uid } : {}),
            ...(promotion?.metadata.resourceVersion ? { resourceVersion: promotion.metadata.resourceVersion } : {}),
          },
          reason: e.type,
          message: e.message,
          type,
          source: { component: CONTROLLER_NAME },
          reportingComponent: CONTROLLER_NAME,
          reportingInstance: this.#o.identity,
          firstTimestamp: at,
          lastTimestamp: at,
          count: 1,
        },
      });
      if (this.#eventSeries.size > 1000) this.#eventSeries.clear();
      this.#eventSeries.set(key, { name, count: 1, first: at });
    } catch (err) {
      this.#o.log.debug(1, 'could not record an Event', { promotion: e.promotion, error: oneLine(err) });
    }
  }

  // ---- writing -------------------------------------------------------------------------------------

  #ports(): ControllerPorts {
    const world: World = {
      clusters: () => this.fleet.clusters(),
      profilesOf: (promotion) => {
        const out = new Map<string, ClusterProfile>();
        for (const p of this.fleet.profilesOf(promotion)) out.set(p.metadata.name, p);
        for (const [name, p] of this.#writtenProfiles) {
          if (p === null) out.delete(name);
          else if (p.metadata.labels?.[LABEL_PROMOTION_NAME] === promotion) out.set(name, p);
        }
        return out.values();
      },
      summariesOf: (profile) => this.fleet.summariesOf(profile),
    };
    return {
      promotion: (name) => this.#writtenPromotions.get(name) ?? this.fleet.promotion(name),
      world: () => world,
      applyProfile: (profile) => this.#applyProfile(profile),
      deleteProfile: (name) => this.#deleteProfile(name),
      writeStatus: (read, status) => {
        const name = read.metadata.name;
        this.#ownStatuses.set(name, [...(this.#ownStatuses.get(name) ?? []), canonicalJson(status)].slice(-4));
        const path = resourcePath(CLUSTER_PROMOTIONS, { name, subresource: 'status' });
        return this.#writePromotion('status', read, 'PUT', path, { ...read, status });
      },
      patchSpec: (read, ops: JsonPatchOp[]) => {
        const path = resourcePath(CLUSTER_PROMOTIONS, { name: read.metadata.name });
        return this.#writePromotion('spec', read, 'PATCH', path, ops, 'application/json-patch+json');
      },
      setFinalizers: (read, finalizers) => {
        const path = resourcePath(CLUSTER_PROMOTIONS, { name: read.metadata.name });
        return this.#writePromotion('finalizers', read, 'PUT', path, {
          ...read,
          metadata: { ...read.metadata, finalizers },
        });
      },
      profileExists: (name) => this.#profile(name) !== undefined,
      // Counts are for readers: a controller that writes nothing (--dry-run, --shadow) would only
      // count, and log what it would publish, on every reconcile.
      ...(this.#mode === 'normal'
        ? {
            publishProgress: (read: ClusterPromotion, value: string | null) => {
              const path = resourcePath(CLUSTER_PROMOTIONS, { name: read.metadata.name });
              const patch = progressPatch(read, value);
              return this.#writePromotion('progress', read, 'PATCH', path, patch, 'application/merge-patch+json');
            },
          }
        : {}),
    };
  }

  async #writePromotion(
    kind: string,
    read: ClusterPromotion,
    method: 'PUT' | 'PATCH',
    path: string,
    body: unknown,
    contentType?: string,
  ): Promise<WriteResult> {
    const name = read.metadata.name;
    const r = await this.#send(kind, `${kind} of ClusterPromotion ${name}`, method, path, body, contentType);
    if (r.object !== undefined) {
      const written = r.object as ClusterPromotion;
      const rv = written.metadata.resourceVersion ?? '';
      this.#ownVersions.add(rv);
      if (this.#ownVersions.size > 10_000) this.#ownVersions.clear();
      if (kind === 'progress') {
        this.#ownCounts.add(rv);
        if (this.#ownCounts.size > 10_000) this.#ownCounts.clear();
      }
      this.#writtenPromotions.set(name, written);
    }
    return r.result;
  }

  async #applyProfile(profile: ClusterProfile): Promise<WriteResult> {
    const name = profile.metadata.name;
    const existing = this.#profile(name);
    if (existing === undefined) {
      const r = await this.#send(
        'profile',
        `create ClusterProfile ${name}`,
        'POST',
        resourcePath(CLUSTER_PROFILES),
        profile,
      );
      if (r.object !== undefined) this.#writtenProfiles.set(name, r.object as ClusterProfile);
      return r.result;
    }
    const next = profileUpdate(existing, profile);
    if (next === null) return UNCHANGED;
    // existing.metadata.resourceVersion goes with it: a concurrent edit is a 409, never overwritten.
    const r = await this.#send(
      'profile',
      `update ClusterProfile ${name}`,
      'PUT',
      resourcePath(CLUSTER_PROFILES, { name }),
      next,
    );
    if (r.object !== undefined) this.#writtenProfiles.set(name, r.object as ClusterProfile);
    return r.result;
  }

  async #deleteProfile(name: string): Promise<WriteResult> {
    const existing = this.#profile(name);
    if (existing === undefined || existing.metadata.deletionTimestamp !== undefined) return UNCHANGED;
    const r = await this.#send(
      'profile',
      `delete ClusterProfile ${name}`,
      'DELETE',
      resourcePath(CLUSTER_PROFILES, { name }),
      {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: existing.metadata.uid, resourceVersion: existing.metadata.resourceVersion },
        propagationPolicy: 'Background',
      },
    );
    if (r.result.outcome === 'written' || r.result.outcome === 'gone') this.#writtenProfiles.set(name, null);
    return r.result;
  }

  /** One write, unless this replica may not write; the API's refusals become the loop's outcomes. */
  async #send(
    kind: string,
    what: string,
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    contentType?: string,
  ): Promise<{ result: WriteResult; object?: KubeObject }> {
    if (this.#mode === 'shadow') return { result: UNCHANGED };
    if (this.#mode === 'normal' && !this.#canWrite()) {
      this.#o.metrics?.write(kind, 'not-leader');
      return { result: { outcome: 'refused', message: `${what}: not written, this replica no longer leads` } };
    }
    const dryRun = this.#mode === 'dry-run';
    try {
      const object = await this.#o.client.request<KubeObject>(method, path, {
        query: { fieldManager: FIELD_MANAGER, ...(dryRun ? { dryRun: 'All' } : {}) },
        body,
        ...(contentType ? { contentType } : {}),
      });
      this.#o.metrics?.write(kind, dryRun ? 'dry-run' : 'written');
      if (dryRun) {
        this.#o.log.info(`dry-run: would ${what}`, { method, path, accepted: true });
        return { result: UNCHANGED };
      }
      this.#o.log.debug(1, `wrote: ${what}`, { method, path });
      return { result: WRITTEN, ...(method === 'DELETE' ? {} : { object }) };
    } catch (e) {
      if (e instanceof KubeApiError) {
        if (e.code === 404 && method !== 'POST') return this.#outcome(kind, GONE);
        if (e.code === 409 || (e.code === 422 && method === 'PATCH'))
          return this.#outcome(kind, { outcome: 'conflict', message: `${what}: ${e.message}` });
        if (e.code === 422 || e.code === 403 || e.code === 400)
          return this.#outcome(kind, { outcome: 'refused', message: `${what}: ${e.message}` });
      }
      if (e instanceof KubeUnreachableError || (e instanceof KubeApiError && e.code >= 500)) {
        // The API is away: the write is retried when the promotion is next reconciled.
        this.#o.log.error(`could not ${what}; retrying`, { error: oneLine(e) });
        return this.#outcome(kind, { outcome: 'conflict', message: `${what}: ${oneLine(e)}` });
      }
      throw e;
    }
  }

  #outcome(kind: string, result: WriteResult): { result: WriteResult } {
    this.#o.metrics?.write(kind, result.outcome);
    return { result };
  }
}

const WARNINGS = new Set(['StageFailing', 'WriteRefused', 'LeftAlone']);

/**
 * The manager that last wrote the status (through the status subresource), and when, from
 * managedFields. Times are whole seconds: on a tie this controller counts as the latest.
 */
function statusManager(
  p: ClusterPromotion,
  options: { excluding?: string } = {},
): { manager: string; time?: string } | undefined {
  const fields = (p.metadata as { managedFields?: { manager?: string; subresource?: string; time?: string }[] })
    .managedFields;
  let latest: { manager: string; time?: string } | undefined;
  for (const f of fields ?? []) {
    if (f.subresource !== 'status' || !f.manager || f.manager === options.excluding) continue;
    const later = (f.time ?? '') > (latest?.time ?? '');
    const tie = latest !== undefined && (f.time ?? '') === (latest.time ?? '') && f.manager === FIELD_MANAGER;
    if (!latest || later || tie) latest = { manager: f.manager, ...(f.time ? { time: f.time } : {}) };
  }
  return latest;
}

/** Whether `a` is an older version of the object than `b` (resourceVersions compare as numbers in practice). */
function olderThan(a: KubeObject, b: KubeObject): boolean {
  const x = a.metadata.resourceVersion;
  const y = b.metadata.resourceVersion;
  if (x === undefined || y === undefined || x === y) return false;
  return /^\d+$/.test(x) && /^\d+$/.test(y) && BigInt(x) < BigInt(y);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
