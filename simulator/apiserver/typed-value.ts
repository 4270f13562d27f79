// An object read through its schema the way structured-merge-diff reads it for server-side apply:
// which fields a value sets (its field set), what changed between two versions, how an applied
// configuration merges into the live object, and how a field is removed. The schema decides the
// shape: `x-kubernetes-list-type` (`atomic`, the default, replaced whole; `set`; `map` keyed by
// `x-kubernetes-list-map-keys`) and `x-kubernetes-map-type: atomic`. Where there is no schema (a
// built-in resource served without one) the shape is deduced as structured-merge-diff deduces it:
// objects merge field by field, lists are atomic.
import { isAtomicMap, listInfo, propertySchema, type Schema } from '../../src/schema/index.ts';
import { type FieldPath, FieldSet, fieldElement, keyElement, type PathElement, valueElement } from './field-set.ts';

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

/**
 * ObjectMeta as the API server types it (CRD schemas only say `metadata: {type: object}`): labels
 * and annotations merge key by key, finalizers are a set, owner references a list keyed by uid.
 */
const OBJECT_META: Schema = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    ownerReferences: {
      type: 'array',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
    },
  },
};

const DEDUCED_ROOT: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const roots = new WeakMap<Schema, Schema>();

/** The schema server-side apply reads an object with: the resource's, with ObjectMeta's shape. */
export function applySchema(root: Schema | undefined): Schema {
  const base = root ?? DEDUCED_ROOT;
  let out = roots.get(base);
  if (out === undefined) {
    out = { ...base, properties: { ...base.properties, metadata: OBJECT_META } };
    roots.set(base, out);
  }
  return out;
}

type Shape =
  | { kind: 'leaf' }
  | { kind: 'map'; schema: Schema | undefined }
  | { kind: 'set' }
  | { kind: 'listmap'; keys: string[]; items: Schema | undefined };

/** How a value at `schema` merges; undefined schema: deduced from the value. */
function shapeOf(schema: Schema | undefined, value: Json): Shape {
  if (schema === undefined || (schema.type === undefined && schema.properties === undefined && !schema.items)) {
    if (schema?.['x-kubernetes-int-or-string']) return { kind: 'leaf' };
    return isObject(value) ? { kind: 'map', schema: undefined } : { kind: 'leaf' };
  }
  if (schema['x-kubernetes-int-or-string']) return { kind: 'leaf' };
  if (schema.type === 'array' || schema.items !== undefined) {
    const info = listInfo(schema);
    if (info.listType === 'set') return { kind: 'set' };
    if (info.listType === 'map') return { kind: 'listmap', keys: info.keys, items: schema.items };
    return { kind: 'leaf' };
  }
  if (schema.type === 'object' || schema.properties !== undefined || schema.additionalProperties !== undefined) {
    return isAtomicMap(schema) ? { kind: 'leaf' } : { kind: 'map', schema };
  }
  return { kind: 'leaf' };
}

/** The schema of a map's entry, and whether it is a declared field (a struct field, not a map key). */
function entryOf(schema: Schema | undefined, key: string): { schema: Schema | undefined; declared: boolean } {
  if (schema === undefined) return { schema: undefined, declared: false };
  const declared = schema.properties?.[key];
  if (declared !== undefined) return { schema: declared, declared: true };
  return { schema: propertySchema(schema, key), declared: false };
}

/** The path element of a list-map item, or undefined when it lacks a key (it cannot be addressed). */
function itemElement(item: Json, keys: string[], items: Schema | undefined): PathElement | undefined {
  if (!isObject(item)) return undefined;
  const values: JsonObject = {};
  for (const k of keys) {
    const v = item[k] ?? (items === undefined ? undefined : propertySchema(items, k)?.default);
    if (v === undefined) return undefined;
    values[k] = v;
  }
  return keyElement(values);
}

function index(list: Json, shape: Shape): Map<PathElement, Json> {
  const out = new Map<PathElement, Json>();
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    const e =
      shape.kind === 'set' ? valueElement(item) : itemElement(item, (shape as { keys: string[] }).keys, itemsOf(shape));
    if (e !== undefined && !out.has(e)) out.set(e, item);
  }
  return out;
}

function itemsOf(shape: Shape): Schema | undefined {
  return shape.kind === 'listmap' ? shape.items : undefined;
}

// ---- the fields a value sets ----------------------------------------------------------------------

/** The fields an applied configuration sets: its leaves, atomic values, list items and empty maps. */
export function toFieldSet(value: Json, schema: Schema): FieldSet {
  const set = new FieldSet();
  fieldsOf(value, schema, [], set);
  return set;
}

function fieldsOf(value: Json, schema: Schema | undefined, path: PathElement[], set: FieldSet): void {
  const shape = shapeOf(schema, value);
  switch (shape.kind) {
    case 'leaf':
      set.insert(path);
      return;
    case 'map': {
      if (!isObject(value)) {
        set.insert(path);
        return;
      }
      for (const [key, child] of Object.entries(value)) {
        const entry = entryOf(shape.schema, key);
        const at = [...path, fieldElement(key)];
        fieldsOf(child, entry.schema, at, set);
        if (child === null || (isObject(child) && Object.keys(child).length === 0) || !entry.declared) set.insert(at);
      }
      return;
    }
    case 'set':
    case 'listmap':
      for (const [e, item] of index(value, shape)) {
        const at = [...path, e];
        if (shape.kind === 'listmap') fieldsOf(item, shape.items, at, set);
        set.insert(at);
      }
  }
}

// ---- what changed ---------------------------------------------------------------------------------

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** The fields added, modified and removed from `before` to `after` (typed.Compare). */
export function compare(before: Json, after: Json, schema: Schema): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(before, after, schema, [], c);
  return c;
}

function isEmpty(v: Json): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObject(v) && Object.keys(v).length === 0;
}

function compareAt(lhs: Json, rhs: Json, schema: Schema | undefined, path: PathElement[], c: Comparison): void {
  const shape = shapeOf(schema, rhs !== undefined ? rhs : lhs);
  const leaf = () => {
    if (lhs === undefined && rhs === undefined) return;
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!equal(lhs, rhs)) c.modified.insert(path);
  };
  if (shape.kind === 'leaf') {
    leaf();
    return;
  }
  if (shape.kind === 'map') {
    if ((lhs !== undefined && !isObject(lhs)) || (rhs !== undefined && !isObject(rhs))) {
      leaf();
      return;
    }
    if (isEmpty(lhs) && isEmpty(rhs)) return;
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    const l = (lhs ?? {}) as JsonObject;
    const r = (rhs ?? {}) as JsonObject;
    for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
      compareAt(l[key], r[key], entryOf(shape.schema, key).schema, [...path, fieldElement(key)], c);
    }
    return;
  }
  if ((lhs !== undefined && !Array.isArray(lhs)) || (rhs !== undefined && !Array.isArray(rhs))) {
    leaf();
    return;
  }
  if (isEmpty(lhs) && isEmpty(rhs)) return;
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
  const l = index(lhs, shape);
  const r = index(rhs, shape);
  for (const e of new Set([...l.keys(), ...r.keys()])) {
    const at = [...path, e];
    if (shape.kind === 'set') {
      if (!l.has(e)) c.added.insert(at);
      else if (!r.has(e)) c.removed.insert(at);
    } else {
      compareAt(l.get(e), r.get(e), shape.items, at, c);
    }
  }
}

// ---- merging an applied configuration -------------------------------------------------------------

/** `live` with `config` merged in (typed.Merge): config wins, lists merge by the schema's list type. */
export function merge(live: Json, config: Json, schema: Schema): Json {
  return mergeAt(live, config, schema);
}

function mergeAt(lhs: Json, rhs: Json, schema: Schema | undefined): Json {
  if (rhs === undefined) return structuredClone(lhs);
  if (lhs === undefined) return structuredClone(rhs);
  const shape = shapeOf(schema, rhs);
  if (shape.kind === 'leaf') return structuredClone(rhs);
  if (shape.kind === 'map') {
    if (!isObject(rhs) || !isObject(lhs)) return structuredClone(rhs);
    const out: JsonObject = { ...structuredClone(lhs) };
    for (const [key, value] of Object.entries(rhs))
      out[key] = mergeAt(lhs[key], value, entryOf(shape.schema, key).schema);
    return out;
  }
  if (!Array.isArray(rhs) || !Array.isArray(lhs)) return structuredClone(rhs);
  return mergeList(lhs, rhs, shape);
}

/**
 * Items of both in the configuration's order, live-only items kept where they were (the order
 * structured-merge-diff's merge produces).
 */
function mergeList(lhs: Json[], rhs: Json[], shape: Shape): Json[] {
  const l = index(lhs, shape);
  const r = index(rhs, shape);
  const lKeys = [...l.keys()];
  const rKeys = [...r.keys()];
  const item = (e: PathElement) =>
    shape.kind === 'set' ? structuredClone(r.get(e)) : mergeAt(l.get(e), r.get(e), itemsOf(shape));
  const shared = rKeys.filter((e) => l.has(e));
  const out: Json[] = [];
  const merged = new Set<PathElement>();
  const take = (e: PathElement) => {
    out.push(item(e));
    merged.add(e);
    if (shared[0] === e) shared.shift();
  };
  let li = 0;
  let ri = 0;
  while (li < lKeys.length || ri < rKeys.length) {
    const le = lKeys[li];
    if (le !== undefined && ri < rKeys.length) {
      if (le === rKeys[ri]) {
        take(le);
        li++;
        ri++;
        continue;
      }
      // A shared item whose turn (in the configuration's order) has not come.
      if (r.has(le) && shared[0] !== undefined && shared[0] !== le) {
        li++;
        continue;
      }
    }
    if (le !== undefined) {
      if (!r.has(le)) {
        out.push(structuredClone(l.get(le)));
        li++;
        continue;
      }
      if (merged.has(le)) {
        li++;
        continue;
      }
    }
    if (ri < rKeys.length) {
      const re = rKeys[ri]!;
      if (!merged.has(re)) take(re);
      ri++;
    } else {
      li++;
    }
  }
  return out;
}

// ---- removing a field -----------------------------------------------------------------------------

/** Removes the value at `path` from `obj` in place (a container it leaves empty stays, as in typed.RemoveItems). */
export function removePath(obj: JsonObject, path: FieldPath, schema: Schema): void {
  removeAt(obj, path, 0, schema);
}

function removeAt(container: Json, path: FieldPath, i: number, schema: Schema | undefined): boolean {
  const e = path[i]!;
  const last = i === path.length - 1;
  const body = e.slice(2);
  if (e.startsWith('f:')) {
    if (!isObject(container) || !(body in container)) return false;
    if (last) delete container[body];
    else return removeAt(container[body], path, i + 1, entryOf(shapeSchema(schema, container), body).schema);
    return true;
  }
  if (!Array.isArray(container)) return false;
  const shape = shapeOf(schema, container);
  const at = container.findIndex((item) =>
    shape.kind === 'set'
      ? valueElement(item) === e
      : shape.kind === 'listmap' && itemElement(item, shape.keys, shape.items) === e,
  );
  if (at < 0) return false;
  if (last) container.splice(at, 1);
  else return removeAt(container[at], path, i + 1, itemsOf(shape));
  return true;
}

function shapeSchema(schema: Schema | undefined, value: Json): Schema | undefined {
  const shape = shapeOf(schema, value);
  return shape.kind === 'map' ? shape.schema : undefined;
}
