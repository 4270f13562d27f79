// The resources the served API knows, described the way a real API server describes them in
// discovery and in Table responses. Group, scope, subresources and printer columns follow the
// CRDs of projectsveltos/addon-controller, projectsveltos/libsveltos and Cluster API v1beta1, so
// that kubectl resolves and prints them exactly as it would against a real management cluster.
import type { KubeObject } from '../../src/api/types.ts';
import { CAPI_GROUP } from '../../src/api/types.ts';
import { EVENTS_GROUP, fromEventsV1, toEventsV1 } from './event-versions.ts';
import { bundledSchema, type ResourceSchema, type Schema } from '../../src/schema/index.ts';
import { kubectlAge } from '../../src/duration.ts';
import { printerColumns } from './columns.ts';
import { RBAC_RESOURCES } from './rbac-resources.ts';

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

/** A printer column; `value` returns the raw field (a date column returns the timestamp string). */
export interface PrinterColumn {
  name: string;
  type: ColumnType;
  format?: string;
  /**
   * A date cell as the timestamp itself (RFC 3339, UTC), not an age: what kube-apiserver's default
   * table convertor serves for resources without printers of their own, such as CRDs ("Created At").
   */
  timestamp?: boolean;
  description: string;
  /** 0: shown by default; higher: only with `-o wide`. */
  priority: number;
  /** The JSONPath a CRD would declare for this column; informative only. */
  jsonPath: string;
  /** `now` is the server's clock, for cells that count time (a Job's duration). */
  value(obj: KubeObject, now: Date): unknown;
}

/** One field problem, reported the way the API server's field validation reports it. */
export interface FieldError {
  /** `Required`, `Invalid`, `Duplicate`, `Forbidden`, `NotSupported` (detail: the supported values). */
  type: 'Required' | 'Invalid' | 'Duplicate' | 'Forbidden' | 'NotSupported';
  field: string;
  /** The offending value, shown Go-style in the message; absent for Required. */
  value?: unknown;
  /** The value as Go's %#v prints a struct or a slice (`rbac.RoleRef{...}`), instead of `value`. */
  printed?: string;
  /** NotSupported: the values that are. */
  supported?: string[];
  detail?: string;
}

export interface ResourceDef {
  /** '' for the core group. */
  group: string;
  version: string;
  /** The plural resource name used in URLs. */
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** With a status subresource, the main endpoint ignores status and `/status` ignores the rest. */
  statusSubresource: boolean;
  /** Custom resources refuse strategic merge patch (415) and updates without a resourceVersion. */
  custom: boolean;
  /** Whether metadata.generation is maintained (custom resources, not namespaces or events). */
  tracksGeneration: boolean;
  /** Field selectors the resource supports besides metadata.name and metadata.namespace. */
  extraFieldSelectors: Record<string, (obj: KubeObject) => string | undefined>;
  /** Columns after NAME (and NAMESPACE, which kubectl adds itself for `-A`). */
  columns: PrinterColumn[];
  /** Rules of a built-in resource (a Lease); custom resources have their schema instead. `old` on update. */
  validate?(obj: KubeObject, old?: KubeObject): FieldError[];
  /** A built-in resource's defaults, set before it is validated (a binding's `roleRef.apiGroup`). */
  applyDefaults?(obj: KubeObject): void;
  /**
   * What is wrong with a name, in the apiserver's words; without it, names are DNS-1123 subdomains.
   * RBAC objects take any path segment (`system:controller:x`).
   */
  nameProblems?(name: string): string[];
  /** The CRD's schema: writes are pruned, defaulted and validated with it (admission.ts). */
  schema?: ResourceSchema;
  /**
   * The fields a built-in resource declares (RBAC's): unknown ones are refused or dropped as the
   * strict decoder does, and the OpenAPI documents publish them; its rules are in `validate`.
   */
  fields?: Schema;
  /** Served from another resource's storage, converted both ways (events.k8s.io/v1 Events are core Events). */
  storage?: StorageView;
}

export interface StorageView {
  /** The resource whose objects these are, in another version's form. */
  group: string;
  version: string;
  plural: string;
  fromStorage(stored: KubeObject): KubeObject;
  toStorage(view: KubeObject): KubeObject;
}

export function apiVersionOf(def: ResourceDef): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

/** `clusterpromotions.config.projectsveltos.io`, or `namespaces` for the core group, as errors name it. */
export function qualifiedName(def: ResourceDef): string {
  return def.group === '' ? def.plural : `${def.plural}.${def.group}`;
}

const DATE_COLUMN_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created.';

function field(obj: unknown, ...path: (string | number)[]): unknown {
  let at: unknown = obj;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

function ageColumn(): PrinterColumn {
  return {
    name: 'Age',
    type: 'date',
    description: DATE_COLUMN_DESCRIPTION,
    priority: 0,
    jsonPath: '.metadata.creationTimestamp',
    value: (o) => o.metadata.creationTimestamp,
  };
}

const noFieldSelectors = {};

/**
 * A resource served from a vendored Sveltos CRD: names, scope, status subresource and printer
 * columns are the CRD's, and its schema admits every write.
 */
function fromCrd(kind: string): ResourceDef {
  const schema = bundledSchema(kind);
  const names = schema.crd.spec.names;
  return {
    group: schema.group,
    version: schema.version.name,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    namespaced: schema.namespaced,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    statusSubresource: schema.statusSubresource,
    custom: true,
    tracksGeneration: true,
    extraFieldSelectors: noFieldSelectors,
    columns: printerColumns(schema.printerColumns),
    schema,
  };
}

/** kube-apiserver's validation of a Lease spec (pkg/apis/coordination/validation). */
function validateLease(obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = obj.spec ?? {};
  const positive = (key: string) => {
    const v = field(spec, key);
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !Number.isInteger(v))
      errors.push({ type: 'Invalid', field: `spec.${key}`, value: v, detail: 'must be an integer' });
    else if (key === 'leaseDurationSeconds' ? v <= 0 : v < 0)
      errors.push({
        type: 'Invalid',
        field: `spec.${key}`,
        value: v,
        detail: key === 'leaseDurationSeconds' ? 'must be greater than 0' : 'must be greater than or equal to 0',
      });
  };
  positive('leaseDurationSeconds');
  positive('leaseTransitions');
  const holder = field(spec, 'holderIdentity');
  if (holder !== undefined && holder !== null && typeof holder !== 'string')
    errors.push({ type: 'Invalid', field: 'spec.holderIdentity', value: holder, detail: 'must be a string' });
  return errors;
}

/** A CRD-served resource whose CRD is not vendored (Cluster API): status subresource, generation. */
function crd(
  names: Pick<ResourceDef, 'group' | 'version' | 'plural' | 'singular' | 'kind' | 'namespaced' | 'columns'> &
    Partial<Pick<ResourceDef, 'shortNames' | 'categories'>>,
): ResourceDef {
  return {
    listKind: `${names.kind}List`,
    shortNames: [],
    categories: [],
    statusSubresource: true,
    custom: true,
    tracksGeneration: true,
    extraFieldSelectors: noFieldSelectors,
    ...names,
  };
}

function eventFieldSelectors(): ResourceDef['extraFieldSelectors'] {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const selectors: ResourceDef['extraFieldSelectors'] = {
    reason: (o) => text(o.reason),
    type: (o) => text(o.type),
    source: (o) => text(field(o, 'source', 'component')),
    reportingComponent: (o) => text(o.reportingComponent),
  };
  // `kubectl describe` looks events up by the object they are about.
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
    selectors[`involvedObject.${k}`] = (o) => text(field(o, 'involvedObject', k));
  }
  return selectors;
}

/** The columns of `kubectl get events`, as the core printer fills them (a series' last sighting is LAST SEEN). */
function coreEventColumns(): PrinterColumn[] {
  return [
    {
      name: 'Last Seen',
      type: 'date',
      description: 'The time at which the most recent occurrence of this event was recorded',
      priority: 0,
      jsonPath: '.lastTimestamp',
      value: (o) =>
        field(o, 'series', 'lastObservedTime') ??
        field(o, 'lastTimestamp') ??
        field(o, 'eventTime') ??
        o.metadata.creationTimestamp,
    },
    {
      name: 'Type',
      type: 'string',
      description: 'Type of this event (Normal, Warning)',
      priority: 0,
      jsonPath: '.type',
      value: (o) => field(o, 'type'),
    },
    {
      name: 'Reason',
      type: 'string',
      description: 'Why the action was taken',
      priority: 0,
      jsonPath: '.reason',
      value: (o) => field(o, 'reason'),
    },
    {
      name: 'Object',
      type: 'string',
      description: 'The object that this event is about',
      priority: 0,
      jsonPath: '.involvedObject',
      value: (o) => {
        const kind = field(o, 'involvedObject', 'kind');
        const name = field(o, 'involvedObject', 'name');
        return typeof kind === 'string' && typeof name === 'string' ? `${kind.toLowerCase()}/${name}` : undefined;
      },
    },
    {
      name: 'Message',
      type: 'string',
      description: 'A human-readable description of the status of this operation',
      priority: 0,
      jsonPath: '.message',
      value: (o) => field(o, 'message'),
    },
  ];
}

function eventsV1FieldSelectors(): ResourceDef['extraFieldSelectors'] {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const selectors: ResourceDef['extraFieldSelectors'] = {
    reason: (o) => text(o.reason),
    type: (o) => text(o.type),
    reportingController: (o) => text(o.reportingController),
  };
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
    selectors[`regarding.${k}`] = (o) => text(field(o, 'regarding', k));
  }
  return selectors;
}

/** A Job's condition of that type is True. */
function jobCondition(o: KubeObject, type: string): boolean {
  const conditions = field(o, 'status', 'conditions');
  return Array.isArray(conditions) && conditions.some((c) => c?.type === type && c?.status === 'True');
}

/** The STATUS of `kubectl get jobs` (Kubernetes 1.30+), in the order the core printer tests them. */
function jobStatus(o: KubeObject): string {
  if (jobCondition(o, 'Complete')) return 'Complete';
  if (jobCondition(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (jobCondition(o, 'Suspended')) return 'Suspended';
  if (jobCondition(o, 'FailureTarget')) return 'FailureTarget';
  if (jobCondition(o, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const succeeded = Number(field(o, 'status', 'succeeded') ?? 0);
  const completions = field(o, 'spec', 'completions');
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = Number(field(o, 'spec', 'parallelism') ?? 0);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** From the start to the completion, or to now while it runs; blank before it starts. */
function jobDuration(o: KubeObject, now: Date): string {
  const start = Date.parse(String(field(o, 'status', 'startTime') ?? ''));
  if (Number.isNaN(start)) return '';
  const end = Date.parse(String(field(o, 'status', 'completionTime') ?? ''));
  return kubectlAge((Number.isNaN(end) ? now.getTime() : end) - start);
}

/**
 * batch/v1 Jobs, with the columns of kube-apiserver's own printer. The simulated clusters' jobCheck
 * Jobs are shown here (simulator/job-mirror.ts); a Job written by a client is stored, never run.
 */
const JOBS: ResourceDef = {
  group: 'batch',
  version: 'v1',
  plural: 'jobs',
  singular: 'job',
  kind: 'Job',
  listKind: 'JobList',
  namespaced: true,
  shortNames: [],
  categories: ['all'],
  statusSubresource: true,
  custom: false,
  tracksGeneration: true,
  extraFieldSelectors: { 'status.successful': (o) => String(field(o, 'status', 'succeeded') ?? 0) },
  columns: [
    {
      name: 'Status',
      type: 'string',
      description: 'Status of the job.',
      priority: 0,
      jsonPath: '.status.conditions',
      value: jobStatus,
    },
    {
      name: 'Completions',
      type: 'string',
      description: 'The number of pods which reached phase Succeeded.',
      priority: 0,
      jsonPath: '.status.succeeded',
      value: jobCompletions,
    },
    {
      name: 'Duration',
      type: 'string',
      description: 'Time required to complete the job.',
      priority: 0,
      jsonPath: '.status.completionTime',
      value: jobDuration,
    },
    ageColumn(),
  ],
};

/** events.k8s.io/v1 Events: the core Events in the newer form, from the same storage. */
const EVENTS_V1: ResourceDef = {
  group: EVENTS_GROUP,
  version: 'v1',
  plural: 'events',
  singular: 'event',
  kind: 'Event',
  listKind: 'EventList',
  namespaced: true,
  shortNames: [],
  categories: [],
  statusSubresource: false,
  custom: false,
  tracksGeneration: false,
  extraFieldSelectors: eventsV1FieldSelectors(),
  columns: coreEventColumns().map((c) => ({
    ...c,
    value: (o: KubeObject, now: Date) => c.value(fromEventsV1(o), now),
  })),
  storage: { group: '', version: 'v1', plural: 'events', fromStorage: toEventsV1, toStorage: fromEventsV1 },
};
export const RESOURCES: readonly ResourceDef[] = [
  fromCrd('ClusterPromotion'),
  fromCrd('ClusterProfile'),
  fromCrd('ClusterSummary'),
  fromCrd('SveltosCluster'),
  crd({
    group: CAPI_GROUP,
    version: 'v1beta1',
    plural: 'clusters',
    singular: 'cluster',
    kind: 'Cluster',
    namespaced: true,
    shortNames: ['cl'],
    categories: ['cluster-api'],
    columns: [
      {
        name: 'ClusterClass',
        type: 'string',
        description: 'ClusterClass of this Cluster, empty if the Cluster is not using a ClusterClass',
        priority: 0,
        jsonPath: '.spec.topology.class',
        value: (o) => field(o, 'spec', 'topology', 'class'),
      },
      {
        name: 'Phase',
        type: 'string',
        description: 'Cluster status such as Pending/Provisioning/Provisioned/Deleting/Failed',
        priority: 0,
        jsonPath: '.status.phase',
        value: (o) => field(o, 'status', 'phase'),
      },
      ageColumn(),
      {
        name: 'Version',
        type: 'string',
        description: 'Kubernetes version associated with this Cluster',
        priority: 0,
        jsonPath: '.spec.topology.version',
        value: (o) => field(o, 'spec', 'topology', 'version'),
      },
    ],
  }),
  {
    // The CRDs of the resources above, readable (`kubectl get crd`) and writable as on a real
    // cluster; the store holds the vendored ones from the start.
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    listKind: 'CustomResourceDefinitionList',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    statusSubresource: true,
    custom: false,
    tracksGeneration: true,
    extraFieldSelectors: noFieldSelectors,
    columns: [
      {
        name: 'Created At',
        type: 'date',
        timestamp: true,
        description: DATE_COLUMN_DESCRIPTION,
        priority: 0,
        jsonPath: '.metadata.creationTimestamp',
        value: (o) => o.metadata.creationTimestamp,
      },
    ],
  },
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    statusSubresource: true,
    custom: false,
    tracksGeneration: false,
    extraFieldSelectors: { 'status.phase': (o) => field(o, 'status', 'phase') as string | undefined },
    columns: [
      {
        name: 'Status',
        type: 'string',
        description: 'The status of the namespace',
        priority: 0,
        jsonPath: '.status.phase',
        value: (o) => field(o, 'status', 'phase'),
      },
      ageColumn(),
    ],
  },
  {
    // Leader election's lock (client-go's leaselock, controller-runtime's --leader-elect).
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    listKind: 'LeaseList',
    namespaced: true,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    custom: false,
    tracksGeneration: false,
    extraFieldSelectors: noFieldSelectors,
    columns: [
      {
        name: 'Holder',
        type: 'string',
        description: 'The identity of the current holder of the lease',
        priority: 0,
        jsonPath: '.spec.holderIdentity',
        value: (o) => field(o, 'spec', 'holderIdentity'),
      },
      ageColumn(),
    ],
    validate: validateLease,
  },
  JOBS,
  {
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    listKind: 'EventList',
    namespaced: true,
    shortNames: ['ev'],
    categories: [],
    statusSubresource: false,
    custom: false,
    tracksGeneration: false,
    // `kubectl describe` looks events up by the object they are about.
    extraFieldSelectors: eventFieldSelectors(),
    columns: coreEventColumns(),
  },
  EVENTS_V1,
  ...RBAC_RESOURCES,
];

/** The structural schema of a resource, its CRD's or its declared fields, if it has one. */
export function structuralSchema(def: ResourceDef): Schema | undefined {
  return def.schema?.root ?? def.fields;
}

/** The resources served under one group/version, in table order. */
export function resourcesOf(group: string, version: string): ResourceDef[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Looks a resource up by its plural, kind or singular name (what in-process callers know). */
export function resourceNamed(name: string): ResourceDef {
  const lower = name.toLowerCase();
  const def = RESOURCES.find((r) => r.plural === lower || r.singular === lower || r.kind.toLowerCase() === lower);
  if (def === undefined)
    throw new Error(`unknown resource ${name}: expected one of ${RESOURCES.map((r) => r.plural).join(', ')}`);
  return def;
}

/** Every group with the versions it serves, core group excluded. */
export function apiGroups(): { name: string; versions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const r of RESOURCES) {
    if (r.group === '') continue;
    const versions = groups.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    groups.set(r.group, versions);
  }
  return [...groups].map(([name, versions]) => ({ name, versions }));
}
