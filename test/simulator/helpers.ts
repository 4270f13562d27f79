// Small builders for simulator tests: clusters, profiles and promotions with only what a test sets.
import type { ClusterProfile, ClusterProfileSpec, ClusterPromotion, Stage } from '../../src/api/types.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';

export const T0 = Date.parse('2030-01-01T00:00:00Z');
export const s = (n: number) => n * 1000;
export const m = (n: number) => n * 60_000;
export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export function cluster(
  name: string,
  labels: Record<string, string>,
  more: Partial<FleetClusterSpec> = {},
): FleetClusterSpec {
  return {
    namespace: 'default',
    name,
    type: 'Sveltos',
    labels,
    ready: true,
    deployTimeMs: s(30),
    checkTimeMs: 0,
    jitterMs: 0,
    failures: 0,
    objects: [],
    dynamicObjects: [],
    kinds: [],
    ...more,
  };
}

export const chart = {
  repositoryURL: 'https://charts.example.com',
  repositoryName: 'example',
  chartName: 'example/app',
  chartVersion: '1.0.0',
  releaseName: 'app',
  releaseNamespace: 'apps',
};

export function profile(name: string, spec: ClusterProfileSpec, stage?: string): ClusterProfile {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterProfile',
    metadata: { name, ...(stage ? { annotations: { 'config.projectsveltos.io/stagename': stage } } : {}) },
    spec,
  };
}

export function promotion(
  stages: Stage[],
  profileSpec: ClusterPromotion['spec']['profileSpec'] = { helmCharts: [chart] },
): ClusterPromotion {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name: 'rollout' },
    spec: { profileSpec, stages },
  };
}

export const env = (value: string) => ({ matchLabels: { env: value } });
