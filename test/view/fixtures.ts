// A three-stage promotion and its fleet, with the status written by hand in the two dialects the
// view model reads: this project's engine and Sveltos's own controller (v1.13.0).
import {
  CONFIG_API_VERSION,
  LABEL_PROMOTION_NAME,
  LABEL_SUMMARY_CLUSTER,
  LABEL_SUMMARY_CLUSTER_TYPE,
  LABEL_SUMMARY_PROFILE,
  type ClusterProfile,
  type ClusterPromotion,
  type ClusterPromotionStatus,
  type ClusterRef,
  type ClusterSummary,
  type FeatureStatus,
  type ProfileSpec,
  type Stage,
} from '../../src/api/types.ts';
import type { ViewModelInput } from '../../src/view/model.ts';

export const T0 = new Date('2025-01-02T03:00:00Z');
export const MIN = 60_000;
export const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);
export const iso = (offsetMs: number) =>
  at(offsetMs)
    .toISOString()
    .replace(/\.000Z$/, 'Z');

export const profileSpec = (version = '3.5.2'): ProfileSpec => ({
  syncMode: 'Continuous',
  helmCharts: [
    {
      repositoryURL: 'https://kyverno.github.io/kyverno/',
      repositoryName: 'kyverno',
      chartName: 'kyverno/kyverno',
      chartVersion: version,
      releaseName: 'kyverno-latest',
      releaseNamespace: 'kyverno',
      helmChartAction: 'Install',
    },
  ],
});

/** canary (auto, 5m soak) -> staging (manual, 2m soak) -> production (auto, window 22:00-06:00). */
export function stages(): Stage[] {
  return [
    { name: 'canary', clusterSelector: { matchLabels: { env: 'canary' } }, trigger: { auto: { delay: '5m' } } },
    { name: 'staging', clusterSelector: { matchLabels: { env: 'staging' } }, trigger: { manual: { delay: '2m' } } },
    {
      name: 'production',
      clusterSelector: { matchLabels: { env: 'production' } },
      trigger: { auto: { promotionWindow: { from: '0 22 * * *', to: '0 6 * * *' } } },
    },
  ];
}

export function promotion(status?: ClusterPromotionStatus, edit?: (stages: Stage[]) => void): ClusterPromotion {
  const s = stages();
  edit?.(s);
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterPromotion',
    metadata: { name: 'rollout' },
    spec: { profileSpec: profileSpec(), stages: s },
    ...(status ? { status } : {}),
  };
}

export function cluster(name: string, env: string, ready = true): ClusterRef {
  return { namespace: 'default', name, type: 'Sveltos', labels: { env }, ready };
}

export function fleet(): ClusterRef[] {
  return [
    cluster('canary-1', 'canary'),
    cluster('staging-1', 'staging'),
    cluster('staging-2', 'staging'),
    cluster('prod-1', 'production'),
    cluster('prod-2', 'production'),
    cluster('prod-3', 'production'),
  ];
}

export function profile(stage: string, spec: ProfileSpec = profileSpec()): ClusterProfile {
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterProfile',
    metadata: { name: `rollout-${stage}`, labels: { [LABEL_PROMOTION_NAME]: 'rollout' } },
    spec: { ...spec, clusterSelector: stages().find((s) => s.name === stage)?.clusterSelector ?? {} },
  };
}

export function summary(
  stage: string,
  clusterName: string,
  status: FeatureStatus | 'none',
  opts: { message?: string; spec?: ProfileSpec; profileName?: string } = {},
): ClusterSummary {
  const profileName = opts.profileName ?? `rollout-${stage}`;
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterSummary',
    metadata: {
      name: `${profileName}-sveltos-${clusterName}`,
      namespace: 'default',
      labels: {
        [LABEL_SUMMARY_PROFILE]: profileName,
        [LABEL_SUMMARY_CLUSTER]: clusterName,
        [LABEL_SUMMARY_CLUSTER_TYPE]: 'Sveltos',
      },
    },
    spec: {
      clusterNamespace: 'default',
      clusterName,
      clusterType: 'Sveltos',
      clusterProfileSpec: opts.spec ?? profileSpec(),
    },
    status: {
      featureSummaries:
        status === 'none'
          ? []
          : [{ featureID: 'Helm', status, ...(opts.message ? { failureMessage: opts.message } : {}) }],
    },
  };
}

/** Every cluster of the given stages provisioned on the current spec. */
export function provisioned(...stageNames: string[]): ClusterSummary[] {
  const out: ClusterSummary[] = [];
  for (const c of fleet()) {
    const stage = stages().find((s) => s.clusterSelector?.matchLabels?.env === c.labels.env)!;
    if (stageNames.includes(stage.name)) out.push(summary(stage.name, c.name, 'Provisioned'));
  }
  return out;
}

export function input(
  p: ClusterPromotion,
  summaries: ClusterSummary[],
  now: Date,
  profiles?: ClusterProfile[],
): ViewModelInput {
  const reached = (p.status?.stages ?? []).map((s) => s.name);
  return { promotion: p, profiles: profiles ?? reached.map((s) => profile(s)), summaries, clusters: fleet(), now };
}
