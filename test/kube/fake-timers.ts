// Timers that fire only when the test moves time on, so backoff, watchdogs and timeouts are
// exercised without waiting on the wall clock.
import type { Timers } from '../../src/kube/informer.ts';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeTimers implements Timers {
  #now: number;
  #next = 1;
  #pending: Pending[] = [];

  constructor(start = Date.parse('2026-03-01T10:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#pending.push({ id, at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending = this.#pending.filter((p) => p.id !== handle);
  }

  /** Timers waiting to fire, soonest first (how long from now). */
  get pending(): number[] {
    return this.#pending.map((p) => p.at - this.#now).sort((a, b) => a - b);
  }

  /** Moves time on by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#pending = this.#pending.filter((p) => p !== due);
      this.#now = due.at;
      due.fn();
    }
    this.#now = end;
  }
}
