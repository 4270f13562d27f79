// Kubernetes Events for what the simulation's controllers do, written to the store as the events
// library of client-go writes them: events.k8s.io/v1 Events named `<object>.<hex time>`, in the
// object's namespace (`default` for a cluster-scoped one), with reason, note, action, regarding
// and the reporting controller. An event repeated while its last sighting is recent becomes a
// series (count, lastObservedTime) on the first one instead of a new Event.
//
// Events do not pile up: like kube-apiserver's --event-ttl (one hour by default), an Event goes
// once its last sighting is older than the TTL on the store's clock, and at most `maxEvents` are
// kept, the oldest going first.
import type { KubeObject } from '../src/api/types.ts';
import { findResource } from './apiserver/resources.ts';
import { ApiError, type ObjectStore } from './apiserver/store.ts';

const EVENTS_V1 = findResource('events.k8s.io', 'v1', 'events')!;
/** kube-apiserver's --event-ttl default. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_MAX_EVENTS = 1000;
/** The events library ends a series when it has not been seen for this long. */
const SERIES_WINDOW_MS = 6 * 60 * 1000;

export interface EventReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export interface EventRecord {
  regarding: EventReference;
  related?: EventReference;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, why it happened (`StagePromoted`). */
  reason: string;
  /** UpperCamelCase, what was done (`Reconcile`). */
  action: string;
  note: string;
}

export interface EventRecorderOptions {
  store: ObjectStore;
  /** A qualified name, e.g. `kubectl-promotion/controller`. */
  reportingController: string;
  reportingInstance: string;
  ttlMs?: number;
  maxEvents?: number;
}

interface Recorded {
  name: string;
  namespace: string;
  key: string;
  lastObserved: number;
}

/** RFC 3339 with microseconds, as Kubernetes writes metav1.MicroTime. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function referenceKey(r: EventReference | undefined): string {
  return r === undefined ? '' : [r.apiVersion, r.kind, r.namespace ?? '', r.name, r.uid ?? ''].join('/');
}

export class EventRecorder {
  readonly #store: ObjectStore;
  readonly #controller: string;
  readonly #instance: string;
  readonly #ttlMs: number;
  readonly #maxEvents: number;
  /** Oldest first: insertion order is creation order. */
  readonly #recorded = new Map<string, Recorded>();
  /** Isomorphic-event key -> the event its repeats go to. */
  readonly #byKey = new Map<string, Recorded>();
  #sequence = 0;

  constructor(options: EventRecorderOptions) {
    this.#store = options.store;
    this.#controller = options.reportingController;
    this.#instance = options.reportingInstance;
    this.#ttlMs = options.ttlMs ?? DEFAULT_EVENT_TTL_MS;
    this.#maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  }

  /** Records `e` at the store's time: a new Event, or one more in the series of an identical recent one. */
  record(e: EventRecord): void {
    const now = this.#store.now().getTime();
    const key = [e.type, e.reason, e.action, e.note, referenceKey(e.regarding), referenceKey(e.related)].join('|');
    const earlier = this.#byKey.get(key);
    if (earlier !== undefined && now - earlier.lastObserved <= SERIES_WINDOW_MS && this.#repeat(earlier, now)) return;
    this.#create(e, key, now);
    for (const oldest of this.#recorded.values()) {
      if (this.#recorded.size <= this.#maxEvents) break;
      this.#forget(oldest, true);
    }
  }

  /** Deletes the Events whose last sighting is past the TTL. */
  expire(): void {
    const now = this.#store.now().getTime();
    for (const r of [...this.#recorded.values()]) if (now - r.lastObserved > this.#ttlMs) this.#forget(r, true);
  }

  #create(e: EventRecord, key: string, now: number): void {
    const namespace = e.regarding.namespace ?? 'default';
    // The events library names an Event after its object and the time in nanoseconds, in hex.
    const nanoseconds = BigInt(now) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000);
    const name = `${e.regarding.name}.${nanoseconds.toString(16)}`;
    const event: KubeObject = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace },
      eventTime: microTime(now),
      regarding: e.regarding,
      ...(e.related ? { related: e.related } : {}),
      type: e.type,
      reason: e.reason,
      action: e.action,
      note: e.note,
      reportingController: this.#controller,
      reportingInstance: this.#instance,
    };
    try {
      this.#store.create(EVENTS_V1, event);
    } catch (err) {
      // A namespace being deleted takes no new content; the event is lost, as it would be.
      if (err instanceof ApiError && (err.code === 403 || err.code === 404)) return;
      throw err;
    }
    const recorded = { name, namespace, key, lastObserved: now };
    this.#recorded.set(`${namespace}/${name}`, recorded);
    this.#byKey.set(key, recorded);
  }

  /** One more sighting on an existing Event's series; false when the Event is gone (deleted by someone). */
  #repeat(r: Recorded, now: number): boolean {
    const current = this.#store.find<KubeObject & { series?: { count: number } }>(EVENTS_V1, r.name, r.namespace);
    if (current === undefined) {
      this.#forget(r, false);
      return false;
    }
    const series = { count: (current.series?.count ?? 1) + 1, lastObservedTime: microTime(now) };
    this.#store.patch(EVENTS_V1, r.name, 'merge', { series }, { namespace: r.namespace });
    r.lastObserved = now;
    return true;
  }

  #forget(r: Recorded, deleteIt: boolean): void {
    this.#recorded.delete(`${r.namespace}/${r.name}`);
    if (this.#byKey.get(r.key) === r) this.#byKey.delete(r.key);
    if (!deleteIt) return;
    try {
      this.#store.delete(EVENTS_V1, r.name, { namespace: r.namespace });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
}
