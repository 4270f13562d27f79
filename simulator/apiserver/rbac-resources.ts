// rbac.authorization.k8s.io/v1 as kube-apiserver serves it: ClusterRoles and ClusterRoleBindings
// cluster-wide, Roles and RoleBindings in a namespace, with the columns of its own printers
// (pkg/printers/internalversion), its defaults (a binding's roleRef and subjects get their API
// group) and its validation (pkg/apis/rbac/validation), in its words: the 422 Invalid with one
// cause per field, and `cannot change roleRef` on an update. The authorizer reads these objects
// (rbac-store.ts); escalation is checked where they are written (rbac-escalation.ts).
import type { KubeObject } from '../../src/api/types.ts';
import { kubectlAge } from '../../src/duration.ts';
import type { Schema } from '../../src/schema/index.ts';
import { badRequest } from './errors.ts';
import type { FieldError, PrinterColumn, ResourceDef } from './resources.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const CREATED_AT_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created.';

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface Subject {
  kind: string;
  name: string;
  apiGroup?: string;
  namespace?: string;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function roleRefOf(obj: KubeObject): RoleRef {
  const ref = record(obj.roleRef) ?? {};
  return { apiGroup: text(ref.apiGroup), kind: text(ref.kind), name: text(ref.name) };
}

export function subjectsOf(obj: KubeObject): Subject[] {
  return (Array.isArray(obj.subjects) ? obj.subjects : []).map((s) => {
    const r = record(s) ?? {};
    return {
      kind: text(r.kind),
      name: text(r.name),
      ...(typeof r.apiGroup === 'string' ? { apiGroup: r.apiGroup } : {}),
      ...(typeof r.namespace === 'string' && r.namespace !== '' ? { namespace: r.namespace } : {}),
    };
  });
}

/** What the JSON decoder refuses before anything is validated, as kube-apiserver's 400 says it. */
function notA(kind: string, field: string, goType: string, value: unknown): never {
  const got = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  throw badRequest(
    `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${got} into Go struct field ` +
      `${field} of type ${goType}`,
  );
}

function checkStrings(kind: string, field: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) notA(kind, field, '[]string', value);
  for (const v of value) if (typeof v !== 'string') notA(kind, field, 'string', v);
}

/** A role's rules as the decoder reads them: a list of objects of string lists. */
function decodeRules(obj: KubeObject): void {
  const rules = obj.rules;
  if (rules === undefined || rules === null) return;
  if (!Array.isArray(rules)) notA(obj.kind, `${obj.kind}.rules`, '[]v1.PolicyRule', rules);
  for (const rule of rules) {
    const r = record(rule);
    if (r === undefined) notA(obj.kind, `${obj.kind}.rules`, 'v1.PolicyRule', rule);
    for (const key of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'])
      checkStrings(obj.kind, `${obj.kind}.rules.${key}`, r![key]);
  }
}

/** Go's %q of a []string, as field errors print a slice: `[]string{"/metrics"}`. */
function goStrings(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** ValidatePolicyRule: verbs always; non-resource URLs alone and only cluster-wide; else groups and resources. */
function validateRule(rule: Record<string, unknown>, at: string, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const verbs = strings(rule.verbs);
  const urls = strings(rule.nonResourceURLs);
  if (verbs.length === 0)
    errors.push({ type: 'Required', field: `${at}.verbs`, detail: 'verbs must contain at least one value' });
  if (urls.length > 0) {
    const printed = goStrings(urls);
    if (namespaced)
      errors.push({
        type: 'Invalid',
        field: `${at}.nonResourceURLs`,
        printed,
        detail: 'namespaced rules cannot apply to non-resource URLs',
      });
    if (strings(rule.apiGroups).length + strings(rule.resources).length + strings(rule.resourceNames).length > 0)
      errors.push({
        type: 'Invalid',
        field: `${at}.nonResourceURLs`,
        printed,
        detail: 'rules cannot apply to both regular resources and non-resource URLs',
      });
    return errors;
  }
  if (strings(rule.apiGroups).length === 0)
    errors.push({
      type: 'Required',
      field: `${at}.apiGroups`,
      detail: 'resource rules must supply at least one api group',
    });
  if (strings(rule.resources).length === 0)
    errors.push({
      type: 'Required',
      field: `${at}.resources`,
      detail: 'resource rules must supply at least one resource',
    });
  return errors;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  decodeRules(obj);
  const rules = Array.isArray(obj.rules) ? (obj.rules as Record<string, unknown>[]) : [];
  return rules.flatMap((rule, i) => validateRule(rule, `rules[${i}]`, namespaced));
}

function validateClusterRole(obj: KubeObject): FieldError[] {
  const errors = validateRules(obj, false);
  const aggregation = obj.aggregationRule;
  if (aggregation !== undefined && aggregation !== null) {
    const selectors = record(aggregation)?.clusterRoleSelectors;
    if (!Array.isArray(selectors) || selectors.length === 0)
      errors.push({
        type: 'Required',
        field: 'aggregationRule.clusterRoleSelectors',
        detail: 'at least one clusterRoleSelector required if aggregationRule is non-nil',
      });
  }
  return errors;
}

/** IsValidPathSegmentName: RBAC names may hold colons (`system:controller:x`), not slashes. */
export function pathSegmentProblems(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

function validateSubject(s: Subject, at: string, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (s.name === '') errors.push({ type: 'Required', field: `${at}.name` });
  const group = s.apiGroup ?? '';
  switch (s.kind) {
    case 'ServiceAccount':
      if (group !== '') errors.push({ type: 'NotSupported', field: `${at}.apiGroup`, value: group, supported: [''] });
      if (!namespaced && s.namespace === undefined) errors.push({ type: 'Required', field: `${at}.namespace` });
      break;
    case 'User':
    case 'Group':
      if (group !== RBAC_GROUP)
        errors.push({ type: 'NotSupported', field: `${at}.apiGroup`, value: group, supported: [RBAC_GROUP] });
      break;
    default:
      errors.push({
        type: 'NotSupported',
        field: `${at}.kind`,
        value: s.kind,
        supported: ['ServiceAccount', 'User', 'Group'],
      });
  }
  return errors;
}

const q = (v: string) => JSON.stringify(v);

function sameRef(a: RoleRef, b: RoleRef): boolean {
  return a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name;
}

function validateBinding(obj: KubeObject, old: KubeObject | undefined, namespaced: boolean): FieldError[] {
  const kind = obj.kind;
  const rawRef = obj.roleRef;
  if (rawRef !== undefined && rawRef !== null && record(rawRef) === undefined)
    notA(kind, `${kind}.roleRef`, 'v1.RoleRef', rawRef);
  if (obj.subjects !== undefined && obj.subjects !== null && !Array.isArray(obj.subjects))
    notA(kind, `${kind}.subjects`, '[]v1.Subject', obj.subjects);
  const errors: FieldError[] = [];
  const ref = roleRefOf(obj);
  if (ref.apiGroup !== RBAC_GROUP)
    errors.push({ type: 'NotSupported', field: 'roleRef.apiGroup', value: ref.apiGroup, supported: [RBAC_GROUP] });
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind))
    errors.push({ type: 'NotSupported', field: 'roleRef.kind', value: ref.kind, supported: kinds });
  if (ref.name === '') errors.push({ type: 'Required', field: 'roleRef.name' });
  else
    for (const detail of pathSegmentProblems(ref.name))
      errors.push({ type: 'Invalid', field: 'roleRef.name', value: ref.name, detail });
  for (const [i, s] of subjectsOf(obj).entries()) errors.push(...validateSubject(s, `subjects[${i}]`, namespaced));
  if (old !== undefined && !sameRef(ref, roleRefOf(old))) {
    errors.push({
      type: 'Invalid',
      field: 'roleRef',
      printed: `rbac.RoleRef{APIGroup:${q(ref.apiGroup)}, Kind:${q(ref.kind)}, Name:${q(ref.name)}}`,
      detail: 'cannot change roleRef',
    });
  }
  return errors;
}

/** SetDefaults_RoleBinding and SetDefaults_Subject: the API groups a binding may leave out. */
function defaultBinding(obj: KubeObject): void {
  const ref = record(obj.roleRef);
  if (ref !== undefined && (ref.apiGroup === undefined || ref.apiGroup === '')) ref.apiGroup = RBAC_GROUP;
  if (ref === undefined && (obj.roleRef === undefined || obj.roleRef === null)) obj.roleRef = { apiGroup: RBAC_GROUP };
  if (!Array.isArray(obj.subjects)) return;
  for (const s of obj.subjects) {
    const subject = record(s);
    if (subject === undefined || (subject.apiGroup !== undefined && subject.apiGroup !== '')) continue;
    if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = RBAC_GROUP;
    else if (subject.kind === 'ServiceAccount') subject.apiGroup = '';
  }
}

const createdAt: PrinterColumn = {
  name: 'Created At',
  type: 'date',
  timestamp: true,
  description: CREATED_AT_DESCRIPTION,
  priority: 0,
  jsonPath: '.metadata.creationTimestamp',
  value: (o) => o.metadata.creationTimestamp,
};

/** SubjectsStrings: users, groups and `namespace/name` of service accounts, each column comma-joined. */
function subjectColumn(name: string, kind: string, description: string): PrinterColumn {
  return {
    name,
    type: 'string',
    description,
    priority: 1,
    jsonPath: '.subjects',
    value: (o) =>
      subjectsOf(o)
        .filter((s) => s.kind === kind)
        .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
        .join(', '),
  };
}

const BINDING_COLUMNS: PrinterColumn[] = [
  {
    name: 'Role',
    type: 'string',
    description:
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the ' +
      'RoleRef cannot be resolved, the Authorizer must return an error.',
    priority: 0,
    jsonPath: '.roleRef',
    value: (o) => `${roleRefOf(o).kind}/${roleRefOf(o).name}`,
  },
  {
    // The printer's Age is a string column it fills with the age itself.
    name: 'Age',
    type: 'string',
    description: CREATED_AT_DESCRIPTION,
    priority: 0,
    jsonPath: '.metadata.creationTimestamp',
    value: (o, now) => {
      const at = Date.parse(o.metadata.creationTimestamp ?? '');
      return Number.isNaN(at) ? '<unknown>' : kubectlAge(now.getTime() - at);
    },
  },
  subjectColumn('Users', 'User', 'Users in the roleBinding'),
  subjectColumn('Groups', 'Group', 'Groups in the roleBinding'),
  subjectColumn('ServiceAccounts', 'ServiceAccount', 'ServiceAccounts in the roleBinding'),
];

// The fields each kind declares, for what the strict decoder refuses and what `kubectl explain`
// reads; lists are atomic and a roleRef is replaced whole, as their Go types mark them.
const stringList = (description: string): Schema => ({
  type: 'array',
  description,
  items: { type: 'string' },
  'x-kubernetes-list-type': 'atomic',
});

const POLICY_RULE: Schema = {
  type: 'object',
  description: 'What a rule allows: verbs on resources of API groups (optionally by name), or on non-resource URLs.',
  required: ['verbs'],
  properties: {
    verbs: stringList("The verbs allowed, or '*' for all."),
    apiGroups: stringList("The API groups of the resources; '' is the core group, '*' all."),
    resources: stringList("The resources (plural, '/subresource' for a subresource), or '*' for all."),
    resourceNames: stringList('The names allowed; empty allows every name.'),
    nonResourceURLs: stringList("Paths outside the resource API ('/metrics', '/healthz/*'); ClusterRoles only."),
  },
};

const RULES: Schema = {
  type: 'array',
  description: 'The rules of the role.',
  items: POLICY_RULE,
  'x-kubernetes-list-type': 'atomic',
};

const ROLE_REF: Schema = {
  type: 'object',
  description: 'The Role or ClusterRole bound. It cannot be changed.',
  required: ['apiGroup', 'kind', 'name'],
  'x-kubernetes-map-type': 'atomic',
  properties: {
    apiGroup: { type: 'string', description: 'rbac.authorization.k8s.io' },
    kind: { type: 'string', description: 'Role or ClusterRole.' },
    name: { type: 'string', description: 'The name of the role.' },
  },
};

const SUBJECTS: Schema = {
  type: 'array',
  description: 'Who the role is bound to.',
  'x-kubernetes-list-type': 'atomic',
  items: {
    type: 'object',
    required: ['kind', 'name'],
    properties: {
      kind: { type: 'string', description: 'User, Group or ServiceAccount.' },
      apiGroup: { type: 'string', description: "rbac.authorization.k8s.io for User and Group, '' for ServiceAccount." },
      name: { type: 'string', description: 'The name of the subject.' },
      namespace: { type: 'string', description: "A ServiceAccount's namespace." },
    },
  },
};

function fields(description: string, properties: Record<string, Schema>): Schema {
  return { type: 'object', description, properties };
}

function rbacResource(
  kind: string,
  namespaced: boolean,
  rest: Pick<ResourceDef, 'columns' | 'validate' | 'fields'> & Partial<ResourceDef>,
): ResourceDef {
  return {
    group: RBAC_GROUP,
    version: 'v1',
    plural: `${kind.toLowerCase()}s`,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    custom: false,
    tracksGeneration: false,
    extraFieldSelectors: {},
    nameProblems: pathSegmentProblems,
    ...rest,
  };
}

export const RBAC_RESOURCES: readonly ResourceDef[] = [
  rbacResource('ClusterRole', false, {
    columns: [createdAt],
    validate: validateClusterRole,
    fields: fields('Rules that hold cluster-wide, or in a namespace through a RoleBinding.', {
      rules: RULES,
      aggregationRule: {
        type: 'object',
        description: 'Rules gathered from the ClusterRoles these selectors match.',
        properties: {
          clusterRoleSelectors: {
            type: 'array',
            'x-kubernetes-list-type': 'atomic',
            items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      },
    }),
  }),
  rbacResource('ClusterRoleBinding', false, {
    fields: fields('Binds a ClusterRole to subjects cluster-wide.', { roleRef: ROLE_REF, subjects: SUBJECTS }),
    columns: BINDING_COLUMNS,
    validate: (o, old) => validateBinding(o, old, false),
    applyDefaults: defaultBinding,
  }),
  rbacResource('Role', true, {
    columns: [createdAt],
    validate: (o) => validateRules(o, true),
    fields: fields('Rules that hold in its namespace, through a RoleBinding.', { rules: RULES }),
  }),
  rbacResource('RoleBinding', true, {
    fields: fields('Binds a Role or ClusterRole to subjects in its namespace.', {
      roleRef: ROLE_REF,
      subjects: SUBJECTS,
    }),
    columns: BINDING_COLUMNS,
    validate: (o, old) => validateBinding(o, old, true),
    applyDefaults: defaultBinding,
  }),
];
