// What the benchmarks share: the chart their promotions roll out, and the standalone executable
// built for this machine (`npm run release` puts its archive in dist/release).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostTarget, targetName } from '../../build/release/targets.ts';
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { FleetClusterSpec, FleetSpec } from '../../simulator/fleet-spec.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A real chart's coordinates, so that profiles and summaries are the size they are in a fleet. */
export const BENCH_CHART = {
  repositoryURL: 'https://kubernetes.github.io/ingress-nginx',
  repositoryName: 'ingress-nginx',
  chartName: 'ingress-nginx/ingress-nginx',
  chartVersion: '4.11.3',
  releaseName: 'ingress',
  releaseNamespace: 'ingress-nginx',
};

export const BENCH_STAGES = ['canary', 'early', 'main', 'late'];

/** Clusters spread over the stages 1 : 2 : 3 : 4, with jittered deploy times and a few retries. */
export function benchFleet(size: number): FleetSpec {
  const clusters: FleetClusterSpec[] = [];
  const shares = [0.1, 0.2, 0.3, 0.4];
  for (let i = 0; i < size; i++) {
    let acc = 0;
    let stage = BENCH_STAGES.length - 1;
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
      labels: { stage: BENCH_STAGES[stage]!, region: `r${i % 8}` },
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

/** The 4-stage promotion the fleet benchmarks roll out: 25% at a time, a 10 minute soak between stages. */
export const BENCH_PROMOTION: ClusterPromotion = {
  apiVersion: 'config.projectsveltos.io/v1beta1',
  kind: 'ClusterPromotion',
  metadata: { name: 'bench' },
  spec: {
    profileSpec: {
      syncMode: 'Continuous',
      maxUpdate: '25%',
      helmCharts: [BENCH_CHART],
    },
    stages: BENCH_STAGES.map((name, i) => ({
      name,
      clusterSelector: { matchLabels: { stage: name } },
      trigger: i === BENCH_STAGES.length - 1 ? undefined : { auto: { delay: '10m' } },
    })),
  },
};

export interface Standalone {
  archive: string;
  target: string;
  /** The unpacked executable, removed when the process exits. */
  executable: string;
}

/** The standalone executable of this machine from dist/release, unpacked; null when there is none. */
export function unpackStandalone(): Standalone | null {
  const host = hostTarget();
  if (!host) return null;
  const archive = join(root, 'dist/release', `kubectl-promotion-${targetName(host)}.tar.gz`);
  if (!existsSync(archive)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'bench-standalone-'));
  execFileSync('tar', ['-xzf', archive, '-C', dir]);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { archive, target: targetName(host), executable: join(dir, 'kubectl-promotion') };
}
