// A local, always-current copy of one resource: list once, then follow a watch from the list's
// resourceVersion, and keep following it through everything a long-lived stream meets:
//   - the server ends the stream (its timeout): re-open from the last version seen, at once;
//   - the version is too old (410 Gone/Expired, on open or as an ERROR event): list again and
//     report the differences as events, so nothing that changed meanwhile goes unnoticed;
//   - the stream goes silent without closing (the JavaScript client's watches are known to stop
//     after about half an hour): a watchdog re-opens it when nothing, not even a bookmark, arrived
//     for `idleTimeoutMs`;
//   - the server is unreachable or refuses: retry with exponential backoff and jitter (at most
//     8 s apart), reporting "reconnecting" meanwhile, and the age of the data;
//   - whoever knows the server is back (pulse.ts) calls `reconnect()`: retry now, not at the end
//     of the backoff;
//   - whoever changed what the source selects calls `relist()`: list again, keeping the copy (and
//     showing it) until the new list replaces it.
// Time is injected (`Timers`) so every path above is tested without waiting on the wall clock.
import type { KubeObject } from '../api/types.ts';
import { backoffDelay, KubeApiError } from './client.ts';
import type { ListResult, WatchErrorStatus, WatchEvent } from './objects.ts';

import { realTimers, type Timers } from '../timers.ts';

export { realTimers, type Timers };

/** Where the objects come from: one list, and watches from a resourceVersion. */
export interface ListWatch<T> {
  list(signal: AbortSignal): Promise<ListResult<T>>;
  /** Resolves when the server accepted the watch, to its events until it ends. */
  watch(resourceVersion: string, signal: AbortSignal): Promise<AsyncIterable<WatchEvent<T>>>;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface InformerHealth {
  state: StreamState;
  /** Until when the copy is known to match the server: now while live, else when it stopped being. */
  currentAsOf: number | null;
  /** The last failure, for the banner; null after a successful (re)connect. */
  lastError: string | null;
  /** Failures since the last successful connect. */
  failures: number;
}

export type ChangeType = 'added' | 'modified' | 'deleted';

export interface Change<T> {
  type: ChangeType;
  object: T;
  /** The version it replaces (modified, deleted). */
  previous?: T;
}

export interface InformerListener<T> {
  /** A change of one object, from a watch event or from comparing a re-list with the copy. */
  change?(change: Change<T>): void;
  /** After the first list, and after every re-list. */
  synced?(): void;
  health?(health: InformerHealth): void;
  /** A failure, the first list's included; the informer keeps retrying unless stopped. */
  error?(error: unknown, during: 'list' | 'watch'): void;
  /** Something came from the server: a list, a watch accepted, an event (a bookmark too). */
  heard?(): void;
}

export interface InformerOptions {
  timers?: Timers;
  random?: () => number;
  /** Re-open a stream that brought nothing for this long (default 90 s). */
  idleTimeoutMs?: number;
  backoff?: { baseMs: number; capMs: number };
}

// Capped at 8 s: a server back after an outage is found within that even with no one to say so.
const DEFAULT_BACKOFF = { baseMs: 500, capMs: 8000 };

export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

export class Informer<T extends KubeObject> {
  readonly #source: ListWatch<T>;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #idleMs: number;
  readonly #backoff: { baseMs: number; capMs: number };
  readonly #listeners = new Set<InformerListener<T>>();
  readonly #store = new Map<string, T>();
  #resourceVersion = '';
  #synced = false;
  /** The next step is a list: at the start, after a 410, after relist(). */
  #needList = true;
  #running = false;
  #stream: AbortController | null = null;
  #idleTimer: unknown = null;
  #idleFired = false;
  /** reconnect() ended the current request: re-open at once, no failure counted. */
  #kicked = false;
  #emptyStreams = 0;
  #wake: (() => void) | null = null;
  #sleepTimer: unknown = null;
  #health: InformerHealth = { state: 'stopped', currentAsOf: null, lastError: null, failures: 0 };

  constructor(source: ListWatch<T>, options: InformerOptions = {}) {
    this.#source = source;
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
    this.#idleMs = options.idleTimeoutMs ?? 90_000;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** The current copy, by `namespace/name` (or `name` for cluster-scoped objects). */
  get store(): ReadonlyMap<string, T> {
    return this.#store;
  }

  get synced(): boolean {
    return this.#synced;
  }

  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  health(): InformerHealth {
    const h = this.#health;
    return h.state === 'live' ? { ...h, currentAsOf: this.#timers.now() } : { ...h };
  }

  subscribe(listener: InformerListener<T>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#setHealth({ state: 'connecting' });
    void this.#run();
  }

  stop(): void {
    this.#running = false;
    this.#stream?.abort();
    this.#clearIdle();
    if (this.#sleepTimer !== null) this.#timers.clearTimeout(this.#sleepTimer);
    this.#wake?.();
    this.#setHealth({ state: 'stopped', currentAsOf: this.#timers.now() });
  }

  /**
   * The server is answering again: stop backing off, and end the current list or stream (it may
   * hang on a connection the server forgot) to open a fresh one from the last resourceVersion.
   */
  reconnect(): void {
    if (!this.#running) return;
    this.#kicked = true;
    this.#stream?.abort();
    if (this.#sleepTimer !== null) this.#timers.clearTimeout(this.#sleepTimer);
    this.#wake?.();
  }

  /**
   * The source now selects other objects (a label selector changed): list again, and report how
   * the new list differs from the copy. The copy stays until then, but is not known current: until
   * the list arrives the health says `connecting`, current as of never, as before a first list.
   */
  relist(): void {
    this.#needList = true;
    if (!this.#running) return;
    this.#setHealth({ state: 'connecting', currentAsOf: null });
    this.reconnect();
  }

  /** Resolves after the first successful list; rejects with the first list's failure. */
  whenSynced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.subscribe({
        synced: () => {
          off();
          resolve();
        },
        error: (e, during) => {
          if (during !== 'list' || this.#synced) return;
          off();
          reject(e);
        },
      });
    });
  }

  async #run(): Promise<void> {
    while (this.#running) {
      if (this.#needList) {
        const controller = new AbortController();
        this.#stream = controller;
        this.#kicked = false;
        try {
          const listed = await this.#source.list(controller.signal);
          if (!this.#running) return;
          this.#heard();
          // Before the changes go out: a listener that changes the selection asks for a list again.
          this.#needList = false;
          this.#replace(listed.items);
          this.#resourceVersion = listed.resourceVersion;
          if (this.#needList) continue;
          this.#connected();
          this.#synced = true;
          this.#emit((l) => l.synced?.());
        } catch (e) {
          if (!this.#running) return;
          if (!this.#kicked) await this.#failed(e, 'list');
          continue;
        } finally {
          if (this.#stream === controller) this.#stream = null;
        }
      }
      const outcome = await this.#follow();
      if (outcome === 'gone') this.#needList = true;
    }
  }

  /** Follows one watch stream to its end; says whether the next step is a re-list. */
  async #follow(): Promise<'reopen' | 'gone'> {
    const controller = new AbortController();
    this.#stream = controller;
    this.#idleFired = false;
    this.#kicked = false;
    const openedAt = this.#timers.now();
    let received = false;
    try {
      this.#armIdle();
      const events = await this.#source.watch(this.#resourceVersion, controller.signal);
      // Ended while it opened (reconnect, relist): not live on a stream that is already over.
      if (!this.#running || this.#kicked) return 'reopen';
      this.#heard();
      this.#connected();
      this.#armIdle();
      for await (const event of events) {
        this.#armIdle();
        this.#heard();
        received = true;
        if (event.type === 'ERROR') {
          const status = event.object as unknown as WatchErrorStatus;
          if (status.code === 410) return 'gone';
          throw new KubeApiError(
            status.code ?? 500,
            status.reason ?? '',
            status.message ?? 'watch error',
            'GET',
            'watch',
          );
        }
        this.#apply(event);
      }
      if (!this.#running) return 'reopen';
      if (this.#idleFired || this.#kicked) return 'reopen';
      // The server ended the stream; re-open at once unless it keeps ending them straight away.
      this.#clearIdle();
      // A server that ends every watch as soon as it opens would make this a busy loop: the second
      // empty stream in a row that lasted under a second counts as a failure (and backs off).
      const empty = !received && this.#timers.now() - openedAt < 1000;
      this.#emptyStreams = empty ? this.#emptyStreams + 1 : 0;
      if (this.#emptyStreams >= 2) await this.#failed(new Error('the server keeps closing the watch at once'), 'watch');
      return 'reopen';
    } catch (e) {
      if (!this.#running) return 'reopen';
      if (this.#idleFired || this.#kicked) return 'reopen';
      if (e instanceof KubeApiError && e.code === 410) return 'gone';
      // The watchdog has nothing to watch while backing off.
      this.#clearIdle();
      await this.#failed(e, 'watch');
      return 'reopen';
    } finally {
      this.#clearIdle();
      if (this.#stream === controller) this.#stream = null;
      controller.abort();
    }
  }

  #apply(event: WatchEvent<T>): void {
    const obj = event.object;
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const key = objectKey(obj);
    const previous = this.#store.get(key);
    if (event.type === 'DELETED') {
      this.#store.delete(key);
      this.#emit((l) => l.change?.({ type: 'deleted', object: obj, ...(previous ? { previous } : {}) }));
      return;
    }
    this.#store.set(key, obj);
    const type: ChangeType = previous ? 'modified' : 'added';
    this.#emit((l) => l.change?.({ type, object: obj, ...(previous ? { previous } : {}) }));
  }

  /** Takes a fresh list as the truth and reports how it differs from the copy. */
  #replace(items: readonly T[]): void {
    const seen = new Set<string>();
    const changes: Change<T>[] = [];
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const previous = this.#store.get(key);
      this.#store.set(key, obj);
      if (!previous) changes.push({ type: 'added', object: obj });
      else if (previous.metadata.resourceVersion !== obj.metadata.resourceVersion)
        changes.push({ type: 'modified', object: obj, previous });
    }
    for (const [key, previous] of this.#store) {
      if (seen.has(key)) continue;
      this.#store.delete(key);
      changes.push({ type: 'deleted', object: previous, previous });
    }
    for (const c of changes) this.#emit((l) => l.change?.(c));
  }

  #connected(): void {
    if (this.#health.state !== 'live' || this.#health.failures !== 0) {
      this.#setHealth({ state: 'live', lastError: null, failures: 0 });
    }
  }

  async #failed(e: unknown, during: 'list' | 'watch'): Promise<void> {
    const failures = this.#health.failures + 1;
    const wasCurrent = this.#health.state === 'live' ? this.#timers.now() : this.#health.currentAsOf;
    this.#setHealth({
      state: this.#synced ? 'reconnecting' : 'connecting',
      currentAsOf: wasCurrent,
      lastError: (e as Error)?.message ?? String(e),
      failures,
    });
    this.#emit((l) => l.error?.(e, during));
    await this.#sleep(backoffDelay(failures, this.#backoff, this.#random));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#running) return resolve();
      this.#wake = () => {
        this.#wake = null;
        this.#sleepTimer = null;
        resolve();
      };
      this.#sleepTimer = this.#timers.setTimeout(() => this.#wake?.(), ms);
    });
  }

  #heard(): void {
    this.#emit((l) => l.heard?.());
  }

  #armIdle(): void {
    this.#clearIdle();
    this.#idleTimer = this.#timers.setTimeout(() => {
      this.#idleTimer = null;
      this.#idleFired = true;
      this.#stream?.abort();
    }, this.#idleMs);
  }

  #clearIdle(): void {
    if (this.#idleTimer !== null) this.#timers.clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  #setHealth(patch: Partial<InformerHealth>): void {
    this.#health = { ...this.#health, ...patch };
    const h = this.health();
    this.#emit((l) => l.health?.(h));
  }

  #emit(fn: (l: InformerListener<T>) => void): void {
    for (const l of [...this.#listeners]) fn(l);
  }
}
