// Selecting among thousands of labelled objects without testing each: a list per label pair, so that
// a selector with matchLabels tests only the objects that carry its rarest pair. A pipeline of N
// stages, each selecting its own few clusters, then costs N small selections instead of N passes
// over the whole fleet.
import { matchesSelector } from './selector.ts';
import type { LabelSelector } from './types.ts';

const NONE: readonly never[] = [];

export class LabelIndex<T> {
  #pairs: Map<string, T[]> | null = null;

  constructor(
    private readonly items: readonly T[],
    private readonly labelsOf: (item: T) => Readonly<Record<string, string>>,
  ) {}

  /** The items the selector matches (and `keep` accepts), in the order of the items given. */
  select(selector: LabelSelector | undefined, keep: (item: T) => boolean = () => true): T[] {
    let candidates: readonly T[] = this.items;
    const pairs = Object.entries(selector?.matchLabels ?? {});
    if (pairs.length > 0) {
      const index = this.#index();
      for (const [k, v] of pairs) {
        const list = index.get(pairKey(k, v)) ?? NONE;
        if (list.length < candidates.length) candidates = list;
      }
    }
    return candidates.filter((item) => keep(item) && matchesSelector(this.labelsOf(item), selector));
  }

  #index(): Map<string, T[]> {
    if (this.#pairs) return this.#pairs;
    const pairs = new Map<string, T[]>();
    for (const item of this.items) {
      for (const [k, v] of Object.entries(this.labelsOf(item))) {
        const key = pairKey(k, v);
        let list = pairs.get(key);
        if (!list) pairs.set(key, (list = []));
        list.push(item);
      }
    }
    this.#pairs = pairs;
    return pairs;
  }
}

// A label key never holds a NUL, so the pair is unambiguous.
function pairKey(k: string, v: string): string {
  return `${k}\u0000${v}`;
}
