// Label and field selectors in the string syntax of the `labelSelector` and `fieldSelector` query
// parameters, with Kubernetes semantics (`!=` and `notin` also match objects without the label).
import type { KubeObject, LabelSelector } from '../../src/api/types.ts';
import { badRequest } from './errors.ts';
import type { ResourceDef } from './resources.ts';

export type LabelOperator = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed selector; an empty one matches everything. */
export type Selector = (obj: KubeObject) => boolean;

export const matchEverything: Selector = () => true;

function matchRequirement(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Equals':
    case 'In':
      return has && r.values.includes(value as string);
    case 'NotEquals':
    case 'NotIn':
      return !has || !r.values.includes(value as string);
    case 'Gt':
    case 'Lt': {
      if (!has || !/^-?\d+$/.test(value as string)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'Gt' ? n > bound : n < bound;
    }
  }
}

export function labelMatcher(requirements: LabelRequirement[]): Selector {
  if (requirements.length === 0) return matchEverything;
  return (obj) => requirements.every((r) => matchRequirement(r, obj.metadata.labels));
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function parseError(selector: string, why: string): Error {
  return badRequest(`unable to parse requirement: ${why} (in selector "${selector}")`);
}

function checkKey(selector: string, key: string): string {
  if (!KEY.test(key)) throw parseError(selector, `invalid label key "${key}"`);
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!VALUE.test(value)) throw parseError(selector, `invalid label value: "${value}"`);
  return value;
}

/** Splits on commas that are not inside a `( ... )` value set. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts.map((p) => p.trim());
}

/** Parses `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3` into requirements; throws a 400 ApiError. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  if (selector.trim() === '') return [];
  return splitTopLevel(selector).map((part): LabelRequirement => {
    if (part === '') throw parseError(selector, "found '', expected: identifier");
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3]!.split(',').map((v) => checkValue(selector, v.trim()));
      return { key: checkKey(selector, set[1]!), operator: set[2] === 'in' ? 'In' : 'NotIn', values };
    }
    if (part.startsWith('!'))
      return { key: checkKey(selector, part.slice(1).trim()), operator: 'DoesNotExist', values: [] };
    const op = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
    if (op) {
      const key = checkKey(selector, op[1]!);
      const value = op[3]!.trim();
      switch (op[2]) {
        case '!=':
          return { key, operator: 'NotEquals', values: [checkValue(selector, value)] };
        case '>':
        case '<':
          if (!/^-?\d+$/.test(value))
            throw parseError(selector, `for 'Gt', 'Lt' operators, the value must be an integer`);
          return { key, operator: op[2] === '>' ? 'Gt' : 'Lt', values: [value] };
        default:
          return { key, operator: 'Equals', values: [checkValue(selector, value)] };
      }
    }
    if (/\s/.test(part)) throw parseError(selector, `found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
    return { key: checkKey(selector, part), operator: 'Exists', values: [] };
  });
}

/** The requirements of a structured selector (a ClusterPromotion stage's `clusterSelector`). */
export function requirementsOf(selector: LabelSelector): LabelRequirement[] {
  const reqs: LabelRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
    key,
    operator: 'Equals',
    values: [value],
  }));
  for (const e of selector.matchExpressions ?? [])
    reqs.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
  return reqs;
}

interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

/** The field getters a resource can be selected by. */
export function fieldGetters(def: ResourceDef): Record<string, (obj: KubeObject) => string | undefined> {
  const getters: Record<string, (obj: KubeObject) => string | undefined> = {
    'metadata.name': (o) => o.metadata.name,
    ...def.extraFieldSelectors,
  };
  if (def.namespaced) getters['metadata.namespace'] = (o) => o.metadata.namespace;
  return getters;
}

/** Parses `metadata.name=x,metadata.namespace!=y`; throws a 400 ApiError for an unsupported field. */
export function parseFieldSelector(def: ResourceDef, selector: string): Selector {
  if (selector.trim() === '') return matchEverything;
  const getters = fieldGetters(def);
  const reqs: FieldRequirement[] = selector.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    return { field: m[1]!, negate: m[2] === '!=', value: m[3]! };
  });
  for (const r of reqs) {
    if (Object.hasOwn(getters, r.field)) continue;
    if (def.custom) {
      const known = Object.keys(getters)
        .map((k) => `"${k}"`)
        .join(', ');
      throw badRequest(`"${r.field}" is not a known field selector: only ${known}`);
    }
    throw badRequest(`field label not supported: ${r.field}`);
  }
  return (obj) => reqs.every((r) => ((getters[r.field]!(obj) ?? '') === r.value) !== r.negate);
}

/** Both selectors of a request, as one predicate. */
export function combine(a: Selector, b: Selector): Selector {
  if (a === matchEverything) return b;
  if (b === matchEverything) return a;
  return (obj) => a(obj) && b(obj);
}
