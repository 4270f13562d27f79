// Simulated time. The headless simulation jumps a VirtualClock straight from one moment anything
// can change to the next; the interactive view instead lets virtual time flow at a chosen speed
// (ScaledClock), mapped from an injected real-time source so that tests never sleep.

/** Anything that can say what time it is (in the simulation's world). */
export interface Clock {
  now(): Date;
  nowMs(): number;
}

/** A clock that only moves when told to, and never backwards. */
export class VirtualClock implements Clock {
  #ms: number;

  constructor(start: Date | number) {
    this.#ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  nowMs(): number {
    return this.#ms;
  }

  /** Moves to `t`; moving backwards is a programming error, because simulated effects already happened. */
  advanceTo(t: Date | number): void {
    const ms = typeof t === 'number' ? t : t.getTime();
    if (ms < this.#ms) {
      throw new Error(
        `virtual clock cannot go back from ${new Date(this.#ms).toISOString()} to ${new Date(ms).toISOString()}`,
      );
    }
    this.#ms = ms;
  }
}

/** Real milliseconds, e.g. `performance.now` or `Date.now`; injected so tests control it. */
export type RealTimeSource = () => number;

export interface ScaledClockOptions {
  /** Virtual time at creation. */
  start: Date | number;
  /** Virtual milliseconds per real millisecond (1 = real time, 60 = a minute per second). */
  speed?: number;
  paused?: boolean;
  realNow?: RealTimeSource;
}

/**
 * Virtual time flowing at `speed` times real time, for watching a rollout unfold. Virtual time is
 * anchored at the last pause, resume, speed change or jump, so changing the speed never makes the
 * clock jump.
 */
export class ScaledClock implements Clock {
  readonly #realNow: RealTimeSource;
  #anchorVirtual: number;
  #anchorReal: number;
  #speed: number;
  #paused: boolean;

  constructor(options: ScaledClockOptions) {
    this.#realNow = options.realNow ?? (() => performance.now());
    this.#anchorVirtual = typeof options.start === 'number' ? options.start : options.start.getTime();
    this.#anchorReal = this.#realNow();
    this.#speed = checkSpeed(options.speed ?? 1);
    this.#paused = options.paused ?? false;
  }

  nowMs(): number {
    if (this.#paused) return this.#anchorVirtual;
    return this.#anchorVirtual + Math.floor((this.#realNow() - this.#anchorReal) * this.#speed);
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  get speed(): number {
    return this.#speed;
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    if (this.#paused) return;
    this.#reanchor();
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#anchorReal = this.#realNow();
    this.#paused = false;
  }

  setSpeed(speed: number): void {
    checkSpeed(speed);
    this.#reanchor();
    this.#speed = speed;
  }

  /** Skips ahead (e.g. "jump to the next event"); never backwards. */
  jumpTo(t: Date | number): void {
    const ms = typeof t === 'number' ? t : t.getTime();
    const now = this.nowMs();
    if (ms < now) return;
    this.#anchorVirtual = ms;
    this.#anchorReal = this.#realNow();
  }

  /**
   * Real milliseconds until virtual time reaches `t`: 0 when it already has, null while paused
   * (it never will until resumed). The caller sets its timer with this.
   */
  realDelayUntil(t: Date | number): number | null {
    const ms = typeof t === 'number' ? t : t.getTime();
    const now = this.nowMs();
    if (ms <= now) return 0;
    if (this.#paused) return null;
    return Math.ceil((ms - now) / this.#speed);
  }

  #reanchor(): void {
    this.#anchorVirtual = this.nowMs();
    this.#anchorReal = this.#realNow();
  }
}

function checkSpeed(speed: number): number {
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new RangeError(`clock speed must be a positive number, got ${speed}`);
  return speed;
}
