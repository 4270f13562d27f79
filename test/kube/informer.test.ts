import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ClusterPromotion, KubeObject } from '../../src/api/types.ts';
import { Informer, type Change, type ListWatch } from '../../src/kube/informer.ts';
import { listWatchOf, type WatchEvent } from '../../src/kube/objects.ts';
import { CLUSTER_PROMOTIONS } from '../../src/kube/resources.ts';
import {
  manualStage,
  promotionObject,
  putPromotion,
  serve,
  setStatus,
  stageEntry,
  type Served,
} from '../live/served.ts';
import { FakeTimers } from './fake-timers.ts';

const BACKOFF = { baseMs: 1000, capMs: 8000 };
const IDLE = 90_000;

interface Harness {
  informer: Informer<ClusterPromotion>;
  timers: FakeTimers;
  changes: Change<ClusterPromotion>[];
  calls: { lists: number; watches: string[] };
}

let served: Served;
let h: Harness;

function counted(source: ListWatch<ClusterPromotion>, calls: Harness['calls']): ListWatch<ClusterPromotion> {
  return {
    list: (signal) => {
      calls.lists++;
      return source.list(signal);
    },
    watch: (rv, signal) => {
      calls.watches.push(rv);
      return source.watch(rv, signal);
    },
  };
}

function harness(source?: ListWatch<ClusterPromotion>): Harness {
  const timers = new FakeTimers();
  const calls = { lists: 0, watches: [] as string[] };
  const base = source ?? listWatchOf<ClusterPromotion>(served.client(), CLUSTER_PROMOTIONS);
  const informer = new Informer(counted(base, calls), {
    timers,
    random: () => 0.5,
    backoff: BACKOFF,
    idleTimeoutMs: IDLE,
  });
  const changes: Change<ClusterPromotion>[] = [];
  informer.subscribe({ change: (c) => changes.push(c) });
  return { informer, timers, changes, calls };
}

/**
 * Resolves once `done()` holds. Whenever the informer fails and backs off, time is moved past the
 * longest backoff so that it tries again: the test drives the clock, nothing sleeps.
 */
function until(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (done()) return resolve();
    const check = () => {
      if (!done()) return;
      off();
      resolve();
    };
    const off = h.informer.subscribe({
      change: check,
      synced: check,
      health: check,
      error: () => setImmediate(() => h.timers.advance(BACKOFF.capMs)),
    });
  });
}

/** Starts a harness on the served API and waits until its first watch is asked for. */
async function following(): Promise<void> {
  h = harness();
  h.informer.start();
  await h.informer.whenSynced();
  await until(() => h.informer.health().state === 'live' && h.calls.watches.length === 1);
}

/** The server refuses connections until the test says otherwise; the informer has noticed. */
async function goDown(): Promise<void> {
  await following();
  await served.server.faults.refuseConnections(3600);
  await until(() => h.informer.health().state === 'reconnecting');
}

function description(name: string): string | undefined {
  return h.informer.store.get(name)?.status?.stages?.[0]?.currentStatusDescription;
}

function step(n: number): void {
  setStatus(served.store, 'demo', { currentStageName: 'staging', stages: [stageEntry('staging', `step ${n}`)] });
}

beforeEach(async () => {
  served = await serve();
  putPromotion(served.store, promotionObject('demo', [manualStage('staging', { env: 'staging' })]));
});
afterEach(async () => {
  h?.informer.stop();
  await served.close();
});

describe('the informer: list once, then follow the watch', { timeout: 20_000 }, () => {
  it('sees every change through one watch, without listing again', async () => {
    h = harness();
    h.informer.start();
    await h.informer.whenSynced();
    assert.equal(h.informer.health().state, 'live');
    for (let i = 1; i <= 3; i++) step(i);
    await until(() => description('demo') === 'step 3');
    assert.deepEqual(
      h.changes.map((c) => `${c.type} ${c.object.status?.stages?.[0]?.currentStatusDescription ?? '-'}`),
      ['added -', 'modified step 1', 'modified step 2', 'modified step 3'],
    );
    assert.equal(h.calls.lists, 1);
  });

  it('re-opens a stream the server ended from the last resourceVersion: no re-list, no change missed', async () => {
    h = harness();
    h.informer.start();
    await h.informer.whenSynced();
    await until(() => h.calls.watches.length === 1 && h.informer.health().state === 'live');
    step(1);
    await until(() => description('demo') === 'step 1');
    const seen = h.informer.resourceVersion;
    assert.equal(served.server.faults.dropWatches(), 1);
    step(2);
    await until(() => description('demo') === 'step 2');
    assert.equal(h.calls.lists, 1);
    assert.equal(h.calls.watches[1], seen);
    assert.deepEqual(h.changes.filter((c) => c.type === 'modified').length, 2);
  });

  it('lists again on 410 Gone and reports what changed meanwhile as changes', async () => {
    // Down long enough for the watch history to be gone: the change happens where no stream sees it.
    await goDown();
    step(7);
    putPromotion(served.store, promotionObject('second', [manualStage('prod', { env: 'prod' })]));
    served.server.faults.expireNextWatches(1);
    await served.server.faults.acceptConnections();
    h.timers.advance(BACKOFF.capMs);
    await until(
      () => description('demo') === 'step 7' && h.informer.store.has('second') && h.informer.health().state === 'live',
    );
    assert.equal(h.calls.lists, 2);
    assert.deepEqual(
      h.changes.slice(1).map((c) => `${c.type} ${c.object.metadata.name}`),
      ['modified demo', 'added second'],
    );
  });

  it('says "reconnecting" while the server is down, backs off with jitter, and keeps the age of its data', async () => {
    await following();
    const wentDown = h.timers.now();
    await served.server.faults.refuseConnections(3600);
    // Let it fail three times: each wait is longer than the one before (base 1s, doubling).
    const waits: number[] = [];
    await new Promise<void>((resolve) => {
      const off = h.informer.subscribe({
        error: () =>
          setImmediate(() => {
            waits.push(h.timers.pending[0]!);
            if (waits.length < 3) return h.timers.advance(h.timers.pending[0]!);
            off();
            resolve();
          }),
      });
    });
    const health = h.informer.health();
    assert.equal(health.state, 'reconnecting');
    assert.equal(health.currentAsOf, wentDown);
    assert.match(health.lastError ?? '', /connection refused|closed|other side|socket/i);
    // Equal jitter at random() = 0.5: three quarters of 1s, 2s, 4s.
    assert.deepEqual(waits, [750, 1500, 3000]);
    step(3);
    await served.server.faults.acceptConnections();
    h.timers.advance(BACKOFF.capMs);
    await until(() => description('demo') === 'step 3' && h.informer.health().state === 'live');
    assert.equal(h.informer.health().lastError, null);
    assert.equal(h.informer.health().currentAsOf, h.timers.now());
  });

  it('reconnect() (the server is back) retries at once instead of at the end of its backoff', async () => {
    await goDown();
    // Fail until the backoff reaches its cap: the next try is then seconds away.
    while (h.informer.health().failures < 5) {
      h.timers.advance(h.timers.pending[0]!);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(h.timers.pending[0]! >= 4000, `the next try in ${h.timers.pending[0]} ms`);
    step(6);
    await served.server.faults.acceptConnections();
    const before = h.timers.now();
    h.informer.reconnect();
    await new Promise<void>((resolve) => {
      const check = () => {
        if (description('demo') !== 'step 6' || h.informer.health().state !== 'live') return;
        off();
        resolve();
      };
      const off = h.informer.subscribe({ change: check, health: check, synced: check });
    });
    assert.equal(h.timers.now(), before, 'live again without any time passing');
  });

  it('reconnect() on a live stream re-opens it from the last resourceVersion, no failure, no re-list', async () => {
    await following();
    let errors = 0;
    h.informer.subscribe({ error: () => errors++ });
    h.informer.reconnect();
    // Re-opening changes nothing the informer reports: look until the second watch is asked for.
    for (let i = 0; i < 2000 && h.calls.watches.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(h.calls.watches[1], h.calls.watches[0], 'from where it was');
    step(8);
    await until(() => description('demo') === 'step 8');
    assert.deepEqual([errors, h.calls.lists, h.informer.health().state], [0, 1, 'live']);
  });

  it('after a server restart (watch history gone) lists again and misses no change', async () => {
    await goDown();
    step(4);
    await served.server.faults.acceptConnections();
    await served.server.faults.restart();
    h.timers.advance(BACKOFF.capMs);
    await until(() => description('demo') === 'step 4' && h.informer.health().state === 'live');
    assert.equal(h.calls.lists, 2, 'the resumed watch got 410 and the informer listed again');
    step(5);
    await until(() => description('demo') === 'step 5');
  });

  it('relist() (the source selects others): keeps the copy until the new list, not current meanwhile', async () => {
    const labelled = (name: string, team: string) =>
      putPromotion(served.store, {
        ...promotionObject(name, [manualStage('staging', { env: 'staging' })]),
        metadata: { name, labels: { team } },
      });
    labelled('ours', 'a');
    labelled('theirs', 'b');
    let selector = 'team=a';
    const client = served.client();
    h = harness({
      list: (signal) =>
        listWatchOf<ClusterPromotion>(client, CLUSTER_PROMOTIONS, { labelSelector: selector }).list(signal),
      watch: (rv, signal) =>
        listWatchOf<ClusterPromotion>(client, CLUSTER_PROMOTIONS, { labelSelector: selector }).watch(rv, signal),
    });
    h.informer.start();
    await h.informer.whenSynced();
    await until(() => h.informer.health().state === 'live' && h.calls.watches.length === 1);
    assert.deepEqual([...h.informer.store.keys()], ['ours']);

    selector = 'team=b';
    h.informer.relist();
    assert.equal(h.informer.health().state, 'connecting');
    assert.equal(h.informer.health().currentAsOf, null, 'the new selection has never been listed');
    assert.deepEqual([...h.informer.store.keys()], ['ours'], 'what it showed stays until the list');
    await until(() => h.informer.health().state === 'live');
    assert.deepEqual([...h.informer.store.keys()], ['theirs']);
    assert.deepEqual(
      h.changes.map((c) => `${c.type} ${c.object.metadata.name}`),
      ['added ours', 'added theirs', 'deleted ours'],
    );
    assert.equal(h.calls.lists, 2);
    // And follows the new selection.
    setStatus(served.store, 'theirs', { currentStageName: 'staging', stages: [stageEntry('staging', 'step 1')] });
    await until(() => description('theirs') === 'step 1');
  });

  it('re-opens a stream that went silent, after the idle timeout, and gets what it had missed', async () => {
    // The first stream is open but delivers nothing, as a half-open connection does.
    const real = listWatchOf<ClusterPromotion>(served.client(), CLUSTER_PROMOTIONS);
    let opened = 0;
    let firstOpen: () => void;
    const firstOpened = new Promise<void>((resolve) => (firstOpen = resolve));
    const silentFirst: ListWatch<ClusterPromotion> = {
      list: real.list,
      watch: async (rv, signal) => {
        const events = await real.watch(rv, signal);
        if (++opened > 1) return events;
        firstOpen();
        return (async function* (): AsyncGenerator<WatchEvent<ClusterPromotion>> {
          for await (const _ of events) {
            // swallowed
          }
        })();
      },
    };
    h = harness(silentFirst);
    h.informer.start();
    await firstOpened;
    step(9);
    // Nothing arrives; the copy is stale until the watchdog gives up on the stream.
    h.timers.advance(IDLE - 1);
    assert.equal(h.calls.watches.length, 1);
    h.timers.advance(1);
    await until(() => description('demo') === 'step 9');
    assert.equal(h.calls.watches.length, 2);
    assert.equal(h.calls.lists, 1);
  });

  it("takes a bookmark's resourceVersion without changing the copy", async () => {
    const obj = (rv: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ClusterPromotion',
      metadata: { name: 'demo', resourceVersion: rv },
    });
    let second: () => void = () => {};
    const fake: ListWatch<ClusterPromotion> = {
      list: async () => ({ items: [obj('5') as ClusterPromotion], resourceVersion: '5' }),
      watch: async (rv) => {
        if (rv === '5') {
          return (async function* () {
            yield { type: 'BOOKMARK' as const, object: obj('42') as ClusterPromotion };
          })();
        }
        return (async function* () {
          second();
          await new Promise(() => {});
        })();
      },
    };
    h = harness(fake);
    h.informer.start();
    await new Promise<void>((resolve) => (second = resolve));
    assert.deepEqual(h.calls.watches, ['5', '42']);
    assert.equal(h.informer.store.get('demo')?.metadata.resourceVersion, '5');
    assert.equal(h.changes.length, 1);
  });
});
