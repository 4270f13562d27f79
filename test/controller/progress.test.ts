// The controller publishes each promotion's current-stage counts on the promotion (the annotation
// kubectl-promotion.dev/progress) for `list`: at once when what is published no longer holds (a
// new stage, an edited spec, a new phase), otherwise at most once per publishEvery (5 s of its
// clock), the rest when that is over. Told with a served rehearsal's controller on virtual time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATION_PROGRESS, currentProgress, decodeProgress } from '../../src/api/published-progress.ts';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { StoreSimulation } from '../../simulator/store-simulation.ts';
import { rolloutPromotion } from '../serve/helpers.ts';
import { cluster, s, T0 } from '../simulator/helpers.ts';

/** staging: three clusters done at 60 s, 62 s and 66 s; production: two. */
function rehearsal(): StoreSimulation {
  return new StoreSimulation({
    promotions: [rolloutPromotion()],
    fleet: {
      clusters: [
        cluster('staging-1', { env: 'staging' }, { deployTimeMs: s(60) }),
        cluster('staging-2', { env: 'staging' }, { deployTimeMs: s(62) }),
        cluster('staging-3', { env: 'staging' }, { deployTimeMs: s(66) }),
        cluster('production-1', { env: 'production' }),
        cluster('production-2', { env: 'production' }),
      ],
    },
    start: T0,
  });
}

/** Runs `test` on a fresh rehearsal, closed afterwards whatever happens. */
async function rehearse(test: (sim: StoreSimulation) => Promise<void>): Promise<void> {
  const sim = rehearsal();
  try {
    await test(sim);
  } finally {
    sim.close();
  }
}

function promotion(sim: StoreSimulation): ClusterPromotion {
  return sim.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
}

function provisioned(sim: StoreSimulation): string {
  const p = decodeProgress(promotion(sim).metadata.annotations?.[ANNOTATION_PROGRESS]);
  return p ? `${p.stage} ${p.provisioned}/${p.total}` : 'none';
}

describe('the progress the controller publishes', () => {
  it('is there from the first stage on, holding for the promotion as it stands', () =>
    rehearse(async (sim) => {
      await sim.settle();
      assert.equal(provisioned(sim), 'staging 0/3');
      assert.ok(currentProgress(promotion(sim)));
    }));

  it('keeps up with the clusters at most once per 5 s, and catches up when the 5 s are over', () =>
    rehearse(async (sim) => {
      await sim.advanceTo(T0 + s(60));
      assert.equal(provisioned(sim), 'staging 1/3', 'the first change after a quiet minute: at once');
      await sim.advanceTo(T0 + s(62));
      assert.equal(provisioned(sim), 'staging 1/3', '2 s after the last counting: not yet');
      await sim.advanceTo(T0 + s(65) - 1);
      assert.equal(provisioned(sim), 'staging 1/3');
      await sim.advanceTo(T0 + s(65));
      assert.equal(provisioned(sim), 'staging 2/3', '5 s after the last counting');
    }));

  it('is counted at once when the phase changes, and for the next stage as soon as it starts', () =>
    rehearse(async (sim) => {
      await sim.advanceTo(T0 + s(66));
      // The last cluster landed 1 s after a counting (at 65 s); the stage, deployed, waits for approval.
      assert.equal(promotion(sim).status?.stages?.[0]?.currentStatusDescription?.startsWith('Paused'), true);
      assert.equal(provisioned(sim), 'staging 3/3');
      sim.store.patch('clusterpromotions', 'rollout', 'json', [
        { op: 'add', path: '/spec/stages/0/trigger/manual/approved', value: true },
      ]);
      await sim.settle();
      assert.equal(promotion(sim).status?.currentStageName, 'production');
      assert.equal(provisioned(sim), 'production 0/2');
      assert.ok(currentProgress(promotion(sim)), 'counted at the generation the approval reset left');
    }));

  it('is counted again at once after an edit of the spec, which would otherwise leave readers counting', () =>
    rehearse(async (sim) => {
      await sim.advanceTo(T0 + s(61));
      sim.store.patch('clusterpromotions', 'rollout', 'json', [
        { op: 'add', path: '/spec/stages/0/trigger/manual/automaticReset', value: false },
      ]);
      const edited = promotion(sim);
      assert.equal(currentProgress(edited), null, 'the counts were made for the generation before');
      await sim.settle();
      assert.equal(currentProgress(promotion(sim))?.generation, promotion(sim).metadata.generation);
    }));

  it('leaves every other annotation of the promotion as it was', () =>
    rehearse(async (sim) => {
      await sim.settle();
      sim.store.patch('clusterpromotions', 'rollout', 'merge', {
        metadata: { annotations: { 'example.com/owner': 'team-a' } },
      });
      await sim.advanceTo(T0 + s(60));
      const annotations = promotion(sim).metadata.annotations ?? {};
      assert.equal(annotations['example.com/owner'], 'team-a');
      assert.equal(provisioned(sim), 'staging 1/3');
    }));
});
