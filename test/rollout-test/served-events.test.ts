// `simulate --events --serve`: the same script on the served rehearsal, where the promotion is
// edited through the object store and the clusters the events change are objects kubectl lists.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterPromotion, KubeObject } from '../../src/api/types.ts';
import { Simulation } from '../../simulator/driver.ts';
import { runRolloutTest } from '../../simulator/rollout-test/run.ts';
import { scheduleEvents } from '../../simulator/rollout-test/script.ts';
import { storeTarget } from '../../simulator/rollout-test/store-script.ts';
import type { RolloutTest } from '../../simulator/rollout-test/model.ts';
import { StoreSimulation } from '../../simulator/store-simulation.ts';
import { read, START, testYaml } from './helpers.ts';

const T0 = Date.parse(START);
const min = (n: number) => T0 + n * 60_000;

const GAME_DAY = `
events:
- {at: 2m, cluster: staging-2, labels: {tier: gold}}
- {at: 3m, addCluster: {name: staging-3, labels: {env: staging}, deployTime: 4m}}
- {at: 4m, removeCluster: prod-1}
- {at: 5m, cluster: prod-2, ready: false}
- at: 9m
  patch:
    spec:
      profileSpec:
        helmCharts:
        - {repositoryURL: "https://charts.example.com", repositoryName: example, chartName: example/app,
           chartVersion: 2.0.0, releaseName: app, releaseNamespace: apps, helmChartAction: Install}
expect:
- {outcome: Completed}`;

async function served(test: RolloutTest, until: number): Promise<{ sim: StoreSimulation; lines: string[] }> {
  const sim = new StoreSimulation({ promotions: [test.promotion], fleet: test.fleet, start: test.start });
  const lines: string[] = [];
  sim.onNote((n) => lines.push(`${new Date(n.at).toISOString()} ${n.message.replace(/ \([^()]*yaml:\d+:\d+\)$/, '')}`));
  sim.controller!.on((e) => lines.push(`${new Date(e.at).toISOString()} ${e.type} ${e.stage ?? '-'} ${e.message}`));
  scheduleEvents(storeTarget(sim, test.promotion.metadata.name), test.events);
  await sim.advanceTo(until);
  return { sim, lines };
}

describe('RolloutTest events on the served rehearsal', () => {
  it('change the clusters as objects kubectl lists, and the rollout as the headless rehearsal does', async () => {
    const [test] = await read(testYaml('game-day', GAME_DAY));
    const { sim } = await served(test!, min(60));
    const cluster = (name: string) =>
      sim.store.find<KubeObject & { status?: { ready?: boolean } }>('sveltosclusters', name, 'default');
    assert.deepEqual(cluster('staging-2')?.metadata.labels, { env: 'staging', tier: 'gold' });
    assert.deepEqual(cluster('staging-3')?.metadata.labels, { env: 'staging' });
    assert.equal(cluster('staging-3')?.status?.ready, true);
    assert.equal(cluster('prod-1'), undefined);
    assert.equal(cluster('prod-2')?.status?.ready, false);

    const headless = await runRolloutTest(test!);
    const promotion = sim.store.find<ClusterPromotion>('clusterpromotions', 'app')!;
    // staging waits for staging-3 (7m); the edit at 9m restarts it: staging-3 deploys 4m, soak 5m (18m),
    // prod-3 alone deploys 2m and soaks 5m.
    assert.equal(headless.run.completedAt, min(25));
    assert.equal(
      promotion.status?.lastPromotionTime,
      new Date(headless.run.completedAt!).toISOString().replace('.000Z', 'Z'),
    );
  });

  it('approve through the store, as kubectl promotion approve does', async () => {
    const [test] = await read(
      testYaml(
        'approval',
        `
events:
- at: 30s
  patch:
    spec:
      stages:
      - {name: staging, clusterSelector: {matchLabels: {env: staging}}, trigger: {manual: {}}}
      - {name: production, clusterSelector: {matchLabels: {env: production}}}
- {at: 20m, approve: staging}
expect:
- {outcome: Completed}`,
      ),
    );
    const { sim, lines } = await served(test!, min(10));
    assert.match(
      sim.store.find<ClusterPromotion>('clusterpromotions', 'app')!.status!.stages![0]!.currentStatusDescription!,
      /Awaiting Manual Approval/,
    );
    await sim.advanceTo(min(30));
    assert.ok(
      lines.some((l) => l.startsWith('2026-12-07T10:20:00.000Z stage staging approved by the test')),
      lines.join('\n'),
    );
    assert.equal(
      sim.store.find<ClusterPromotion>('clusterpromotions', 'app')!.status?.lastPromotionTime,
      '2026-12-07T10:22:00Z',
    );
  });

  it('restartController gives the same timeline as no restart', async () => {
    const restarts = ['30s', '1m', '3m', '6m', '7m', '8m', '10m']
      .map((at) => `- {at: ${at}, restartController: true}`)
      .join('\n');
    const [plain] = await read(testYaml('plain', GAME_DAY));
    const [restarted] = await read(testYaml('restarted', GAME_DAY.replace('events:\n', `events:\n${restarts}\n`)));
    const a = await served(plain!, min(60));
    const b = await served(restarted!, min(60));
    const withoutRestarts = b.lines.filter((l) => !l.includes('the controller restarts'));
    assert.equal(b.lines.length - withoutRestarts.length, 7);
    assert.deepEqual(withoutRestarts, a.lines);
  });

  it('the headless rehearsal restarts its controller the same way', async () => {
    const [test] = await read(
      testYaml('restart', `${GAME_DAY}\n`.replace('events:\n', 'events:\n- {at: 6m, restartController: true}\n')),
    );
    const sim = new Simulation({ promotion: test!.promotion, fleet: test!.fleet, start: test!.start });
    scheduleEvents(sim, test!.events);
    const r = await sim.run();
    assert.equal(r.completedAt, min(25));
  });
});
