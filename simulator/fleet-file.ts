// The fleet file: which clusters the simulation has and how each behaves. Two forms, which may be
// mixed in one multi-document file:
//
// 1. A Fleet, written by hand:
//
//      apiVersion: kubectl-promotion.dev/v1alpha1
//      kind: Fleet
//      defaults:                      # any per-cluster field; a cluster's own value replaces it,
//        deployTime: 30s              # except labels, which merge (the cluster's win)
//      clusters:
//      - name: prod-{i}               # with count: N, makes prod-1 ... prod-N ({i} is required then)
//        count: 100
//        namespace: default           # default "default"
//        type: Sveltos                # or Capi (summary names use -sveltos- or -capi-)
//        ready: true                  # only ready clusters match a selector, as in Sveltos
//        labels: {env: production}
//        deployTime: 1m               # an attempt that installs changed content (default 30s);
//                                     # or a distribution each attempt draws from (--seed):
//                                     # {p50: 2m, p90: 6m} log-normal, {min: 1m, max: 3m} uniform
//        checkTime: 0s                # a re-provisioning when the content is already installed,
//                                     # e.g. after health checks were appended (default 0s)
//        jitter: 10s                  # up to this much more per deploy attempt, from --seed
//        failures: 2                  # the first 2 deploy attempts fail, the next succeeds;
//                                     # "permanent": every attempt fails, FailedNonRetriable
//        failureRate: 0.05            # besides those, each deploy attempt fails with this
//                                     # probability (0 to below 1), drawn from --seed
//        failureMessage: "helm install failed: timed out waiting for the condition"
//        kinds:                       # CRDs the cluster serves with no object yet (a health check
//        - {group: kyverno.io, version: v1, kind: ClusterPolicy}   # on a missing kind passes)
//        objects:                     # what health checks read
//        - apiVersion: apps/v1        # a plain object: there from the start, never changes
//          kind: Deployment
//          metadata: {name: kyverno-admission-controller, namespace: kyverno}
//          status: {replicas: 3, readyReplicas: 3}
//        - object:                    # an object that changes over virtual time
//            apiVersion: batch/v1
//            kind: Job
//            metadata: {name: validation, namespace: default}
//            status: {active: 1}
//          createdBy:                 # optional: it appears when a profile whose policyRefs
//            kind: ConfigMap          # reference this ConfigMap (or Secret) is deployed on the
//            namespace: projectsveltos  # cluster, and goes when no such profile is left there;
//            name: validation-job     # without createdBy it is there from the start
//          timeline:                  # changes, at offsets from when it appeared
//          - after: 60s
//            merge: {status: {active: 0, succeeded: 1, conditions: [{type: Complete, status: "True"}]}}
//          - after: 10m
//            delete: true
//        metrics:                     # what the cluster's Prometheus answers, by the name of a
//          up: 1                      # health check's metricQueries entry: a number, or steps
//          error_rate:                # timed from when the cluster began deploying the content
//          - {after: 0s, value: 0.002}  # checked; before the first step, and for a name not
//          - {after: 3m, value: 0.2}  # listed, the query returns no data
//        jobs:                        # jobCheck Jobs, by jobCheck.jobRef.name (default: each
//          smoke-test: {duration: 2m, outcome: Failed}   # completes after 30s)
//
// 2. A copy of a real fleet, as `kubectl get sveltosclusters,clusters.cluster.x-k8s.io -A -o yaml`
//    prints it (a List, or one object per document): SveltosCluster is ready when status.ready;
//    a Cluster API Cluster when its control plane is ready (v1beta1 status.controlPlaneReady) or
//    initialised (v1beta2 status.initialization.controlPlaneInitialized). Their behaviour comes from
//    annotations: kubectl-promotion.dev/deploy-time, /check-time, /jitter, /failures, /failure-rate
//    and /failure-message, with the same meaning and defaults as above (deploy-time a duration, or
//    the JSON of a distribution: '{"p50": "2m", "p90": "6m"}'),
//    and /metrics and /jobs, each the JSON of the field above (e.g. '{"error_rate": [{"after": "3m", "value": 0.2}]}').
//
// Every error names the file, line, column and field.
import {
  CAPI_GROUP,
  CLUSTER_TYPES,
  SVELTOS_LIB_GROUP,
  clusterKey,
  type ClusterRef,
  type ClusterType,
  type KubeObject,
} from '../src/api/types.ts';
import { SourceError, type FieldPath } from '../src/api/findings.ts';
import type { LoadedObject } from '../src/api/yaml-source.ts';
import { loadFilesStrict, STDIN_NAME, type ReadOptions } from '../src/api/source-files.ts';
import { parseDuration } from '../src/duration.ts';
import type { ApiKind } from '../src/health/kinds.ts';
import { distributionProblem, medianMs, type DurationDistribution } from './forecast/distribution.ts';
import { DEFAULT_JOB } from './fleet-spec.ts';
import type {
  DynamicObjectSpec,
  FleetClusterSpec,
  FleetSpec,
  JobBehaviour,
  MetricSeries,
  ObjectChange,
  PolicyRefKey,
} from './fleet-spec.ts';

export const FLEET_API_VERSION = 'kubectl-promotion.dev/v1alpha1';
export const ANNOTATION_DEPLOY_TIME = 'kubectl-promotion.dev/deploy-time';
export const ANNOTATION_CHECK_TIME = 'kubectl-promotion.dev/check-time';
export const ANNOTATION_JITTER = 'kubectl-promotion.dev/jitter';
export const ANNOTATION_FAILURES = 'kubectl-promotion.dev/failures';
export const ANNOTATION_FAILURE_MESSAGE = 'kubectl-promotion.dev/failure-message';
export const ANNOTATION_FAILURE_RATE = 'kubectl-promotion.dev/failure-rate';
export const ANNOTATION_METRICS = 'kubectl-promotion.dev/metrics';
export const ANNOTATION_JOBS = 'kubectl-promotion.dev/jobs';

export const DEFAULT_DEPLOY_TIME_MS = 30_000;
export const DEFAULT_CHECK_TIME_MS = 0;

/** A cluster known only as the API shows it: a fleet entry with the defaults, deploys that never fail. */
export function defaultClusterSpec(ref: ClusterRef): FleetClusterSpec {
  return {
    namespace: ref.namespace,
    name: ref.name,
    type: ref.type,
    labels: { ...ref.labels },
    ready: ref.ready,
    deployTimeMs: DEFAULT_DEPLOY_TIME_MS,
    checkTimeMs: DEFAULT_CHECK_TIME_MS,
    jitterMs: 0,
    failures: 0,
    objects: [],
    kinds: [],
    dynamicObjects: [],
  };
}

/** The largest `count` one entry may ask for: beyond it a typo (an extra zero) would eat the machine. */
const MAX_COUNT = 1_000_000;

const CLUSTER_FIELDS = new Set([
  'name',
  'count',
  'namespace',
  'type',
  'ready',
  'labels',
  'deployTime',
  'checkTime',
  'jitter',
  'failures',
  'failureRate',
  'failureMessage',
  'kinds',
  'objects',
  'metrics',
  'jobs',
]);

/** Reads fleet files (`-` is standard input). Throws a SourceError naming file:line:col and field. */
export async function loadFleet(files: readonly string[], opts: ReadOptions = {}): Promise<FleetSpec> {
  const fleet = fleetFromObjects(await loadFilesStrict(files, opts));
  if (fleet.clusters.length === 0) {
    const file = files.map((f) => (f === '-' ? STDIN_NAME : f)).join(', ');
    throw new SourceError({
      severity: 'error',
      file,
      path: '',
      line: 1,
      column: 1,
      message: 'no clusters: write a Fleet, or SveltosCluster and Cluster objects (see examples/)',
    });
  }
  return fleet;
}

/** Builds a fleet from parsed documents (see loadFleet). */
export function fleetFromObjects(docs: readonly LoadedObject[]): FleetSpec {
  const clusters: FleetClusterSpec[] = [];
  let defaults: Record<string, unknown> | undefined;
  const seen = new Map<string, string>();
  const add = (c: FleetClusterSpec, doc: LoadedObject, path: FieldPath) => {
    const key = clusterKey(c);
    const where = seen.get(key);
    if (where !== undefined)
      throw new SourceError(doc.finding('error', path, `cluster ${key} is already defined at ${where}`));
    const pos = doc.locate(path);
    seen.set(key, `${doc.file}:${pos.line}:${pos.column}`);
    clusters.push(c);
  };
  for (const doc of docs) {
    const v = doc.value;
    const kind = v.kind;
    const group = typeof v.apiVersion === 'string' ? v.apiVersion.split('/')[0] : undefined;
    if (kind === 'Fleet') {
      if (v.apiVersion !== FLEET_API_VERSION) fail(doc, ['apiVersion'], `must be ${FLEET_API_VERSION}`);
      readFleet(doc, add);
      if (defaults === undefined && v.defaults !== null && typeof v.defaults === 'object')
        defaults = v.defaults as Record<string, unknown>;
    } else if (kind === 'SveltosCluster' && group === SVELTOS_LIB_GROUP) {
      add(readClusterObject(doc, 'Sveltos'), doc, []);
    } else if (kind === 'Cluster' && group === CAPI_GROUP) {
      add(readClusterObject(doc, 'Capi'), doc, []);
    } else {
      fail(
        doc,
        ['kind'],
        `a fleet file holds a Fleet (${FLEET_API_VERSION}) or SveltosCluster (${SVELTOS_LIB_GROUP}) and ` +
          `Cluster (${CAPI_GROUP}) objects, not ${String(v.apiVersion)} ${String(kind)}`,
      );
    }
  }
  return defaults === undefined ? { clusters } : { clusters, defaults };
}

// ---- the Fleet kind ---------------------------------------------------------------------------------------

type Raw = Record<string, unknown>;

function readFleet(doc: LoadedObject, add: (c: FleetClusterSpec, doc: LoadedObject, path: FieldPath) => void): void {
  const v = doc.value;
  for (const key of Object.keys(v)) {
    if (!['apiVersion', 'kind', 'metadata', 'defaults', 'clusters'].includes(key)) {
      fail(doc, [key], 'unknown field (a Fleet has apiVersion, kind, metadata, defaults and clusters)');
    }
  }
  const defaults = v.defaults === undefined ? {} : mapping(doc, ['defaults'], v.defaults);
  for (const key of Object.keys(defaults)) {
    if (key === 'name' || key === 'count')
      fail(doc, ['defaults', key], 'cannot have a default: set it on each cluster');
    if (!CLUSTER_FIELDS.has(key)) fail(doc, ['defaults', key], unknownClusterField());
  }
  if (!Array.isArray(v.clusters)) fail(doc, ['clusters'], 'must be a list of clusters');
  // Parsed once and shared by every cluster that inherits them: identical objects are evaluated once.
  const defaultObjects =
    defaults.objects === undefined ? null : readObjects(doc, ['defaults', 'objects'], defaults.objects);
  const defaultKinds = defaults.kinds === undefined ? null : readKinds(doc, ['defaults', 'kinds'], defaults.kinds);
  (v.clusters as unknown[]).forEach((entry, i) => {
    const path: FieldPath = ['clusters', i];
    const own = mapping(doc, path, entry);
    for (const key of Object.keys(own)) if (!CLUSTER_FIELDS.has(key)) fail(doc, [...path, key], unknownClusterField());
    const field = (name: string): { value: unknown; path: FieldPath } | undefined => {
      if (own[name] !== undefined) return { value: own[name], path: [...path, name] };
      if (defaults[name] !== undefined) return { value: defaults[name], path: ['defaults', name] };
      return undefined;
    };

    const name = own.name;
    if (typeof name !== 'string' || name === '') fail(doc, [...path, 'name'], 'is required: the cluster name');
    let count = 1;
    if (own.count !== undefined) {
      if (!Number.isInteger(own.count) || (own.count as number) < 1 || (own.count as number) > MAX_COUNT) {
        fail(doc, [...path, 'count'], `must be a whole number from 1 to ${MAX_COUNT}`);
      }
      count = own.count as number;
      if (!name.includes('{i}')) fail(doc, [...path, 'name'], 'must contain {i} when count is set, e.g. prod-{i}');
    }
    const namespace = optionalString(doc, field('namespace')) ?? 'default';
    const typeField = field('type');
    let type: ClusterType = 'Sveltos';
    if (typeField) {
      if (!CLUSTER_TYPES.includes(typeField.value as ClusterType))
        fail(doc, typeField.path, `must be one of ${CLUSTER_TYPES.join(', ')}`);
      type = typeField.value as ClusterType;
    }
    const readyField = field('ready');
    if (readyField && typeof readyField.value !== 'boolean') fail(doc, readyField.path, 'must be true or false');
    const labels = {
      ...(defaults.labels === undefined ? {} : readLabels(doc, ['defaults', 'labels'], defaults.labels)),
      ...(own.labels === undefined ? {} : readLabels(doc, [...path, 'labels'], own.labels)),
    };
    const objects =
      own.objects !== undefined
        ? readObjects(doc, [...path, 'objects'], own.objects)
        : (defaultObjects ?? { plain: [], dynamic: [] });
    const kinds = own.kinds !== undefined ? readKinds(doc, [...path, 'kinds'], own.kinds) : (defaultKinds ?? []);
    const deployTime = deployTimeField(doc, field('deployTime'));
    const failureRate = failureRateField(doc, field('failureRate'));
    const behaviour = {
      deployTimeMs: deployTime ? medianMs(deployTime) : DEFAULT_DEPLOY_TIME_MS,
      ...(deployTime && deployTime.kind !== 'fixed' ? { deployTime } : {}),
      ...(failureRate ? { failureRate } : {}),
      checkTimeMs: durationField(doc, field('checkTime')) ?? DEFAULT_CHECK_TIME_MS,
      jitterMs: durationField(doc, field('jitter')) ?? 0,
      failures: failuresField(doc, field('failures')),
      failureMessage: optionalString(doc, field('failureMessage')),
      ...healthAnswers(doc, field('metrics'), field('jobs')),
    };
    for (let n = 1; n <= count; n++) {
      const clusterName = own.count === undefined ? name : name.replaceAll('{i}', String(n));
      if (!isDnsSubdomain(clusterName))
        fail(
          doc,
          [...path, 'name'],
          `"${clusterName}" is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')`,
        );
      add(
        {
          namespace,
          name: clusterName,
          type,
          labels,
          ready: (readyField?.value as boolean | undefined) ?? true,
          ...behaviour,
          objects: objects.plain,
          dynamicObjects: objects.dynamic,
          kinds,
        },
        doc,
        [...path, 'name'],
      );
    }
  });
}

function unknownClusterField(): string {
  return `unknown field (a cluster has ${[...CLUSTER_FIELDS].join(', ')})`;
}

function readObjects(
  doc: LoadedObject,
  path: FieldPath,
  value: unknown,
): { plain: KubeObject[]; dynamic: DynamicObjectSpec[] } {
  if (!Array.isArray(value)) fail(doc, path, 'must be a list of Kubernetes objects');
  const plain: KubeObject[] = [];
  const dynamic: DynamicObjectSpec[] = [];
  value.forEach((item, i) => {
    const p: FieldPath = [...path, i];
    const entry = mapping(doc, p, item);
    if (entry.object === undefined) {
      plain.push(kubeObject(doc, p, entry));
      return;
    }
    for (const key of Object.keys(entry)) {
      if (!['object', 'createdBy', 'timeline'].includes(key))
        fail(doc, [...p, key], 'unknown field (an object that changes has object, createdBy and timeline)');
    }
    const object = kubeObject(doc, [...p, 'object'], mapping(doc, [...p, 'object'], entry.object));
    let createdBy: PolicyRefKey | undefined;
    if (entry.createdBy !== undefined) {
      const c = mapping(doc, [...p, 'createdBy'], entry.createdBy);
      if (c.kind !== 'ConfigMap' && c.kind !== 'Secret')
        fail(doc, [...p, 'createdBy', 'kind'], 'must be ConfigMap or Secret (the kind of a profile policyRef)');
      if (typeof c.name !== 'string' || c.name === '')
        fail(doc, [...p, 'createdBy', 'name'], 'is required: the ConfigMap or Secret name');
      if (c.namespace !== undefined && typeof c.namespace !== 'string')
        fail(doc, [...p, 'createdBy', 'namespace'], 'must be a string');
      createdBy = { kind: c.kind, name: c.name, ...(c.namespace ? { namespace: c.namespace as string } : {}) };
    }
    const timeline: ObjectChange[] = [];
    if (entry.timeline !== undefined) {
      if (!Array.isArray(entry.timeline))
        fail(doc, [...p, 'timeline'], 'must be a list of changes ({after, merge} or {after, delete: true})');
      entry.timeline.forEach((change, j) => {
        const cp: FieldPath = [...p, 'timeline', j];
        const c = mapping(doc, cp, change);
        for (const key of Object.keys(c)) {
          if (!['after', 'merge', 'delete'].includes(key))
            fail(doc, [...cp, key], 'unknown field (a change has after and merge or delete)');
        }
        const afterMs = durationField(
          doc,
          c.after === undefined ? undefined : { value: c.after, path: [...cp, 'after'] },
        );
        if (afterMs === undefined)
          fail(doc, [...cp, 'after'], 'is required: how long after the object appeared, e.g. 60s');
        if (c.merge === undefined && c.delete !== true)
          fail(doc, cp, 'needs merge (a JSON merge patch) or delete: true');
        if (c.merge !== undefined && c.delete !== undefined)
          fail(doc, [...cp, 'delete'], 'cannot be combined with merge');
        if (c.delete !== undefined && c.delete !== true) fail(doc, [...cp, 'delete'], 'must be true when given');
        const merge = c.merge === undefined ? undefined : mapping(doc, [...cp, 'merge'], c.merge);
        const prev = timeline[timeline.length - 1];
        if (prev && afterMs < prev.afterMs) fail(doc, [...cp, 'after'], 'changes must be listed in time order');
        timeline.push({ afterMs, ...(merge ? { merge } : {}), ...(c.delete === true ? { delete: true } : {}) });
      });
    }
    dynamic.push({ object, ...(createdBy ? { createdBy } : {}), timeline });
  });
  return { plain, dynamic };
}

function kubeObject(doc: LoadedObject, path: FieldPath, o: Raw): KubeObject {
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '')
    fail(doc, [...path, 'apiVersion'], 'is required, e.g. apps/v1');
  if (typeof o.kind !== 'string' || o.kind === '') fail(doc, [...path, 'kind'], 'is required, e.g. Deployment');
  const meta = o.metadata === undefined ? undefined : mapping(doc, [...path, 'metadata'], o.metadata);
  if (!meta || typeof meta.name !== 'string' || meta.name === '')
    fail(doc, [...path, 'metadata', 'name'], 'is required');
  if (meta.namespace !== undefined && typeof meta.namespace !== 'string')
    fail(doc, [...path, 'metadata', 'namespace'], 'must be a string');
  if (meta.labels !== undefined) readLabels(doc, [...path, 'metadata', 'labels'], meta.labels);
  return o as KubeObject;
}

function readKinds(doc: LoadedObject, path: FieldPath, value: unknown): ApiKind[] {
  if (!Array.isArray(value)) fail(doc, path, 'must be a list of {group, version, kind}');
  return value.map((item, i) => {
    const k = mapping(doc, [...path, i], item);
    if (k.group !== undefined && typeof k.group !== 'string')
      fail(doc, [...path, i, 'group'], 'must be a string ("" for the core group)');
    if (typeof k.version !== 'string' || k.version === '') fail(doc, [...path, i, 'version'], 'is required, e.g. v1');
    if (typeof k.kind !== 'string' || k.kind === '') fail(doc, [...path, i, 'kind'], 'is required, e.g. ClusterPolicy');
    return { group: (k.group as string | undefined) ?? '', version: k.version, kind: k.kind };
  });
}

// ---- SveltosCluster and Cluster API Cluster objects ------------------------------------------------------------

function readClusterObject(doc: LoadedObject, type: ClusterType): FleetClusterSpec {
  const v = doc.value;
  const meta = v.metadata === undefined ? undefined : mapping(doc, ['metadata'], v.metadata);
  if (!meta || typeof meta.name !== 'string' || meta.name === '') fail(doc, ['metadata', 'name'], 'is required');
  if (meta.namespace !== undefined && typeof meta.namespace !== 'string')
    fail(doc, ['metadata', 'namespace'], 'must be a string');
  const labels = meta.labels === undefined ? {} : readLabels(doc, ['metadata', 'labels'], meta.labels);
  const annotations =
    meta.annotations === undefined ? {} : readLabels(doc, ['metadata', 'annotations'], meta.annotations);
  const annotation = (name: string) =>
    annotations[name] === undefined
      ? undefined
      : { value: annotations[name], path: ['metadata', 'annotations', name] as FieldPath };
  const status = (v.status ?? {}) as Raw;
  let ready: boolean;
  if (type === 'Sveltos') {
    ready = status.ready === true;
  } else {
    const init = (status.initialization ?? {}) as Raw;
    ready = status.controlPlaneReady === true || init.controlPlaneInitialized === true;
  }
  return {
    namespace: (meta.namespace as string | undefined) ?? 'default',
    name: meta.name,
    type,
    labels,
    ready,
    ...deployTimeAnnotation(doc, annotation(ANNOTATION_DEPLOY_TIME)),
    checkTimeMs: durationField(doc, annotation(ANNOTATION_CHECK_TIME)) ?? DEFAULT_CHECK_TIME_MS,
    jitterMs: durationField(doc, annotation(ANNOTATION_JITTER)) ?? 0,
    failures: failuresField(doc, annotation(ANNOTATION_FAILURES)),
    ...optionalRate(failureRateField(doc, annotation(ANNOTATION_FAILURE_RATE))),
    failureMessage: annotations[ANNOTATION_FAILURE_MESSAGE],
    ...healthAnswers(
      doc,
      jsonAnnotation(doc, annotation(ANNOTATION_METRICS)),
      jsonAnnotation(doc, annotation(ANNOTATION_JOBS)),
    ),
    objects: [],
    dynamicObjects: [],
    kinds: [],
  };
}

/**
 * The deploy-time annotation: a duration (2m), or the JSON of a distribution as the Fleet kind writes
 * it ('{"p50": "2m", "p90": "6m"}', '{"min": "1m", "max": "3m"}').
 */
function deployTimeAnnotation(doc: LoadedObject, f: Field): Pick<FleetClusterSpec, 'deployTimeMs' | 'deployTime'> {
  const d = deployTimeField(
    doc,
    typeof f?.value === 'string' && f.value.trimStart().startsWith('{')
      ? jsonAnnotation(doc, f, '{"p50": "2m", "p90": "6m"}')
      : f,
  );
  if (!d) return { deployTimeMs: DEFAULT_DEPLOY_TIME_MS };
  return { deployTimeMs: medianMs(d), ...(d.kind === 'fixed' ? {} : { deployTime: d }) };
}

// ---- metrics and jobs ---------------------------------------------------------------------------------------------

type Field = { value: unknown; path: FieldPath } | undefined;

/** An annotation holding the JSON of a field; errors point at the annotation. */
function jsonAnnotation(doc: LoadedObject, f: Field, example = '{"error_rate": 0.01}'): Field {
  if (!f) return undefined;
  try {
    return { value: JSON.parse(f.value as string), path: f.path };
  } catch (e) {
    return fail(doc, f.path, `must be JSON, e.g. '${example}': ${(e as Error).message}`);
  }
}

function healthAnswers(
  doc: LoadedObject,
  metricsField: Field,
  jobsField: Field,
): Pick<FleetClusterSpec, 'metrics' | 'jobs'> {
  const out: Pick<FleetClusterSpec, 'metrics' | 'jobs'> = {};
  if (metricsField) out.metrics = readMetrics(doc, metricsField.path, metricsField.value);
  if (jobsField) out.jobs = readJobs(doc, jobsField.path, jobsField.value);
  return out;
}

function readMetrics(doc: LoadedObject, path: FieldPath, value: unknown): Record<string, MetricSeries> {
  const m = mapping(doc, path, value);
  const out: Record<string, MetricSeries> = {};
  for (const [name, series] of Object.entries(m)) {
    const p: FieldPath = [...path, name];
    if (typeof series === 'number') {
      if (!Number.isFinite(series)) fail(doc, p, 'must be a finite number');
      out[name] = series;
      continue;
    }
    if (!Array.isArray(series))
      fail(doc, p, 'must be a number, or a list of steps [{after: 0s, value: 0.01}, {after: 3m, value: 0.2}]');
    const steps: { afterMs: number; value: number }[] = [];
    series.forEach((step, i) => {
      const sp: FieldPath = [...p, i];
      const st = mapping(doc, sp, step);
      for (const key of Object.keys(st)) {
        if (key !== 'after' && key !== 'value') fail(doc, [...sp, key], 'unknown field (a step has after and value)');
      }
      const afterMs = durationField(
        doc,
        st.after === undefined ? undefined : { value: st.after, path: [...sp, 'after'] },
      );
      if (afterMs === undefined)
        fail(doc, [...sp, 'after'], 'is required: how long after the cluster began deploying, e.g. 3m');
      if (typeof st.value !== 'number' || !Number.isFinite(st.value))
        fail(doc, [...sp, 'value'], 'is required: the number the query answers from then on');
      const prev = steps[steps.length - 1];
      if (prev && afterMs < prev.afterMs) fail(doc, [...sp, 'after'], 'steps must be listed in time order');
      steps.push({ afterMs, value: st.value });
    });
    out[name] = steps;
  }
  return out;
}

function readJobs(doc: LoadedObject, path: FieldPath, value: unknown): Record<string, JobBehaviour> {
  const m = mapping(doc, path, value);
  const out: Record<string, JobBehaviour> = {};
  for (const [name, raw] of Object.entries(m)) {
    const p: FieldPath = [...path, name];
    const j = mapping(doc, p, raw);
    for (const key of Object.keys(j)) {
      if (key !== 'duration' && key !== 'outcome')
        fail(doc, [...p, key], 'unknown field (a Job has duration and outcome)');
    }
    const durationMs =
      durationField(doc, j.duration === undefined ? undefined : { value: j.duration, path: [...p, 'duration'] }) ??
      DEFAULT_JOB.durationMs;
    const outcome = j.outcome ?? DEFAULT_JOB.outcome;
    if (outcome !== 'Complete' && outcome !== 'Failed') fail(doc, [...p, 'outcome'], 'must be Complete or Failed');
    out[name] = { durationMs, outcome };
  }
  return out;
}

// ---- fields ------------------------------------------------------------------------------------------------------

function fail(doc: LoadedObject, path: FieldPath, message: string): never {
  throw new SourceError(doc.finding('error', path, message));
}

function mapping(doc: LoadedObject, path: FieldPath, value: unknown): Raw {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(doc, path, 'must be a mapping');
  return value as Raw;
}

function readLabels(doc: LoadedObject, path: FieldPath, value: unknown): Record<string, string> {
  const m = mapping(doc, path, value);
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') fail(doc, [...path, k], `must be a string (quote it: "${String(v)}")`);
  }
  return m as Record<string, string>;
}

function optionalString(doc: LoadedObject, f: { value: unknown; path: FieldPath } | undefined): string | undefined {
  if (!f) return undefined;
  if (typeof f.value !== 'string') fail(doc, f.path, 'must be a string');
  return f.value;
}

function durationField(doc: LoadedObject, f: { value: unknown; path: FieldPath } | undefined): number | undefined {
  if (!f) return undefined;
  if (typeof f.value === 'number')
    fail(doc, f.path, `a unit is missing: write ${f.value}s, ${f.value}m or ${f.value}h`);
  if (typeof f.value !== 'string') fail(doc, f.path, 'must be a duration such as 30s, 5m or 1h30m');
  try {
    return parseDuration(f.value);
  } catch (e) {
    return fail(doc, f.path, (e as Error).message);
  }
}

/** `deployTime`: a duration, or a distribution as {p50, p90} (log-normal) or {min, max} (uniform). */
function deployTimeField(
  doc: LoadedObject,
  f: { value: unknown; path: FieldPath } | undefined,
): DurationDistribution | undefined {
  if (!f) return undefined;
  if (typeof f.value !== 'object' || f.value === null || Array.isArray(f.value)) {
    const ms = durationField(doc, f);
    return ms === undefined ? undefined : { kind: 'fixed', ms };
  }
  const m = f.value as Raw;
  const keys = Object.keys(m).sort().join(',');
  const part = (name: string) => {
    const ms = durationField(doc, { value: m[name], path: [...f.path, name] });
    if (ms === undefined) fail(doc, [...f.path, name], 'is required');
    return ms;
  };
  let d: DurationDistribution;
  if (keys === 'p50,p90') d = { kind: 'logNormal', p50Ms: part('p50'), p90Ms: part('p90') };
  else if (keys === 'max,min') d = { kind: 'uniform', minMs: part('min'), maxMs: part('max') };
  else
    return fail(
      doc,
      f.path,
      'must be a duration (2m), or a distribution: {p50: 2m, p90: 6m} (log-normal) or {min: 1m, max: 3m} (uniform)',
    );
  const problem = distributionProblem(d);
  if (problem) {
    // Pointed at the value to change: p90 or max (p50 when it is the median that cannot be).
    const at = d.kind === 'uniform' ? 'max' : problem.startsWith('p50') ? 'p50' : 'p90';
    fail(doc, [...f.path, at], problem);
  }
  return d;
}

function failureRateField(doc: LoadedObject, f: { value: unknown; path: FieldPath } | undefined): number {
  if (!f) return 0;
  const n = typeof f.value === 'string' && /^\s*\d*\.?\d+\s*$/.test(f.value) ? Number(f.value) : f.value;
  if (typeof n !== 'number' || !(n >= 0 && n < 1))
    fail(
      doc,
      f.path,
      `must be a probability from 0 to below 1 (0.05: one attempt in 20 fails), not ${String(f.value)}`,
    );
  return n;
}

function optionalRate(rate: number): { failureRate?: number } {
  return rate > 0 ? { failureRate: rate } : {};
}

function failuresField(doc: LoadedObject, f: { value: unknown; path: FieldPath } | undefined): number | 'permanent' {
  if (!f) return 0;
  if (f.value === 'permanent') return 'permanent';
  const n = typeof f.value === 'string' && /^\d+$/.test(f.value) ? Number(f.value) : f.value;
  if (!Number.isInteger(n) || (n as number) < 0)
    fail(doc, f.path, 'must be a number of failing attempts (0 or more) or "permanent"');
  return n as number;
}

function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}
