// `npm run bench`: simulates a 4-stage promotion over 10,000 and 100,000 fake clusters and prints
// wall time and peak memory. A measurement, not a test: targets on a 2-core machine are 10,000
// clusters in under 1 s, 100,000 in under 5 s and 1 GiB. Each size runs in a fresh process so
// that one size's garbage does not count against the next one's peak.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { Simulation } from '../../simulator/driver.ts';
import type { FleetClusterSpec, FleetSpec } from '../../simulator/fleet-spec.ts';
import { BENCH_CHART } from './fixtures.ts';

const STAGES = ['canary', 'early', 'main', 'late'];

/** Clusters spread over the stages 1 : 2 : 3 : 4, with jittered deploy times and a few retries. */
function fleetOf(size: number): FleetSpec {
  const clusters: FleetClusterSpec[] = [];
  const shares = [0.1, 0.2, 0.3, 0.4];
  for (let i = 0; i < size; i++) {
    let acc = 0;
    let stage = STAGES.length - 1;
    for (let s = 0; s < shares.length; s++) {
      acc += shares[s]!;
      if (i < size * acc) {
        stage = s;
        break;
      }
    }
    clusters.push({
      namespace: `region-${i % 8}`,
      name: `cluster-${i}`,
      type: i % 5 === 0 ? 'Capi' : 'Sveltos',
      labels: { stage: STAGES[stage]!, region: `r${i % 8}` },
      ready: true,
      deployTimeMs: 60_000,
      checkTimeMs: 5_000,
      jitterMs: 30_000,
      failures: i % 97 === 0 ? 1 : 0,
      objects: [],
      dynamicObjects: [],
      kinds: [],
    });
  }
  return { clusters };
}

const promotion: ClusterPromotion = {
  apiVersion: 'config.projectsveltos.io/v1beta1',
  kind: 'ClusterPromotion',
  metadata: { name: 'bench' },
  spec: {
    profileSpec: {
      syncMode: 'Continuous',
      maxUpdate: '25%',
      helmCharts: [BENCH_CHART],
    },
    stages: STAGES.map((name, i) => ({
      name,
      clusterSelector: { matchLabels: { stage: name } },
      trigger: i === STAGES.length - 1 ? undefined : { auto: { delay: '10m' } },
    })),
  },
};

async function measure(size: number): Promise<void> {
  const fleet = fleetOf(size);
  const t0 = performance.now();
  const sim = new Simulation({ promotion, fleet, start: Date.UTC(2025, 0, 1), seed: 7 });
  const result = await sim.run();
  const wall = performance.now() - t0;
  const heap = process.memoryUsage();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
  console.log(
    `${String(size).padStart(7)} clusters  ${STAGES.length} stages  ${result.outcome}  ` +
      `virtual ${((result.endedAt - result.startedAt) / 60_000).toFixed(1)} min  ` +
      `wall ${(wall / 1000).toFixed(2)} s  peak RSS ${mib(maxRss)}  heap ${mib(heap.heapUsed)}  ` +
      `events ${result.events.length} engine calls ${sim.engineCalls}`,
  );
}

const only = process.argv[2];
if (only) {
  await measure(Number(only));
} else {
  const self = fileURLToPath(import.meta.url);
  for (const size of [10_000, 100_000]) {
    execFileSync(process.execPath, ['--import', 'tsx', self, String(size)], { stdio: 'inherit' });
  }
}
