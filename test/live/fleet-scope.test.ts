// The ClusterSummaries a live fleet follows, against the served API: a command's fleet follows those
// of its promotions' stages only (by `cluster-profile-name in (...)`, read from the requests the
// server saw), and follows the new ones as stages and promotions come, without losing what it
// shows or calling itself current before the new list is in; the controller's fleet follows them all.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { MAX_SET_VALUES } from '../../src/kube/label-set-informers.ts';
import { LiveFleet, type FleetHealth } from '../../src/live/fleet.ts';
import { FakeTimers } from '../kube/fake-timers.ts';
import {
  autoStage,
  labelSelector,
  manualStage,
  promotionObject,
  putCluster,
  putPromotion,
  putSummary,
  serve,
  type Served,
} from './served.ts';

const PROFILE_IN = 'projectsveltos.io/cluster-profile-name in ';

let served: Served;
let requests: string[];
let fleet: LiveFleet | null;

beforeEach(async () => {
  requests = [];
  served = await serve({ log: (line) => requests.push(line) });
  putCluster(served.store, 'fleet', 'canary-1', { env: 'canary' });
  putCluster(served.store, 'fleet', 'prod-1', { env: 'production' });
  fleet = null;
});
afterEach(async () => {
  fleet?.stop();
  await served.close();
});

function follow(options: ConstructorParameters<typeof LiveFleet>[1]): LiveFleet {
  fleet = new LiveFleet(served.client(), { timers: new FakeTimers(), random: () => 0.5, ...options });
  fleet.start();
  return fleet;
}

/** Turns the event loop until `done()` holds (nothing here waits on a timer). */
async function eventually(what: string, done: () => boolean): Promise<void> {
  for (let turn = 0; !done(); turn++) {
    if (turn > 100_000) assert.fail(`never happened: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The summaries the fleet holds, by name. */
function held(f: LiveFleet): string[] {
  return f.summaries.informers.flatMap((i) => [...i.store.values()].map((s) => s.metadata.name)).sort();
}

/** The label selectors of the summaries lists the server answered (watches are logged when they end). */
function summaryLists(): string[] {
  return requests
    .filter((l) => l.includes('/clustersummaries?') && !l.includes('watch=1'))
    .map((l) => labelSelector(l)!);
}

function canaryOnly(name: string): ClusterPromotion {
  return promotionObject(name, [autoStage('canary', { env: 'canary' })]);
}

describe('the summaries a live fleet follows', () => {
  it("of one promotion: its stages' profiles only, not another promotion's nor a foreign profile's", async () => {
    const rollout = putPromotion(served.store, canaryOnly('rollout'));
    const other = putPromotion(served.store, canaryOnly('other'));
    putSummary(served.store, rollout, 'rollout-canary', 'canary-1', 'Provisioned');
    putSummary(served.store, other, 'other-canary', 'canary-1', 'Provisioned');
    putSummary(served.store, rollout, 'someone-elses-profile', 'canary-1', 'Provisioned');

    const f = follow({ promotion: 'rollout', summaries: 'stages' });
    await f.whenSynced();
    assert.deepEqual(held(f), ['rollout-canary-sveltos-canary-1']);
    assert.deepEqual(summaryLists(), [`${PROFILE_IN}(preverification-rollout-canary,rollout-canary)`]);
  });

  it('gets the summaries of a stage added while following, keeps what it shows, is not current meanwhile', async () => {
    const rollout = putPromotion(served.store, canaryOnly('rollout'));
    putSummary(served.store, rollout, 'rollout-canary', 'canary-1', 'Provisioned');
    // Written before the stage exists (left by an earlier run, say): the new stage's list brings it.
    putSummary(served.store, rollout, 'rollout-production', 'prod-1', 'Provisioning');
    const f = follow({ promotion: 'rollout', summaries: 'stages' });
    await f.whenSynced();
    await eventually('live', () => f.health().state === 'live');
    assert.deepEqual(held(f), ['rollout-canary-sveltos-canary-1']);

    // The moment the fleet sees the new stage, before the new list is in.
    let seen: { health: FleetHealth; canary: number; production: number } | null = null;
    f.onChange(() => {
      if (seen || (f.promotion('rollout')?.spec.stages ?? []).length < 2) return;
      seen = {
        health: f.health(),
        canary: [...f.summariesOf('rollout-canary')].length,
        production: [...f.summariesOf('rollout-production')].length,
      };
    });
    const stored = served.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
    served.store.update('clusterpromotions', {
      ...stored,
      spec: { ...stored.spec, stages: [...stored.spec.stages!, manualStage('production', { env: 'production' })] },
    });
    await eventually('the new stage seen', () => seen !== null);
    const moment = seen as unknown as { health: FleetHealth; canary: number; production: number };
    assert.equal(moment.health.state, 'connecting');
    assert.equal(moment.health.currentAsOf, null, 'not current: the new stage has not been listed');
    assert.equal(moment.canary, 1, 'the summary already shown is still there');
    assert.equal(moment.production, 0);

    await eventually('the new stage listed', () => [...f.summariesOf('rollout-production')].length === 1);
    await eventually('live again', () => f.health().state === 'live' && f.health().currentAsOf !== null);
    // And followed from then on.
    putSummary(served.store, rollout, 'rollout-production', 'canary-1', 'Provisioning');
    await eventually('a new summary of the new stage', () => [...f.summariesOf('rollout-production')].length === 2);
    assert.deepEqual(summaryLists(), [
      `${PROFILE_IN}(preverification-rollout-canary,rollout-canary)`,
      `${PROFILE_IN}(${['preverification-rollout-canary', 'preverification-rollout-production'].join(',')},` +
        'rollout-canary,rollout-production)',
    ]);
  });

  it('gets the summaries of its promotion when that is created after it started', async () => {
    putSummary(served.store, canaryOnly('rollout'), 'rollout-canary', 'canary-1', 'Provisioned');
    const f = follow({ promotion: 'rollout', summaries: 'stages' });
    await f.whenSynced();
    assert.deepEqual(summaryLists(), [], 'no promotion, no summaries to ask for');
    putPromotion(served.store, canaryOnly('rollout'));
    await eventually('its summaries', () => held(f).length === 1);
    assert.deepEqual(summaryLists(), [`${PROFILE_IN}(preverification-rollout-canary,rollout-canary)`]);
  });

  it('splits many profiles into selectors of a bounded size; a profile stays where it was put', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    for (const name of names) {
      const p = putPromotion(served.store, canaryOnly(name));
      putSummary(served.store, p, `${name}-canary`, 'canary-1', 'Provisioned');
    }
    const f = follow({ summaries: 'stages' });
    await f.whenSynced();
    // Two profiles each (main and verification): 60 names.
    assert.deepEqual(
      summaryLists().map((s) => s.split(',').length),
      [MAX_SET_VALUES, 60 - MAX_SET_VALUES],
    );
    assert.equal(held(f).length, 30);

    // One more promotion: its two names join the part that has room; the full one is not listed again.
    const late = putPromotion(served.store, canaryOnly('zz'));
    putSummary(served.store, late, 'zz-canary', 'canary-1', 'Provisioned');
    await eventually('its summary', () => held(f).length === 31);
    const lists = summaryLists();
    assert.equal(lists.length, 3);
    assert.equal(lists[2]!.split(',').length, 60 - MAX_SET_VALUES + 2);
    assert.match(lists[1]!, /^[^,]*\(preverification-p20-canary,/);
    assert.match(lists[2]!, /,preverification-zz-canary,zz-canary\)$/);

    // Names in order: the second part holds the verification profiles of p20..p29, and zz's two.
    // Those promotions deleted, the part goes; the first part is listed again without p20..p29.
    for (const name of [...names.slice(20), 'zz']) served.store.delete('clusterpromotions', name);
    await eventually('the second part dropped', () => f.summaries.informers.length === 1);
    await eventually('the first part listed again', () => held(f).length === 20);
    assert.equal(summaryLists().length, 4);
    const kept = names.slice(0, 20);
    const first = [...kept.map((n) => `${n}-canary`), ...kept.map((n) => `preverification-${n}-canary`)];
    assert.equal(summaryLists()[3], `${PROFILE_IN}(${first.join(',')})`);
  });

  it('leaves out a profile name that cannot be a label value (over 63 characters): no summary carries it', async () => {
    const long = 's'.repeat(55); // rollout-sss... is 63 characters, its verification profile's name more
    putPromotion(
      served.store,
      promotionObject('rollout', [autoStage('canary', { env: 'canary' }), autoStage(long, { env: 'production' })]),
    );
    const f = follow({ promotion: 'rollout', summaries: 'stages' });
    await f.whenSynced();
    assert.deepEqual(summaryLists(), [`${PROFILE_IN}(preverification-rollout-canary,rollout-canary,rollout-${long})`]);
  });

  it('of the controller: every summary of any ClusterProfile, as before', async () => {
    const rollout = putPromotion(served.store, canaryOnly('rollout'));
    putSummary(served.store, rollout, 'rollout-canary', 'canary-1', 'Provisioned');
    putSummary(served.store, rollout, 'someone-elses-profile', 'canary-1', 'Provisioned');
    const f = follow({});
    await f.whenSynced();
    assert.equal(held(f).length, 2);
    assert.deepEqual(summaryLists(), ['projectsveltos.io/cluster-profile-name']);
  });
});
