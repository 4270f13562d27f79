// A walker over a CRD's structural schema that does what kube-apiserver does to a custom resource
// on its way in: prune the fields the schema does not declare, apply defaults, and validate types,
// enums, required fields, formats, patterns and bounds, reporting each problem as a field error
// with the API server's own wording (k8s.io/apimachinery field.Error, kube-openapi's messages).
//
// Why not a JSON-Schema library such as ajv: the structural dialect differs where it matters
// (`nullable`, `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields`, embedded
// resources, list types), pruning and defaulting are not validation at all, and every message has
// to read like kube-apiserver's, with its field path. Adapting a validator's error objects to
// that would be more code than walking the dozen keywords the CRDs use.
import type { Schema } from './types.ts';

export type PathSegment = string | number;

/** The kinds of k8s.io/apimachinery field.Error the validation produces. */
export type FieldErrorType =
  | 'Required'
  | 'Invalid'
  | 'TypeInvalid'
  | 'NotSupported'
  | 'TooLong'
  | 'TooMany'
  | 'Duplicate'
  | 'Forbidden';

export interface SchemaError {
  type: FieldErrorType;
  /** Where, as segments (for positions in a YAML file). */
  path: PathSegment[];
  /** Where, as the API server writes it: `spec.stages[0].trigger`; '' for the object itself. */
  field: string;
  /** The offending value (for TypeInvalid, the name of its type as the API server shows it). */
  value?: unknown;
  /** What is wrong, without the field (`must be of type boolean`, the rule's message, ...). */
  detail: string;
  /** kube-openapi's messages name the field: `spec.x in body must be of type boolean: "string"`. */
  inBody?: boolean;
  /** Supported values, for NotSupported. */
  supported?: unknown[];
  /** Limit for TooLong and TooMany. */
  limit?: number;
  /** The CEL rule, for errors from `x-kubernetes-validations`. */
  rule?: string;
}

/** `spec` + `stages` -> `spec.stages`; indices `[0]`, map keys `[key]` as field.Path prints them. */
export function childField(parent: string, key: string | number, mapKey = false): string {
  if (typeof key === 'number' || mapKey) return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The schema of a property or map value, or undefined when the schema does not declare it. */
export function propertySchema(schema: Schema, key: string): Schema | undefined {
  const declared = schema.properties?.[key];
  if (declared !== undefined) return declared;
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

/** The schema at a path of property names and list indices (what other modules navigate by). */
export function schemaAt(root: Schema, path: readonly PathSegment[]): Schema | undefined {
  let at: Schema | undefined = root;
  for (const seg of path) {
    if (at === undefined) return undefined;
    at = typeof seg === 'number' ? at.items : propertySchema(at, seg);
  }
  return at;
}

/** How server-side apply merges a list: `atomic` (replace), `set`, or `map` keyed by `keys`. */
export interface ListInfo {
  listType: 'atomic' | 'set' | 'map';
  keys: string[];
}

/** A list without `x-kubernetes-list-type` is atomic for a custom resource. */
export function listInfo(schema: Schema | undefined): ListInfo {
  const listType = schema?.['x-kubernetes-list-type'] ?? 'atomic';
  return { listType, keys: listType === 'map' ? [...(schema?.['x-kubernetes-list-map-keys'] ?? [])] : [] };
}

/** Whether a map (object) is replaced whole by server-side apply: `x-kubernetes-map-type: atomic`. */
export function isAtomicMap(schema: Schema | undefined): boolean {
  return schema?.['x-kubernetes-map-type'] === 'atomic';
}

// ---- pruning --------------------------------------------------------------------------------------

const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export interface PruneOptions {
  /** At the resource root apiVersion, kind and metadata are always kept. */
  root?: boolean;
}

/** A field the schema does not declare, with the names it does declare there (for did-you-mean). */
export interface UnknownField {
  path: PathSegment[];
  /** As the API server names it in `unknown field "spec.stages[0].clusterSelctor"`. */
  field: string;
  known: string[];
}

/**
 * Drops every field the schema does not declare (unless it preserves unknown fields), in place,
 * and returns the paths dropped, as the API server names them in `unknown field "..."`.
 */
export function prune(value: unknown, schema: Schema, options: PruneOptions = {}): string[] {
  return pruneFields(value, schema, options).map((u) => u.field);
}

/** Like prune, with each dropped field's path and the names the schema knows beside it. */
export function pruneFields(value: unknown, schema: Schema, options: PruneOptions = {}): UnknownField[] {
  const dropped: UnknownField[] = [];
  pruneAt(value, schema, [], '', options.root === true, dropped);
  return dropped;
}

function pruneAt(
  value: unknown,
  schema: Schema | undefined,
  path: PathSegment[],
  field: string,
  root: boolean,
  out: UnknownField[],
): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    if (schema.items === undefined) return;
    for (const [i, item] of value.entries())
      pruneAt(item, schema.items, [...path, i], childField(field, i), false, out);
    return;
  }
  if (!isObject(value)) return;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const key of Object.keys(value)) {
    // ObjectMeta has rules of its own (the store's); the schema only says `type: object`.
    if ((root || embedded) && ROOT_FIELDS.has(key)) continue;
    const declared = schema.properties?.[key];
    const at = [...path, key];
    if (declared !== undefined) pruneAt(value[key], declared, at, childField(field, key), false, out);
    else if (additional !== undefined) pruneAt(value[key], additional, at, childField(field, key, true), false, out);
    else if (!preserve && schema.additionalProperties !== true) {
      out.push({ path: at, field: childField(field, key), known: Object.keys(schema.properties ?? {}) });
      delete value[key];
    }
  }
}

/** Every field the schema does not declare, without changing the value (what Strict refuses). */
export function unknownFields(value: unknown, schema: Schema, options: PruneOptions = {}): UnknownField[] {
  return pruneFields(structuredClone(value), schema, options);
}

// ---- defaulting -----------------------------------------------------------------------------------

function isNonNullableNull(v: unknown, schema: Schema): boolean {
  return v === null && schema.nullable !== true;
}

/**
 * Applies the schema's defaults in place, as the API server does on create, update and read:
 * first nulls the schema does not allow and has no default for are dropped, then absent fields
 * (and disallowed nulls) get their default.
 */
export function applyDefaults(value: unknown, schema: Schema): void {
  dropNonNullableNulls(value, schema);
  defaultAt(value, schema);
}

function dropNonNullableNulls(value: unknown, schema: Schema | undefined): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) dropNonNullableNulls(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    const s = propertySchema(schema, key);
    if (s === undefined) continue;
    if (isNonNullableNull(value[key], s) && s.default === undefined) delete value[key];
    else dropNonNullableNulls(value[key], s);
  }
}

function defaultAt(value: unknown, schema: Schema | undefined): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) defaultAt(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default === undefined) continue;
    if (!(key in value) || isNonNullableNull(value[key], prop)) value[key] = structuredClone(prop.default);
  }
  for (const key of Object.keys(value)) defaultAt(value[key], propertySchema(schema, key));
}

// ---- validation -----------------------------------------------------------------------------------

/** The JSON type of a value as kube-openapi names it in `must be of type X: "<type>"`. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return true;
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The string formats kube-apiserver checks for custom resources (the others are documentation). */
const FORMATS: Record<string, (s: string) => boolean> = {
  byte: (s) => BASE64.test(s),
  'date-time': (s) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s) => DATE.test(s) && !Number.isNaN(Date.parse(s)),
  uuid: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
};

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Go's `%v`-ish rendering of a value inside a message. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return '"null"';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? 'null';
}

/**
 * Every schema problem of the value, in walk order. Nulls count as absent (the API server drops
 * them before validating) unless the schema makes the field nullable.
 */
export function validateValue(value: unknown, schema: Schema, path: PathSegment[] = [], field = ''): SchemaError[] {
  const errors: SchemaError[] = [];
  validateAt(value, schema, path, field, errors);
  return errors;
}

function validateAt(v: unknown, s: Schema, path: PathSegment[], field: string, out: SchemaError[]): void {
  const error = (e: Omit<SchemaError, 'path' | 'field'>) => out.push({ path, field, ...e });
  if (v === null) {
    if (s.nullable === true) return;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) {
      error({ type: 'TypeInvalid', value: jsonType(v), detail: 'must be of type integer,string', inBody: true });
      return;
    }
  } else if (s.type !== undefined && !hasType(v, s.type)) {
    error({ type: 'TypeInvalid', value: jsonType(v), detail: `must be of type ${s.type}`, inBody: true });
    return;
  }
  if (s.enum !== undefined && !s.enum.some((e) => deepEqual(e, v))) {
    error({ type: 'NotSupported', value: v, detail: 'Unsupported value', supported: s.enum });
  }
  if (typeof v === 'string') {
    const check = s.format === undefined ? undefined : FORMATS[s.format];
    if (check !== undefined && !check(v)) {
      error({ type: 'Invalid', value: v, detail: `must be of type ${s.format}: ${JSON.stringify(v)}`, inBody: true });
    }
    // Go counts the bytes of the string; JS string length is UTF-16 units. Runes is what
    // kube-openapi uses for min/maxLength: count code points.
    const length = [...v].length;
    if (s.maxLength !== undefined && length > s.maxLength) {
      error({ type: 'TooLong', value: v, detail: 'Too long', limit: s.maxLength });
    }
    if (s.minLength !== undefined && length < s.minLength) {
      error({ type: 'Invalid', value: v, detail: `should be at least ${s.minLength} chars long`, inBody: true });
    }
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) {
      error({ type: 'Invalid', value: v, detail: `should match '${s.pattern}'`, inBody: true });
    }
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
      const rel = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      error({ type: 'Invalid', value: v, detail: `should be ${rel} ${s.minimum}`, inBody: true });
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
      const rel = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
      error({ type: 'Invalid', value: v, detail: `should be ${rel} ${s.maximum}`, inBody: true });
    }
  }
  if (Array.isArray(v)) validateArray(v, s, path, field, out);
  if (isObject(v)) validateObject(v, s, path, field, out);
}

function validateArray(v: unknown[], s: Schema, path: PathSegment[], field: string, out: SchemaError[]): void {
  if (s.minItems !== undefined && v.length < s.minItems) {
    out.push({
      type: 'Invalid',
      path,
      field,
      value: v.length,
      detail: `should have at least ${s.minItems} items`,
      inBody: true,
    });
  }
  if (s.maxItems !== undefined && v.length > s.maxItems) {
    out.push({ type: 'TooMany', path, field, value: v.length, detail: 'Too many', limit: s.maxItems });
  }
  if (s.items !== undefined) {
    for (const [i, item] of v.entries()) validateAt(item, s.items, [...path, i], childField(field, i), out);
  }
  const { listType, keys } = listInfo(s);
  if (listType === 'set' || s.uniqueItems === true) {
    v.forEach((item, i) => {
      if (v.findIndex((other) => deepEqual(other, item)) < i) {
        out.push({ type: 'Duplicate', path: [...path, i], field: childField(field, i), value: item, detail: '' });
      }
    });
  } else if (listType === 'map') {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (!isObject(item)) return;
      const key = Object.fromEntries(keys.map((k) => [k, item[k] ?? propertySchema(s.items ?? {}, k)?.default]));
      const text = JSON.stringify(key);
      if (seen.has(text)) {
        out.push({ type: 'Duplicate', path: [...path, i], field: childField(field, i), value: key, detail: '' });
      }
      seen.add(text);
    });
  }
}

function validateObject(
  v: Record<string, unknown>,
  s: Schema,
  path: PathSegment[],
  field: string,
  out: SchemaError[],
): void {
  for (const key of s.required ?? []) {
    if (v[key] === undefined || (v[key] === null && s.properties?.[key]?.nullable !== true)) {
      out.push({ type: 'Required', path: [...path, key], field: childField(field, key), detail: '' });
    }
  }
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const [key, child] of Object.entries(v)) {
    if (child === undefined) continue;
    const declared = s.properties?.[key];
    const schema = declared ?? additional;
    if (schema === undefined) continue;
    if (child === null && schema.nullable !== true) continue;
    validateAt(child, schema, [...path, key], childField(field, key, declared === undefined), out);
  }
}

/** Errors that keep the API server from running CEL rules (the value does not have the declared shape). */
export function isBlocking(e: SchemaError): boolean {
  return e.type === 'TypeInvalid' || e.type === 'NotSupported';
}
