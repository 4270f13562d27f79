// A served simulation for tests: a small fleet and a promotion with a manual gate, served over
// HTTPS with real time held still, so that virtual time moves only when a test calls advanceTo.
// The runner still answers writes at once (real timers with no delay), as it does for a user.
// The API tests' helpers (kubectl, kubectl -w, raw requests, watch streams) work on it unchanged.
import type { ClusterPromotion, Stage } from '../../src/api/types.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { startServedSimulation, type ServedSimulation, type ServeOptions } from '../../simulator/serve.ts';
import type { ControllerEvent } from '../../simulator/store-controller.ts';
import { chart, cluster, env, s, T0 } from '../simulator/helpers.ts';
import { Clock, TestServer } from '../apiserver/helpers.ts';

export { T0, s };

/** staging (2 clusters, 1 minute each) waits for approval; production (3 clusters, 2 minutes) follows. */
export function rolloutPromotion(name = 'rollout', stages?: Stage[]): ClusterPromotion {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name },
    spec: {
      profileSpec: { syncMode: 'Continuous', helmCharts: [chart] },
      stages: stages ?? [
        { name: 'staging', clusterSelector: env('staging'), trigger: { manual: {} } },
        { name: 'production', clusterSelector: env('production') },
      ],
    },
  };
}

export function smallFleet(): FleetClusterSpec[] {
  return [
    cluster('staging-1', { env: 'staging' }, { deployTimeMs: s(60) }),
    cluster('staging-2', { env: 'staging' }, { deployTimeMs: s(60) }),
    cluster('production-1', { env: 'production' }, { deployTimeMs: s(120) }),
    cluster('production-2', { env: 'production' }, { deployTimeMs: s(120) }),
    cluster('production-3', { env: 'production' }, { deployTimeMs: s(120), namespace: 'emea', type: 'Capi' }),
  ];
}

export interface Harness {
  served: ServedSimulation;
  /** The API tests' view of the same server: kubectl(), KubectlStream, request(), watch(). */
  server: TestServer;
  events: ControllerEvent[];
  close(): Promise<void>;
}

export async function serveRollout(options: Partial<ServeOptions> = {}): Promise<Harness> {
  const served = await startServedSimulation({
    promotions: [rolloutPromotion()],
    fleet: { clusters: smallFleet() },
    start: T0,
    realNow: () => 0,
    ...options,
  });
  const events: ControllerEvent[] = [];
  served.sim.controller?.on((e) => events.push(e));
  await served.settle();
  const server = new TestServer(served.api, served.store, new Clock(new Date(T0)));
  return {
    served,
    server,
    events,
    close: async () => {
      await served.close();
      await server.close();
    },
  };
}

export async function withServed(
  run: (h: Harness) => Promise<void>,
  options: Partial<ServeOptions> = {},
): Promise<void> {
  const h = await serveRollout(options);
  try {
    await run(h);
  } finally {
    await h.close();
  }
}

export function currentStage(served: ServedSimulation, name = 'rollout'): string | undefined {
  return served.store.get<ClusterPromotion>('clusterpromotions', name).status?.currentStageName;
}
