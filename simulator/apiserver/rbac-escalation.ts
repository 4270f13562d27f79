// RBAC's escalation prevention, as kube-apiserver's role and binding storage enforces it: a user
// may write a Role or ClusterRole only with rules it holds itself where the role applies (unless
// it may `escalate` that role), and a binding only to a role whose rules it holds where the
// binding applies (unless it may `bind` that role). system:masters (the rehearsal admin) is never
// checked. A refusal is the apiserver's 403, listing the missing rules as it compacts them.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../src/api/types.ts';
import { forbidden, notFound } from './errors.ts';
import { authorize, type Identity, type PolicyRule, rulesIn } from './rbac.ts';
import { RBAC_GROUP, roleRefOf } from './rbac-resources.ts';
import { boundRole, rulesOf } from './rbac-store.ts';
import type { ResourceDef } from './resources.ts';
import { qualifiedName, resourceNamed } from './resources.ts';
import type { ObjectStore, WriteOptions } from './store.ts';

type Guard = NonNullable<WriteOptions['guard']>;

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** BreakdownRule: one rule per group, resource, verb and name (or per URL and verb). */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        for (const name of names)
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
  for (const url of rule.nonResourceURLs ?? [])
    for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const hasAll = (set: readonly string[] | undefined, values: readonly string[] | undefined) =>
  (values ?? []).every((v) => (set ?? []).includes(v));

function resourcesCovered(owner: readonly string[], servant: readonly string[]): boolean {
  if (owner.includes('*') || hasAll(owner, servant)) return true;
  return servant.every((r) => r.includes('/') && owner.includes(`*/${r.split('/').slice(1).join('/')}`));
}

function urlsCovered(owner: readonly string[], servant: readonly string[]): boolean {
  return servant.every((value) =>
    owner.some((u) => u === '*' || u === value || (u.endsWith('*') && value.startsWith(u.replace(/\*+$/, '')))),
  );
}

/** ruleCovers: the owner's rule allows everything the (broken-down) servant rule does. */
function covers(owner: PolicyRule, sub: PolicyRule): boolean {
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  return (
    (owner.verbs.includes('*') || hasAll(owner.verbs, sub.verbs)) &&
    ((owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, sub.apiGroups)) &&
    resourcesCovered(owner.resources ?? [], sub.resources ?? []) &&
    urlsCovered(owner.nonResourceURLs ?? [], sub.nonResourceURLs ?? []) &&
    (ownerNames.length === 0 || (subNames.length > 0 && hasAll(ownerNames, subNames)))
  );
}

/** The servant rules' pieces no owner rule covers. */
export function uncovered(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): PolicyRule[] {
  return servant.flatMap(breakdown).filter((sub) => !owner.some((o) => covers(o, sub)));
}

/** CompactRules: the pieces of one group and resource (and at most one name) get one rule, verbs joined. */
function compact(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const names = r.resourceNames ?? [];
    const isSimple =
      names.length <= 1 &&
      (r.nonResourceURLs ?? []).length === 0 &&
      r.apiGroups?.length === 1 &&
      r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups, r.resources, names]);
    const found = simple.get(key);
    if (found === undefined) simple.set(key, { ...r, verbs: [...r.verbs] });
    else found.verbs.push(...r.verbs);
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a []string: `["a" "b"]`. */
const quoted = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;

/** CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if ((r.apiGroups ?? []).length > 0) parts.push(`APIGroups:${quoted(r.apiGroups!)}`);
  if ((r.resources ?? []).length > 0) parts.push(`Resources:${quoted(r.resources!)}`);
  if ((r.nonResourceURLs ?? []).length > 0) parts.push(`NonResourceURLs:${quoted(r.nonResourceURLs!)}`);
  if ((r.resourceNames ?? []).length > 0) parts.push(`ResourceNames:${quoted(r.resourceNames!)}`);
  if (r.verbs.length > 0) parts.push(`Verbs:${quoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** ConfirmNoEscalation: the reason a write granting `rules` where `namespace` says is refused, or null. */
function escalation(identity: Identity, namespace: string, rules: readonly PolicyRule[]): string | null {
  const missing = uncovered(rulesIn(identity, namespace), rules);
  if (missing.length === 0) return null;
  const lines = [...new Set(compact(missing).map(compactString))].sort();
  return (
    `user ${JSON.stringify(identity.user)} (groups=${quoted(identity.groups)}) is attempting to grant RBAC ` +
    `permissions not currently held:\n${lines.join('\n')}`
  );
}

/** IsOnlyMutatingGCFields: an update that only touches owner references and finalizers is not checked. */
function onlyGcFields(next: KubeObject, previous: KubeObject | undefined): boolean {
  if (previous === undefined) return false;
  const { ownerReferences, finalizers, resourceVersion, managedFields } = previous.metadata;
  const like = { ...next, metadata: { ...next.metadata, ownerReferences, finalizers, resourceVersion, managedFields } };
  return isDeepStrictEqual(JSON.parse(JSON.stringify(like)), JSON.parse(JSON.stringify(previous)));
}

/**
 * The check for one request's writes of RBAC objects; undefined when there is nothing to check
 * (another resource, or a member of system:masters). `name` and `namespace` are the request's.
 */
export function escalationGuard(
  store: ObjectStore,
  identity: Identity,
  def: ResourceDef,
  request: { name: string | undefined; namespace: string | undefined },
): Guard | undefined {
  if (def.group !== RBAC_GROUP || identity.grants === null || identity.groups.includes('system:masters'))
    return undefined;
  const namespace = request.namespace ?? '';
  const refuse = (obj: KubeObject, why: string) =>
    forbidden(`${qualifiedName(def)} ${JSON.stringify(obj.metadata.name ?? '')} is forbidden: ${why}`, {
      name: obj.metadata.name ?? '',
      group: def.group,
      kind: def.plural,
    });
  const allowed = (verb: string, resource: string, name: string | undefined) =>
    authorize(identity, { verb, group: RBAC_GROUP, resource, name, namespace: request.namespace }).allowed;

  if (def.kind === 'Role' || def.kind === 'ClusterRole') {
    return (next, previous) => {
      if (onlyGcFields(next, previous) || allowed('escalate', def.plural, request.name)) return;
      const why = escalation(identity, namespace, rulesOf(next));
      if (why !== null) throw refuse(next, why);
      // An aggregation rule can gather anything: it takes every right there is.
      if (next.aggregationRule != null && escalation(identity, namespace, FULL_AUTHORITY) !== null)
        throw refuse(next, 'must have cluster-admin privileges to use the aggregationRule');
    };
  }
  return (next, previous) => {
    const ref = roleRefOf(next);
    if (ref.kind !== 'Role' && ref.kind !== 'ClusterRole') return; // validation refuses it
    if (onlyGcFields(next, previous) || allowed('bind', `${ref.kind.toLowerCase()}s`, ref.name)) return;
    const role = boundRole(store, ref, def.namespaced ? namespace : undefined);
    if (role === undefined) throw notFound(resourceNamed(ref.kind), ref.name);
    const why = escalation(identity, namespace, rulesOf(role));
    if (why !== null) throw refuse(next, why);
  };
}
