// `list` over any fleet: the controller publishes each promotion's current-stage counts on the
// promotion (src/api/published-progress.ts), so that the table needs the promotions alone; a
// promotion with no counts that hold (Sveltos's own controller, a spec edited since) is counted
// from its current stage's summaries and clusters only.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../plugin/cli.ts';
import { listCommand } from '../../plugin/commands/list/index.ts';
import {
  ANNOTATION_PROGRESS,
  currentProgress,
  decodeProgress,
  encodeProgress,
  type PublishedProgress,
} from '../../src/api/published-progress.ts';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { loadPromotions } from '../../src/api/validate.ts';
import { listRow } from '../../src/live/rows.ts';
import { viewOfPublished, viewOfWorld } from '../../src/view/model.ts';
import { loadFleet } from '../../simulator/fleet-file.ts';
import { startServedSimulation } from '../../simulator/serve.ts';
import { StoreSimulation } from '../../simulator/store-simulation.ts';
import { rolloutPromotion, smallFleet, T0, s } from '../serve/helpers.ts';
import { iso } from '../simulator/helpers.ts';
import {
  autoStage,
  manualStage,
  promotionObject,
  putCluster,
  putPromotion,
  putSummary,
  labelSelector,
  serve,
  stageEntry,
} from './served.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const counted: PublishedProgress = {
  stage: 'production',
  generation: 3,
  total: 5,
  provisioned: 3,
  failing: 1,
  summaries: 5,
  failedForGood: false,
};

function annotated(value: string | undefined, stage = 'production', generation = 3): ClusterPromotion {
  return {
    ...rolloutPromotion(),
    metadata: {
      name: 'rollout',
      generation,
      ...(value === undefined ? {} : { annotations: { [ANNOTATION_PROGRESS]: value } }),
    },
    status: { currentStageName: stage },
  };
}

describe('the progress annotation', () => {
  it('round-trips, in one key order whatever the order given, so an unchanged count is an unchanged value', () => {
    const value = encodeProgress(counted);
    assert.deepEqual(decodeProgress(value), counted);
    const reordered = encodeProgress({ ...counted, health: { checksAppended: true, mainDeployed: false } });
    assert.equal(reordered, encodeProgress({ health: { mainDeployed: false, checksAppended: true }, ...counted }));
  });

  it('is ignored when garbled or not of this shape, as a hand edit would leave it', () => {
    for (const bad of [
      '',
      '{',
      'null',
      '[]',
      '{"stage":1}',
      encodeProgress(counted).replace('"total":5', '"total":-5'),
    ]) {
      assert.equal(decodeProgress(bad), null, bad);
    }
    assert.equal(decodeProgress(JSON.stringify({ ...counted, health: { mainDeployed: 'yes' } })), null);
  });

  it('holds only for the stage the status names and the generation it was counted at', () => {
    assert.deepEqual(currentProgress(annotated(encodeProgress(counted))), counted);
    assert.equal(currentProgress(annotated(encodeProgress(counted), 'staging')), null, 'the pipeline moved on');
    assert.equal(currentProgress(annotated(encodeProgress(counted), 'production', 4)), null, 'the spec changed');
    assert.equal(currentProgress(annotated(undefined)), null, 'nothing published (Sveltos drives it)');
  });
});

describe('published counts say what counting the clusters says', () => {
  // Where each rehearsal ends: canary-2's error rate holds metrics-and-jobs at its health check.
  const examples = [
    ['kyverno', 'promotion-manual.yaml', '2/2 production Completed'],
    ['kyverno', 'promotion.yaml', '2/2 production Completed'],
    ['metrics-and-jobs', 'promotion.yaml', '1/2 canary CheckingHealth'],
    ['validation-job', 'promotion.yaml', '2/2 production Completed'],
    ['core-payment-processor', 'promotion.yaml', '4/4 production Completed'],
  ];
  for (const [example, file, end] of examples) {
    it(`at every moment of the ${example}/${file} rehearsal, approvals given as they are asked for`, async () => {
      const { promotions } = await loadPromotions([`${root}examples/${example}/${file}`], { stdin: process.stdin });
      const fleet = await loadFleet([`${root}examples/${example}/fleet.yaml`], { stdin: process.stdin });
      // Counted at every change, so that the two agree at every moment, not within 5 s.
      const sim = new StoreSimulation({ promotions, fleet, start: T0, publishEvery: 0 });
      let compared = 0;
      let ended = false;
      let last = '';
      try {
        for (let step = 0; step < 2000 && !ended; step++) {
          await sim.settle();
          const now = new Date(sim.nowMs());
          let approved = false;
          for (const p of sim.store.all<ClusterPromotion>('clusterpromotions')) {
            if (p.status?.currentStageName === undefined) continue;
            const published = currentProgress(p);
            assert.ok(published, `${p.metadata.name} at ${now.toISOString()}: no counts published for its stage`);
            const fromCounts = listRow(p, viewOfPublished(p, published, now));
            const fromClusters = listRow(p, viewOfWorld(p, sim.fleet, now));
            assert.deepEqual(fromCounts, fromClusters, `${p.metadata.name} at ${now.toISOString()}`);
            compared++;
            last = `${fromClusters.stage} ${fromClusters.phase}`;
            if (fromClusters.phase === 'AwaitingApproval') approved = approve(sim, p);
          }
          if (approved) continue;
          const next = sim.nextEventAt();
          if (next === null) ended = true;
          // Countdowns too: between the fleet's own moments, every ten seconds.
          else await sim.advanceTo(Math.min(next, sim.nowMs() + s(10)));
        }
      } finally {
        sim.close();
      }
      assert.ok(ended, 'the rehearsal came to its end');
      assert.equal(last, end);
      assert.ok(compared > 10, `compared ${compared} moments`);
    });
  }
});

function approve(sim: StoreSimulation, p: ClusterPromotion): true {
  const index = (p.spec.stages ?? []).findIndex((st) => st.name === p.status?.currentStageName);
  sim.store.patch('clusterpromotions', p.metadata.name, 'json', [
    { op: 'add', path: `/spec/stages/${index}/trigger/manual/approved`, value: true },
  ]);
  return true;
}

/** `kubectl promotion list` in-process against a served simulation, and the requests it made. */
async function list(kubeconfig: string, requests: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  requests.length = 0;
  const code = await runCli(['list', '--kubeconfig', kubeconfig], [listCommand()], {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: () => true },
    stdin: Readable.from(['']),
    env: {},
  });
  return { code, stdout };
}

describe('kubectl promotion list', () => {
  it('reads the promotions alone when their counts are published, and the table says the same', async () => {
    const requests: string[] = [];
    const served = await startServedSimulation({
      promotions: [rolloutPromotion()],
      fleet: { clusters: smallFleet() },
      start: T0,
      realNow: () => 0,
      log: (line) => requests.push(line),
    });
    const dir = mkdtempSync(join(tmpdir(), 'list-progress-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      served.writeKubeconfig(kubeconfig);
      await served.advanceTo(T0 + s(30)); // staging deploying: 0 of 2 clusters provisioned
      const during = await list(kubeconfig, requests);
      assert.equal(during.code, 0);
      assert.match(during.stdout, /^rollout\s+1\/2 staging\s+Deploying\s+0\/2\s+deploy\s/m);
      assert.deepEqual(resources(requests), ['clusterpromotions']);

      await served.advanceTo(T0 + s(90)); // both provisioned; the manual gate holds
      const waiting = await list(kubeconfig, requests);
      assert.match(waiting.stdout, /^rollout\s+1\/2 staging\s+AwaitingApproval\s+2\/2\s+approval for \d+s\s/m);
      assert.deepEqual(resources(requests), ['clusterpromotions']);
    } finally {
      await served.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts a promotion with no published counts itself: its current stage's summaries and clusters", async () => {
    const requests: string[] = [];
    const served = await serve({ now: () => new Date(T0 + s(60)), log: (line) => requests.push(line) });
    try {
      for (const [name, env] of [
        ['staging-1', 'staging'],
        ['staging-2', 'staging'],
        ['prod-1', 'production'],
      ]) {
        putCluster(served.store, 'fleet', name!, { env: env! });
      }
      // Sveltos's controller drives it: a status, no counts published.
      const promotion = promotionObject('rollout', [
        manualStage('staging', { env: 'staging' }),
        autoStage('production', { env: 'production' }),
      ]);
      putPromotion(served.store, promotion, {
        currentStageName: 'staging',
        stages: [stageEntry('staging', 'Clusters are being provisioned', { lastUpdateReconciledTime: iso(T0) })],
      });
      putSummary(served.store, promotion, 'rollout-staging', 'staging-1', 'Provisioned');
      putSummary(served.store, promotion, 'rollout-staging', 'staging-2', 'Provisioning');
      // A profile of a stage the pipeline is not at (left by an earlier run): not read.
      putSummary(served.store, promotion, 'rollout-production', 'prod-1', 'Provisioned');

      const r = await list(served.kubeconfig, requests);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^rollout\s+1\/2 staging\s+Deploying\s+1\/2\s+deploy\s/m);
      const read = (plural: string) => requests.filter((l) => l.includes(`/${plural}`));
      assert.deepEqual(read('clustersummaries').map(labelSelector), [
        'projectsveltos.io/cluster-profile-name in (rollout-staging)',
      ]);
      assert.deepEqual(read('sveltosclusters').map(labelSelector), ['env=staging']);
    } finally {
      await served.close();
    }
  });
});

/** The resource plurals a command's requests named, discovery and the server's version left out. */
function resources(requests: readonly string[]): string[] {
  const out = new Set<string>();
  for (const line of requests) {
    const m = /^\S+ \S*\/apis\/[^/]+\/[^/]+\/(?:namespaces\/[^/]+\/)?([a-z]+)/.exec(line);
    if (m) out.add(m[1]!);
  }
  return [...out];
}
