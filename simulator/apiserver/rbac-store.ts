// What a user holds, read from the stored RBAC objects on every request, as kube-apiserver's RBAC
// authorizer reads its informers' caches: the ClusterRoleBindings and RoleBindings whose subjects
// name the user, one of its groups or its ServiceAccount, each granting its role's current rules
// (cluster-wide, or in the RoleBinding's namespace). A binding to a role that does not exist grants
// nothing. A binding created, edited or deleted through the API counts from the next request.
import type { KubeObject } from '../../src/api/types.ts';
import type { Grant, PolicyRule } from './rbac.ts';
import { roleRefOf, type Subject, subjectsOf } from './rbac-resources.ts';
import type { ObjectStore } from './store.ts';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** appliesTo: the subject is the user, one of its groups, or its ServiceAccount (namespace from the binding). */
function applies(s: Subject, user: string, groups: readonly string[], bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user;
    case 'Group':
      return groups.includes(s.name);
    case 'ServiceAccount': {
      const namespace = s.namespace ?? bindingNamespace;
      return namespace !== '' && user === `${SERVICE_ACCOUNT_PREFIX}${namespace}:${s.name}`;
    }
    default:
      return false;
  }
}

/** `ServiceAccount "name/ns"`, `User "u"`: as RBAC describes a subject in a review's reason. */
function describe(s: Subject, bindingNamespace: string): string {
  return s.kind === 'ServiceAccount'
    ? `ServiceAccount "${s.name}/${s.namespace ?? bindingNamespace}"`
    : `${s.kind} "${s.name}"`;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** A stored role's rules as the authorizer matches them. */
export function rulesOf(role: KubeObject): PolicyRule[] {
  const rules = Array.isArray(role.rules) ? (role.rules as Record<string, unknown>[]) : [];
  return rules.map((r) => {
    const rule: PolicyRule = { verbs: strings(r.verbs) ?? [] };
    for (const key of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
      const list = strings(r[key]);
      if (list !== undefined) rule[key] = list;
    }
    return rule;
  });
}

/** The stored role a binding refers to, if it exists (a RoleBinding's Role in its own namespace). */
export function boundRole(store: ObjectStore, ref: { kind: string; name: string }, namespace?: string) {
  if (ref.kind === 'ClusterRole') return store.find('clusterroles', ref.name);
  if (ref.kind === 'Role' && namespace !== undefined) return store.find('roles', ref.name, namespace);
  return undefined;
}

/** Every grant the stored bindings give the user: ClusterRoleBindings first, then RoleBindings. */
export function storedGrants(store: ObjectStore, user: string, groups: readonly string[]): Grant[] {
  const grants: Grant[] = [];
  const collect = (binding: KubeObject, namespace: string | undefined) => {
    const subject = subjectsOf(binding).find((s) => applies(s, user, groups, namespace ?? ''));
    if (subject === undefined) return;
    const ref = roleRefOf(binding);
    const role = boundRole(store, ref, namespace);
    if (role === undefined) return;
    const label = namespace === undefined ? binding.metadata.name : `${binding.metadata.name}/${namespace}`;
    grants.push({
      rules: rulesOf(role),
      ...(namespace === undefined ? {} : { namespace }),
      source: `${binding.kind} "${label}" of ${ref.kind} "${ref.name}" to ${describe(subject, namespace ?? '')}`,
    });
  };
  for (const b of store.all('clusterrolebindings')) collect(b, undefined);
  for (const b of store.all('rolebindings')) collect(b, b.metadata.namespace);
  return grants;
}

/** Puts RBAC objects read at start in the store, creating the namespaces they name, as an apply would. */
export function storeRbacObjects(store: ObjectStore, objects: readonly KubeObject[]): void {
  for (const obj of objects) {
    const def = store.resource(obj.kind);
    const namespace = obj.metadata.namespace;
    if (def.namespaced && namespace !== undefined && store.find('namespaces', namespace) === undefined)
      store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    store.create(def, structuredClone(obj), { fieldManager: 'kubectl-client-side-apply' });
  }
}
