// The identity `simulate --serve --rbac` serves, from RBAC manifests as a cluster would hold
// them: ClusterRoles and Roles, bound by ClusterRoleBindings and RoleBindings to one subject
// (a ServiceAccount becomes `system:serviceaccount:NS:NAME`, as its token authenticates). The
// objects go into the served store, where the authorizer reads them on every request; without
// bindings in the files, every ClusterRole gets a ClusterRoleBinding and every Role a RoleBinding
// in its namespace to a user of our own, stored as any binding. Other objects in the files (a
// Deployment, a kustomization) are left alone, so a deploy/ folder can be given whole.
import type { LoadedObject } from '../../src/api/yaml-source.ts';
import { SourceError } from '../../src/api/findings.ts';
import type { KubeObject } from '../../src/api/types.ts';
import { AUTHENTICATED, type PolicyRule } from './rbac.ts';

/** The user of a restricted token whose files bind no User or ServiceAccount. */
export const DEFAULT_RBAC_USER = 'promotion-sim-rbac';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface RbacPolicy {
  /** Who the restricted token is; what it may do is decided by the stored objects. */
  identity: { user: string; groups: string[] };
  /** The ClusterRoles, Roles and bindings to store at start (the default bindings included). */
  objects: KubeObject[];
  /** What the identity holds, one line per role: `ClusterRole x (cluster-wide)`, `Role ns/y (namespace ns)`. */
  holds: string[];
  /** Roles in the files that no binding grants: the identity does not hold them. */
  unbound: string[];
}

interface Role {
  obj: LoadedObject;
  kind: 'ClusterRole' | 'Role';
  name: string;
  namespace: string | undefined;
  rules: PolicyRule[];
}

interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

const fail = (obj: LoadedObject, path: string, message: string): never => {
  throw new SourceError(obj.finding('error', path, message));
};

function stringList(obj: LoadedObject, path: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(obj, path, 'expected a list of strings');
  return value as string[];
}

function nameOf(obj: LoadedObject): string {
  const name = (obj.value.metadata as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || name === '') fail(obj, 'metadata.name', 'required: the name bindings refer to');
  return name as string;
}

function namespaceOf(obj: LoadedObject): string {
  const ns = (obj.value.metadata as { namespace?: unknown } | undefined)?.namespace;
  // kubectl apply puts an object without one in the context's namespace, `default` on a fresh cluster.
  return typeof ns === 'string' && ns !== '' ? ns : 'default';
}

function readRole(obj: LoadedObject, kind: 'ClusterRole' | 'Role'): Role {
  const name = nameOf(obj);
  const raw = obj.value.rules;
  if (raw !== undefined && raw !== null && !Array.isArray(raw)) fail(obj, 'rules', 'expected a list of rules');
  const rules = ((raw ?? []) as unknown[]).map((r, i): PolicyRule => {
    const at = `rules[${i}]`;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) return fail(obj, at, 'expected a rule (a mapping)');
    const rule = r as Record<string, unknown>;
    const verbs = stringList(obj, `${at}.verbs`, rule.verbs);
    if (verbs === undefined || verbs.length === 0) fail(obj, `${at}.verbs`, 'required: the verbs the rule allows');
    const out: PolicyRule = { verbs: verbs! };
    for (const key of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
      const list = stringList(obj, `${at}.${key}`, rule[key]);
      if (list !== undefined) out[key] = list;
    }
    const hasResources = (out.resources ?? []).length > 0;
    const hasUrls = (out.nonResourceURLs ?? []).length > 0;
    // The apiserver's own validation of rules, in its words.
    if (hasUrls && kind === 'Role')
      fail(obj, `${at}.nonResourceURLs`, 'namespaced rules cannot apply to non-resource URLs');
    if (hasUrls && hasResources) fail(obj, at, 'rules cannot apply to both regular resources and non-resource URLs');
    if (!hasUrls && !hasResources) fail(obj, `${at}.resources`, 'resource rules must supply at least one resource');
    if (hasResources && (out.apiGroups ?? []).length === 0)
      fail(obj, `${at}.apiGroups`, 'resource rules must supply at least one api group');
    return out;
  });
  return { obj, kind, name, namespace: kind === 'Role' ? namespaceOf(obj) : undefined, rules };
}

function readSubjects(obj: LoadedObject, namespace: string | undefined): Subject[] {
  const raw = obj.value.subjects;
  if (!Array.isArray(raw) || raw.length === 0) return fail(obj, 'subjects', 'required: who the binding binds');
  return raw.map((s, i): Subject => {
    const at = `subjects[${i}]`;
    const subject = (s ?? {}) as { kind?: unknown; name?: unknown; namespace?: unknown };
    if (subject.kind !== 'User' && subject.kind !== 'Group' && subject.kind !== 'ServiceAccount')
      fail(obj, `${at}.kind`, 'expected User, Group or ServiceAccount');
    if (typeof subject.name !== 'string' || subject.name === '') fail(obj, `${at}.name`, 'required');
    const kind = subject.kind as Subject['kind'];
    if (kind !== 'ServiceAccount') return { kind, name: subject.name as string };
    const ns = typeof subject.namespace === 'string' && subject.namespace !== '' ? subject.namespace : namespace;
    if (ns === undefined) fail(obj, `${at}.namespace`, 'required for a ServiceAccount in a ClusterRoleBinding');
    return { kind, name: subject.name as string, namespace: ns! };
  });
}

/** `ServiceAccount "name/ns"`, `User "u"`: as RBAC describes a subject in a review's reason. */
function describeSubject(s: Subject): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount "${s.name}/${s.namespace}"` : `${s.kind} "${s.name}"`;
}

function principalKey(s: Subject): string | undefined {
  if (s.kind === 'User') return `User "${s.name}"`;
  if (s.kind === 'ServiceAccount') return describeSubject(s);
  return undefined;
}

function userOf(s: Subject | undefined): { user: string; groups: string[] } {
  if (s?.kind === 'ServiceAccount') {
    return {
      user: `system:serviceaccount:${s.namespace}:${s.name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${s.namespace}`],
    };
  }
  return { user: s?.name ?? DEFAULT_RBAC_USER, groups: [] };
}

function roleLabel(role: Role): string {
  return role.kind === 'Role' ? `Role ${role.namespace}/${role.name}` : `ClusterRole ${role.name}`;
}

/** The restricted identity the RBAC objects among `loaded` bind (without its token), and what to store. */
export function policyFromObjects(loaded: readonly LoadedObject[], files: string): RbacPolicy {
  const roles: Role[] = [];
  const bindings: { obj: LoadedObject; kind: string; namespace: string | undefined }[] = [];
  for (const obj of loaded) {
    const apiVersion = String(obj.value.apiVersion ?? '');
    if (!apiVersion.startsWith(`${RBAC_GROUP}/`)) continue;
    const kind = obj.value.kind;
    if (kind === 'ClusterRole' || kind === 'Role') roles.push(readRole(obj, kind));
    else if (kind === 'ClusterRoleBinding') bindings.push({ obj, kind, namespace: undefined });
    else if (kind === 'RoleBinding') bindings.push({ obj, kind, namespace: namespaceOf(obj) });
  }
  if (roles.length === 0)
    throw new SourceError({
      severity: 'error',
      file: files,
      path: '',
      line: 1,
      column: 1,
      message: `no ClusterRole or Role (${RBAC_GROUP}/v1) in it: --rbac needs the rules to hold the token to`,
    });

  // The subject first: every binding is to it, or to a group it is then a member of.
  let principal: Subject | undefined;
  const groups: string[] = [];
  const read = bindings.map((b) => ({ ...b, name: nameOf(b.obj), subjects: readSubjects(b.obj, b.namespace) }));
  for (const b of read) {
    for (const s of b.subjects) {
      const key = principalKey(s);
      if (key === undefined) {
        if (!groups.includes(s.name)) groups.push(s.name);
      } else if (principal === undefined) {
        principal = s;
      } else if (principalKey(principal) !== key) {
        fail(
          b.obj,
          'subjects',
          `binds ${key}, and another binding ${principalKey(principal)}: the restricted kubeconfig is one ` +
            'identity, so give --rbac the bindings of one subject',
        );
      }
    }
  }
  const held: { role: Role; namespace: string | undefined }[] = [];
  const objects: KubeObject[] = [
    ...roles.map((r) => stored(r.obj, r.namespace)),
    ...read.map((b) => stored(b.obj, b.namespace)),
  ];
  if (read.length === 0) {
    for (const role of roles) {
      held.push({ role, namespace: role.namespace });
      objects.push(defaultBinding(role));
    }
  }
  for (const b of read) {
    const ref = (b.obj.value.roleRef ?? {}) as { kind?: unknown; name?: unknown };
    if (ref.kind !== 'ClusterRole' && !(ref.kind === 'Role' && b.kind === 'RoleBinding'))
      fail(b.obj, 'roleRef.kind', b.kind === 'RoleBinding' ? 'expected Role or ClusterRole' : 'expected ClusterRole');
    const role = roles.find(
      (r) => r.kind === ref.kind && r.name === ref.name && (r.kind === 'ClusterRole' || r.namespace === b.namespace),
    );
    if (role === undefined) {
      const where = ref.kind === 'Role' ? ` in namespace ${b.namespace}` : '';
      return fail(
        b.obj,
        'roleRef.name',
        `${String(ref.kind)} "${String(ref.name)}"${where} is in none of the --rbac files`,
      );
    }
    held.push({ role, namespace: b.namespace });
  }
  const { user, groups: own } = userOf(principal);
  return {
    identity: { user, groups: [...own, ...groups, AUTHENTICATED] },
    objects,
    holds: held.map(
      ({ role, namespace }) =>
        `${roleLabel(role)} (${namespace === undefined ? 'cluster-wide' : `namespace ${namespace}`})`,
    ),
    unbound: roles.filter((r) => !held.some((h) => h.role === r)).map(roleLabel),
  };
}

/** The object as the store gets it: in the namespace kubectl apply would put it in. */
function stored(obj: LoadedObject, namespace: string | undefined): KubeObject {
  const value = structuredClone(obj.value) as unknown as KubeObject;
  if (namespace !== undefined) value.metadata = { ...value.metadata, namespace };
  return value;
}

/** The binding a role without any gets, to the default user: `promotion-sim-rbac:ROLE`, where the role is. */
function defaultBinding(role: Role): KubeObject {
  const kind = role.kind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding';
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind,
    metadata: {
      name: `${DEFAULT_RBAC_USER}:${role.name}`,
      ...(role.namespace === undefined ? {} : { namespace: role.namespace }),
    },
    roleRef: { apiGroup: RBAC_GROUP, kind: role.kind, name: role.name },
    subjects: [{ apiGroup: RBAC_GROUP, kind: 'User', name: DEFAULT_RBAC_USER }],
  } as KubeObject;
}
