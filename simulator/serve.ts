// The simulation behind a Kubernetes API (`simulate --serve`): the store-backed simulation
// served over HTTPS, with virtual time flowing at `speed` times the wall clock. A runner wakes at
// the next moment anything can change (bounded, so that the store's clock never lags far behind
// the flowing one) and as soon as someone writes through the API, so that an approval with
// kubectl is answered at once.
//
// The wall clock and the timers are injected: tests hold real time still and move virtual time
// with advanceTo, so nothing ever waits for time to pass.
import { CONTEXT_NAME, writeKubeconfig } from './apiserver/kubeconfig.ts';
import { startApiServer, type ApiServer, type RestrictedIdentity } from './apiserver/server.ts';
import type { ObjectStore } from './apiserver/store.ts';
import { storeRbacObjects } from './apiserver/rbac-store.ts';
import type { KubeObject } from '../src/api/types.ts';
import { ScaledClock, type RealTimeSource } from './clock.ts';
import { StoreSimulation, type StoreSimulationOptions } from './store-simulation.ts';
import type { Timers } from '../src/kube/informer.ts';

export const DEFAULT_SPEED = 60;
/** The runner's longest sleep in real time, whatever comes next. */
export const DEFAULT_MAX_SLEEP_MS = 250;

export interface ServeOptions extends StoreSimulationOptions {
  /** Virtual milliseconds per real one (default 60: a minute a second). */
  speed?: number;
  /** Start with time standing still until `clock.resume()` (e.g. until a controller is up). */
  paused?: boolean;
  /** Listening address (default 127.0.0.1) and port (default 0: any free one). */
  address?: string;
  port?: number;
  /** The bearer token; random when not given. */
  token?: string;
  /** Tokens held to RBAC grants (simulate --serve --rbac). */
  restricted?: RestrictedIdentity[];
  /** RBAC objects stored at start (--rbac's roles and bindings), which the restricted tokens are held to. */
  rbacObjects?: readonly KubeObject[];
  /** Real time, in milliseconds; the clock maps it to virtual time (default performance.now). */
  realNow?: RealTimeSource;
  timers?: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  maxSleepMs?: number;
  /** A step of the simulation failed (e.g. the engine never settles); it goes on at the next wake. */
  onError?: (err: unknown) => void;
  /** Each HTTP request as `METHOD URL STATUS`. */
  log?: (line: string) => void;
}

const realTimers: Pick<Timers, 'setTimeout' | 'clearTimeout'> = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class ServedSimulation {
  readonly #runner: Runner;
  readonly #unsubscribe: () => void;
  #closed: Promise<void> | null = null;

  constructor(
    readonly sim: StoreSimulation,
    readonly api: ApiServer,
    readonly clock: ScaledClock,
    runner: Runner,
  ) {
    this.#runner = runner;
    this.#unsubscribe = sim.onExternalChange(() => runner.kick());
    runner.start();
  }

  get store(): ObjectStore {
    return this.sim.store;
  }

  /** Virtual time processed so far (what the store stamps objects with). */
  nowMs(): number {
    return this.sim.nowMs();
  }

  /** Jumps virtual time to `t` and processes everything up to it (tests, "skip ahead"). */
  async advanceTo(t: number): Promise<void> {
    this.clock.jumpTo(t);
    await this.sim.advanceTo(t);
  }

  /** Processes everything up to the flowing clock's time, including reactions to what was written. */
  settle(): Promise<void> {
    return this.sim.advanceTo(this.clock.nowMs());
  }

  /**
   * Writes a kubeconfig for this server (context `promotion-sim`), readable by its owner only;
   * an existing file is replaced only when it is a kubeconfig written so (or with `force`). With
   * `token` and `name`: another identity's (simulate --serve --rbac).
   */
  writeKubeconfig(path: string, opts: { force?: boolean; token?: string; name?: string } = {}): void {
    writeKubeconfig(
      path,
      { server: this.api.url, ca: this.api.ca, token: opts.token ?? this.api.token, name: opts.name ?? CONTEXT_NAME },
      { force: opts.force },
    );
  }

  /** Stops time, then the server (every watch ends). */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#unsubscribe();
      await this.#runner.stop();
      await this.api.close();
      this.sim.close();
    })();
    return this.#closed;
  }
}

export async function startServedSimulation(options: ServeOptions): Promise<ServedSimulation> {
  const sim = new StoreSimulation(options);
  const clock = new ScaledClock({
    start: options.start,
    speed: options.speed ?? DEFAULT_SPEED,
    ...(options.paused ? { paused: true } : {}),
    ...(options.realNow ? { realNow: options.realNow } : {}),
  });
  let api: ApiServer;
  try {
    storeRbacObjects(sim.store, options.rbacObjects ?? []);
    api = await startApiServer({
      store: sim.store,
      address: options.address ?? '127.0.0.1',
      port: options.port ?? 0,
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.restricted ? { restricted: options.restricted } : {}),
      ...(options.log ? { log: options.log } : {}),
      // The flowing clock, not the store's (which steps): clients' countdowns run at its pace.
      clock: () => ({ nowMs: clock.nowMs(), speed: clock.paused ? 0 : clock.speed }),
    });
  } catch (err) {
    sim.close();
    throw err;
  }
  const runner = new Runner(
    sim,
    clock,
    options.timers ?? realTimers,
    options.maxSleepMs ?? DEFAULT_MAX_SLEEP_MS,
    options.onError ?? rethrowLater,
  );
  return new ServedSimulation(sim, api, clock, runner);
}

function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

/** Moves the simulation along with the flowing clock, one step at a time. */
class Runner {
  #timer: unknown = undefined;
  #step: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(
    private readonly sim: StoreSimulation,
    private readonly clock: ScaledClock,
    private readonly timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>,
    private readonly maxSleepMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.#schedule(0);
  }

  /** Something was written: step as soon as possible (after the step under way, if any). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#step !== null) this.#again = true;
    else this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#step;
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) this.timers.clearTimeout(this.#timer);
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#step = this.#run().finally(() => (this.#step = null));
    }, ms);
  }

  async #run(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.sim.advanceTo(this.clock.nowMs());
    } catch (err) {
      this.onError(err);
    }
    if (this.#stopped) return;
    if (this.#again) {
      this.#again = false;
      this.#schedule(0);
      return;
    }
    const next = this.sim.nextEventAt();
    const delay = next === null ? null : this.clock.realDelayUntil(next);
    this.#schedule(delay === null ? this.maxSleepMs : Math.min(delay, this.maxSleepMs));
  }
}
