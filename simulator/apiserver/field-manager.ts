// Field ownership as kube-apiserver's field manager keeps it in `metadata.managedFields`: one entry
// per manager (name, operation Apply or Update, apiVersion, subresource) with the fields it owns
// in FieldsV1 and when it last changed them. Every create, update and patch is an Update that
// takes the fields it changed; a server-side apply owns exactly the fields its configuration sets,
// removes those it set before and no longer sends (unless another manager owns them too), and is
// refused with a 409 Conflict when it would change a field another manager owns, unless forced,
// which moves the field to it. The schema-typed walks are in typed-value.ts.
import type { KubeObject } from '../../src/api/types.ts';
import type { Schema } from '../../src/schema/index.ts';
import { ApiError } from './errors.ts';
import { FieldSet, fieldElement, pathString } from './field-set.ts';
import { compare, merge, removePath, toFieldSet } from './typed-value.ts';

export type Operation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** Who writes, and how. */
export interface FieldOwner {
  manager: string;
  operation: Operation;
  /** A write through `/status` owns only status fields; one through the object, none of them. */
  subresource?: 'status';
  /** An apply that takes the fields it conflicts on (`force=true`). */
  force?: boolean;
  /** An apply's configuration, as its field set (applyConfiguration makes it). */
  applied?: FieldSet;
}

/** The resource, as the field manager needs it. */
export interface ManagedResource {
  /** The schema of its objects (typed-value.ts applySchema). */
  schema: Schema;
  apiVersion: string;
  statusSubresource: boolean;
}

interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** Fields no manager owns: the server sets them (fieldmanager's stripMeta). */
const SERVER_FIELDS = FieldSet.of(
  [
    ['apiVersion'],
    ['kind'],
    ['metadata'],
    ['metadata', 'name'],
    ['metadata', 'namespace'],
    ['metadata', 'creationTimestamp'],
    ['metadata', 'selfLink'],
    ['metadata', 'uid'],
    ['metadata', 'clusterName'],
    ['metadata', 'generation'],
    ['metadata', 'managedFields'],
    ['metadata', 'resourceVersion'],
  ].map((p) => p.map(fieldElement)),
);
const STATUS = fieldElement('status');
const STATUS_SET = FieldSet.of([[STATUS]]);

/** A manager's identity: time and fields never count, and an applier's apiVersion does not either. */
function identity(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.operation === 'Apply' ? '' : m.apiVersion,
    subresource: m.subresource ?? '',
  });
}

/** The fields a writer can own: none the server sets; through `/status` only status, else no status. */
function ownable(set: FieldSet, r: ManagedResource, subresource: 'status' | undefined): FieldSet {
  const owned = set.difference(SERVER_FIELDS);
  if (!r.statusSubresource) return owned;
  return subresource === 'status' ? owned.only(STATUS) : owned.recursiveDifference(STATUS_SET);
}

function decode(obj: KubeObject | undefined): Map<string, Manager> {
  const out = new Map<string, Manager>();
  const entries = (obj?.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields ?? [];
  for (const e of entries) {
    const m: Manager = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(e.time === undefined ? {} : { time: e.time }),
      ...(e.subresource ? { subresource: e.subresource } : {}),
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    };
    out.set(identity(m), m);
  }
  return out;
}

/** Appliers first, then by time, manager, apiVersion and subresource (the apiserver's order). */
function encode(managers: Iterable<Manager>): ManagedFieldsEntry[] {
  const list = [...managers].filter((m) => !m.set.empty);
  const seconds = (t: string | undefined) => (t === undefined ? 0 : Math.floor(Date.parse(t) / 1000));
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  list.sort(
    (p, q) =>
      text(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      text(p.manager, q.manager) ||
      text(p.apiVersion, q.apiVersion) ||
      text(p.subresource ?? '', q.subresource ?? ''),
  );
  return list.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time === undefined ? {} : { time: m.time }),
    fieldsType: 'FieldsV1',
    fieldsV1: m.set.toFieldsV1(),
    ...(m.subresource ? { subresource: m.subresource } : {}),
  }));
}

function withoutManagedFields(obj: KubeObject | undefined): KubeObject | Record<string, never> {
  if (obj === undefined) return {};
  const { managedFields: _m, ...metadata } = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return { ...obj, metadata };
}

/**
 * The object an apply makes of `live` (the stored object, or a new one with only its name) and
 * the configuration: the configuration merged in, and the fields the applier set last time and
 * no longer sends removed unless another manager owns them. `owner.applied` is set here.
 */
export function applyConfiguration(
  r: ManagedResource,
  live: KubeObject,
  config: KubeObject,
  owner: FieldOwner,
): KubeObject {
  const applied = ownable(toFieldSet(config, r.schema), r, owner.subresource);
  owner.applied = applied;
  const merged = merge(withoutManagedFields(live), config, r.schema) as KubeObject;
  const managers = decode(live);
  const mine = identity({ ...owner, apiVersion: r.apiVersion });
  const last = managers.get(mine)?.set;
  if (last === undefined) return merged;
  let others = new FieldSet();
  for (const [id, m] of managers) if (id !== mine) others = others.union(m.set);
  for (const path of last.difference(applied).paths()) {
    if (others.hasAtOrBelow(path) || applied.hasAtOrBelow(path)) continue;
    removePath(merged as unknown as Record<string, unknown>, path, r.schema);
  }
  return merged;
}

/**
 * The managedFields of `next`, written by `owner` over `live` (undefined for a create). Throws
 * the apiserver's 409 Conflict when an apply would change another manager's fields unforced.
 */
export function managedFieldsAfter(
  r: ManagedResource,
  live: KubeObject | undefined,
  next: KubeObject,
  owner: FieldOwner,
  now: string,
): ManagedFieldsEntry[] {
  const managers = decode(live);
  const c = compare(withoutManagedFields(live), withoutManagedFields(next), r.schema);
  const changed = ownable(c.added.union(c.modified), r, owner.subresource);
  const removed = ownable(c.removed, r, owner.subresource);
  const me: Manager = {
    manager: owner.manager,
    operation: owner.operation,
    apiVersion: r.apiVersion,
    ...(owner.subresource ? { subresource: owner.subresource } : {}),
    set: new FieldSet(),
  };
  const mine = identity(me);
  const conflicts: { id: string; m: Manager; set: FieldSet }[] = [];
  for (const [id, m] of managers) {
    if (id === mine && owner.operation === 'Apply') continue;
    const taken = m.set.intersection(changed);
    if (!taken.empty) conflicts.push({ id, m, set: taken });
  }
  if (owner.operation === 'Apply' && owner.force !== true && conflicts.length > 0) throw applyConflict(conflicts);
  for (const { m, set } of conflicts) m.set = m.set.difference(set);
  for (const [id, m] of managers) if (id !== mine || owner.operation === 'Update') m.set = m.set.difference(removed);
  const previous = managers.get(mine);
  if (owner.operation === 'Update') {
    if (!changed.empty) {
      me.set = (previous?.set ?? new FieldSet()).union(changed);
      me.time = now;
      managers.set(mine, me);
    }
  } else {
    me.set = owner.applied ?? new FieldSet();
    const objectChanged = !c.added.empty || !c.modified.empty || !c.removed.empty;
    me.time = objectChanged || previous?.time === undefined || !previous.set.equals(me.set) ? now : previous.time;
    managers.set(mine, me);
  }
  return encode(managers.values());
}

/** A manager as conflicts name it: `"kubectl-edit" using config.projectsveltos.io/v1beta1`. */
function printManager(m: Manager): string {
  let out = JSON.stringify(m.manager);
  if (m.subresource) out += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') out += ` using ${m.apiVersion}`;
  return out;
}

/** The apiserver's 409 for an apply that would change other managers' fields. */
function applyConflict(found: { id: string; m: Manager; set: FieldSet }[]): ApiError {
  const sorted = [...found].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const all = sorted.flatMap(({ m, set }) => set.paths().map((p) => ({ who: printManager(m), path: pathString(p) })));
  const causes = all.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.who}`, field: c.path }));
  let message: string;
  if (all.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${all[0]!.who}: ${all[0]!.path}`;
  } else {
    const lines = sorted.flatMap(({ m, set }) => [
      `conflicts with ${printManager(m)}:`,
      ...set.paths().map((p) => `- ${pathString(p)}`),
    ]);
    message = `Apply failed with ${all.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}
