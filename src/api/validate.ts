// Validation of ClusterPromotion objects as a user writes them, before anything runs. Every
// problem becomes a Finding positioned at the field it is about.
//
// The structure comes from the CRD (src/schema): unknown fields, types, enums, required fields,
// patterns, defaults and the CEL rules are checked exactly as the API server checks them, in its
// words, against the bundled CRD or the one `lint --crd`/`--context` names. Unknown fields are
// errors everywhere, profileSpec included, since kubectl's strict field validation refuses them.
// What follows the schema is what it cannot say: Go durations, cron windows, Lua and CEL that
// compile, label syntax, ClusterProfile names the stages generate.
import { SVELTOS_CONFIG_GROUP, type ClusterPromotion } from './types.ts';
import { DNS1123_SUBDOMAIN_MAX, isDns1123Subdomain } from './dns1123.ts';
import { mainProfileName, verificationProfileName } from '../engine/names.ts';
import { formatPath, type FieldPath, type Finding, type Severity, SourceError, sortFindings } from './findings.ts';
import type { LoadedObject, PointAt } from './yaml-source.ts';
import { loadFiles, type ReadOptions, STDIN_NAME } from './source-files.ts';
import { DurationError, parseDuration } from '../duration.ts';
import { neverCloses, parseWindow, WindowError } from '../schedule/window.ts';
import { luaSyntaxError } from '../health/lua.ts';
import { CEL_ASSUMED_LIST_SIZE, CEL_COST_LIMIT, celCompileError, estimateCelCost } from '../health/cel.ts';
import { bundledSchema } from '../schema/bundled.ts';
import { lintMessage } from '../schema/messages.ts';
import { RULES_NOT_CHECKED, type ResourceSchema } from '../schema/resource-schema.ts';
import { isObject, propertySchema, type SchemaError } from '../schema/structural.ts';
import type { Schema } from '../schema/types.ts';

const PROMOTION_KIND = 'ClusterPromotion';
const LABEL_VALUE_MAX = 63;
const NAME_MAX = DNS1123_SUBDOMAIN_MAX;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
/** Fields of type metav1.Duration in the Sveltos API: strings the schema cannot check. */
const DURATION_FIELDS = new Set(['delay', 'timeout', 'interval']);
/** ClusterProfile fields a ClusterPromotion's profileSpec does not have: each stage chooses. */
const STAGE_CHOOSES = new Set(['clusterSelector', 'clusterRefs', 'setRefs']);

type Path = readonly (string | number)[];

/** What a value is, in the words of an error message. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return `the number ${String(v)}`;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** `; did you mean "delay"?` when a known name is close enough to be the intended one. */
function suggestion(word: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const lower = word.toLowerCase();
    const d =
      k.toLowerCase() === lower || (lower.length >= 2 && k.toLowerCase().startsWith(lower)) ? 0 : editDistance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3))
    ? `; did you mean "${best}"?`
    : '';
}

function valueAt(root: unknown, path: Path): unknown {
  let at = root;
  for (const seg of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[seg];
  }
  return at;
}

function oneOfText(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/**
 * Collects findings about one object; every type helper returns whether the value was acceptable
 * (other documents, such as rollout tests, check their own fields with it). Lua is checked after
 * the walk (it needs the VM).
 */
export class Checker {
  readonly findings: Finding[] = [];
  private readonly lua: { path: Path; script: string }[] = [];

  constructor(readonly obj: LoadedObject) {}

  report(severity: Severity, path: Path, message: string, at?: PointAt): void {
    this.findings.push(this.obj.finding(severity, path as FieldPath, message, at));
  }
  error(path: Path, message: string, at?: PointAt): void {
    this.report('error', path, message, at);
  }
  warn(path: Path, message: string, at?: PointAt): void {
    this.report('warning', path, message, at);
  }
  mapping(path: Path, v: unknown): v is Record<string, unknown> {
    if (isObject(v)) return true;
    this.error(path, `must be a mapping, got ${describe(v)}`);
    return false;
  }
  list(path: Path, v: unknown): v is unknown[] {
    if (Array.isArray(v)) return true;
    this.error(path, `must be a list, got ${describe(v)}`);
    return false;
  }
  string(path: Path, v: unknown, opts: { nonEmpty?: boolean } = {}): v is string {
    if (typeof v !== 'string') {
      this.error(path, `must be a string, got ${describe(v)}`);
      return false;
    }
    if (opts.nonEmpty && v.trim() === '') {
      this.error(path, 'must not be empty');
      return false;
    }
    return true;
  }
  boolean(path: Path, v: unknown): v is boolean {
    if (typeof v === 'boolean') return true;
    this.error(path, `must be true or false, got ${describe(v)}`);
    return false;
  }
  integer(path: Path, v: unknown, min: number): v is number {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.error(path, `must be a whole number, got ${describe(v)}`);
      return false;
    }
    if (v < min) {
      this.error(path, `must be at least ${min}, got ${v}`);
      return false;
    }
    return true;
  }
  oneOf<T extends string>(path: Path, v: unknown, values: readonly T[]): v is T {
    if (!this.string(path, v)) return false;
    if ((values as readonly string[]).includes(v)) return true;
    this.error(path, `unknown value "${v}": must be ${oneOfText(values)}${suggestion(v, values)}`);
    return false;
  }
  /** Reports a required field that is absent (at its parent, since it has no position of its own). */
  required(path: Path, parent: Record<string, unknown>, key: string): boolean {
    if (parent[key] !== undefined && parent[key] !== null) return true;
    this.error([...path, key], 'is required');
    return false;
  }
  /** Reports the fields of a closed mapping that it does not know. */
  knownFields(path: Path, v: Record<string, unknown>, known: readonly string[]): void {
    for (const k of Object.keys(v)) {
      if (!known.includes(k)) this.error([...path, k], `unknown field "${k}"${suggestion(k, known)}`, 'key');
    }
  }
  duration(path: Path, v: unknown): boolean {
    if (!this.string(path, v)) return false;
    try {
      parseDuration(v);
      return true;
    } catch (e) {
      if (!(e instanceof DurationError)) throw e;
      this.error(path, e.message);
      return false;
    }
  }
  /** An error inside a string field's text, at `line:column` of that text when known. */
  errorInText(path: Path, message: string, where: readonly (string | null | undefined)[] | null): void {
    const f = this.obj.finding('error', path as FieldPath, message);
    if (where?.[1] !== undefined && where[2] !== undefined) {
      Object.assign(f, this.obj.locateInText(path as FieldPath, Number(where[1]), Number(where[2])));
    }
    this.findings.push(f);
  }
  lazyLua(path: Path, script: string): void {
    this.lua.push({ path, script });
  }

  async finish(): Promise<Finding[]> {
    for (const { path, script } of this.lua) {
      const err = await luaSyntaxError(script);
      if (!err) continue;
      if (err.line === null) this.error(path, `Lua does not parse: ${err.message}`);
      else {
        // Lua names only the line: point at its first character that is not indentation.
        const column = (/^\s*/.exec(script.split('\n')[err.line - 1] ?? '')?.[0].length ?? 0) + 1;
        this.errorInText(path, `Lua does not parse (script line ${err.line}): ${err.message}`, [
          null,
          String(err.line),
          String(column),
        ]);
      }
    }
    this.lua.length = 0;
    return this.findings;
  }
}

// ---- what the schema says -------------------------------------------------------------------------

function schemaFinding(c: Checker, e: SchemaError): void {
  const actual = valueAt(c.obj.value, e.path);
  if (e.type === 'NotSupported' && typeof actual === 'string') {
    const known = (e.supported ?? []).filter((v): v is string => typeof v === 'string');
    c.error(e.path, `${lintMessage(e)}${suggestion(actual, known)}`);
  } else if (e.type === 'Duplicate' && typeof e.path.at(-1) === 'number') {
    const list = valueAt(c.obj.value, e.path.slice(0, -1));
    const first = Array.isArray(list) ? list.findIndex((x) => JSON.stringify(x) === JSON.stringify(actual)) : -1;
    const firstKey = Array.isArray(list)
      ? list.findIndex((x) => isObject(x) && isObject(e.value) && Object.entries(e.value).every(([k, v]) => x[k] === v))
      : -1;
    const also = firstKey >= 0 ? firstKey : first;
    const name = isObject(e.value) && typeof e.value.name === 'string' ? [...e.path, 'name'] : e.path;
    c.error(name, `${lintMessage(e)}${also >= 0 ? ` (also ${formatPath([...e.path.slice(0, -1), also])})` : ''}`);
  } else if (e.rule !== undefined || isObject(actual) || Array.isArray(actual)) {
    c.error(e.path, lintMessage(e, describeType(actual)), 'key');
  } else {
    c.error(e.path, lintMessage(e, actual));
  }
}

function describeType(v: unknown): string {
  return Array.isArray(v) ? 'array' : isObject(v) ? 'object' : typeof v;
}

function checkSchema(c: Checker, schema: ResourceSchema, skipRulesAt: ReadonlySet<string>): void {
  const value = c.obj.value;
  for (const u of schema.unknownFields(value)) {
    const key = String(u.path.at(-1));
    const parent = formatPath(u.path.slice(0, -1));
    const hint =
      parent === 'spec.profileSpec' && STAGE_CHOOSES.has(key)
        ? ": in a ClusterPromotion each stage's clusterSelector chooses the clusters"
        : suggestion(key, u.known);
    c.error(u.path, `unknown field "${u.field}"${hint}`, 'key');
  }
  for (const e of schema.admit(value).errors) {
    if (e.detail === RULES_NOT_CHECKED) {
      // Said as the API server says it, so that fixing the errors shown is not taken for the end.
      c.warn(['spec'], RULES_NOT_CHECKED);
      continue;
    }
    if (e.rule !== undefined && skipRulesAt.has(formatPath(e.path))) continue;
    schemaFinding(c, e);
  }
}

// ---- what the schema cannot say ------------------------------------------------------------------

const LABEL_VALUE_CHARS = "letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
const LABEL_VALUE_RULE = ` (at most ${LABEL_VALUE_MAX} ${LABEL_VALUE_CHARS})`;

function isLabelValue(v: string): boolean {
  return v.length <= LABEL_VALUE_MAX && LABEL_VALUE.test(v);
}

function checkLabelKey(c: Checker, path: Path, key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const ok = name.length <= LABEL_VALUE_MAX && LABEL_NAME.test(name) && (slash < 0 || isDns1123Subdomain(prefix));
  if (!ok)
    c.error(
      path,
      `"${key}" is not a valid label key (an optional DNS prefix and '/', then a name${LABEL_VALUE_RULE})`,
      'key',
    );
}

/** Label syntax and operators of a metav1.LabelSelector, which the CRD leaves to the API server's code. */
function checkSelector(c: Checker, path: Path, v: Record<string, unknown>): void {
  if (isObject(v.matchLabels)) {
    for (const [k, value] of Object.entries(v.matchLabels)) {
      const p = [...path, 'matchLabels', k];
      checkLabelKey(c, p, k);
      if (typeof value === 'string' && !isLabelValue(value))
        c.error(p, `"${value}" is not a valid label value${LABEL_VALUE_RULE}`);
    }
  }
  if (!Array.isArray(v.matchExpressions)) return;
  v.matchExpressions.forEach((req, i) => {
    const p = [...path, 'matchExpressions', i];
    if (!isObject(req)) return;
    if (typeof req.key === 'string' && req.key !== '') checkLabelKey(c, [...p, 'key'], req.key);
    const op = req.operator;
    if (typeof op === 'string' && !SELECTOR_OPERATORS.includes(op)) {
      const supported = SELECTOR_OPERATORS.map((o) => JSON.stringify(o)).join(', ');
      c.error(
        [...p, 'operator'],
        `Unsupported value: "${op}": supported values: ${supported}${suggestion(op, SELECTOR_OPERATORS)}`,
      );
    }
    const count = Array.isArray(req.values) ? req.values.length : 0;
    if ((op === 'In' || op === 'NotIn') && count === 0)
      c.error([...p, 'values'], `Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
    if ((op === 'Exists' || op === 'DoesNotExist') && count > 0)
      c.error([...p, 'values'], `Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
  });
}

function checkDuration(c: Checker, path: Path, v: string): void {
  try {
    parseDuration(v);
  } catch (e) {
    if (!(e instanceof DurationError)) throw e;
    c.error(path, e.message);
  }
}

function checkWindow(c: Checker, path: Path, v: Record<string, unknown>): void {
  if (typeof v.from !== 'string' || typeof v.to !== 'string' || v.from === '' || v.to === '') return;
  try {
    const w = parseWindow({ from: v.from, to: v.to });
    if (neverCloses(w)) c.warn(path, '`from` and `to` fire at the same instants, so the window never closes');
  } catch (e) {
    if (!(e instanceof WindowError)) throw e;
    c.error([...path, e.field], `bad cron: ${e.reason}`);
    // Both ends may be wrong; report the other one too.
    if (e.field === 'from') {
      try {
        parseWindow({ from: '@daily', to: v.to });
      } catch (e2) {
        if (e2 instanceof WindowError) c.error([...path, 'to'], `bad cron: ${e2.reason}`);
      }
    }
  }
}

function isHealthCheckSchema(s: Schema): boolean {
  return s.properties?.featureID !== undefined && s.properties?.evaluateCEL !== undefined;
}

function isPolicyRefSchema(s: Schema): boolean {
  return s.properties?.deploymentType !== undefined && s.properties?.remoteURL !== undefined;
}

function isSelectorSchema(s: Schema): boolean {
  return s.properties?.matchLabels !== undefined && s.properties?.matchExpressions !== undefined;
}

/** One libsveltos ValidateHealth: Lua and CEL that compile, a version for what it selects. */
function checkHealth(c: Checker, path: Path, v: Record<string, unknown>): void {
  if (typeof v.kind === 'string' && v.kind !== '' && (v.version === undefined || v.version === null)) {
    c.warn([...path, 'version'], "is not set: the check reads the kind at the cluster's preferred version");
  }
  if (typeof v.script === 'string' && v.script.trim() !== '') c.lazyLua([...path, 'script'], v.script);
  if (!Array.isArray(v.evaluateCEL)) return;
  v.evaluateCEL.forEach((r, i) => {
    if (!isObject(r) || typeof r.rule !== 'string' || r.rule === '') return;
    const err = celCompileError(r.rule);
    const p = [...path, 'evaluateCEL', i, 'rule'];
    if (err) c.errorInText(p, `CEL does not compile: ${err.message}`, /<input>:(\d+):(\d+)/.exec(err.message));
    const cost = err ? null : estimateCelCost(r.rule);
    if (cost !== null && cost > CEL_COST_LIMIT)
      c.warn(
        p,
        `may cost up to ${cost} units (lists of the object taken as ${CEL_ASSUMED_LIST_SIZE} items), over the ` +
          `rehearsal's limit of ${CEL_COST_LIMIT}: a simulation stops it there and the check fails; Sveltos ` +
          'sets no limit and would run it to the end',
      );
  });
}

/** Walks the value beside its schema, running the checks the schema cannot express. */
function checkSemantics(c: Checker, v: unknown, s: Schema | undefined, path: Path): void {
  if (s === undefined) return;
  if (Array.isArray(v)) {
    if (s.items === undefined) return;
    for (const [i, item] of v.entries()) checkSemantics(c, item, s.items, [...path, i]);
    if (isHealthCheckSchema(s.items)) warnDuplicateNames(c, path, v);
    return;
  }
  if (!isObject(v)) return;
  if (isHealthCheckSchema(s)) checkHealth(c, path, v);
  if (isSelectorSchema(s)) checkSelector(c, path, v);
  if (isPolicyRefSchema(s) && typeof v.kind === 'string' && (v.name === undefined || v.name === '')) {
    c.warn([...path, 'name'], `is not set: Sveltos cannot fetch a ${v.kind} without a name`);
  }
  for (const [key, child] of Object.entries(v)) {
    const cs = propertySchema(s, key);
    if (cs === undefined) continue;
    if (DURATION_FIELDS.has(key) && cs.type === 'string' && typeof child === 'string') {
      checkDuration(c, [...path, key], child);
    } else if (key === 'promotionWindow' && isObject(child)) {
      checkWindow(c, [...path, key], child);
    }
    checkSemantics(c, child, cs, [...path, key]);
  }
}

function warnDuplicateNames(c: Checker, path: Path, checks: unknown[]): void {
  const seen = new Map<string, number>();
  checks.forEach((h, i) => {
    if (!isObject(h) || typeof h.name !== 'string' || h.name === '') return;
    const first = seen.get(h.name);
    if (first !== undefined)
      c.warn([...path, i, 'name'], `another check is also named "${h.name}" (${formatPath([...path, first])})`);
    else seen.set(h.name, i);
  });
}

function dnsNameProblem(name: string): string | null {
  if (name.length > NAME_MAX) return `is ${name.length} characters long (at most ${NAME_MAX})`;
  if (!isDns1123Subdomain(name))
    return "must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
  return null;
}

function checkMetadata(c: Checker, v: Record<string, unknown>): string | undefined {
  const md = v.metadata;
  if (md === undefined || md === null) {
    c.error(['metadata'], 'Required value');
    return undefined;
  }
  if (!isObject(md)) {
    c.error(['metadata'], `must be a mapping, got ${describe(md)}`);
    return undefined;
  }
  if (typeof md.name !== 'string' || md.name === '') {
    c.error(['metadata', 'name'], 'Required value: name or generateName is required');
    return undefined;
  }
  const name = md.name;
  const problem = dnsNameProblem(name);
  if (problem) {
    c.error(['metadata', 'name'], `"${name}" ${problem}`);
    return undefined;
  }
  if (name.length > LABEL_VALUE_MAX) {
    c.error(
      ['metadata', 'name'],
      `is ${name.length} characters long: the generated ClusterProfiles carry it in a label, which takes at ` +
        `most ${LABEL_VALUE_MAX}`,
    );
  }
  if (md.namespace !== undefined)
    c.warn(['metadata', 'namespace'], 'ClusterPromotion is cluster-scoped: the namespace is ignored', 'key');
  return name;
}

/**
 * An empty `key:` is null, and the API server drops nulls: `trigger:` alone means no trigger, and
 * `auto:` alone means no auto, which the CRD's rule then refuses with a message that does not
 * say why. Returns the triggers whose rule error this explains better.
 */
function checkNullTriggers(c: Checker, stages: unknown[]): Set<string> {
  const explained = new Set<string>();
  stages.forEach((stage, i) => {
    if (!isObject(stage) || !('trigger' in stage)) return;
    const path = ['spec', 'stages', i, 'trigger'];
    const trigger = stage.trigger;
    if (trigger === null) {
      c.warn(path, 'is empty (null), which Kubernetes drops: this stage advances right after deploy', 'key');
      return;
    }
    if (!isObject(trigger)) return;
    for (const k of ['auto', 'manual'] as const) {
      if (trigger[k] !== null) continue;
      explained.add(formatPath(path));
      c.error(
        [...path, k],
        `is empty (null), which Kubernetes drops: write "${k}: {}" for a ${k} trigger without options`,
        'key',
      );
    }
  });
  return explained;
}

function isEmptySelector(selector: Record<string, unknown>): boolean {
  const none = (v: unknown) =>
    v === undefined || v === null || (Array.isArray(v) ? v.length === 0 : isObject(v) && Object.keys(v).length === 0);
  return none(selector.matchLabels) && none(selector.matchExpressions);
}

function checkStages(c: Checker, promotion: string | undefined, stages: unknown[]): void {
  stages.forEach((stage, i) => {
    const p = ['spec', 'stages', i];
    if (!isObject(stage)) return;
    // A label selector without requirements matches every cluster: a canary stage would be the fleet.
    const choose = 'give the stage matchLabels or matchExpressions to choose its clusters';
    const selector = stage.clusterSelector;
    if (selector === undefined || selector === null) {
      c.warn(p, `has no clusterSelector, so it selects every cluster: ${choose}`, 'key');
    } else if (isObject(selector) && isEmptySelector(selector)) {
      c.warn([...p, 'clusterSelector'], `is empty, so it selects every cluster: ${choose}`, 'key');
    }
    if (typeof stage.name !== 'string' || promotion === undefined) return;
    if (stage.name === '') {
      c.error([...p, 'name'], 'must not be empty');
      return;
    }
    const profile = mainProfileName(promotion, stage.name);
    const problem = dnsNameProblem(profile);
    if (problem) c.error([...p, 'name'], `makes the ClusterProfile name "${profile}", which ${problem}`);
    else if (hasPreDeployment(stage.trigger)) {
      const verification = verificationProfileName(promotion, stage.name);
      if (verification.length > NAME_MAX) {
        c.error(
          [...p, 'name'],
          `makes the verification ClusterProfile name "${verification}" longer than ${NAME_MAX} characters`,
        );
      }
    }
  });
}

function hasPreDeployment(trigger: unknown): boolean {
  if (!isObject(trigger)) return false;
  return [trigger.auto, trigger.manual].some(
    (g) => isObject(g) && Array.isArray(g.preHealthCheckDeployment) && g.preHealthCheckDeployment.length > 0,
  );
}

export interface ValidateOptions {
  /** The ClusterPromotion CRD to check against; the bundled one when not given. */
  schema?: ResourceSchema;
}

/** Every problem of one ClusterPromotion object. */
export async function validatePromotion(obj: LoadedObject, options: ValidateOptions = {}): Promise<Finding[]> {
  const schema = options.schema ?? bundledSchema(PROMOTION_KIND);
  const c = new Checker(obj);
  const v = obj.value;
  const served = schema.crd.spec.versions.filter((ver) => ver.served).map((ver) => `${schema.group}/${ver.name}`);
  if (v.apiVersion === undefined) c.error(['apiVersion'], `Required value: ${schema.apiVersion}`);
  else if (typeof v.apiVersion !== 'string' || !served.includes(v.apiVersion)) {
    c.error(['apiVersion'], `must be ${served.join(' or ')} for a ClusterPromotion, got ${describe(v.apiVersion)}`);
  }
  const name = checkMetadata(c, v);
  const spec = v.spec;
  const stages = isObject(spec) && Array.isArray(spec.stages) ? spec.stages : [];
  checkSchema(c, schema, checkNullTriggers(c, stages));
  if (isObject(spec)) {
    if (spec.profileSpec === undefined || spec.profileSpec === null) {
      c.warn(['spec'], 'has no profileSpec: the stages would deploy nothing', 'key');
    }
    checkStages(c, name, stages);
    checkSemantics(c, spec, schema.at(['spec']), ['spec']);
  }
  return sortFindings(await c.finish());
}

function isPromotionKind(v: Record<string, unknown>): boolean {
  return v.kind === PROMOTION_KIND;
}

/** A kind that is almost ClusterPromotion is a typo, not some other object. */
function looksLikePromotion(v: Record<string, unknown>): boolean {
  if (typeof v.kind !== 'string')
    return typeof v.apiVersion === 'string' && v.apiVersion.startsWith(`${SVELTOS_CONFIG_GROUP}/`);
  return v.kind.toLowerCase() === PROMOTION_KIND.toLowerCase() || editDistance(v.kind, PROMOTION_KIND) <= 3;
}

export interface PromotionsResult {
  /** The promotions without errors, as typed objects (warnings do not keep one out). */
  promotions: ClusterPromotion[];
  /** Where each of `promotions` came from, index for index. */
  objects: LoadedObject[];
  /** Every problem found, YAML syntax included, in file and line order. */
  findings: Finding[];
}

/**
 * Validates loaded objects: each ClusterPromotion fully, other kinds are left alone unless their
 * kind looks like a misspelt ClusterPromotion. Finding no ClusterPromotion at all is an error.
 */
export async function validateObjects(
  objects: readonly LoadedObject[],
  files: readonly string[] = [],
  options: ValidateOptions = {},
): Promise<PromotionsResult> {
  const result: PromotionsResult = { promotions: [], objects: [], findings: [] };
  const names = new Map<string, LoadedObject>();
  for (const obj of objects) {
    const v = obj.value;
    if (!isPromotionKind(v)) {
      if (looksLikePromotion(v)) {
        const kindText =
          typeof v.kind === 'string'
            ? `unknown kind "${v.kind}"; did you mean "${PROMOTION_KIND}"?`
            : `is required: ${PROMOTION_KIND}`;
        result.findings.push(obj.finding('error', ['kind'], kindText));
      }
      continue;
    }
    const findings = await validatePromotion(obj, options);
    const md = v.metadata as { name?: unknown } | undefined;
    if (typeof md?.name === 'string') {
      const other = names.get(md.name);
      if (other) {
        findings.push(
          obj.finding(
            'error',
            ['metadata', 'name'],
            `another ClusterPromotion is also named "${md.name}" (${other.file}:${other.locate('metadata.name').line})`,
          ),
        );
      } else names.set(md.name, obj);
    }
    result.findings.push(...findings);
    if (!findings.some((f) => f.severity === 'error')) {
      // As the API server would store it: pruned and defaulted, so that what runs (and the hash of
      // its profileSpec) is what a cluster's controller would see.
      const schema = options.schema ?? bundledSchema(PROMOTION_KIND);
      result.promotions.push(schema.admit(v).object as unknown as ClusterPromotion);
      result.objects.push(obj);
    }
  }
  if (names.size === 0 && !result.findings.some((f) => f.path === 'kind')) {
    const where = files.length > 0 ? files : [...new Set(objects.map((o) => o.file))];
    for (const file of where) {
      result.findings.push({
        severity: 'error',
        file,
        path: '',
        line: 1,
        column: 1,
        message: `no ${PROMOTION_KIND} found`,
      });
    }
  }
  return result;
}

/** Reads, parses and validates the files (`-` is standard input); an unreadable file throws a UserError. */
export async function loadPromotions(
  files: readonly string[],
  opts: ReadOptions & ValidateOptions = {},
): Promise<PromotionsResult> {
  const loaded = await loadFiles(files, opts);
  const brokenFiles = new Set(loaded.findings.map((f) => f.file));
  const filesToFlag = [...new Set(files.map((f) => (f === '-' ? STDIN_NAME : f)))].filter((f) => !brokenFiles.has(f));
  const result = await validateObjects(loaded.objects, filesToFlag, opts);
  result.findings = sortFindings([...loaded.findings, ...result.findings]);
  return result;
}

/**
 * For commands that cannot go on with a broken promotion (simulate): throws the first error as a
 * SourceError, mentioning how many more there are and that lint lists them all.
 */
export function assertNoErrors(findings: readonly Finding[]): void {
  const errs = findings.filter((f) => f.severity === 'error');
  const first = errs[0];
  if (!first) return;
  const more = errs.length > 1 ? ` (and ${errs.length - 1} more: run kubectl promotion lint to see them all)` : '';
  throw new SourceError({ ...first, message: `${first.message}${more}` });
}
