// The served simulation's behaviour besides kubectl: the store as the single source of truth
// (profiles followed by the fleet whoever writes them, summaries mirrored), the controller's
// conditional writes, --no-controller, virtual time flowing with the (injected) wall clock, the
// fault switches while a rollout runs, and @kubernetes/client-node as the live commands use it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterProfile, ClusterPromotion, ClusterSummary } from '../../src/api/types.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { resolveConnection } from '../../src/kube/kubeconfig.ts';
import { PROMOTION_FINALIZER } from '../../simulator/store-controller.ts';
import { StoreSimulation } from '../../simulator/store-simulation.ts';
import { DEADLINE_MS, SUMMARIES } from '../apiserver/helpers.ts';
import { FakeTimers } from '../kube/fake-timers.ts';
import { chart, env } from '../simulator/helpers.ts';
import { currentStage, rolloutPromotion, s, serveRollout, smallFleet, T0, withServed } from './helpers.ts';

const PROMOTION_API = { group: 'config.projectsveltos.io', version: 'v1beta1', plural: 'clusterpromotions' };

function features(sim: { store: StoreSimulation['store'] }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sim.store.all<ClusterSummary>('clustersummaries')) {
    out[`${s.metadata.namespace}/${s.metadata.name}`] = (s.status?.featureSummaries ?? [])
      .map((f) => f.status)
      .join(',');
  }
  return out;
}

function userProfile(name: string, selector: Record<string, string>): ClusterProfile {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterProfile',
    metadata: { name },
    spec: { clusterSelector: { matchLabels: selector }, helmCharts: [chart] },
  };
}

describe('the store as the single source of truth', () => {
  it('holds the fleet’s clusters as SveltosCluster and Cluster API objects, in their namespaces, ready', () => {
    const sim = new StoreSimulation({ promotions: [], fleet: { clusters: smallFleet() }, start: T0 });
    assert.deepEqual(
      sim.store
        .all('sveltosclusters')
        .map((c) => [
          c.metadata.namespace,
          c.metadata.name,
          c.metadata.labels?.env,
          (c.status as { ready: boolean }).ready,
        ]),
      [
        ['default', 'production-1', 'production', true],
        ['default', 'production-2', 'production', true],
        ['default', 'staging-1', 'staging', true],
        ['default', 'staging-2', 'staging', true],
      ],
    );
    const capi = sim.store.get('clusters', 'production-3', 'emea');
    assert.equal((capi.status as { controlPlaneReady: boolean }).controlPlaneReady, true);
  });

  it('mirrors every summary with its status as it changes, owned by its profile', async () => {
    const sim = new StoreSimulation({ promotions: [rolloutPromotion()], fleet: { clusters: smallFleet() }, start: T0 });
    await sim.settle();
    assert.deepEqual(features(sim), {
      'default/rollout-staging-sveltos-staging-1': 'Provisioning',
      'default/rollout-staging-sveltos-staging-2': 'Provisioning',
    });
    const summary = sim.store.get<ClusterSummary>('clustersummaries', 'rollout-staging-sveltos-staging-1', 'default');
    assert.equal(
      summary.metadata.ownerReferences?.[0]?.uid,
      sim.store.get('clusterprofiles', 'rollout-staging').metadata.uid,
    );
    assert.deepEqual(
      summary.spec.clusterProfileSpec,
      sim.store.get<ClusterProfile>('clusterprofiles', 'rollout-staging').spec,
    );
    await sim.advanceTo(T0 + s(60));
    assert.deepEqual(Object.values(features(sim)), ['Provisioned', 'Provisioned']);
    sim.store.patch('clusterpromotions', 'rollout', 'json', [
      { op: 'add', path: '/spec/stages/0/trigger/manual/approved', value: true },
    ]);
    await sim.settle();
    assert.equal(features(sim)['emea/rollout-production-capi-production-3'], 'Provisioning');
  });

  it(
    'the fleet follows a ClusterProfile a user deletes: its summaries go, and the engine puts the profile ' + 'back',
    async () => {
      const sim = new StoreSimulation({
        promotions: [rolloutPromotion()],
        fleet: { clusters: smallFleet() },
        start: T0,
      });
      await sim.advanceTo(T0 + s(60));
      const before = sim.store.get('clusterprofiles', 'rollout-staging').metadata.uid;
      sim.store.delete('clusterprofiles', 'rollout-staging');
      assert.equal(sim.store.all('clustersummaries').length, 0, 'the summaries went with their profile');
      assert.equal(sim.fleet.profiles().length, 0, 'the fleet withdrew it');
      await sim.settle();
      assert.notEqual(sim.store.get('clusterprofiles', 'rollout-staging').metadata.uid, before);
      assert.deepEqual(Object.values(features(sim)), ['Provisioning', 'Provisioning']);
    },
  );
});

describe('the promotion controller over the store', () => {
  it('adds Sveltos’s finalizer before reconciling', async () => {
    const sim = new StoreSimulation({ promotions: [rolloutPromotion()], fleet: { clusters: smallFleet() }, start: T0 });
    await sim.settle();
    assert.deepEqual(sim.store.get('clusterpromotions', 'rollout').metadata.finalizers, [PROMOTION_FINALIZER]);
  });

  it(
    'a status write raced by another writer is refused (409), read again and reconciled again, the other ' +
      'write kept',
    async () => {
      const sim = new StoreSimulation({
        promotions: [rolloutPromotion()],
        fleet: { clusters: smallFleet() },
        start: T0,
      });
      // Someone labels the promotion just as the engine creates the stage's profile: between the
      // engine's read of the promotion and its status write.
      const stop = sim.store.onChange((e) => {
        if (e.type === 'ADDED' && e.resource.plural === 'clusterprofiles') {
          sim.store.patch('clusterpromotions', 'rollout', 'merge', { metadata: { labels: { team: 'payments' } } });
        }
      });
      const types: string[] = [];
      sim.controller!.on((e) => types.push(e.type));
      await sim.settle();
      stop();
      assert.equal(sim.controller!.stats.conflicts, 1);
      assert.ok(types.includes('WriteConflict'));
      const stored = sim.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
      assert.equal(stored.metadata.labels?.team, 'payments');
      assert.equal(stored.status?.currentStageName, 'staging');
    },
  );

  it('reconciles at the engine’s requeue time (an auto delay) with nothing else happening', async () => {
    const promotion = rolloutPromotion('soak', [
      { name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '10m' } } },
      { name: 'production', clusterSelector: env('production') },
    ]);
    const sim = new StoreSimulation({ promotions: [promotion], fleet: { clusters: smallFleet() }, start: T0 });
    await sim.advanceTo(T0 + s(60));
    assert.equal(sim.nextEventAt(), T0 + s(60 + 600));
    await sim.advanceTo(T0 + s(60 + 600) - 1);
    assert.equal(sim.store.find('clusterprofiles', 'soak-production'), undefined);
    await sim.advanceTo(T0 + s(60 + 600));
    assert.notEqual(sim.store.find('clusterprofiles', 'soak-production'), undefined);
  });

  it('reconciles several promotions, including one created while serving', async () => {
    const sim = new StoreSimulation({
      promotions: [rolloutPromotion('a')],
      fleet: { clusters: smallFleet() },
      start: T0,
    });
    await sim.settle();
    sim.store.create('clusterpromotions', rolloutPromotion('b'));
    await sim.settle();
    assert.deepEqual(
      sim.store.all('clusterprofiles').map((p) => p.metadata.name),
      ['a-staging', 'b-staging'],
    );
  });
});

describe('--no-controller', () => {
  it('leaves the promotion alone while the fleet deploys a ClusterProfile the test creates', () =>
    withServed(
      async ({ served, server }) => {
        const created = await server.request('POST', '/apis/config.projectsveltos.io/v1beta1/clusterprofiles', {
          body: userProfile('by-hand', { env: 'production' }),
        });
        assert.equal(created.status, 201, created.text);
        await served.settle();
        assert.deepEqual(Object.values(features(served)), ['Provisioning', 'Provisioning', 'Provisioning']);
        await served.advanceTo(T0 + s(120));
        assert.deepEqual(Object.values(features(served)), ['Provisioned', 'Provisioned', 'Provisioned']);
        const promotion = served.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
        assert.equal(promotion.status, undefined, 'no engine wrote a status');
        assert.equal(promotion.metadata.finalizers, undefined, 'no finalizer without the controller');
        assert.deepEqual(
          served.store.all('clusterprofiles').map((p) => p.metadata.name),
          ['by-hand'],
        );
        await server.request('DELETE', '/apis/config.projectsveltos.io/v1beta1/clusterprofiles/by-hand');
        await served.settle();
        assert.deepEqual(features(served), {});
        assert.equal(served.sim.fleet.profiles().length, 0);
      },
      { controller: false },
    ));
});

describe('virtual time in real time', () => {
  it(
    'flows at the speed: four 250 ms wakes at 60x are a virtual minute, and the staging deploy lands on ' + 'it',
    async () => {
      const timers = new FakeTimers(0);
      const h = await serveRollout({ realNow: () => timers.now(), timers, speed: 60 });
      try {
        assert.deepEqual(timers.pending, [0], 'the first step at once');
        timers.advance(0);
        await h.served.sim.settle();
        assert.deepEqual(timers.pending, [250], 'the next event is a virtual minute away: wake at the bound');
        for (let i = 0; i < 4; i++) {
          timers.advance(250);
          await h.served.sim.settle();
        }
        assert.equal(h.served.nowMs(), T0 + s(60));
        assert.equal(
          h.served.store.get<ClusterPromotion>('clusterpromotions', 'rollout').status?.stages?.[0]
            ?.lastSuccessfulAppliedTime,
          '2030-01-01T00:01:00Z',
        );
      } finally {
        await h.close();
      }
    },
  );

  it(
    "tells each client its time and pace with every answer: a client's clock runs at the rehearsal's " + 'speed',
    async () => {
      const timers = new FakeTimers(0);
      const h = await serveRollout({ realNow: () => timers.now(), timers, speed: 60 });
      const dir = mkdtempSync(join(tmpdir(), 'served-clock-'));
      try {
        h.served.writeKubeconfig(join(dir, 'kubeconfig'));
        let local = Date.parse('2026-01-01T00:00:00Z');
        const client = new KubeClient(resolveConnection({ kubeconfig: join(dir, 'kubeconfig') }), { now: () => local });
        await client.request('GET', '/version');
        assert.equal(client.serverNow(local), T0);
        assert.equal(
          client.serverNow(local + 1000),
          T0 + s(60),
          'a real second later, a virtual minute has passed there',
        );
        timers.advance(500);
        local += 500;
        await client.request('GET', '/version');
        assert.equal(client.serverNow(local), T0 + s(30));
        h.served.clock.pause();
        await client.request('GET', '/version');
        assert.equal(client.serverNow(local + 10_000), T0 + s(30), 'paused: time stands still there');
      } finally {
        await h.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('wakes exactly when the next event is due when that is sooner than the bound', async () => {
    const timers = new FakeTimers(0);
    const h = await serveRollout({ realNow: () => timers.now(), timers, speed: 6000 });
    try {
      timers.advance(0);
      await h.served.sim.settle();
      assert.deepEqual(timers.pending, [10], 'a virtual minute at 6000x is 10 ms');
      timers.advance(10);
      await h.served.sim.settle();
      assert.equal(h.served.nowMs(), T0 + s(60));
      assert.equal(currentStage(h.served), 'staging');
      assert.equal(h.served.sim.controller!.phases('rollout')[0]?.phase, 'AwaitingApproval');
    } finally {
      await h.close();
    }
  });
});

describe('faults while the simulation runs', () => {
  it('drop-watches ends every watch; a watch resumed from the last resourceVersion misses nothing', () =>
    withServed(async ({ served, server }) => {
      const from = served.store.resourceVersion;
      const watch = await server.watch(`${SUMMARIES}?watch=1&resourceVersion=${from}`);
      const dropped = await server.request('POST', '/admin/faults/drop-watches');
      assert.deepEqual(dropped.json, { dropped: 1 });
      assert.deepEqual(await watch.toEnd(), []);
      await served.advanceTo(T0 + s(60));
      const resumed = await server.watch(`${SUMMARIES}?watch=1&resourceVersion=${from}`);
      const seen = await resumed.until(
        (e) =>
          e.object.metadata.name === 'rollout-staging-sveltos-staging-2' &&
          e.object.status?.featureSummaries?.[0]?.status === 'Provisioned',
      );
      assert.ok(
        seen.some(
          (e) =>
            e.object.metadata.name === 'rollout-staging-sveltos-staging-1' &&
            e.object.status?.featureSummaries?.[0]?.status === 'Provisioned',
        ),
      );
      resumed.close();
    }));

  it('expire-next-watch answers the next watch with 410 Expired, then watches work again', () =>
    withServed(async ({ served, server }) => {
      assert.equal((await server.request('POST', '/admin/faults/expire-next-watch')).status, 200);
      const expired = await server.watch(`${SUMMARIES}?watch=1&resourceVersion=${served.store.resourceVersion}`);
      assert.equal((await expired.toEnd())[0]?.object.code, 410);
      const fine = await server.watch(`${SUMMARIES}?watch=1&resourceVersion=${served.store.resourceVersion}`);
      await served.advanceTo(T0 + s(60));
      assert.equal((await fine.next())?.type, 'MODIFIED');
      fine.close();
    }));

  it(
    'refuse-connections makes clients see ECONNREFUSED while the rollout goes on; accepted again it shows ' +
      'where it got to',
    () =>
      withServed(async ({ served, server }) => {
        assert.equal((await server.request('POST', '/admin/faults/refuse-connections?seconds=600')).status, 202);
        for (let i = 0; i < 1000 && !served.api.faults.refusing; i++) await new Promise((r) => setImmediate(r));
        await served.api.faults.refuseConnections(0); // joins the outage once its sockets are closed
        await assert.rejects(
          server.request('GET', '/version'),
          (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
        );
        await served.advanceTo(T0 + s(60));
        await served.api.faults.acceptConnections();
        const got = await server.request('GET', `${PROMOTION_PATH}/rollout`);
        assert.match(got.json.status.stages[0].currentStatusDescription, /^Paused: Awaiting Manual Approval/);
      }),
  );

  it('restart keeps every object and the resourceVersions, and the simulation keeps writing', () =>
    withServed(async ({ served, server }) => {
      const before = served.store.resourceVersion;
      assert.equal((await server.request('POST', '/admin/faults/restart')).status, 202);
      for (let i = 0; i < 1000 && served.api.faults.status().restarts === 0; i++)
        await new Promise((r) => setImmediate(r));
      const list = await reconnecting(() => server.request('GET', SUMMARIES));
      assert.equal(list.status, 200);
      assert.equal(list.json.items.length, 2);
      await served.advanceTo(T0 + s(60));
      const after = await server.request('GET', `${PROMOTION_PATH}/rollout`);
      assert.ok(Number(after.json.metadata.resourceVersion) > before);
      assert.match(after.json.status.stages[0].currentStatusDescription, /^Paused: Awaiting Manual Approval/);
    }));
});

const PROMOTION_PATH = '/apis/config.projectsveltos.io/v1beta1/clusterpromotions';

/** A client's retry across a restart: the request again until it is answered, within the deadline. */
async function reconnecting<T>(attempt: () => Promise<T>): Promise<T> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setImmediate(r));
    }
  }
}

describe('@kubernetes/client-node against the served simulation', () => {
  it('lists the promotion with its status and approves with a guarded JSON patch, which the engine acts on', () =>
    withServed(async ({ served, server }) => {
      await served.advanceTo(T0 + s(60));
      const kc = new KubeConfig();
      kc.loadFromFile(server.kubeconfig());
      const api = kc.makeApiClient(CustomObjectsApi);
      const list = (await api.listClusterCustomObject(PROMOTION_API)) as { items: ClusterPromotion[] };
      assert.deepEqual(
        list.items.map((p) => [p.metadata.name, p.status?.currentStageName]),
        [['rollout', 'staging']],
      );
      const body = [
        { op: 'test', path: '/metadata/resourceVersion', value: list.items[0]!.metadata.resourceVersion },
        { op: 'add', path: '/spec/stages/0/trigger/manual/approved', value: true },
      ];
      await api.patchClusterCustomObject(
        { ...PROMOTION_API, name: 'rollout', body },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      await served.settle();
      assert.equal(currentStage(served), 'production');
    }));
});
