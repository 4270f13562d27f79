// `npm run bench`, stage scaling: a headless `simulate` of promotions of 250, 1,000 and 4,000
// stages (one cluster each, an auto trigger with a one-minute soak), each in a fresh process. The
// figure that matters is the time per stage, which stays flat when the engine and the driver do
// work in proportion to what changed rather than to the length of the pipeline.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { Simulation } from '../../simulator/driver.ts';
import { BENCH_CHART } from './fixtures.ts';

export function stagedPromotion(stages: number): ClusterPromotion {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name: 'many-stages' },
    spec: {
      profileSpec: { syncMode: 'Continuous', helmCharts: [BENCH_CHART] },
      stages: Array.from({ length: stages }, (_, i) => ({
        name: `stage-${i}`,
        clusterSelector: { matchLabels: { stage: `s${i}` } },
        trigger: { auto: { delay: '1m' } },
      })),
    },
  };
}

export function stagedFleet(stages: number): FleetClusterSpec[] {
  return Array.from({ length: stages }, (_, i) => ({
    namespace: 'default',
    name: `cluster-${i}`,
    type: 'Sveltos' as const,
    labels: { stage: `s${i}` },
    ready: true,
    deployTimeMs: 30_000,
    checkTimeMs: 0,
    jitterMs: 0,
    failures: 0,
    objects: [],
    dynamicObjects: [],
    kinds: [],
  }));
}

async function measure(stages: number): Promise<void> {
  const t0 = performance.now();
  const sim = new Simulation({
    promotion: stagedPromotion(stages),
    fleet: { clusters: stagedFleet(stages) },
    start: Date.UTC(2025, 0, 1),
    horizonMs: 365 * 24 * 3_600_000,
  });
  const result = await sim.run();
  const wall = performance.now() - t0;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(
    `${String(stages).padStart(6)} stages  ${result.outcome}  wall ${(wall / 1000).toFixed(2)} s  ` +
      `${((wall * 1000) / stages).toFixed(0)} µs a stage  peak RSS ${(maxRss / 1024 / 1024).toFixed(0)} MiB  ` +
      `engine calls ${sim.engineCalls}`,
  );
}

const only = process.argv[2];
if (only) {
  await measure(Number(only));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const self = fileURLToPath(import.meta.url);
  for (const stages of [250, 1_000, 4_000]) {
    execFileSync(process.execPath, ['--import', 'tsx', self, String(stages)], { stdio: 'inherit' });
  }
}
