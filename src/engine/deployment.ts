// Whether a stage's profile is deployed (rule 2): every matching cluster has a ClusterSummary that
// works on the profile's current content and reports every feature Provisioned.
//
// Unlike Sveltos, which counts the summaries it finds, this asks for one summary per ready cluster
// the selector matches: right after a profile is written, the addon-controller has not created the
// summaries yet, and "no summaries" must not read as "deployed".
import { matchesSelector } from '../api/selector.ts';
import {
  clusterKey,
  type ClusterProfile,
  type ClusterProfileSpec,
  type ClusterRef,
  type ClusterSummary,
  type LabelSelector,
} from '../api/types.ts';
import { sameValue } from './canonical.ts';
import { notInSync, notYetProvisioned } from './description.ts';
import { summaryName } from './names.ts';
import type { World } from './types.ts';

/** The content of a profile: what Sveltos compares to tell whether a summary is in sync with it. */
export const CONTENT_FIELDS = ['helmCharts', 'policyRefs', 'kustomizationRefs'] as const;

// The engine compares validateHealths too, so that health checks appended after the soak are known
// to be evaluated before the stage counts as deployed again.
const SYNCED_FIELDS = [...CONTENT_FIELDS, 'validateHealths'] as const;

export interface ClusterFailure {
  cluster: string;
  message: string;
  /** FailedNonRetriable: Sveltos will not try again without a change. */
  permanent: boolean;
}

export interface DeploymentState {
  deployed: boolean;
  total: number;
  provisioned: number;
  failures: ClusterFailure[];
  /**
   * While not deployed, what addon-controller v1.13.0 writes as the stage's failureMessage: its
   * words for the first summary (by namespace and name) not in sync or not Provisioned; a cluster
   * with no summary yet is named by the summary it will have.
   */
  waiting?: string;
}

export function matchingClusters(world: World, selector: LabelSelector | undefined): readonly ClusterRef[] {
  if (world.matchingClusters) return world.matchingClusters(selector);
  const out: ClusterRef[] = [];
  for (const c of world.clusters()) {
    if (c.ready && matchesSelector(c.labels, selector)) out.push(c);
  }
  return out;
}

export function assessDeployment(
  profile: ClusterProfile,
  clusters: readonly ClusterRef[],
  world: World,
): DeploymentState {
  const byCluster = new Map<string, ClusterSummary>();
  for (const s of world.summariesOf(profile.metadata.name)) {
    byCluster.set(`${s.spec.clusterNamespace}/${s.spec.clusterName}`, s);
  }
  let provisioned = 0;
  const failures: ClusterFailure[] = [];
  let waiting: { namespace: string; name: string; message: string } | undefined;
  const wait = (namespace: string, name: string, message: (name: string) => string) => {
    if (!waiting || namespace < waiting.namespace || (namespace === waiting.namespace && name < waiting.name)) {
      waiting = { namespace, name, message: message(name) };
    }
  };
  for (const cluster of clusters) {
    const key = clusterKey(cluster);
    const summary = byCluster.get(key);
    if (!summary) {
      wait(cluster.namespace, summaryName(profile.metadata.name, cluster), notYetProvisioned);
      continue;
    }
    const { namespace = cluster.namespace, name } = summary.metadata;
    if (!inSync(summary, profile.spec, { checks: true })) {
      // Sveltos compares the content only, field by field; checks still to be picked up read as provisioning.
      const behind = CONTENT_FIELDS.find((f) => !sameValue(summary.spec.clusterProfileSpec?.[f], profile.spec[f]));
      wait(namespace, name, behind ? (n) => notInSync(behind, n) : notYetProvisioned);
      continue;
    }
    let allProvisioned = true;
    for (const f of summary.status?.featureSummaries ?? []) {
      if (f.status === 'Provisioned') continue;
      allProvisioned = false;
      if (f.status === 'Failed' || f.status === 'FailedNonRetriable') {
        failures.push({
          cluster: key,
          message: `${f.featureID}: ${f.failureMessage ?? f.status}`,
          permanent: f.status === 'FailedNonRetriable',
        });
        break;
      }
    }
    if (allProvisioned) provisioned++;
    else wait(namespace, name, notYetProvisioned);
  }
  const deployed = provisioned === clusters.length;
  return {
    deployed,
    total: clusters.length,
    provisioned,
    failures,
    ...(!deployed && waiting ? { waiting: waiting.message } : {}),
  };
}

/**
 * Whether a summary works on the spec's content, and with `checks` on its validateHealths too. `same`
 * compares one field (sameValue unless the caller keeps faster forms of the values it compares).
 */
export function inSync(
  summary: ClusterSummary,
  spec: Partial<Pick<ClusterProfileSpec, (typeof SYNCED_FIELDS)[number]>>,
  opts: { checks: boolean; same?: (a: unknown, b: unknown) => boolean },
): boolean {
  const theirs = summary.spec.clusterProfileSpec ?? {};
  const same = opts.same ?? sameValue;
  for (const field of opts.checks ? SYNCED_FIELDS : CONTENT_FIELDS) {
    if (!same(theirs[field], spec[field])) return false;
  }
  return true;
}

/** One line for status.failureMessage: the first failing cluster, and how many more there are. */
export function failureSummary(failures: readonly ClusterFailure[]): string | undefined {
  const first = failures[0];
  if (!first) return undefined;
  const more = failures.length - 1;
  return (
    `cluster ${first.cluster}: ${first.message}` +
    `${more > 0 ? ` (and ${more} more cluster${more > 1 ? 's' : ''} failing)` : ''}`
  );
}
