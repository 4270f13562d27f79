// The `x-kubernetes-validations` CEL rules of a schema, evaluated as kube-apiserver evaluates them:
// `self` is the value at the rule's node; a rule that names `oldSelf` is a transition rule, run
// only on update and only where the old object has a value that corresponds (same property, same
// key in a map-type list), unless the rule asks for optionalOldSelf. The message is the rule's
// `message`, its `messageExpression` when that yields a string, or `failed rule: <rule>`.
import { CelScalar, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import type { CelInput, CelResult } from '@bufbuild/cel';
import { childField, isObject, listInfo, type PathSegment, propertySchema, type SchemaError } from './structural.ts';
import type { Schema, ValidationRule } from './types.ts';

type Program = (bindings: { self: CelInput; oldSelf: CelInput }) => CelResult;

const env = celEnv({ variables: { self: CelScalar.DYN, oldSelf: CelScalar.DYN } });
const compiled = new Map<string, Program | Error>();

function compile(rule: string): Program | Error {
  let program = compiled.get(rule);
  if (program === undefined) {
    try {
      program = plan(env, parse(rule)) as Program;
    } catch (e) {
      program = e instanceof Error ? e : new Error(String(e));
    }
    compiled.set(rule, program);
  }
  return program;
}

/** JSON as CEL sees it through the schema: integer fields are CEL ints, number fields doubles. */
function toCel(v: unknown, s: Schema | undefined): CelInput {
  if (typeof v === 'number') {
    const integer = s?.type === 'integer' || (s?.type !== 'number' && Number.isSafeInteger(v));
    return integer && Number.isSafeInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map((x) => toCel(x, s?.items));
  if (isObject(v)) {
    const out: Record<string, CelInput> = {};
    for (const [k, x] of Object.entries(v))
      if (x !== undefined && x !== null) out[k] = toCel(x, s && propertySchema(s, k));
    return out;
  }
  return v as CelInput;
}

const TRANSITION = /\boldSelf\b/;

function run(rule: string, self: unknown, oldSelf: unknown, s: Schema): CelResult | Error {
  const program = compile(rule);
  if (program instanceof Error) return program;
  return program({ self: toCel(self, s), oldSelf: toCel(oldSelf ?? null, s) });
}

function errorType(rule: ValidationRule): SchemaError['type'] {
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return 'Forbidden';
    case 'FieldValueRequired':
      return 'Required';
    case 'FieldValueDuplicate':
      return 'Duplicate';
    default:
      return 'Invalid';
  }
}

function messageOf(rule: ValidationRule, self: unknown, oldSelf: unknown, s: Schema): string {
  if (rule.messageExpression !== undefined) {
    const m = run(rule.messageExpression, self, oldSelf, s);
    if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return m;
  }
  if (rule.message !== undefined && rule.message !== '') return rule.message;
  return `failed rule: ${rule.rule}`;
}

function evaluate(
  v: unknown,
  old: unknown,
  hasOld: boolean,
  s: Schema,
  path: PathSegment[],
  field: string,
  out: SchemaError[],
): void {
  for (const rule of s['x-kubernetes-validations'] ?? []) {
    const transition = TRANSITION.test(rule.rule);
    if (transition && !hasOld && rule.optionalOldSelf !== true) continue;
    const result = run(rule.rule, v, hasOld ? old : null, s);
    const base = { path, field, value: s.type ?? 'object', rule: rule.rule };
    if (result instanceof Error || isCelError(result)) {
      out.push({ ...base, type: 'Invalid', detail: `${result.message} evaluating rule: ${rule.rule}` });
    } else if (result !== true) {
      const at = rule.fieldPath?.replace(/^\./, '');
      out.push({
        ...base,
        type: errorType(rule),
        detail: messageOf(rule, v, old, s),
        ...(at ? { field: childField(field, at), path: [...path, ...at.split('.')] } : {}),
      });
    }
  }
  if (Array.isArray(v) && s.items !== undefined) {
    const { listType, keys } = listInfo(s);
    const olds = hasOld && Array.isArray(old) && listType === 'map' ? old : [];
    v.forEach((item, i) => {
      const match = olds.find((o) => isObject(o) && isObject(item) && keys.every((k) => o[k] === item[k]));
      evaluate(item, match, match !== undefined, s.items!, [...path, i], childField(field, i), out);
    });
  } else if (isObject(v)) {
    for (const [key, child] of Object.entries(v)) {
      if (child === undefined || child === null) continue;
      const cs = propertySchema(s, key);
      if (cs === undefined) continue;
      const prior = hasOld && isObject(old) && old[key] !== undefined && old[key] !== null;
      const mapKey = s.properties?.[key] === undefined;
      evaluate(
        child,
        prior ? (old as Record<string, unknown>)[key] : undefined,
        prior,
        cs,
        [...path, key],
        childField(field, key, mapKey),
        out,
      );
    }
  }
}

/** The failures of every CEL rule in the schema over the value (and the old value on update). */
export function checkRules(value: unknown, schema: Schema, old?: unknown): SchemaError[] {
  const out: SchemaError[] = [];
  evaluate(value, old, old !== undefined, schema, [], '', out);
  return out;
}

/** Why a rule does not compile, or null (for checking a CRD given to `lint --crd`). */
export function ruleCompileError(rule: string): string | null {
  const program = compile(rule);
  return program instanceof Error ? program.message : null;
}
