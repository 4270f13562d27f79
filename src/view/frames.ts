// Redraw discipline: a frame is computed at most `maxFps` times a second, and drawn only when what
// it shows changed. Sources of change (a watch event, a simulation step, the clock ticking, a key)
// just `request()` a frame; bursts collapse into one. The timer is injected so tests drive it.
import { realTimers, type Timers } from '../timers.ts';
import type { PromotionView } from './model.ts';

export type FrameTimer = Timers;

// Frames are paced on a monotonic clock: a wall clock stepped by NTP must not stall the redraw.
export const realTimer: FrameTimer = { ...realTimers, now: () => performance.now() };

export interface FrameSchedulerOptions<T> {
  timer: FrameTimer;
  /** Frames per second at most; 10 unless told. */
  maxFps?: number;
  /** Computes what the next frame would show. */
  compute(): T;
  /** Whether two computed frames show the same thing (then nothing is drawn). */
  same(a: T, b: T): boolean;
  /** Draws a frame. */
  draw(frame: T): void;
}

export class FrameScheduler<T> {
  readonly #o: FrameSchedulerOptions<T>;
  readonly #interval: number;
  #last: { frame: T } | null = null;
  #lastRun = -Infinity;
  #pending: unknown = null;
  #stopped = false;
  /** Frames drawn so far (for tests and the benchmark). */
  drawn = 0;

  constructor(options: FrameSchedulerOptions<T>) {
    this.#o = options;
    this.#interval = 1000 / (options.maxFps ?? 10);
  }

  /** Something may have changed: draw soon, but not sooner than the frame rate allows. */
  request(): void {
    if (this.#stopped || this.#pending !== null) return;
    const wait = this.#lastRun + this.#interval - this.#o.timer.now();
    if (wait <= 0) {
      this.#run();
      return;
    }
    this.#pending = this.#o.timer.setTimeout(() => {
      this.#pending = null;
      this.#run();
    }, wait);
  }

  /** Draws now if the frame changed, whatever the rate (a key press wants an answer at once). */
  flush(): void {
    if (this.#stopped) return;
    if (this.#pending !== null) {
      this.#o.timer.clearTimeout(this.#pending);
      this.#pending = null;
    }
    this.#run();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#pending !== null) this.#o.timer.clearTimeout(this.#pending);
    this.#pending = null;
  }

  #run(): void {
    this.#lastRun = this.#o.timer.now();
    const frame = this.#o.compute();
    if (this.#last && this.#o.same(this.#last.frame, frame)) return;
    this.#last = { frame };
    this.drawn++;
    this.#o.draw(frame);
  }
}

/**
 * Two models show the same frame when they are equal once time is cut to the second: countdowns
 * and clocks are shown to the second, so a model computed a few milliseconds later is no change.
 */
export function sameView(a: PromotionView, b: PromotionView): boolean {
  if (a === b) return true;
  if (Math.floor(a.now / 1000) !== Math.floor(b.now / 1000)) return false;
  if (JSON.stringify({ ...a, now: 0, stages: null }) !== JSON.stringify({ ...b, now: 0, stages: null })) return false;
  if (a.stages.length !== b.stages.length) return false;
  return a.stages.every((sa, i) => {
    const sb = b.stages[i]!;
    if (JSON.stringify({ ...sa, clusters: null }) !== JSON.stringify({ ...sb, clusters: null })) return false;
    // Lists kept by a ViewCache are the same object; only fresh ones are compared in full.
    return sa.clusters === sb.clusters || JSON.stringify(sa.clusters) === JSON.stringify(sb.clusters);
  });
}
