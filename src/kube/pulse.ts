// Whether the API server is still answering. A watch that brings nothing is normal (nothing
// changed), and so is a stream the server keeps open while it is frozen (SIGSTOP, a hung node, a
// partition that drops packets): from the client the two look the same. So when nothing at all
// (an event, a bookmark, an answer) has come from the server for `quietMs`, the pulse asks it
// something cheap; no answer within `answerWithinMs` means the server is silent, and the data is
// current only as of the last thing heard. While the server is silent, or a stream is down and
// backing off, it asks every `retryMs`, so that the first answer (the server is back) is known
// within about that long and the streams can reconnect at once instead of at the end of a backoff.
// Time is injected (`Timers`): every path is tested without waiting on the wall clock.
import { realTimers, type Timers } from '../timers.ts';

export interface PulseOptions {
  timers?: Timers;
  /**
   * Asks the server something; resolves when it answered at all (an error status is an answer),
   * rejects when it did not (refused, reset, aborted by `signal`).
   */
  probe(signal: AbortSignal): Promise<void>;
  /** Ask when nothing was heard for this long (default 5 s). */
  quietMs?: number;
  /** An ask not answered within this long is no answer (default 5 s). */
  answerWithinMs?: number;
  /** While silent or watched closely: the pause between asks (default 1 s). */
  retryMs?: number;
}

export interface PulseListener {
  /** The server stopped answering; `since` is when it was last heard. */
  silent?(since: number): void;
  /** The server answered while silent or watched closely; `wasSilent` says which. */
  answered?(wasSilent: boolean): void;
}

export const PULSE_DEFAULTS = { quietMs: 5000, answerWithinMs: 5000, retryMs: 1000 } as const;

export class ServerPulse {
  readonly #o: Required<PulseOptions>;
  readonly #listeners = new Set<PulseListener>();
  #lastHeard: number;
  /** When the server was last heard before it fell silent; null while it answers. */
  #silentSince: number | null = null;
  #closely = false;
  #running = false;
  #timer: unknown = null;
  #asking: AbortController | null = null;
  /** When the last ask ended, for the pause between asks. */
  #askedAt = -Infinity;

  constructor(options: PulseOptions) {
    this.#o = {
      timers: options.timers ?? realTimers,
      probe: options.probe,
      quietMs: options.quietMs ?? PULSE_DEFAULTS.quietMs,
      answerWithinMs: options.answerWithinMs ?? PULSE_DEFAULTS.answerWithinMs,
      retryMs: options.retryMs ?? PULSE_DEFAULTS.retryMs,
    };
    this.#lastHeard = this.#o.timers.now();
  }

  subscribe(listener: PulseListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastHeard = this.#o.timers.now();
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    this.#asking?.abort();
    this.#asking = null;
    this.#clear();
  }

  /** When the server was last heard from (local time). */
  get lastHeard(): number {
    return this.#lastHeard;
  }

  /** Since when the server has not answered (its last sign of life), or null while it answers. */
  get silentSince(): number | null {
    return this.#silentSince;
  }

  /**
   * Something came from the server. A silent server is declared back only by an answer to an ask
   * (within a second): bytes of a stream opened before it froze prove less than a fresh answer.
   */
  heard(): void {
    // No rescheduling here (this runs for every event): the timer, when it fires, looks again.
    this.#lastHeard = this.#o.timers.now();
  }

  /** A stream is down (true) or every stream is up again (false): ask often, or only when quiet. */
  watchClosely(on: boolean): void {
    if (this.#closely === on) return;
    this.#closely = on;
    if (this.#asking === null) this.#schedule();
  }

  #clear(): void {
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    this.#clear();
    if (!this.#running) return;
    const t = this.#o.timers;
    const due =
      this.#silentSince !== null || this.#closely ? this.#askedAt + this.#o.retryMs : this.#lastHeard + this.#o.quietMs;
    this.#timer = t.setTimeout(
      () => {
        this.#timer = null;
        this.#tick();
      },
      Math.max(0, due - t.now()),
    );
  }

  #tick(): void {
    if (!this.#running || this.#asking !== null) return;
    const quiet = this.#o.timers.now() - this.#lastHeard >= this.#o.quietMs;
    if (this.#silentSince === null && !this.#closely && !quiet) this.#schedule();
    else void this.#ask();
  }

  async #ask(): Promise<void> {
    const t = this.#o.timers;
    const asking = new AbortController();
    this.#asking = asking;
    const timeout = t.setTimeout(() => asking.abort(new Error('no answer')), this.#o.answerWithinMs);
    let answered: boolean;
    try {
      await this.#o.probe(asking.signal);
      answered = !asking.signal.aborted;
    } catch {
      answered = false;
    } finally {
      t.clearTimeout(timeout);
    }
    if (this.#asking !== asking) return;
    this.#asking = null;
    this.#askedAt = t.now();
    if (!this.#running) return;
    if (answered) {
      this.#lastHeard = t.now();
      const wasSilent = this.#silentSince !== null;
      this.#silentSince = null;
      if (wasSilent || this.#closely) for (const l of [...this.#listeners]) l.answered?.(wasSilent);
    } else if (this.#silentSince === null) {
      const since = this.#lastHeard;
      this.#silentSince = since;
      for (const l of [...this.#listeners]) l.silent?.(since);
    }
    this.#schedule();
  }
}
