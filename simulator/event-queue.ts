// A binary min-heap of timed tasks. Ties break by insertion order so that a simulation with the
// same inputs always processes the same instant in the same order (determinism per seed).

export interface Timed {
  at: number;
  seq: number;
}

/** A task as given to push: its sequence number is stamped by the queue. */
export type Unstamped<T> = T extends unknown ? Omit<T, 'seq'> & { seq?: number } : never;

export class EventQueue<T extends Timed> {
  readonly #heap: T[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Stamps the task's sequence number and inserts it. */
  push(task: Unstamped<T>): void {
    const t = task as unknown as T;
    t.seq = this.#seq++;
    const heap = this.#heap;
    heap.push(t);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  peek(): T | undefined {
    return this.#heap[0];
  }

  pop(): T | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
