// The OpenAPI v3 documents kube-apiserver publishes for custom resources, built from the CRDs'
// schemas: `/openapi/v3` lists one document per group/version, and each document has the paths
// of its resources (kubectl reads the PATCH operation's `fieldValidation` parameter to know that
// the server validates fields itself) and the schemas under components, marked with their
// group/version/kind, which is how `kubectl explain` finds a kind's fields and descriptions.
import { createHash } from 'node:crypto';
import type { Schema } from '../../src/schema/index.ts';
import { apiVersionOf, RESOURCES, type ResourceDef, structuralSchema } from './resources.ts';

const OBJECT_META_DESCRIPTION =
  "Standard object's metadata. More info: " +
  'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert ' +
  'recognized schemas to the latest internal value, and may reject unrecognized values. More info: ' +
  'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this ' +
  'from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: ' +
  'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/**
 * `config.projectsveltos.io` + `v1beta1` + `ClusterPromotion` ->
 * `io.projectsveltos.config.v1beta1.ClusterPromotion`.
 */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

function gvk(def: ResourceDef, kind = def.kind) {
  return { group: def.group, kind, version: def.version };
}

/** The schema as published: metadata, apiVersion and kind described as the API server describes them. */
export function publishedSchema(def: ResourceDef, ref: (name: string) => string): Schema & Record<string, unknown> {
  const root = structuredClone(structuralSchema(def)!) as Schema & Record<string, unknown>;
  root.properties = {
    ...root.properties,
    apiVersion: { type: 'string', description: API_VERSION_DESCRIPTION },
    kind: { type: 'string', description: KIND_DESCRIPTION },
    metadata: {
      allOf: [{ $ref: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') }] as never,
      description: OBJECT_META_DESCRIPTION,
    },
  };
  root['x-kubernetes-group-version-kind'] = [gvk(def)];
  return root;
}

function listSchema(def: ResourceDef, ref: (name: string) => string): object {
  return {
    description: `${def.kind}List is a list of ${def.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: API_VERSION_DESCRIPTION },
      items: {
        type: 'array',
        description:
          `List of ${def.plural}. More info: ` +
          `https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: { $ref: ref(definitionName(def.group, def.version, def.kind)) },
      },
      kind: { type: 'string', description: KIND_DESCRIPTION },
      metadata: { allOf: [{ $ref: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta') }] },
    },
    'x-kubernetes-group-version-kind': [gvk(def, def.listKind)],
  };
}

const META_SCHEMAS = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    description:
      'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    type: 'object',
    properties: {
      name: { type: 'string', description: 'Name must be unique within a namespace.' },
      namespace: { type: 'string', description: 'Namespace defines the space within which each name must be unique.' },
      labels: { type: 'object', additionalProperties: { type: 'string', default: '' } },
      annotations: { type: 'object', additionalProperties: { type: 'string', default: '' } },
      generateName: { type: 'string' },
      uid: { type: 'string' },
      resourceVersion: { type: 'string' },
      generation: { type: 'integer', format: 'int64' },
      creationTimestamp: { type: 'string', format: 'date-time' },
      deletionTimestamp: { type: 'string', format: 'date-time' },
      finalizers: { type: 'array', items: { type: 'string', default: '' } },
      ownerReferences: { type: 'array', items: { type: 'object' } },
      managedFields: { type: 'array', items: { type: 'object' } },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta': {
    description:
      'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
    type: 'object',
    properties: {
      continue: { type: 'string' },
      remainingItemCount: { type: 'integer', format: 'int64' },
      resourceVersion: { type: 'string' },
    },
  },
};

function queryParameter(name: string, description: string, type = 'string'): object {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const WRITE_PARAMETERS = [
  queryParameter('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParameter(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  queryParameter(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing ' +
      'unknown or duplicate fields. Valid values are: Ignore, Warn (the default), Strict.',
  ),
];

function operation(def: ResourceDef, verb: string, action: string, ref: (n: string) => string, extra: object[] = []) {
  const schemaRef = { $ref: ref(definitionName(def.group, def.version, def.kind)) };
  return {
    description: `${verb} the specified ${def.kind}`,
    operationId: `${verb}${def.kind}`,
    parameters: extra,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: schemaRef } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk(def),
  };
}

function paths(def: ResourceDef, ref: (n: string) => string): Record<string, object> {
  const groupVersion = def.group === '' ? `api/${def.version}` : `apis/${def.group}/${def.version}`;
  const base = `/${groupVersion}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.plural}`;
  const patch = {
    ...operation(def, 'patch', 'patch', ref, [
      ...WRITE_PARAMETERS,
      queryParameter('force', 'Force is going to "force" Apply requests.', 'boolean'),
    ]),
    requestBody: {
      content: Object.fromEntries(
        ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'].map((t) => [
          t,
          { schema: { type: 'object' } },
        ]),
      ),
      required: true,
    },
  };
  const one = {
    get: operation(def, 'read', 'get', ref),
    put: operation(def, 'replace', 'put', ref, WRITE_PARAMETERS),
    patch,
    delete: operation(def, 'delete', 'delete', ref),
    parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }],
  };
  const out: Record<string, object> = {
    [base]: { get: operation(def, 'list', 'list', ref), post: operation(def, 'create', 'post', ref, WRITE_PARAMETERS) },
    [`${base}/{name}`]: one,
  };
  if (def.statusSubresource) out[`${base}/{name}/status`] = one;
  return out;
}

/** The OpenAPI v3 document of one group/version, or undefined when it serves no schema. */
export function openApiV3Document(group: string, version: string): object | undefined {
  const defs = RESOURCES.filter((r) => r.group === group && r.version === version && structuralSchema(r) !== undefined);
  if (defs.length === 0) return undefined;
  const ref = (name: string) => `#/components/schemas/${name}`;
  const schemas: Record<string, object> = { ...META_SCHEMAS };
  let allPaths: Record<string, object> = {};
  for (const def of defs) {
    schemas[definitionName(def.group, def.version, def.kind)] = publishedSchema(def, ref);
    schemas[definitionName(def.group, def.version, def.listKind)] = listSchema(def, ref);
    allPaths = { ...allPaths, ...paths(def, ref) };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    paths: allPaths,
    components: { schemas },
  };
}

const documents = new Map<string, { text: string; hash: string }>();

/** The document as served, with the hash its URL carries (clients cache by it). */
export function openApiV3Json(group: string, version: string): { text: string; hash: string } | undefined {
  const key = `${group}/${version}`;
  let doc = documents.get(key);
  if (doc === undefined) {
    const value = openApiV3Document(group, version);
    if (value === undefined) return undefined;
    const text = JSON.stringify(value);
    doc = { text, hash: createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase() };
    documents.set(key, doc);
  }
  return doc;
}

/** `/openapi/v3`: where each group/version's document is. */
export function openApiV3Index(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const def of RESOURCES) {
    if (structuralSchema(def) === undefined) continue;
    const key = `${def.group === '' ? 'api' : 'apis'}/${apiVersionOf(def)}`;
    const doc = openApiV3Json(def.group, def.version);
    if (doc !== undefined) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
  }
  return { paths };
}
