// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics (leaderelection
// package), so that replicas of this controller and anyone reading the Lease agree on who leads:
// - a candidate takes the Lease when it does not exist, when its holder is empty (released), or when
//   the record it observed has not changed for a whole lease duration, measured on the candidate's
//   own clock from when it last saw it change (never by comparing clocks across machines);
// - every write carries the resourceVersion read, so two candidates never both win;
// - the leader renews every retry period; when it could not renew for the renew deadline it stops
//   leading (and writing) at once: the deadline is shorter than the lease, so it stops before any
//   other candidate may take over;
// - on shutdown the leader releases the Lease (empty holder), and the next candidate takes it at once.
import type { Timers } from '../timers.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

/** Reads and writes the Lease; `update` must fail with `LeaseConflict` on a stale resourceVersion. */
export interface LeaseStore {
  get(): Promise<Lease | null>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  /** How long a non-leader waits, after the record last changed, before taking over (client-go: 15 s). */
  leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it gives up leading (client-go: 10 s). */
  renewDeadlineMs: number;
  /** Between attempts to acquire or renew (client-go: 2 s). */
  retryPeriodMs: number;
}

export interface LeaderCallbacks {
  started(): void;
  /** Leadership ended: lost (renew deadline passed, or someone else holds the Lease) or released. */
  stopped(reason: string): void;
  /** A new leader was observed (possibly this one). */
  newLeader?(identity: string): void;
  /** A failed attempt, for the log (-v). */
  attemptFailed?(error: unknown): void;
}

/** Checks the timing as client-go does, with one line naming the flags. */
export function checkLeaseTiming(
  t: Pick<LeaderElectionConfig, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>,
): string | null {
  if (t.leaseDurationMs <= t.renewDeadlineMs)
    return '--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline';
  // client-go's JitterFactor is 1.2: the leader must get a few tries in before its deadline.
  if (t.renewDeadlineMs <= 1.2 * t.retryPeriodMs)
    return '--leader-elect-renew-deadline must be greater than 1.2 x --leader-elect-retry-period';
  if (t.retryPeriodMs < 1) return '--leader-elect-retry-period must be positive';
  return null;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  readonly #config: LeaderElectionConfig;
  readonly #store: LeaseStore;
  readonly #timers: Timers;
  readonly #callbacks: LeaderCallbacks;
  /** The record as last seen, and when (our clock) it last changed. */
  #observed: { spec: LeaseSpec; json: string; at: number } | null = null;
  #lease: Lease | null = null;
  #leading = false;
  /** Our clock at the last successful acquire or renew. */
  #renewedAt = 0;
  #timer: unknown = null;
  #running = false;
  #attempt: Promise<void> | null = null;
  #leader = '';

  constructor(config: LeaderElectionConfig, store: LeaseStore, timers: Timers, callbacks: LeaderCallbacks) {
    this.#config = config;
    this.#store = store;
    this.#timers = timers;
    this.#callbacks = callbacks;
  }

  get identity(): string {
    return this.#config.identity;
  }

  /** The holder last observed ('' when released or unknown). */
  get leader(): string {
    return this.#leader;
  }

  /**
   * Whether this replica may write now: it leads, and its last renewal is recent enough that no
   * other candidate can have taken over (the renew deadline, checked at the moment of writing).
   */
  canWrite(): boolean {
    return this.#leading && this.#timers.now() - this.#renewedAt < this.#config.renewDeadlineMs;
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  /** Stops trying; a leader releases the Lease so that the next replica takes over at once. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#attempt;
    if (!this.#leading) return;
    this.#leading = false;
    const lease = this.#lease;
    if (lease !== null && lease.spec.holderIdentity === this.#config.identity) {
      const now = this.#timers.now();
      try {
        // client-go's ReleaseOnCancel: no holder, a one-second lease, renewed now.
        await this.#store.update({
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: microTime(now),
            acquireTime: microTime(now),
          },
        });
      } catch (e) {
        this.#callbacks.attemptFailed?.(e);
      }
    }
    this.#callbacks.stopped('released the lease on shutdown');
  }

  #tick(): void {
    if (!this.#running) return;
    this.#attempt = this.#tryAcquireOrRenew()
      .catch((e: unknown) => this.#callbacks.attemptFailed?.(e))
      .finally(() => {
        this.#attempt = null;
        this.#checkDeadline();
        if (this.#running) this.#timer = this.#timers.setTimeout(() => this.#tick(), this.#nextDelay());
      });
  }

  /** client-go waits retryPeriod with jitter while acquiring, and exactly retryPeriod while renewing. */
  #nextDelay(): number {
    return this.#config.retryPeriodMs;
  }

  #checkDeadline(): void {
    if (this.#leading && this.#timers.now() - this.#renewedAt >= this.#config.renewDeadlineMs) {
      this.#leading = false;
      this.#callbacks.stopped(`could not renew the lease within ${this.#config.renewDeadlineMs / 1000}s`);
    }
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const c = this.#config;
    const now = this.#timers.now();
    const me = c.identity;
    const durationSeconds = Math.max(1, Math.round(c.leaseDurationMs / 1000));
    const current = await this.#store.get();
    if (current === null) {
      const created = await this.#store.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: c.name, namespace: c.namespace },
        spec: {
          holderIdentity: me,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      });
      this.#won(created, now);
      return;
    }
    this.#observe(current, now);
    const holder = current.spec.holderIdentity ?? '';
    const observedDurationMs = (current.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const valid = this.#observed !== null && this.#observed.at + observedDurationMs > now;
    if (holder !== '' && holder !== me && valid) {
      if (this.#leading) {
        this.#leading = false;
        this.#callbacks.stopped(`the lease is held by ${holder}`);
      }
      return;
    }
    const spec: LeaseSpec = {
      ...current.spec,
      holderIdentity: me,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(now),
    };
    if (holder !== me) {
      spec.acquireTime = microTime(now);
      spec.leaseTransitions = (current.spec.leaseTransitions ?? 0) + 1;
    }
    const updated = await this.#store.update({ ...current, spec });
    this.#won(updated, now);
  }

  #won(lease: Lease, at: number): void {
    this.#lease = lease;
    this.#renewedAt = at;
    this.#observe(lease, at);
    if (!this.#leading && this.#running) {
      this.#leading = true;
      this.#callbacks.started();
    }
  }

  #observe(lease: Lease, at: number): void {
    const json = JSON.stringify(lease.spec);
    if (this.#observed === null || this.#observed.json !== json) this.#observed = { spec: lease.spec, json, at };
    this.#lease = lease;
    const holder = lease.spec.holderIdentity ?? '';
    if (holder !== this.#leader) {
      this.#leader = holder;
      if (holder !== '') this.#callbacks.newLeader?.(holder);
    }
  }
}
