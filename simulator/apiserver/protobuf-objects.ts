// The built-in objects Go clients send as protobuf (`kubectl create namespace`, `kubectl create
// rolebinding`, a typed clientset's Create and Update): RBAC's four kinds and Namespaces, read
// from the fields of k8s.io/api's generated.proto into the JSON form the store keeps. Other kinds
// sent so get the 415 kube-apiserver answers for a type it cannot decode from protobuf.
import type { KubeObject } from '../../src/api/types.ts';
import { unsupportedMediaType } from './errors.ts';
import { bytesField, type Field, readEnvelope, readFields, stringField } from './protobuf.ts';

type Message = Record<string, unknown>;

function all(fields: readonly Field[], number: number): Buffer[] {
  return fields.flatMap((f) => (f.number === number && 'bytes' in f ? [f.bytes] : []));
}

function varintField(fields: readonly Field[], number: number): number | undefined {
  let found: number | undefined;
  for (const f of fields) if (f.number === number && 'varint' in f) found = f.varint;
  return found;
}

/** Named string fields (field numbers from 1 in the order given, '' to skip one), empty ones left out. */
function strings(raw: Buffer, names: readonly string[]): Message {
  const fields = readFields(raw);
  const out: Message = {};
  names.forEach((name, i) => {
    const v = stringField(fields, i + 1);
    if (name !== '' && v !== undefined && v !== '') out[name] = v;
  });
  return out;
}

function stringList(fields: readonly Field[], number: number): string[] | undefined {
  const values = all(fields, number).map((b) => b.toString('utf8'));
  return values.length === 0 ? undefined : values;
}

/** map<string, string>: repeated entries {key = 1, value = 2}. */
function stringMap(fields: readonly Field[], number: number): Record<string, string> | undefined {
  const entries = all(fields, number);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map((e) => {
      const f = readFields(e);
      return [stringField(f, 1) ?? '', stringField(f, 2) ?? ''];
    }),
  );
}

/** metav1.Time {seconds = 1, nanos = 2} as RFC 3339. */
function time(raw: Buffer | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const seconds = varintField(readFields(raw), 1) ?? 0;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

function ownerReference(raw: Buffer): Message {
  const f = readFields(raw);
  const ref: Message = strings(raw, ['kind', '', 'name', 'uid', 'apiVersion']);
  const controller = varintField(f, 6);
  const block = varintField(f, 7);
  if (controller !== undefined) ref.controller = controller !== 0;
  if (block !== undefined) ref.blockOwnerDeletion = block !== 0;
  return ref;
}

/** ObjectMeta: what a client may set (managedFields are the server's to keep). */
function objectMeta(raw: Buffer | undefined): Message {
  if (raw === undefined) return {};
  const f = readFields(raw);
  const meta = strings(raw, ['name', 'generateName', 'namespace', '', 'uid', 'resourceVersion']);
  const created = time(bytesField(f, 8));
  if (created !== undefined) meta.creationTimestamp = created;
  const labels = stringMap(f, 11);
  if (labels !== undefined) meta.labels = labels;
  const annotations = stringMap(f, 12);
  if (annotations !== undefined) meta.annotations = annotations;
  const owners = all(f, 13).map(ownerReference);
  if (owners.length > 0) meta.ownerReferences = owners;
  const finalizers = stringList(f, 14);
  if (finalizers !== undefined) meta.finalizers = finalizers;
  return meta;
}

function policyRule(raw: Buffer): Message {
  const f = readFields(raw);
  const rule: Message = {};
  (['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const).forEach((name, i) => {
    const list = stringList(f, i + 1);
    if (list !== undefined) rule[name] = list;
  });
  return rule;
}

function labelSelector(raw: Buffer): Message {
  const f = readFields(raw);
  const selector: Message = {};
  const matchLabels = stringMap(f, 1);
  if (matchLabels !== undefined) selector.matchLabels = matchLabels;
  const expressions = all(f, 2).map((e) => {
    const ef = readFields(e);
    return { ...strings(e, ['key', 'operator']), ...(stringList(ef, 3) ? { values: stringList(ef, 3) } : {}) };
  });
  if (expressions.length > 0) selector.matchExpressions = expressions;
  return selector;
}

function role(f: readonly Field[], out: Message): void {
  const rules = all(f, 2).map(policyRule);
  if (rules.length > 0) out.rules = rules;
  const aggregation = bytesField(f, 3);
  if (aggregation !== undefined)
    out.aggregationRule = { clusterRoleSelectors: all(readFields(aggregation), 1).map(labelSelector) };
}

function binding(f: readonly Field[], out: Message): void {
  const subjects = all(f, 2).map((s) => strings(s, ['kind', 'apiGroup', 'name', 'namespace']));
  if (subjects.length > 0) out.subjects = subjects;
  const ref = bytesField(f, 3);
  if (ref !== undefined) out.roleRef = strings(ref, ['apiGroup', 'kind', 'name']);
}

function namespace(f: readonly Field[], out: Message): void {
  const spec = bytesField(f, 2);
  const finalizers = spec === undefined ? undefined : stringList(readFields(spec), 1);
  if (finalizers !== undefined) out.spec = { finalizers };
}

/** The body of each kind after its metadata (field 1), by `apiVersion/kind`. */
const BODIES: Record<string, (fields: readonly Field[], out: Message) => void> = {
  'rbac.authorization.k8s.io/v1/ClusterRole': role,
  'rbac.authorization.k8s.io/v1/Role': role,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': binding,
  'rbac.authorization.k8s.io/v1/RoleBinding': binding,
  'v1/Namespace': namespace,
};

/** The object in an application/vnd.kubernetes.protobuf body, as JSON would have carried it. */
export function objectFromProtobuf(body: Buffer, accepted: string[]): KubeObject {
  const envelope = readEnvelope(body);
  const decode = BODIES[`${envelope.apiVersion}/${envelope.kind}`];
  if (decode === undefined) throw unsupportedMediaType(accepted);
  const fields = readFields(envelope.raw);
  const out: Message = {
    apiVersion: envelope.apiVersion,
    kind: envelope.kind,
    metadata: objectMeta(bytesField(fields, 1)),
  };
  decode(fields, out);
  return out as unknown as KubeObject;
}
