// A live forecast resumes rehearsals where the rollout stands, as a restarted engine resumes from the
// stored status: with the deploy times the rollout really has, it lands where the rollout lands.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation } from '../../simulator/driver.ts';
import {
  deployTimesOf,
  forecastLive,
  livePlan,
  MIN_OBSERVED_DEPLOYS,
  observedDeployDurations,
} from '../../simulator/forecast/live.ts';
import { runForecast } from '../../simulator/forecast/montecarlo.ts';
import { cluster, env, m, promotion, s, T0 } from '../simulator/helpers.ts';

// staging (3 clusters, 1m), a 10m soak behind a window that opens at 00:30; production (3 clusters, 1m).
const PLAN = promotion([
  {
    name: 'staging',
    clusterSelector: env('staging'),
    trigger: { auto: { delay: '10m', promotionWindow: { from: '30 0 * * *', to: '0 2 * * *' } } },
  },
  { name: 'production', clusterSelector: env('production'), trigger: { auto: { delay: '5m' } } },
]);
const FLEET = {
  clusters: [
    ...[1, 2, 3].map((i) => cluster(`staging-${i}`, { env: 'staging' }, { deployTimeMs: m(1) })),
    ...[1, 2, 3].map((i) => cluster(`prod-${i}`, { env: 'production' }, { deployTimeMs: m(1) })),
  ],
};

async function standingAt(t: number) {
  const sim = new Simulation({ promotion: PLAN, fleet: FLEET, start: T0 });
  await sim.advanceTo(t);
  return sim;
}

/** The forecast from where the rollout stands at t, with the fleet's own deploy time. */
async function forecastAt(t: number) {
  const sim = await standingAt(t);
  return forecastLive(sim.promotion(), sim.world, t, {
    runs: 2,
    seed: 1,
    deployTime: { kind: 'fixed', ms: m(1) },
    threads: 1,
  });
}

describe('a live forecast', () => {
  it('resumed mid-soak, behind a window, lands where the rollout does', async () => {
    const whole = await new Simulation({ promotion: PLAN, fleet: FLEET, start: T0 }).run();
    // staging deployed at 1m, soaks to 11m, waits for the window (00:30), production 1m + 5m: 00:36.
    assert.equal(whole.completedAt, T0 + m(36));
    for (const at of [m(5), m(20), m(32)]) {
      const eta = await forecastAt(T0 + at);
      assert.equal(eta.completion.p50, T0 + m(36), `resumed at +${at / 60_000}m`);
      assert.equal(eta.completed, 1);
    }
  });

  it('resumed mid-deploy, goes on with the deploys under way rather than starting them again', async () => {
    // staging deploys from 0 to 1m; production from 30m (the window) to 31m.
    for (const at of [s(30), m(30) + s(45)]) {
      const eta = await forecastAt(T0 + at);
      assert.equal(eta.completion.p50, T0 + m(36), `resumed at +${at / 1000}s`);
    }
  });

  it('draws what remains of a deploy under way from the deploy times, given how long it has lasted', async () => {
    // The flag's spread stands in for observed deploy times. A narrow one: deploys that have lasted a
    // while are then close to done (with a wide, heavy-tailed one a deploy that has lasted long is
    // likely a long one, and may well end later than one started afresh: that is the law, not a fault).
    const spread = { kind: 'logNormal', p50Ms: m(1), p90Ms: s(75) } as const;
    const sim = await standingAt(T0 + m(30) + s(50));
    const plan = livePlan(sim.promotion(), sim.world, T0 + m(30) + s(50), { runs: 1, seed: 1, deployTime: spread });
    const production = plan.input.resume!.profiles.find((p) => p.profile.metadata.name.endsWith('production'))!;
    assert.deepEqual(
      production.underWay?.map((u) => [u.cluster, u.since]),
      ['prod-1', 'prod-2', 'prod-3'].map((c) => [`default/${c}`, T0 + m(30)]),
    );
    const now = T0 + m(30) + s(50);
    const resumed = await runForecast({ ...plan.input, runs: 200 }, { threads: 1 });
    const restartedProfiles = plan.input.resume!.profiles.map(({ underWay: _, ...p }) => p);
    const restarted = await runForecast(
      { ...plan.input, runs: 200, resume: { profiles: restartedProfiles } },
      { threads: 1 },
    );
    const promoted = (f: typeof resumed) => f.stages.find((st) => st.name === 'production')!.promoted;
    // Times count from now; nothing finishes before now, and the stage's 5m soak follows the last deploy.
    assert.equal(resumed.startedAt, now);
    assert.ok(promoted(resumed).p10! >= m(5));
    // Under way for 50s of a median 1m, the deploys end sooner than deploys started again: the P90 of
    // the one before the P10 of the other.
    assert.ok(
      promoted(resumed).p90! < promoted(restarted).p10!,
      `${promoted(resumed).p90} vs ${promoted(restarted).p10}`,
    );
  });

  it('names the current stage and when it passes its gates', async () => {
    const sim = await standingAt(T0 + m(20));
    const eta = await forecastLive(sim.promotion(), sim.world, T0 + m(20), { runs: 2, seed: 1, threads: 1 });
    assert.deepEqual(eta.stage, { name: 'staging', p50: T0 + m(30), p90: T0 + m(30) });
  });

  it('learns deploy times from the stages passed: profile applied to each cluster’s content installed', async () => {
    const sim = await standingAt(T0 + m(31));
    assert.deepEqual(observedDeployDurations(sim.promotion(), sim.world), [m(1), m(1), m(1)]);
    // Too few to trust (fewer than 5): the flag, else the default 30s.
    assert.equal(deployTimesOf([m(1), m(1), m(1)], undefined).source, 'default');
    assert.equal(deployTimesOf([m(1), m(1), m(1)], { kind: 'fixed', ms: m(2) }).source, 'flag');
    const enough = deployTimesOf([s(40), s(50), s(60), s(70), s(200)], { kind: 'fixed', ms: m(2) });
    assert.equal(MIN_OBSERVED_DEPLOYS, 5);
    assert.deepEqual(enough, {
      source: 'observed',
      observed: 5,
      distribution: { kind: 'logNormal', p50Ms: s(60), p90Ms: s(200) },
    });
  });

  it('says when runs wait for an approval nobody has given', async () => {
    const gated = promotion([
      { name: 'staging', clusterSelector: env('staging'), trigger: { manual: {} } },
      { name: 'production', clusterSelector: env('production') },
    ]);
    const sim = new Simulation({ promotion: gated, fleet: FLEET, start: T0 });
    await sim.advanceTo(T0 + m(5));
    const eta = await forecastLive(sim.promotion(), sim.world, T0 + m(5), { runs: 2, seed: 1, threads: 1 });
    assert.equal(eta.awaitingApproval, 1);
    assert.equal(eta.completion.p50, null);
  });
});
