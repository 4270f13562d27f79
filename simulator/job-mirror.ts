// The simulated clusters' jobCheck Jobs, shown in the served API so that `kubectl get jobs -A`
// watches them run: a Job lives in the managed cluster, which the served API (a management
// cluster) does not hold, so each cluster's Jobs go in a namespace named for it,
// `<cluster namespace>-<cluster name>`, labelled with the cluster, and each Job keeps its namespace
// in the managed cluster as an annotation. A Job appears when its check first runs there, and its
// status follows the fleet's (active, then succeeded or failed with the Complete or Failed
// condition); a Job the fleet recreates for new content is deleted and created again, with a new uid.
import type { KubeObject } from '../src/api/types.ts';
import type { ObjectStore } from './apiserver/store.ts';
import type { Fleet } from './fleet.ts';

const JOBS = 'jobs';
export const LABEL_CLUSTER_NAMESPACE = 'kubectl-promotion.dev/cluster-namespace';
export const LABEL_CLUSTER_NAME = 'kubectl-promotion.dev/cluster-name';
/** The Job's namespace in the managed cluster. */
export const ANNOTATION_NAMESPACE_IN_CLUSTER = 'kubectl-promotion.dev/namespace-in-cluster';
const NAMESPACE_MAX = 63;

/** The served namespace holding a cluster's objects. */
export function clusterNamespace(clusterKey: string): string {
  const name = clusterKey.replace('/', '-');
  if (name.length <= NAMESPACE_MAX) return name;
  // Still a DNS label, and still one per cluster.
  let hash = 0;
  for (const ch of clusterKey) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
  const suffix = hash.toString(36);
  return `${name.slice(0, NAMESPACE_MAX - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}

export class JobMirror {
  /** Clusters whose Jobs changed since the last flush. */
  readonly #dirty = new Set<string>();
  /** What was written per cluster: served Job name -> the fleet's object it was written from. */
  readonly #written = new Map<string, Map<string, KubeObject>>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly store: ObjectStore,
    private readonly fleet: Fleet,
  ) {
    this.#unsubscribe = fleet.onEvent((e) => {
      if (e.cluster !== null && (e.type === 'ObjectCreated' || e.type === 'ObjectUpdated')) this.#dirty.add(e.cluster);
    });
  }

  /** Clusters joined or left the fleet: a cluster that left takes its Jobs and its namespace with it. */
  clustersChanged(): void {
    for (const key of this.#written.keys()) if (this.fleet.cluster(key) === undefined) this.#dirty.add(key);
  }

  /** Writes the Jobs of the clusters that changed since the last flush. */
  flush(): void {
    for (const key of this.#dirty) this.#sync(key);
    this.#dirty.clear();
  }

  stop(): void {
    this.#unsubscribe();
  }

  #sync(clusterKey: string): void {
    const jobs = this.fleet.jobsOf(clusterKey);
    const written = this.#written.get(clusterKey) ?? new Map<string, KubeObject>();
    if (jobs.length === 0 && written.size === 0) return;
    const namespace = clusterNamespace(clusterKey);
    if (jobs.length > 0) this.#ensureNamespace(namespace, clusterKey);
    const live = new Set<string>();
    for (const job of jobs) {
      const name = job.metadata.name;
      live.add(name);
      const before = written.get(name);
      if (before === job) continue;
      const stored = this.store.find(JOBS, name, namespace);
      const recreated = before !== undefined && before.metadata.creationTimestamp !== job.metadata.creationTimestamp;
      if (stored !== undefined && recreated) this.store.delete(JOBS, name, { namespace });
      if (stored === undefined || recreated) {
        const created = this.store.create(JOBS, this.#served(job, clusterKey, namespace), { namespace });
        this.store.updateStatus(JOBS, { ...created, status: job.status });
      } else {
        this.store.updateStatus(JOBS, { ...stored, status: job.status }, { namespace });
      }
      written.set(name, job);
    }
    for (const name of written.keys()) {
      if (live.has(name)) continue;
      written.delete(name);
      if (this.store.find(JOBS, name, namespace) !== undefined) this.store.delete(JOBS, name, { namespace });
    }
    if (this.fleet.cluster(clusterKey) !== undefined) {
      this.#written.set(clusterKey, written);
      return;
    }
    this.#written.delete(clusterKey);
    // The namespace was made for the cluster's Jobs; it goes with the cluster unless someone put more in it.
    if (this.store.find('namespaces', namespace) !== undefined && this.store.all(JOBS, namespace).length === 0) {
      this.store.delete('namespaces', namespace);
    }
  }

  #served(job: KubeObject, clusterKey: string, namespace: string): KubeObject {
    const [clusterNs, clusterName] = clusterKey.split('/') as [string, string];
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: job.metadata.name,
        namespace,
        labels: {
          ...job.metadata.labels,
          [LABEL_CLUSTER_NAMESPACE]: clusterNs,
          [LABEL_CLUSTER_NAME]: clusterName,
        },
        annotations: {
          ...job.metadata.annotations,
          [ANNOTATION_NAMESPACE_IN_CLUSTER]: job.metadata.namespace ?? 'default',
        },
      },
      spec: job.spec,
    };
  }

  #ensureNamespace(namespace: string, clusterKey: string): void {
    if (this.store.find('namespaces', namespace) !== undefined) return;
    const [clusterNs, clusterName] = clusterKey.split('/') as [string, string];
    this.store.create('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: { [LABEL_CLUSTER_NAMESPACE]: clusterNs, [LABEL_CLUSTER_NAME]: clusterName },
      },
    });
  }
}
