// The proof that `kubectl promotion controller` runs a rollout for real and survives losing its
// leader: two controller processes against a rehearsal that plays addon-controller only
// (`simulate --serve --no-controller`); the leader is SIGKILLed mid-stage; the other takes the
// Lease and finishes the rollout. The result must be what headless `simulate` computes for the same
// files: the same status (timestamps aside: the takeover gap shifts them) and the same profiles.
//
// Virtual time flows at the rehearsal's speed (5 virtual minutes a second), so the half-hour
// rollout takes seconds; the test waits for what the controllers write, never for time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClusterProfile, ClusterPromotion, KubeObject } from '../../src/api/types.ts';
import { Simulation } from '../../simulator/driver.ts';
import { startServedSimulation, type ServedSimulation } from '../../simulator/serve.ts';
import { chart, cluster, env, m, T0 } from '../simulator/helpers.ts';
import { ControllerProcess, ensureBuilt, FAST_LEASE, LEASE_MS, RETRY_MS } from './processes.ts';
import { bundledSchema } from '../../src/schema/index.ts';

const written: ClusterPromotion = {
  apiVersion: 'config.projectsveltos.io/v1beta1',
  kind: 'ClusterPromotion',
  metadata: { name: 'checkout' },
  spec: {
    profileSpec: { syncMode: 'Continuous', helmCharts: [chart] },
    stages: [
      { name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '15m' } } },
      { name: 'production', clusterSelector: env('production'), trigger: { auto: { delay: '10m' } } },
    ],
  },
};
// The promotion as the served API stores it (pruned and defaulted by the CRD), which is what the
// controllers read and hash: headless simulate gets the same object.
const promotion = bundledSchema('ClusterPromotion').admit(written).object as unknown as ClusterPromotion;
const fleet = {
  clusters: [
    cluster('staging-1', { env: 'staging' }, { deployTimeMs: m(2) }),
    cluster('staging-2', { env: 'staging' }, { deployTimeMs: m(3) }),
    cluster('production-1', { env: 'production' }, { deployTimeMs: m(4) }),
    cluster('production-2', { env: 'production' }, { deployTimeMs: m(4), namespace: 'emea', type: 'Capi' as const }),
  ],
};
const SPEED = 300;
/** How late a busy machine may make a process react, in real milliseconds. */
const REACTION_MS = 1_500;

/** Status with every timestamp replaced: what was decided, not when. */
function decided(p: ClusterPromotion | undefined): unknown {
  return JSON.parse(JSON.stringify(p?.status ?? null).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>'));
}

function profilesOf(objects: readonly KubeObject[]): unknown {
  return objects
    .map((p) => ({
      name: p.metadata.name,
      labels: p.metadata.labels,
      annotations: p.metadata.annotations,
      owner: p.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`),
      spec: (p as ClusterProfile).spec,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function until<T>(served: ServedSimulation, what: string, check: () => T | undefined, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const v = check();
      if (v === undefined) return false;
      off();
      clearTimeout(timer);
      resolve(v);
      return true;
    };
    const off = served.store.onChange(() => void look());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${what}: not within ${ms}ms`));
    }, ms);
    look();
  });
}

describe('kubectl promotion controller, highly available, against a rehearsal', () => {
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'controller-ha-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'a SIGKILLed leader is replaced within the lease duration and the rollout ends as headless simulate ' + 'ends it',
    async () => {
      const headless = new Simulation({ promotion, fleet, start: T0 });
      const expected = await headless.run();
      assert.equal(expected.outcome, 'Completed');

      // Time stands still until a controller leads, so that both timelines start at T0.
      const served = await startServedSimulation({
        promotions: [promotion],
        fleet,
        start: T0,
        controller: false,
        speed: SPEED,
        paused: true,
        // The store follows the flowing clock closely (its default lag is a rehearsal person’s, 250 ms).
        maxSleepMs: 10,
      });
      const kubeconfig = join(dir, 'kubeconfig');
      served.writeKubeconfig(kubeconfig);
      const a = new ControllerProcess('a', kubeconfig, FAST_LEASE);
      const b = new ControllerProcess('b', kubeconfig, FAST_LEASE);
      try {
        await Promise.any([a, b].map((c) => c.waitFor((r) => r.msg === 'successfully acquired lease', 'leadership')));
        served.clock.resume();
        // Mid-stage: staging deployed and soaking.
        await until(served, 'staging soaking', () => {
          const p = served.store.find<ClusterPromotion>('clusterpromotions', 'checkout');
          const st = p?.status?.stages?.find((s) => s.name === 'staging');
          return st?.lastSuccessfulAppliedTime && p?.status?.currentStageName === 'staging' ? true : undefined;
        });
        const lease = served.store.find('leases', 'kubectl-promotion-controller', 'projectsveltos') as
          | (KubeObject & { spec: { holderIdentity: string } })
          | undefined;
        const holder = lease?.spec.holderIdentity;
        const [leader, other] = a.identity() === holder ? [a, b] : [b, a];
        assert.equal(leader.identity(), holder, 'one of the two holds the Lease');
        leader.kill('SIGKILL');
        const killedAt = Date.now();

        await other.waitFor((r) => r.msg === 'successfully acquired lease', 'takeover');
        const gap = Date.now() - killedAt;
        assert.ok(
          gap < LEASE_MS + RETRY_MS + REACTION_MS,
          `taken over ${gap}ms after the kill: within the lease duration (and a retry)`,
        );

        const finished = await until(served, 'the rollout completed', () => {
          const p = served.store.find<ClusterPromotion>('clusterpromotions', 'checkout');
          return p?.status?.lastPromotionTime ? p : undefined;
        });
        assert.deepEqual(decided(finished), decided(headless.promotion()));
        assert.deepEqual(profilesOf(served.store.all('clusterprofiles')), profilesOf(headless.snapshot().profiles));
        assert.deepEqual(finished.metadata.finalizers, ['config.projectsveltos.io/clusterpromotion']);

        // The rollout happened in Events, written by the controllers.
        const events = served.store.all('events') as (KubeObject & { reason?: string })[];
        const reasons = events.map((e) => e.reason);
        for (const reason of ['FinalizerAdded', 'PipelineStarted', 'StagePromoted', 'PromotionCompleted'])
          assert.ok(reasons.includes(reason), `an Event ${reason} among ${reasons.join(', ')}`);

        // The timeline: the engine's events in headless simulate's order, each step as long as there
        // give or take the reaction time of processes on a busy machine (TOLERANCE, in virtual time),
        // except one step that may also hold the takeover (at most the lease duration and a retry).
        const wanted = expected.events.filter((e) => e.cluster === null && e.type !== 'SimulationEnded');
        const seen = [...leader.records, ...other.records].filter((r) => typeof r.event === 'string');
        const times = wanted.map((e) => {
          const r = seen.find((x) => x.event === e.type && (x.stage ?? null) === e.stage);
          assert.ok(r, `the controllers reported ${e.type} ${e.stage ?? ''}`);
          return Date.parse(String(r.at));
        });
        const TOLERANCE = REACTION_MS * SPEED;
        assert.ok(times[0]! - wanted[0]!.at <= TOLERANCE, 'the rollout started when time began to flow');
        let takeover = false;
        for (let i = 1; i < wanted.length; i++) {
          const late = times[i]! - times[i - 1]! - (wanted[i]!.at - wanted[i - 1]!.at);
          const step = `${wanted[i]!.type} ${wanted[i]!.stage ?? ''}`;
          assert.ok(late >= -TOLERANCE, `${step} came ${-late / 1000}s of virtual time early`);
          if (late > TOLERANCE) {
            assert.ok(
              !takeover && late <= (LEASE_MS + RETRY_MS + REACTION_MS) * SPEED,
              `${step} came ${late / 1000}s late`,
            );
            takeover = true;
          }
        }

        // SIGTERM: the survivor releases the Lease and exits 0.
        other.kill('SIGTERM');
        assert.deepEqual(await other.exited, { code: 0, signal: null });
        const released = served.store.find('leases', 'kubectl-promotion-controller', 'projectsveltos') as
          | (KubeObject & { spec: { holderIdentity?: string } })
          | undefined;
        assert.equal(released?.spec.holderIdentity, '', 'released on shutdown');
      } finally {
        a.kill('SIGKILL');
        b.kill('SIGKILL');
        await served.close();
      }
    },
  );
});
