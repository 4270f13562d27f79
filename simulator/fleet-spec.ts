// What a fleet file describes, once read (simulator/fleet-file.ts reads it): the clusters, how each
// behaves when a profile is deployed on it, and the objects it holds, some changing over virtual time.
import type { ClusterType, KubeObject } from '../src/api/types.ts';
import type { ApiKind } from '../src/health/kinds.ts';
import type { DurationDistribution } from './forecast/distribution.ts';

/** A reference to the ConfigMap or Secret (a profile's policyRef) whose deployment creates an object. */
export interface PolicyRefKey {
  kind: string;
  namespace?: string;
  name: string;
}

export interface ObjectChange {
  /** Milliseconds after the object appeared. */
  afterMs: number;
  /** RFC 7386 JSON merge patch applied to the object (null deletes a field). */
  merge?: Record<string, unknown>;
  /** The object disappears. */
  delete?: boolean;
}

/** An object whose presence or content changes over virtual time. */
export interface DynamicObjectSpec {
  object: KubeObject;
  /**
   * It appears when a profile referencing this policyRef is deployed on the cluster; absent: present
   * from the start.
   */
  createdBy?: PolicyRefKey;
  timeline: ObjectChange[];
}

/** A metric's answers: a constant, or steps timed from the deploy start of the content checked. */
export type MetricSeries = number | readonly { afterMs: number; value: number }[];

/** How a jobCheck's Job behaves on a cluster. */
export interface JobBehaviour {
  durationMs: number;
  outcome: 'Complete' | 'Failed';
}

export const DEFAULT_JOB: JobBehaviour = { durationMs: 30_000, outcome: 'Complete' };
/** jobCheck.timeout when unset, as Sveltos Enterprise has it. */
export const DEFAULT_JOB_TIMEOUT_MS = 5 * 60_000;

export interface FleetClusterSpec {
  namespace: string;
  name: string;
  type: ClusterType;
  labels: Record<string, string>;
  ready: boolean;
  /** How long an attempt installing changed content takes (the median when `deployTime` is uncertain). */
  deployTimeMs: number;
  /** Where deploy times vary: each deploy attempt draws its time from this, from the seed. */
  deployTime?: DurationDistribution;
  /** How long a re-provisioning takes when the content is already installed. */
  checkTimeMs: number;
  /** Up to this much is added to each deploy attempt, drawn from the seeded generator. */
  jitterMs: number;
  /** The first N deploy attempts on this cluster fail; "permanent": every one fails for good. */
  failures: number | 'permanent';
  /** Each deploy attempt also fails with this probability (0 <= p < 1), drawn from the seed. */
  failureRate?: number;
  failureMessage?: string;
  /**
   * Objects present from the start that never change (share one array between identical clusters:
   * checks are evaluated once per array).
   */
  objects: KubeObject[];
  /** Kinds the cluster serves besides the built-in ones and those of its objects (CRDs with no objects yet). */
  kinds: ApiKind[];
  dynamicObjects: DynamicObjectSpec[];
  /** What the cluster's metric endpoint answers, by metricQueries[].name; a name not here has no data. */
  metrics?: Readonly<Record<string, MetricSeries>>;
  /** jobCheck Jobs by jobCheck.jobRef.name; one not here completes after 30s. */
  jobs?: Readonly<Record<string, JobBehaviour>>;
}

export interface FleetSpec {
  clusters: FleetClusterSpec[];
  /**
   * The `defaults` of the fleet's (first) Fleet document as written: a cluster entry added later (a
   * RolloutTest's addCluster) inherits them, as the file's own entries do.
   */
  defaults?: Readonly<Record<string, unknown>>;
}
