// The interactive rehearsal without its screen: a Simulation driven by a ScaledClock in compressed
// real time, the person's actions on it (pause, speed, approve, fail a cluster, forecast, quit), and the
// frames the view draws, published at most 10 times a second and only when they changed. Real
// time comes from an injected FrameTimer, so tests drive all of it without sleeping.
import type { ClockView } from '../../../src/view/components/Header.tsx';
import { FrameScheduler, sameView, type FrameTimer } from '../../../src/view/frames.ts';
import { ViewCache, viewOfWorld, type PromotionView } from '../../../src/view/model.ts';
import type { TerminalSize } from '../../../src/view/terminal.ts';
import { ScaledClock } from '../../../simulator/clock.ts';
import type { Simulation, SimulationResult } from '../../../simulator/driver.ts';
import { UserError } from '../../../src/user-error.ts';
import type { LiveEta } from '../../../src/live/eta.ts';
import { ForecastLine } from '../../../src/live/forecast-line.ts';

/** Slower than real time teaches nothing; a million times real time is a day in under 0.1 s. */
export const SPEED_MIN = 1;
export const SPEED_MAX = 1_000_000;

/** Real milliseconds between clock ticks at most (a tick also comes exactly when an event is due). */
export const TICK_MS = 100;

export type QuitHow = 'quit' | 'interrupt';

export interface Notice {
  id: number;
  text: string;
}

/** What the view shows: everything PromotionApp takes but its callbacks. */
export interface RehearsalFrame {
  model: PromotionView;
  clock: Extract<ClockView, { mode: 'simulated' }>;
  notice: Notice | null;
  /** `e`: the forecast line (null while the forecast is off). */
  forecast: string | null;
  rows: number;
  columns: number;
}

export interface RehearsalOptions {
  sim: Simulation;
  /** Virtual milliseconds per real millisecond at the start. */
  speed: number;
  timer: FrameTimer;
  size: TerminalSize;
  /**
   * `e`: forecasts the rest of the rollout from where the simulation stands at `now` (called between
   * steps, so it reads a settled state). It must not hold the event loop: the runs go to worker
   * threads while the rehearsal goes on.
   */
  forecast?(sim: Simulation, now: number): Promise<LiveEta>;
}

/** The speed `+` (1) or `-` (-1) goes to from `speed`: double or half, within the bounds. */
export function nextSpeed(speed: number, direction: 1 | -1): number {
  return Math.min(SPEED_MAX, Math.max(SPEED_MIN, direction === 1 ? speed * 2 : speed / 2));
}

export class Rehearsal {
  readonly sim: Simulation;
  readonly clock: ScaledClock;
  readonly quitted: Promise<QuitHow>;
  readonly #timer: FrameTimer;
  readonly #cache = new ViewCache();
  readonly #scheduler: FrameScheduler<RehearsalFrame>;
  readonly #listeners = new Set<() => void>();
  #resolveQuit!: (how: QuitHow) => void;
  #rejectQuit!: (e: unknown) => void;
  #size: TerminalSize;
  #frame: RehearsalFrame;
  /** Counts the simulation's changes, so that the view keeps its cluster lists between them. */
  #version = 0;
  #notice: Notice | null = null;
  #result: SimulationResult | null = null;
  /** Every step of the simulation runs after the one before: ticks and approvals never interleave. */
  #queue: Promise<void> = Promise.resolve();
  #tick: unknown = null;
  #running = false;
  /** `e`, when the rehearsal was given a way to forecast. */
  readonly forecast: ForecastLine | null;

  constructor(options: RehearsalOptions) {
    this.sim = options.sim;
    this.#timer = options.timer;
    this.#size = options.size;
    this.clock = new ScaledClock({
      start: this.sim.nowMs(),
      speed: checkedSpeed(options.speed),
      realNow: () => this.#timer.now(),
    });
    this.quitted = new Promise<QuitHow>((resolve, reject) => {
      this.#resolveQuit = resolve;
      this.#rejectQuit = reject;
    });
    this.sim.onChange(() => this.#version++);
    const forecast = options.forecast;
    this.forecast = forecast
      ? new ForecastLine({
          run: () => this.#betweenSteps(() => forecast(this.sim, this.sim.nowMs())),
          changed: () => this.#scheduler.flush(),
        })
      : null;
    this.#frame = this.#compute();
    this.#scheduler = new FrameScheduler({
      timer: this.#timer,
      compute: () => this.#compute(),
      same: sameFrame,
      draw: (frame) => {
        this.#frame = frame;
        for (const l of this.#listeners) l();
      },
    });
  }

  // ---- what the view reads ------------------------------------------------------------------------------

  /** The frame to draw now (stable between changes, as useSyncExternalStore wants). */
  readonly getFrame = (): RehearsalFrame => this.#frame;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The rollout went as far as it can: the result, or null while it goes on. */
  get result(): SimulationResult | null {
    return this.#result;
  }

  /** Settles when every step asked for so far has run (tests wait on this instead of time). */
  idle(): Promise<void> {
    return this.#queue;
  }

  // ---- running -----------------------------------------------------------------------------------------

  /** Starts the clock: the first tick settles the promotion at its start. */
  start(): void {
    this.#running = true;
    this.#tickNow();
  }

  /** Stops ticking and drawing; safe to call more than once. */
  stop(): void {
    this.#running = false;
    this.#cancelTick();
    this.#scheduler.stop();
  }

  /** Ends here: stops, waits for the step in flight, and returns the result (ended by the user if it had not ended). */
  async close(): Promise<SimulationResult> {
    this.stop();
    await this.#queue;
    return (this.#result ??= this.sim.end('stopped by the user'));
  }

  // ---- the person's actions -----------------------------------------------------------------------------

  togglePause(): void {
    if (this.#result) return;
    if (this.clock.paused) {
      this.clock.resume();
      this.#tickNow();
    } else {
      this.clock.pause();
      this.#cancelTick();
    }
    this.#scheduler.flush();
  }

  changeSpeed(direction: 1 | -1): void {
    if (this.#result) return;
    this.clock.setSpeed(nextSpeed(this.clock.speed, direction));
    this.#scheduler.flush();
    // The next event is nearer or farther in real time now.
    if (!this.clock.paused) this.#tickNow();
  }

  approve(stage: string): void {
    this.#step(async () => {
      if (this.#result) return this.#say(`the rehearsal has ended; stage ${stage} was not approved`);
      try {
        await this.sim.approve(stage);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        // The driver words its refusals for --approve; here the person pressed a key.
        this.#say(`cannot approve: ${e.message.replace(/^--approve \S+: /, '')}`);
      }
      this.#checkEnd();
    });
  }

  failNext(cluster: string): void {
    if (this.#result) {
      this.#say('the rehearsal has ended; no attempt is left to fail');
      return;
    }
    try {
      this.sim.failNextAttempt(cluster);
    } catch (e) {
      this.#say((e as Error).message);
    }
  }

  quit(how: QuitHow): void {
    this.#resolveQuit(how);
  }

  resize(size: TerminalSize): void {
    this.#size = size;
    this.#scheduler.flush();
  }

  // ---- the loop ----------------------------------------------------------------------------------------

  #tickNow(): void {
    this.#cancelTick();
    this.#step(async () => {
      if (this.#result) return;
      const sim = this.sim;
      // Whole virtual seconds, so that what the person does lands on the second in the timeline;
      // never past the horizon, where the rehearsal ends as a headless one does.
      const target = Math.max(sim.nowMs(), Math.min(Math.floor(this.clock.nowMs() / 1000) * 1000, sim.horizonEnd));
      // Event by event, so that the rollout ends at the moment it ended, not at the tick after.
      for (
        let next = sim.nextEventAt()?.getTime();
        next !== undefined && next <= target;
        next = sim.nextEventAt()?.getTime()
      ) {
        await sim.advanceTo(next);
        if (this.#checkEnd()) return;
      }
      await sim.advanceTo(target);
      this.#checkEnd();
    });
    void this.#queue.then(() => this.#scheduleTick());
  }

  #scheduleTick(): void {
    if (!this.#running || this.#result || this.clock.paused || this.#tick !== null) return;
    const next = this.sim.nextEventAt();
    const untilEvent = next === null ? null : this.clock.realDelayUntil(next);
    const wait = untilEvent === null ? TICK_MS : Math.min(TICK_MS, untilEvent);
    this.#tick = this.#timer.setTimeout(() => {
      this.#tick = null;
      this.#tickNow();
    }, wait);
  }

  #cancelTick(): void {
    if (this.#tick === null) return;
    this.#timer.clearTimeout(this.#tick);
    this.#tick = null;
  }

  /** Queues a step on the simulation; a failure of the simulation itself ends the rehearsal with it. */
  #step(body: () => Promise<void>): void {
    this.#queue = this.#queue
      .then(body)
      .then(() => this.#scheduler.request())
      .catch((e: unknown) => {
        this.stop();
        this.#rejectQuit(e);
      });
  }

  /**
   * Starts `work` after the step in flight, before the next: what it reads of the simulation is a
   * settled state. The rehearsal does not wait for what it returns.
   */
  #betweenSteps<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue = this.#queue.then(() => {
        try {
          work().then(resolve, reject);
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  /**
   * As a headless run, it ends when the promotion completed, nothing is left to happen, or at the
   * horizon; but a stage waiting for approval is no end here: the person can still press `a`.
   */
  #checkEnd(): boolean {
    if (this.#result) return true;
    const sim = this.sim;
    const waiting = sim.phases().some((p) => p.phase === 'AwaitingApproval');
    const stuck = sim.nextEventAt() === null && !waiting;
    if (!sim.completed && !stuck && sim.nowMs() < sim.horizonEnd) return false;
    this.#result = sim.end();
    this.clock.pause();
    this.#cancelTick();
    this.#say(`${this.#result.outcome}: ${this.#result.reason}`);
    return true;
  }

  #say(text: string): void {
    this.#notice = { id: (this.#notice?.id ?? 0) + 1, text };
    this.#scheduler.flush();
  }

  #compute(): RehearsalFrame {
    const sim = this.sim;
    const model = viewOfWorld(sim.promotion(), sim.world, sim.now(), this.#cache.at(this.#version));
    return {
      model,
      clock: {
        mode: 'simulated',
        speed: this.clock.speed,
        paused: this.clock.paused && !this.#result,
        ended: this.#result !== null,
      },
      notice: this.#notice,
      forecast: this.forecast?.lineFor(model, sim.nowMs()) ?? null,
      rows: this.#size.rows,
      columns: this.#size.columns,
    };
  }
}

function sameFrame(a: RehearsalFrame, b: RehearsalFrame): boolean {
  return (
    a.rows === b.rows &&
    a.columns === b.columns &&
    a.notice?.id === b.notice?.id &&
    a.forecast === b.forecast &&
    a.clock.speed === b.clock.speed &&
    a.clock.paused === b.clock.paused &&
    a.clock.ended === b.clock.ended &&
    sameView(a.model, b.model)
  );
}

function checkedSpeed(speed: number): number {
  if (!(speed >= SPEED_MIN && speed <= SPEED_MAX))
    throw new UserError(`--speed ${speed}: expected a number from ${SPEED_MIN} to ${SPEED_MAX}`);
  return speed;
}
