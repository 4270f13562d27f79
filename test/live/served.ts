// A served API for the live commands' tests: the simulator's API server on a free port, a kubeconfig
// for it in a temp dir, and builders for the objects a rollout consists of.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  LABEL_SUMMARY_PROFILE,
  type ClusterPromotion,
  type ClusterPromotionStatus,
  type KubeObject,
  type Stage,
  type StageStatus,
} from '../../src/api/types.ts';
import { KubeClient, type ClientOptions } from '../../src/kube/client.ts';
import type { ClusterFlags } from '../../src/kube/flags.ts';
import { resolveConnection } from '../../src/kube/kubeconfig.ts';
import { kubeconfigYaml } from '../../simulator/apiserver/kubeconfig.ts';
import { startApiServer, type ApiServer } from '../../simulator/apiserver/server.ts';
import { ObjectStore } from '../../simulator/apiserver/store.ts';

export interface Served {
  server: ApiServer;
  store: ObjectStore;
  dir: string;
  kubeconfig: string;
  /** A client as a command would make it from flags; `--kubeconfig` is filled in. */
  client(flags?: ClusterFlags, options?: ClientOptions): KubeClient;
  close(): Promise<void>;
}

export async function serve(
  options: { readOnlyToken?: string; bookmarkIntervalMs?: number; now?: () => Date; log?: (line: string) => void } = {},
): Promise<Served> {
  const { now, ...serverOptions } = options;
  const store = new ObjectStore({ autoCreateNamespaces: true, ...(now ? { now } : {}) });
  const server = await startApiServer({ store, ...serverOptions });
  const dir = mkdtempSync(path.join(tmpdir(), 'promotion-live-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml({ server: server.url, ca: server.ca, token: server.token }));
  return {
    server,
    store,
    dir,
    kubeconfig,
    client: (flags = {}, clientOptions = {}) =>
      new KubeClient(resolveConnection({ kubeconfig, ...flags }), { sleep: async () => {}, ...clientOptions }),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function manualStage(name: string, selector: Record<string, string>, approved?: boolean): Stage {
  return {
    name,
    clusterSelector: { matchLabels: selector },
    trigger: { manual: approved === undefined ? {} : { approved } },
  };
}

export function autoStage(name: string, selector: Record<string, string>, delay?: string): Stage {
  return { name, clusterSelector: { matchLabels: selector }, trigger: { auto: delay ? { delay } : {} } };
}

export function promotionObject(name: string, stages: Stage[]): ClusterPromotion {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name },
    spec: {
      profileSpec: { syncMode: 'Continuous', policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'app' }] },
      stages,
    },
  };
}

/** Creates the promotion, then writes `status` through the status subresource as a controller would. */
export function putPromotion(
  store: ObjectStore,
  promotion: ClusterPromotion,
  status?: ClusterPromotionStatus,
): ClusterPromotion {
  let stored = store.create<ClusterPromotion>('clusterpromotions', promotion);
  if (status) stored = store.updateStatus<ClusterPromotion>('clusterpromotions', { ...stored, status });
  return stored;
}

/** Replaces the status of a stored promotion (the controller moving it on). */
export function setStatus(store: ObjectStore, name: string, status: ClusterPromotionStatus): ClusterPromotion {
  const current = store.get<ClusterPromotion>('clusterpromotions', name);
  return store.updateStatus<ClusterPromotion>('clusterpromotions', { ...current, status });
}

export function stageEntry(name: string, description: string, times: Partial<StageStatus> = {}): StageStatus {
  return { name, currentStatusDescription: description, ...times };
}

/** A SveltosCluster with its readiness, written as Sveltos's controller would (status separately). */
export function putCluster(
  store: ObjectStore,
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ready = true,
): KubeObject {
  const created = store.create('sveltosclusters', {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { namespace, name, labels },
    spec: {},
  });
  return store.updateStatus('sveltosclusters', { ...created, status: { ready } });
}

/** A ClusterSummary as addon-controller keeps it for a profile on a cluster of namespace `fleet`. */
export function putSummary(
  store: ObjectStore,
  promotion: ClusterPromotion,
  profile: string,
  cluster: string,
  status: 'Provisioned' | 'Provisioning' | 'Failed',
  failureMessage?: string,
): void {
  const created = store.create('clustersummaries', {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterSummary',
    metadata: {
      namespace: 'fleet',
      name: `${profile}-sveltos-${cluster}`,
      labels: { [LABEL_SUMMARY_PROFILE]: profile },
    },
    spec: {
      clusterNamespace: 'fleet',
      clusterName: cluster,
      clusterType: 'Sveltos',
      clusterProfileSpec: promotion.spec.profileSpec,
    },
  });
  store.updateStatus('clustersummaries', {
    ...created,
    status: { featureSummaries: [{ featureID: 'Resources', status, ...(failureMessage ? { failureMessage } : {}) }] },
  });
}

/** The label selector of a request the served API logged (`METHOD URL STATUS`). */
export function labelSelector(line: string): string | null {
  return new URL(line.split(' ')[1]!, 'https://server').searchParams.get('labelSelector');
}
