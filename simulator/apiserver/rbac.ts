// RBAC as kube-apiserver's authorizer decides it, for the served API's identities: rules matched
// on verb, API group, resource (`plural/subresource`, `*/status`), resource name and non-resource
// path, each rule granted cluster-wide (a ClusterRoleBinding) or in one namespace (a
// RoleBinding); every authenticated user also holds the discovery and self-review rules, through
// the bootstrap bindings the store holds from the start (rbac-bootstrap.ts). A denial is the
// apiserver's 403, worded as its forbidden message is.
import { type ApiError, forbidden } from './errors.ts';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** The rules of one role as bound to a subject: cluster-wide, or in the binding's namespace. */
export interface Grant {
  rules: PolicyRule[];
  /** A RoleBinding's namespace; absent for a ClusterRoleBinding. */
  namespace?: string;
  /** The binding as an allowed review names it: `ClusterRoleBinding "b" of ClusterRole "r" to User "u"`. */
  source: string;
}

/** Who a request is. `grants: null` is the rehearsal admin (system:masters): everything is allowed. */
export interface Identity {
  user: string;
  groups: string[];
  grants: Grant[] | null;
}

/** What a request asks to do, as the apiserver's request info resolves it. */
export type Attributes =
  | {
      verb: string;
      group: string;
      resource: string;
      subresource?: string | undefined;
      name?: string | undefined;
      namespace?: string | undefined;
    }
  | { verb: string; path: string };

export const AUTHENTICATED = 'system:authenticated';

function isResource(a: Attributes): a is Exclude<Attributes, { path: string }> {
  return !('path' in a);
}

function matches(list: readonly string[] | undefined, value: string): boolean {
  return list !== undefined && (list.includes('*') || list.includes(value));
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (!!subresource && r === `*/${subresource}`));
}

function pathMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!matches(rule.verbs, a.verb)) return false;
  if (!isResource(a)) return pathMatches(rule, a.path);
  if (!matches(rule.apiGroups, a.group) || !resourceMatches(rule, a.resource, a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

/** Every grant the identity holds (none listed for the admin, who is not checked). */
function grantsOf(identity: Identity): Grant[] {
  return identity.grants ?? [];
}

export interface Decision {
  allowed: boolean;
  /** For an allowed request, the binding that allows it (`RBAC: allowed by ...`); empty otherwise. */
  reason: string;
}

export function authorize(identity: Identity, a: Attributes): Decision {
  if (identity.grants === null) return { allowed: true, reason: '' };
  for (const grant of grantsOf(identity)) {
    // A RoleBinding grants nothing outside its namespace, nor on cluster-scoped requests or paths.
    if (grant.namespace !== undefined && (!isResource(a) || a.namespace !== grant.namespace)) continue;
    if (grant.rules.some((rule) => ruleAllows(rule, a))) {
      return { allowed: true, reason: `RBAC: allowed by ${grant.source}` };
    }
  }
  return { allowed: false, reason: '' };
}

/** The rules that apply in `namespace` (cluster-wide ones and that namespace's), as a rules review lists them. */
export function rulesIn(identity: Identity, namespace: string): PolicyRule[] {
  if (identity.grants === null) {
    return [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ];
  }
  return grantsOf(identity)
    .filter((g) => g.namespace === undefined || g.namespace === namespace)
    .flatMap((g) => g.rules);
}

/** The 403 for a denied request, in the apiserver's words (its forbidden message, then NewForbidden's). */
export function denial(user: string, a: Attributes): ApiError {
  if (!isResource(a)) return forbidden(`forbidden: User "${user}" cannot ${a.verb} path "${a.path}"`, {});
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const qualified = a.group === '' ? a.resource : `${a.resource}.${a.group}`;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  return forbidden(
    `${subject} is forbidden: User "${user}" cannot ${a.verb} resource "${resource}" ` +
      `in API group "${a.group}" ${scope}`,
    { ...(a.name ? { name: a.name } : {}), group: a.group, kind: a.resource },
  );
}
