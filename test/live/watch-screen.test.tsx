// `watch` in a terminal: the screen drawn by ink-testing-library from a LiveWatch over a fake source
// (the promotions as the test says, the streams' health as the test says), and the approval it
// writes to the served API.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { render } from 'ink-testing-library';
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { JsonPatchOp } from '../../src/engine/types.ts';
import type { FleetHealth } from '../../src/live/fleet.ts';
import { approve } from '../../src/live/approve.ts';
import { NOTHING_ELSE, viewOf } from '../../src/live/snapshot.ts';
import type { LiveEta } from '../../src/live/eta.ts';
import { LiveWatch, watchOrder, type LiveWatchOptions, type QuitHow, type WatchSource } from '../../src/live/watch.ts';
import { WatchScreen } from '../../src/live/watch-screen.tsx';
import { FakeTimers } from '../kube/fake-timers.ts';
import { autoStage, manualStage, promotionObject, putPromotion, serve, stageEntry, type Served } from './served.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');
const LIVE: FleetHealth = { state: 'live', currentAsOf: null, lastError: null, silentSince: null };

/** checkout: staging passed, production waits for approval since minute 10. */
function checkout(): ClusterPromotion {
  const p = promotionObject('checkout', [
    autoStage('staging', { env: 'staging' }, '5m'),
    manualStage('production', { env: 'production' }),
  ]);
  return {
    ...p,
    status: {
      currentStageName: 'production',
      stages: [
        stageEntry('staging', `Successfully provisioned (${at(8)})`, {
          lastUpdateReconciledTime: at(0),
          lastSuccessfulAppliedTime: at(2),
        }),
        stageEntry('production', `Paused: Awaiting Manual Approval (${at(10)})`, {
          lastUpdateReconciledTime: at(8),
          lastSuccessfulAppliedTime: at(9),
        }),
      ],
    },
  };
}

/** another: its only stage deploying. */
function another(name = 'another'): ClusterPromotion {
  const p = promotionObject(name, [autoStage('staging', { env: 'staging' })]);
  return {
    ...p,
    status: {
      currentStageName: 'staging',
      stages: [stageEntry('staging', `Clusters are being provisioned (${at(1)})`, { lastUpdateReconciledTime: at(1) })],
    },
  };
}

/** Promotions and stream health as the test sets them; tells the watch when either changes. */
class FakeSource implements WatchSource {
  promotions: ClusterPromotion[] = [];
  state: FleetHealth = LIVE;
  readonly #timers: FakeTimers;
  readonly #listeners = new Set<() => void>();
  constructor(timers: FakeTimers) {
    this.#timers = timers;
  }
  views(now: Date) {
    return this.promotions.map((promotion) => ({ promotion, view: viewOf(promotion, NOTHING_ELSE, now) }));
  }
  viewOf(name: string, now: Date) {
    const p = this.promotions.find((x) => x.metadata.name === name);
    return p ? viewOf(p, NOTHING_ELSE, now) : null;
  }
  health(): FleetHealth {
    const live = this.state.state === 'live' && this.state.silentSince === null;
    return live ? { ...this.state, currentAsOf: this.#timers.now() } : this.state;
  }
  /** The server's clock: ours unless a test says it runs elsewhere, or faster (a rehearsal). */
  server = { atLocal: 0, ms: 0, speed: 1 };
  serverNow(localMs: number): number {
    return this.server.ms + (localMs - this.server.atLocal) * this.server.speed;
  }
  onChange(listener: () => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(change: { promotions?: ClusterPromotion[]; health?: FleetHealth }) {
    if (change.promotions) this.promotions = change.promotions;
    if (change.health) this.state = change.health;
    for (const l of this.#listeners) l();
  }
}

let timers: FakeTimers;
let source: FakeSource;

beforeEach(() => {
  timers = new FakeTimers(T0 + 12 * 60_000);
  source = new FakeSource(timers);
});

function screen(
  o: {
    name?: string;
    approve?: (promotion: string, stage: string) => Promise<string>;
    rows?: number;
    forecast?: LiveWatchOptions['forecast'];
  } = {},
) {
  const watch = new LiveWatch({
    source,
    ...(o.name !== undefined ? { name: o.name } : {}),
    context: 'prod',
    timer: timers,
    size: { rows: o.rows ?? 16, columns: 100 },
    approve: o.approve ?? (async () => 'not expected'),
    ...(o.forecast ? { forecast: o.forecast } : {}),
  });
  watch.start();
  const r = render(<WatchScreen watch={watch} color={false} unicode />);
  const quits: QuitHow[] = [];
  void watch.quitted.then((how) => quits.push(how));
  return {
    watch,
    quits,
    frame: () => r.lastFrame() ?? '',
    /** Lets Ink and React handle what happened (one turn of the event loop, no wall-clock wait). */
    settle: () => new Promise((resolve) => setImmediate(resolve)),
    /** The frame once it matches: React and Ink may take a few turns of the event loop to draw. */
    async shows(pattern: RegExp): Promise<string> {
      for (let turn = 0; turn < 100 && !pattern.test(r.lastFrame() ?? ''); turn++)
        await new Promise((resolve) => setImmediate(resolve));
      assert.match(r.lastFrame() ?? '', pattern);
      return r.lastFrame() ?? '';
    },
    press: async (...keys: string[]) => {
      for (const k of keys) {
        r.stdin.write(k);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    done: () => {
      watch.stop();
      r.unmount();
    },
  };
}

describe('watch in a terminal: approving', () => {
  let served: Served;
  before(async () => {
    served = await serve({ now: () => new Date(T0) });
  });
  after(() => served.close());

  it('a, then y, writes the guarded JSON patch and shows what was done', async () => {
    const stored = putPromotion(served.store, checkout(), checkout().status);
    source.set({ promotions: [stored] });
    const client = served.client();
    const patches: unknown[] = [];
    const request = client.request.bind(client);
    client.request = ((method: string, path: string, options?: { body?: unknown }) => {
      if (method === 'PATCH') patches.push(options?.body);
      return request(method as 'PATCH', path, options);
    }) as typeof client.request;
    let approved!: () => void;
    const written = new Promise<void>((resolve) => (approved = resolve));
    const s = screen({
      name: 'checkout',
      approve: async (promotion, stage) => {
        try {
          return (await approve(client, promotion, stage, { now: () => new Date(timers.now()) })).message;
        } finally {
          approved();
        }
      },
    });
    await s.shows(/production .*AwaitingApproval/);
    await s.press('a');
    await s.shows(/Approve stage production\? \(y\/n\)/);
    assert.equal(patches.length, 0, 'nothing is written before the answer');
    await s.press('y');
    await written;
    await s.settle();
    const ops = patches[0] as JsonPatchOp[];
    assert.deepEqual(ops, [
      { op: 'test', path: '/metadata/resourceVersion', value: stored.metadata.resourceVersion },
      { op: 'test', path: '/spec/stages/1/name', value: 'production' },
      { op: 'add', path: '/spec/stages/1/trigger/manual/approved', value: true },
    ]);
    assert.equal(
      served.store.get<ClusterPromotion>('clusterpromotions', 'checkout').spec.stages[1]!.trigger!.manual!.approved,
      true,
    );
    await s.shows(/approved stage production of checkout$/);
    s.done();
  });

  it('says why when the approval is refused, and n writes nothing', async () => {
    source.set({ promotions: [checkout()] });
    const asked: string[] = [];
    const s = screen({
      name: 'checkout',
      approve: async (_p, stage) => {
        asked.push(stage);
        throw new Error(
          'checkout changed while writing: stage staging is the one at stake now; nothing was written, run ' +
            'the command again',
        );
      },
    });
    await s.press('a', 'n');
    assert.deepEqual(asked, []);
    await s.press('a', 'y');
    await s.shows(/not approved: checkout changed while writing/);
    assert.deepEqual(asked, ['production']);
    s.done();
  });
});

describe('watch in a terminal: the data and its streams', () => {
  it('shows the live clock with the data age, and a reconnecting banner while a stream is down', async () => {
    source.set({ promotions: [checkout()] });
    const s = screen({ name: 'checkout' });
    await s.shows(/live {2}2026-03-01 10:12:00Z {2}· {2}data 0s old/);
    assert.doesNotMatch(s.frame(), /reconnecting/);

    source.set({
      health: {
        state: 'reconnecting',
        currentAsOf: timers.now(),
        lastError: 'connect ECONNREFUSED 127.0.0.1:6443',
        silentSince: null,
      },
    });
    timers.advance(45_000);
    const lines = (await s.shows(/^✖ reconnecting/)).split('\n');
    assert.equal(
      lines[0],
      '✖ reconnecting to the API server (connect ECONNREFUSED 127.0.0.1:6443); ' + 'data as of 10:12Z',
    );
    assert.match(s.frame(), /data 45s old/);
    assert.ok(lines.length <= 16, 'the banner takes its row from the view, not from the terminal');

    source.set({ health: LIVE });
    timers.advance(100);
    await s.shows(/data 0s old/);
    assert.doesNotMatch(s.frame(), /reconnecting/);
    s.done();
  });

  it('a silent server: says how long it has not answered, the age grows, and no countdown runs', async () => {
    // payments: staging soaks until 10:15; the server falls silent at 10:12 and the soak's end passes.
    const payments = promotionObject('payments', [autoStage('staging', { env: 'staging' }, '5m')]);
    payments.status = {
      currentStageName: 'staging',
      stages: [
        stageEntry('staging', `Delayed: Waiting for Time Window: ${at(15)}`, {
          lastUpdateReconciledTime: at(5),
          lastSuccessfulAppliedTime: at(10),
        }),
      ],
    };
    source.set({ promotions: [payments] });
    const s = screen({ name: 'payments' });
    await s.shows(/soak ends in 3m \(10:15Z\)/);
    const lastHeard = timers.now();
    timers.advance(10_000);
    source.set({ health: { state: 'live', currentAsOf: lastHeard, lastError: null, silentSince: lastHeard } });
    timers.advance(100);
    const first = await s.shows(
      /^✖ no answer from the API server for 10s; data as of 10:12Z; reconnecting when it answers$/m,
    );
    assert.match(first, /data 10s old/);
    assert.match(first, /soak ends 10:15Z$/m, 'the moment the data has, not a countdown');
    timers.advance(200_000);
    const later = await s.shows(/no answer from the API server for 3m30s/);
    assert.match(later, /data 3m30s old/, 'the age of the data grows');
    assert.doesNotMatch(later, /soak ends now/, 'a passed moment is not announced as now');
    assert.match(later, /soak due to end 10:15Z, no news since/);

    source.set({ health: LIVE });
    timers.advance(100);
    await s.shows(/data 0s old/);
    assert.doesNotMatch(s.frame(), /no answer|no news/);
    assert.match(s.frame(), /soak ends now \(10:15Z\)/, 'fresh data again: the soak is over, the controller to act');
    s.done();
  });

  it("runs on the server's clock: a rehearsal at 60x shows its time, and data ages at its pace", async () => {
    source.set({ promotions: [checkout()] });
    // The rehearsal is at 10:30 while this machine says 10:12, and gains a minute every second.
    source.server = { atLocal: timers.now(), ms: T0 + 30 * 60_000, speed: 60 };
    const s = screen({ name: 'checkout' });
    await s.shows(/live {2}2026-03-01 10:30:00Z {2}· {2}data 0s old/);
    assert.match(s.frame(), /production .*AwaitingApproval.*waiting for approval for 20m/);
    source.set({
      health: { state: 'reconnecting', currentAsOf: timers.now(), lastError: 'the stream ended', silentSince: null },
    });
    timers.advance(2_000);
    await s.shows(/live {2}2026-03-01 10:32:00Z {2}· {2}data 2m old/);
    assert.match(s.frame(), /data as of 10:30Z/);
    assert.match(s.frame(), /waiting for approval since 10:10Z/, 'nothing counts up on stale data');
    s.done();
  });

  it('redraws once a second while nothing happens (the clock), not more', async () => {
    source.set({ promotions: [checkout()] });
    const s = screen({ name: 'checkout' });
    let draws = 0;
    s.watch.subscribe(() => draws++);
    for (let i = 0; i < 100; i++) timers.advance(100);
    assert.equal(draws, 10);
    s.done();
  });

  it('says so while the promotion is gone, and q quits', async () => {
    source.set({ promotions: [] });
    const s = screen({ name: 'checkout' });
    await s.shows(/clusterpromotion checkout is gone from context prod; waiting for it to come back \(q quits\)/);
    await s.press('q');
    await s.settle();
    assert.deepEqual(s.quits, ['quit']);
    s.done();
  });

  it('Ctrl-C quits as an interruption', async () => {
    source.set({ promotions: [checkout()] });
    const s = screen({ name: 'checkout' });
    await s.shows(/checkout {2}Paused/);
    await s.press('\u0003');
    await s.settle();
    assert.deepEqual(s.quits, ['interrupt']);
    s.done();
  });
});

describe('watch in a terminal: every promotion', () => {
  it('shows a tab per promotion, the ones waiting for a person first, and opens on the first', async () => {
    source.set({ promotions: [another('alpha'), checkout(), another('zulu')] });
    const s = screen();
    const tabs = (await s.shows(/checkout {2}Paused/)).split('\n')[0]!;
    assert.equal(tabs, '[⏸ checkout]  ◌ alpha   ◌ zulu   ←/→ promotion');
    assert.match(s.frame(), /checkout {2}Paused/);
    s.done();
  });

  it('left/right switch promotions; the one shown stays shown when the order changes', async () => {
    source.set({ promotions: [another('alpha'), checkout()] });
    const s = screen();
    await s.shows(/checkout {2}Paused/);
    await s.press('\u001B[C');
    await s.shows(/alpha {2}Progressing/);
    // checkout's gate is let through: it no longer comes first, and alpha stays on screen.
    const passed = checkout();
    passed.status!.stages![1]!.currentStatusDescription = `Successfully provisioned (${at(12)})`;
    source.set({ promotions: [another('alpha'), passed] });
    timers.advance(100);
    await s.shows(/alpha {2}Progressing/);
    assert.match(s.frame().split('\n')[0]!, /^\[◌ alpha\] {2}✔ checkout /);
    await s.press('\u001B[D');
    await s.shows(/checkout {2}Completed/);
    s.done();
  });

  it('says there is none yet in the context, and waits', async () => {
    const s = screen();
    await s.shows(/no ClusterPromotion in context prod yet; waiting for one \(q quits\)/);
    source.set({ promotions: [another()] });
    timers.advance(100);
    await s.shows(/another {2}Progressing/);
    s.done();
  });

  it('orders by how long each has waited for a person, then by name', () => {
    const now = new Date(T0 + 20 * 60_000);
    const later = checkout();
    later.metadata.name = 'later';
    later.status!.stages![1]!.currentStatusDescription = `Paused: Awaiting Manual Approval (${at(15)})`;
    const views = [another('b'), later, another('a'), checkout()].map((p) => viewOf(p, NOTHING_ELSE, now));
    assert.deepEqual(
      watchOrder(views).map((v) => v.name),
      ['checkout', 'later', 'a', 'b'],
    );
  });
});

describe('watch in a terminal: the forecast (e)', () => {
  const eta = (at: number, stageP50: number): LiveEta => ({
    runs: 200,
    seed: 1,
    at,
    deployTimes: { source: 'observed', observed: 6, p50Ms: 60_000, p90Ms: 90_000 },
    stage: { name: 'staging', p50: at + stageP50, p90: at + stageP50 + 120_000 },
    completion: { p50: at + stageP50, p90: at + stageP50 + 120_000 },
    completed: 1,
    awaitingApproval: 0,
  });

  it('e shows the line once computed, without holding the keys; e again hides it; a new state, a new one', async () => {
    source.set({ promotions: [another()] });
    const asked: { name: string; now: number }[] = [];
    const pending: ((e: LiveEta) => void)[] = [];
    const s = screen({
      name: 'another',
      forecast: (name, now) => {
        asked.push({ name, now });
        return new Promise((resolve) => pending.push(resolve));
      },
    });
    await s.shows(/e forecast/);
    assert.doesNotMatch(s.frame(), /forecast \(/);
    await s.press('e');
    await s.shows(/^forecast: computing…$/m);
    assert.deepEqual(asked, [{ name: 'another', now: T0 + 12 * 60_000 }]);
    // Keys work while it runs.
    await s.press('?');
    await s.shows(/show or hide the forecast: median and P90/);
    await s.press('?');
    pending.shift()!(eta(T0 + 12 * 60_000, 5 * 60_000));
    await s.shows(/^forecast \(200 runs\): staging ~10:17Z in 5m, P90 10:19Z · done ~10:17Z in 5m, P90 10:19Z$/m);
    // The clock moving on alone makes no new forecast.
    timers.advance(5000);
    await s.settle();
    assert.equal(asked.length, 1);
    // The stage's state moves on: the old line says it is being updated, and a new forecast runs.
    const moved = another();
    moved.status!.stages![0]!.lastSuccessfulAppliedTime = at(11);
    moved.status!.stages![0]!.currentStatusDescription = `Successfully provisioned (${at(11)})`;
    source.set({ promotions: [moved] });
    timers.advance(100);
    await s.shows(/^forecast, updating, \(200 runs\): staging ~10:17Z/m);
    assert.equal(asked.length, 2);
    pending.shift()!(eta(T0 + 12 * 60_000 + 5000, 60_000));
    await s.shows(/^forecast \(200 runs\): staging ~10:13Z in 1m/m);
    await s.press('e');
    await s.shows(/e forecast/);
    assert.doesNotMatch(s.frame(), /^forecast/m);
    s.done();
  });

  it('without a forecast (no e), the key line does not offer it', async () => {
    source.set({ promotions: [another()] });
    const s = screen({ name: 'another' });
    await s.shows(/q quit/);
    assert.doesNotMatch(s.frame(), /e forecast/);
    await s.press('e');
    await s.settle();
    assert.doesNotMatch(s.frame(), /^forecast/m);
    s.done();
  });
});
