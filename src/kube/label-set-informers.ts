// The objects of one resource whose label `key` has one of a set of values that changes while they
// are followed (the ClusterSummaries of some ClusterProfiles, by `cluster-profile-name in (...)`),
// or, with no set, every object that carries the label. The set is split into informers of at most
// MAX_SET_VALUES values each, so that no request's query string grows long; a value stays in the
// informer it was given to, so that an object is never in two copies, nor missing from both, while
// a changed informer lists again. A changed informer keeps showing its copy until its new list
// replaces it (Informer.relist), and says meanwhile that it is not current.
import { isLabelValue } from '../api/selector.ts';
import type { KubeObject } from '../api/types.ts';
import { Informer, type InformerListener, type InformerOptions, type ListWatch } from './informer.ts';

/** Values in one `key in (...)`: keeps a request's query string short. */
export const MAX_SET_VALUES = 50;

export function setSelector(key: string, values: Iterable<string>): string {
  return `${key} in (${[...values].join(',')})`;
}

export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

interface Part<T extends KubeObject> {
  informer: Informer<T>;
  /** Null: every object with the label. */
  values: Set<string> | null;
  /** Listed since its values last changed. */
  listed: boolean;
  off: () => void;
}

export class LabelSetInformers<T extends KubeObject> {
  readonly #source: (labelSelector: string) => ListWatch<T>;
  readonly #key: string;
  readonly #options: InformerOptions;
  readonly #parts: Part<T>[] = [];
  readonly #listeners = new Set<InformerListener<T>>();
  readonly #waiters = new Set<{ resolve: () => void; reject: (e: unknown) => void }>();
  #running = false;

  /**
   * `source` lists and watches by a label selector; `values` null follows every object with the
   * label (and select() is then not to be called), a set follows those values only.
   */
  constructor(
    source: (labelSelector: string) => ListWatch<T>,
    key: string,
    values: Iterable<string> | null,
    options: InformerOptions = {},
  ) {
    this.#source = source;
    this.#key = key;
    this.#options = options;
    if (values === null) this.#add(null);
    else this.select(new Set(values));
  }

  /** The informers, one per part of the set; a part's objects are in no other. */
  get informers(): readonly Informer<T>[] {
    return this.#parts.map((p) => p.informer);
  }

  /** Every informer's events, and a `deleted` for each object of a part that was dropped. */
  subscribe(listener: InformerListener<T>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Follows these values from now on: the parts whose values changed list again. A value that
   * cannot be a label's value is left out: no object carries it, and the API refuses a selector
   * that names it.
   */
  select(wanted: ReadonlySet<string>): void {
    const values = new Set([...wanted].filter(isLabelValue));
    const changed = new Set<Part<T>>();
    const placed = new Set<string>();
    for (const part of this.#parts) {
      if (part.values === null) throw new Error('select() on informers that follow every value');
      for (const v of part.values)
        if (values.has(v)) placed.add(v);
        else {
          part.values.delete(v);
          changed.add(part);
        }
    }
    const fresh = [...values].filter((v) => !placed.has(v)).sort();
    for (const part of this.#parts)
      while (fresh.length > 0 && part.values!.size < MAX_SET_VALUES) {
        part.values!.add(fresh.shift()!);
        changed.add(part);
      }
    for (const part of [...this.#parts]) if (part.values!.size === 0) this.#drop(part);
    for (const part of changed)
      if (part.values!.size > 0) {
        part.listed = false;
        part.informer.relist();
      }
    for (const values of chunks(fresh, MAX_SET_VALUES)) this.#add(new Set(values));
    this.#settle();
  }

  start(): void {
    this.#running = true;
    for (const p of this.#parts) p.informer.start();
  }

  stop(): void {
    this.#running = false;
    for (const p of this.#parts) p.informer.stop();
  }

  /**
   * Resolves once every part has listed its values as they stand now (at once when there are
   * none); rejects with the failure of a part's first list (a missing CRD, a denied list).
   */
  whenSynced(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.add({ resolve, reject });
      this.#settle();
    });
  }

  #add(values: Set<string> | null): void {
    const selector = () => (values === null ? this.#key : setSelector(this.#key, [...values].sort()));
    const informer = new Informer<T>(
      {
        list: (signal) => this.#source(selector()).list(signal),
        watch: (rv, signal) => this.#source(selector()).watch(rv, signal),
      },
      this.#options,
    );
    const part: Part<T> = { informer, values, listed: false, off: () => {} };
    part.off = informer.subscribe({
      change: (c) => this.#emit((l) => l.change?.(c)),
      synced: () => {
        part.listed = true;
        this.#emit((l) => l.synced?.());
        this.#settle();
      },
      health: (h) => this.#emit((l) => l.health?.(h)),
      heard: () => this.#emit((l) => l.heard?.()),
      error: (e, during) => {
        if (during === 'list' && !informer.synced) {
          for (const w of this.#waiters) w.reject(e);
          this.#waiters.clear();
        }
        this.#emit((l) => l.error?.(e, during));
      },
    });
    this.#parts.push(part);
    if (this.#running) informer.start();
  }

  /** A part left with no values: its objects are no longer followed, and go as deletions. */
  #drop(part: Part<T>): void {
    this.#parts.splice(this.#parts.indexOf(part), 1);
    part.off();
    part.informer.stop();
    for (const object of part.informer.store.values())
      this.#emit((l) => l.change?.({ type: 'deleted', object, previous: object }));
  }

  #settle(): void {
    if (this.#waiters.size === 0 || !this.#parts.every((p) => p.listed)) return;
    for (const w of this.#waiters) w.resolve();
    this.#waiters.clear();
  }

  #emit(fn: (l: InformerListener<T>) => void): void {
    for (const l of [...this.#listeners]) fn(l);
  }
}
