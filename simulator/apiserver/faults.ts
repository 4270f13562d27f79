// Bad days on demand: the failures a client of a real API server must survive, triggered from a
// test (in process) or from a rehearsal (POST /admin/faults/<action> with the server's token).
// Refusing connections really closes the listening socket, so clients see ECONNREFUSED, and a
// restart keeps every object and the resourceVersion sequence but, like a real restart, starts
// with an empty watch cache.

/** What the server lets the faults act on. */
export interface FaultTarget {
  /** Ends every open watch stream; returns how many there were. */
  dropWatches(): number;
  /** Closes the listening socket and every open connection. */
  stopListening(): Promise<void>;
  /** Listens again on the same address and port. */
  startListening(): Promise<void>;
  /** Forgets the watch history, so that resuming from an older resourceVersion gets 410. */
  forgetWatchHistory(): void;
}

export interface FaultStatus {
  refusingConnections: boolean;
  /** When connections will be accepted again (wall clock), if refusing. */
  refusingUntil: string | null;
  pendingWatchExpiries: number;
  watchesDropped: number;
  restarts: number;
}

export interface AdminResponse {
  code: number;
  body: object;
  /** Runs once the response has been sent (the fault may cut the connection it came on). */
  after?: () => Promise<void>;
}

export const FAULT_ACTIONS = ['drop-watches', 'expire-next-watch', 'refuse-connections', 'restart'] as const;

export class Faults {
  private expiries = 0;
  private dropped = 0;
  private restarts = 0;
  private down: {
    until: number;
    timer: NodeJS.Timeout | undefined;
    reopened: Promise<void>;
    resolve: () => void;
  } | null = null;
  private disposed = false;
  private transition: Promise<void> = Promise.resolve();

  constructor(private readonly target: FaultTarget) {}

  /** Ends every open watch stream now; clients see the stream end and must watch again. */
  dropWatches(): number {
    const n = this.target.dropWatches();
    this.dropped += n;
    return n;
  }

  /** The next `count` watch requests get 410 Expired, whatever resourceVersion they ask for. */
  expireNextWatches(count = 1): void {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`expire-next-watch count must be a positive integer, got ${count}`);
    this.expiries += count;
  }

  /** Called by the server for each watch request: whether to answer it with 410. */
  takeWatchExpiry(): boolean {
    if (this.expiries === 0) return false;
    this.expiries -= 1;
    return true;
  }

  /**
   * Closes the listening socket and every connection, and reopens it on the same port after
   * `seconds`. Resolves once connections are refused, with a promise of the reopening. A call
   * while already refusing extends the outage to the later of the two ends.
   */
  async refuseConnections(seconds: number): Promise<{ reopened: Promise<void> }> {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) {
      throw new RangeError(`refuse-connections seconds must be a non-negative number, got ${seconds}`);
    }
    const until = Date.now() + seconds * 1000;
    if (this.down !== null) {
      const down = this.down;
      if (until > down.until) this.schedule(until);
      await this.transition;
      return { reopened: down.reopened };
    }
    let resolve!: () => void;
    const reopened = new Promise<void>((r) => (resolve = r));
    const down = { until, timer: undefined as NodeJS.Timeout | undefined, reopened, resolve };
    this.down = down;
    await this.serialize(() => this.target.stopListening());
    if (this.down === down) this.schedule(until);
    return { reopened };
  }

  /** Ends an outage now instead of at its scheduled end. */
  async acceptConnections(): Promise<void> {
    const down = this.down;
    if (down === null) return;
    this.schedule(Date.now());
    await down.reopened;
  }

  /** Stops and starts the server: same objects, resourceVersions continue, watch history gone. */
  async restart(): Promise<void> {
    this.restarts += 1;
    await this.serialize(async () => {
      await this.target.stopListening();
      this.target.forgetWatchHistory();
      if (!this.disposed && this.down === null) await this.target.startListening();
    });
  }

  get refusing(): boolean {
    return this.down !== null;
  }

  status(): FaultStatus {
    return {
      refusingConnections: this.down !== null,
      refusingUntil: this.down === null ? null : new Date(this.down.until).toISOString(),
      pendingWatchExpiries: this.expiries,
      watchesDropped: this.dropped,
      restarts: this.restarts,
    };
  }

  /** Cancels a pending reopen (the server is closing for good). */
  dispose(): void {
    this.disposed = true;
    if (this.down !== null) {
      clearTimeout(this.down.timer);
      this.down.resolve();
      this.down = null;
    }
  }

  /** `POST /admin/faults/<action>` and `GET /admin/faults`. */
  handleAdmin(method: string, action: string | undefined, query: URLSearchParams): AdminResponse {
    if (action === undefined) {
      if (method !== 'GET')
        return { code: 405, body: { error: 'use GET /admin/faults or POST /admin/faults/<action>' } };
      return { code: 200, body: { status: this.status(), actions: FAULT_ACTIONS } };
    }
    if (method !== 'POST') return { code: 405, body: { error: `use POST /admin/faults/${action}` } };
    switch (action) {
      case 'drop-watches':
        return { code: 200, body: { dropped: this.dropWatches() } };
      case 'expire-next-watch': {
        const count = Number(query.get('count') ?? '1');
        this.expireNextWatches(count);
        return { code: 200, body: { pendingWatchExpiries: this.expiries } };
      }
      case 'refuse-connections': {
        const seconds = Number(query.get('seconds') ?? 'NaN');
        if (!(seconds >= 0)) return { code: 400, body: { error: 'refuse-connections needs ?seconds=N (N >= 0)' } };
        return {
          code: 202,
          body: { refusingForSeconds: seconds },
          after: async () => void (await this.refuseConnections(seconds)),
        };
      }
      case 'restart':
        return { code: 202, body: { restarting: true }, after: () => this.restart() };
      default:
        return { code: 404, body: { error: `unknown fault ${action}; one of ${FAULT_ACTIONS.join(', ')}` } };
    }
  }

  private schedule(until: number): void {
    const down = this.down!;
    clearTimeout(down.timer);
    down.until = until;
    down.timer = setTimeout(
      () => {
        if (this.down !== down) return;
        this.down = null;
        void this.serialize(async () => {
          if (!this.disposed) await this.target.startListening();
        }).finally(down.resolve);
      },
      Math.max(0, until - Date.now()),
    );
  }

  /** Listener transitions run one after another, never interleaved. */
  private serialize(step: () => Promise<void>): Promise<void> {
    const next = this.transition.then(step);
    this.transition = next.catch(() => undefined);
    return next;
  }
}
