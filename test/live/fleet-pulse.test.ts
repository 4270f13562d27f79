// The live fleet against the served API when the server goes away: refused connections for a while
// (the served API's fault switch), then back. The streams back off meanwhile; the pulse finds the
// server back within about a second and they reconnect at once, not at the end of their backoff.
// Fake timers drive every wait; between steps the test lets the real requests in flight finish, so
// the time measured is the fleet's own waiting, whatever the machine's load.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { LiveFleet, type SummaryScope } from '../../src/live/fleet.ts';
import { FakeTimers } from '../kube/fake-timers.ts';
import {
  manualStage,
  promotionObject,
  putCluster,
  putPromotion,
  putSummary,
  serve,
  setStatus,
  stageEntry,
  type Served,
} from './served.ts';

let served: Served;
let timers: FakeTimers;
let fleet: LiveFleet;
/** Requests sent and not yet answered (a watch counts until its stream is open). */
let inFlight = 0;

function counting(client: KubeClient): KubeClient {
  const request = client.request.bind(client);
  const stream = client.stream.bind(client);
  const counted =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      inFlight++;
      try {
        return await f(...a);
      } finally {
        inFlight--;
      }
    };
  return Object.assign(client, { request: counted(request), stream: counted(stream) });
}

/** Moves fake time on in steps, after each letting the requests in flight be answered. */
async function step(ms: number, until?: () => boolean): Promise<number> {
  const start = timers.now();
  for (let done = 0; done < ms && !until?.(); done += 100) {
    timers.advance(100);
    for (let i = 0; i < 4000 && (inFlight > 0 || i < 3); i++) await new Promise((r) => setTimeout(r, 1));
  }
  return timers.now() - start;
}

const live = () => fleet.health().state === 'live' && fleet.health().silentSince === null;

beforeEach(async () => {
  served = await serve();
  putCluster(served.store, 'fleet', 'staging-1', { env: 'staging' });
  putPromotion(served.store, promotionObject('demo', [manualStage('staging', { env: 'staging' })]), {
    currentStageName: 'staging',
    stages: [stageEntry('staging', 'step 1')],
  });
  timers = new FakeTimers();
  inFlight = 0;
});

/** A fleet as the controller follows (every summary), or as `watch demo` does (its stages' summaries). */
async function startFleet(summaries: SummaryScope): Promise<void> {
  fleet = new LiveFleet(counting(served.client()), {
    ...(summaries === 'stages' ? { promotion: 'demo' } : {}),
    summaries,
    timers,
    random: () => 0.5,
    backoff: { baseMs: 1000, capMs: 8000 },
  });
  fleet.start();
  await fleet.whenSynced();
  await step(1000, live);
}

afterEach(async () => {
  fleet.stop();
  await served.close();
});

const description = () => fleet.promotion('demo')?.status?.stages?.[0]?.currentStatusDescription;

describe('the live fleet when the server refuses connections, then comes back', { timeout: 120_000 }, () => {
  for (const summaries of ['all', 'stages'] as const)
    it(`reconnects within a second of the server answering, misses no change (${summaries} summaries)`, async () => {
      await startFleet(summaries);
      assert.ok(live());
      await served.server.faults.refuseConnections(3600);
      await step(10_000, () => fleet.health().state === 'reconnecting');
      assert.equal(fleet.health().state, 'reconnecting');
      // Twenty seconds down: every stream's backoff has grown to seconds.
      await step(20_000);
      assert.notEqual(fleet.health().silentSince, null, 'the pulse found no answer either');
      setStatus(served.store, 'demo', { currentStageName: 'staging', stages: [stageEntry('staging', 'step 2')] });
      const demo = served.store.get<ClusterPromotion>('clusterpromotions', 'demo');
      putSummary(served.store, demo, 'demo-staging', 'staging-1', 'Provisioned');

      await served.server.faults.acceptConnections();
      const summarised = () => [...fleet.summariesOf('demo-staging')].length === 1;
      const took = await step(10_000, () => live() && description() === 'step 2' && summarised());
      assert.ok(live(), 'live again');
      assert.equal(description(), 'step 2', 'the change made while it was down');
      assert.ok(summarised(), 'the summary written while it was down');
      assert.ok(took <= 2000, `live again ${took} ms after the server came back (at most 2 s)`);
    });
});
