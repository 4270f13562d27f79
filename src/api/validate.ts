// Validation of ClusterPromotion objects as a user writes them, before anything runs. Every
// problem becomes a Finding positioned at the field it is about. The rules are those of the
// ClusterPromotion CRD (addon-controller api/v1beta1, libsveltos ValidateHealth) plus the ones
// the pipeline needs (generated ClusterProfile names, Lua that loads, CEL that compiles).
//
// Unknown fields are errors where the CRD's schema is closed (kubectl apply validates strictly by
// default, so a typo such as `dealy` is rejected there too), except inside `profileSpec`, which
// passes through to ClusterProfiles untouched: newer Sveltos releases add fields there.
import {
  CONFIG_API_VERSION,
  FEATURE_IDS,
  LABEL_FILTER_OPERATIONS,
  SELECTOR_OPERATORS,
  SVELTOS_CONFIG_GROUP,
  SYNC_MODES,
  type ClusterPromotion,
} from './types.ts';
import { formatPath, type FieldPath, type Finding, type Severity, SourceError, sortFindings } from './findings.ts';
import type { LoadedObject, PointAt } from './yaml-source.ts';
import { loadFiles, type ReadOptions, STDIN_NAME } from './source-files.ts';
import { DNS1123_SUBDOMAIN_MAX, isDns1123Subdomain } from './dns1123.ts';
import { mainProfileName, verificationProfileName } from '../engine/names.ts';
import { DurationError, parseDuration } from '../duration.ts';
import { neverCloses, parseWindow, WindowError } from '../schedule/window.ts';
import { luaSyntaxError } from '../health/lua.ts';
import { CEL_ASSUMED_LIST_SIZE, CEL_COST_LIMIT, celCompileError, estimateCelCost } from '../health/cel.ts';

/** The kinds a PolicyRef may name, as the CRD's enum lists them. */
export const POLICY_REF_KINDS = ['ConfigMap', 'Secret', 'GitRepository', 'OCIRepository', 'Bucket'] as const;
export const DEPLOYMENT_TYPES = ['Local', 'Remote'] as const;

const PROMOTION_KIND = 'ClusterPromotion';
const LABEL_VALUE_MAX = 63;
const NAME_MAX = DNS1123_SUBDOMAIN_MAX;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

// ---- the checker ----------------------------------------------------------------------------------

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

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

function oneOfText(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/** Deferred checks that need the Lua VM; run together once the synchronous walk is done. */
interface LuaCheck {
  path: Path;
  script: string;
}

/** Collects findings about one object; every helper returns whether the value was acceptable. */
export class Checker {
  readonly findings: Finding[] = [];
  private readonly lua: LuaCheck[] = [];

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
    if (isMapping(v)) return true;
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
    this.error([...path, key], `is required`);
    return false;
  }
  /** Reports the fields of a closed schema that it does not know. */
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

  /** Runs the deferred checks; call once, after the walk. */
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

// ---- reusable pieces ---------------------------------------------------------------------------------

/** A Kubernetes label selector (`matchLabels`, `matchExpressions`). */
export function checkSelector(c: Checker, path: Path, v: unknown): void {
  if (!c.mapping(path, v)) return;
  c.knownFields(path, v, ['matchLabels', 'matchExpressions']);
  if (v.matchLabels !== undefined && v.matchLabels !== null && c.mapping([...path, 'matchLabels'], v.matchLabels)) {
    for (const [k, value] of Object.entries(v.matchLabels)) {
      const p = [...path, 'matchLabels', k];
      checkLabelKey(c, p, k);
      if (c.string(p, value) && !isLabelValue(value))
        c.error(p, `"${value}" is not a valid label value${LABEL_VALUE_RULE}`);
    }
  }
  if (
    v.matchExpressions !== undefined &&
    v.matchExpressions !== null &&
    c.list([...path, 'matchExpressions'], v.matchExpressions)
  ) {
    v.matchExpressions.forEach((req, i) => {
      const p = [...path, 'matchExpressions', i];
      if (!c.mapping(p, req)) return;
      c.knownFields(p, req, ['key', 'operator', 'values']);
      if (c.required(p, req, 'key') && c.string([...p, 'key'], req.key, { nonEmpty: true }))
        checkLabelKey(c, [...p, 'key'], req.key);
      const op =
        c.required(p, req, 'operator') && c.oneOf([...p, 'operator'], req.operator, SELECTOR_OPERATORS)
          ? req.operator
          : undefined;
      const values = req.values;
      if (values !== undefined && values !== null && c.list([...p, 'values'], values)) {
        for (const [j, x] of values.entries()) c.string([...p, 'values', j], x);
      }
      const count = Array.isArray(values) ? values.length : 0;
      if ((op === 'In' || op === 'NotIn') && count === 0)
        c.error([...p, 'values'], `must list at least one value for operator ${op}`);
      if ((op === 'Exists' || op === 'DoesNotExist') && count > 0)
        c.error([...p, 'values'], `must be empty for operator ${op}`);
    });
  }
}

const LABEL_VALUE_RULE = ` (at most ${LABEL_VALUE_MAX} letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;

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

export const VALIDATE_HEALTH_FIELDS = [
  'name',
  'featureID',
  'group',
  'version',
  'kind',
  'namespace',
  'labelFilters',
  'script',
  'evaluateCEL',
  'metricQueries',
  'metricSource',
  'jobCheck',
] as const;

/**
 * One libsveltos ValidateHealth. `strict` flags unknown fields (in a trigger); inside profileSpec
 * they pass through.
 */
export function checkValidateHealth(c: Checker, path: Path, v: unknown, strict: boolean): void {
  if (!c.mapping(path, v)) return;
  if (strict) c.knownFields(path, v, VALIDATE_HEALTH_FIELDS);
  if (c.required(path, v, 'name')) c.string([...path, 'name'], v.name, { nonEmpty: true });
  if (c.required(path, v, 'featureID')) c.oneOf([...path, 'featureID'], v.featureID, FEATURE_IDS);
  // The CRD requires only name and featureID, but a check that selects resources needs a kind to
  // find them (only metric checks go without). Without a version the cluster's preferred version
  // of the kind is used, as the REST mapper does: allowed, but worth saying.
  const selectsResources = v.metricQueries === undefined && v.metricSource === undefined && v.jobCheck == null;
  if (v.kind === undefined || v.kind === null) {
    if (selectsResources) c.error([...path, 'kind'], 'is required (the kind of resources this check selects)');
  } else c.string([...path, 'kind'], v.kind, { nonEmpty: true });
  if (v.version === undefined || v.version === null) {
    if (selectsResources)
      c.warn([...path, 'version'], "is not set: the check reads the kind at the cluster's preferred version");
  } else c.string([...path, 'version'], v.version, { nonEmpty: true });
  for (const key of ['group', 'namespace'] as const)
    if (v[key] !== undefined && v[key] !== null) c.string([...path, key], v[key]);
  if (v.labelFilters !== undefined && v.labelFilters !== null && c.list([...path, 'labelFilters'], v.labelFilters)) {
    v.labelFilters.forEach((lf, i) => {
      const p = [...path, 'labelFilters', i];
      if (!c.mapping(p, lf)) return;
      c.knownFields(p, lf, ['key', 'operation', 'value']);
      if (c.required(p, lf, 'key')) c.string([...p, 'key'], lf.key, { nonEmpty: true });
      if (c.required(p, lf, 'operation')) c.oneOf([...p, 'operation'], lf.operation, LABEL_FILTER_OPERATIONS);
      if (lf.value !== undefined && lf.value !== null) c.string([...p, 'value'], lf.value);
    });
  }
  if (
    v.script !== undefined &&
    v.script !== null &&
    c.string([...path, 'script'], v.script) &&
    v.script.trim() !== ''
  ) {
    c.lazyLua([...path, 'script'], v.script);
  }
  checkJobCheck(c, path, v);
  if (v.evaluateCEL !== undefined && v.evaluateCEL !== null && c.list([...path, 'evaluateCEL'], v.evaluateCEL)) {
    v.evaluateCEL.forEach((r, i) => {
      const p = [...path, 'evaluateCEL', i];
      if (!c.mapping(p, r)) return;
      c.knownFields(p, r, ['name', 'rule']);
      if (c.required(p, r, 'name')) c.string([...p, 'name'], r.name, { nonEmpty: true });
      if (c.required(p, r, 'rule') && c.string([...p, 'rule'], r.rule, { nonEmpty: true })) {
        const err = celCompileError(r.rule);
        if (err)
          c.errorInText(
            [...p, 'rule'],
            `CEL does not compile: ${err.message}`,
            /<input>:(\d+):(\d+)/.exec(err.message),
          );
        const cost = err ? null : estimateCelCost(r.rule);
        if (cost !== null && cost > CEL_COST_LIMIT)
          c.warn(
            [...p, 'rule'],
            `may cost up to ${cost} units (lists of the object taken as ${CEL_ASSUMED_LIST_SIZE} items), over the ` +
              `rehearsal's limit of ${CEL_COST_LIMIT}: a simulation stops it there and the check fails; Sveltos ` +
              'sets no limit and would run it to the end',
          );
      }
    });
  }
}

/** jobCheck: its reference and timeout, and the CRD's rule that it stands alone. */
function checkJobCheck(c: Checker, path: Path, v: Record<string, unknown>): void {
  const job = v.jobCheck;
  if (job === undefined || job === null || !c.mapping([...path, 'jobCheck'], job)) return;
  const p = [...path, 'jobCheck'];
  c.knownFields(p, job, ['jobRef', 'timeout']);
  if ((v.script !== undefined && v.script !== null) || (v.evaluateCEL !== undefined && v.evaluateCEL !== null)) {
    c.error(p, 'cannot be set together with script or evaluateCEL (the CRD refuses it): the Job is the whole check');
  }
  if (c.required(p, job, 'jobRef') && c.mapping([...p, 'jobRef'], job.jobRef)) {
    const ref = job.jobRef;
    const rp = [...p, 'jobRef'];
    c.knownFields(rp, ref, ['kind', 'namespace', 'name']);
    if (c.required(rp, ref, 'kind')) c.oneOf([...rp, 'kind'], ref.kind, ['ConfigMap', 'Secret']);
    if (c.required(rp, ref, 'name')) c.string([...rp, 'name'], ref.name, { nonEmpty: true });
    if (c.required(rp, ref, 'namespace')) c.string([...rp, 'namespace'], ref.namespace);
  }
  if (job.timeout !== undefined && job.timeout !== null) c.duration([...p, 'timeout'], job.timeout);
}

export function checkValidateHealths(c: Checker, path: Path, v: unknown, strict: boolean): void {
  if (v === undefined || v === null || !c.list(path, v)) return;
  const seen = new Map<string, number>();
  v.forEach((h, i) => {
    checkValidateHealth(c, [...path, i], h, strict);
    if (isMapping(h) && typeof h.name === 'string' && h.name !== '') {
      const first = seen.get(h.name);
      if (first !== undefined)
        c.warn([...path, i, 'name'], `another check is also named "${h.name}" (${formatPath([...path, first])})`);
      else seen.set(h.name, i);
    }
  });
}

/** One PolicyRef (profileSpec.policyRefs, a trigger's preHealthCheckDeployment). */
export function checkPolicyRef(c: Checker, path: Path, v: unknown): void {
  if (!c.mapping(path, v)) return;
  const hasKind = v.kind !== undefined && v.kind !== null;
  const hasRemote = v.remoteURL !== undefined && v.remoteURL !== null;
  if (hasKind && hasRemote) c.error(path, 'has both kind and remoteURL; give one of them');
  else if (!hasKind && !hasRemote) c.error([...path, 'kind'], `is required (${oneOfText(POLICY_REF_KINDS)})`);
  if (hasKind) c.oneOf([...path, 'kind'], v.kind, POLICY_REF_KINDS);
  if (!hasRemote && c.required(path, v, 'name')) c.string([...path, 'name'], v.name, { nonEmpty: true });
  if (v.namespace !== undefined && v.namespace !== null) c.string([...path, 'namespace'], v.namespace);
  if (v.deploymentType !== undefined && v.deploymentType !== null)
    c.oneOf([...path, 'deploymentType'], v.deploymentType, DEPLOYMENT_TYPES);
  for (const key of ['optional', 'skipNamespaceCreation'] as const) {
    if (v[key] !== undefined && v[key] !== null) c.boolean([...path, key], v[key]);
  }
  if (v.tier !== undefined && v.tier !== null) c.integer([...path, 'tier'], v.tier, 1);
}

function checkPolicyRefs(c: Checker, path: Path, v: unknown): void {
  if (v === undefined || v === null || !c.list(path, v)) return;
  for (const [i, ref] of v.entries()) checkPolicyRef(c, [...path, i], ref);
}

const MAX_UPDATE = /^((100|[0-9]{1,2})%|[0-9]+)$/;

/** The fields of profileSpec the promotion reads; everything else passes through unchecked. */
export function checkProfileSpec(c: Checker, path: Path, v: unknown): void {
  if (!c.mapping(path, v)) return;
  const at = (k: string) => [...path, k];
  const present = (k: string) => v[k] !== undefined && v[k] !== null;
  if (present('syncMode')) c.oneOf(at('syncMode'), v.syncMode, SYNC_MODES);
  if (present('tier')) c.integer(at('tier'), v.tier, 1);
  for (const k of ['continueOnConflict', 'continueOnError', 'reloader']) if (present(k)) c.boolean(at(k), v[k]);
  if (present('maxConsecutiveFailures')) c.integer(at('maxConsecutiveFailures'), v.maxConsecutiveFailures, 0);
  if (present('maxUpdate')) {
    const m = v.maxUpdate;
    if (typeof m === 'number') c.integer(at('maxUpdate'), m, 0);
    else if (typeof m !== 'string' || !MAX_UPDATE.test(m)) {
      c.error(at('maxUpdate'), `must be a number of clusters or a percentage such as 25%, got ${describe(m)}`);
    }
  }
  checkPolicyRefs(c, at('policyRefs'), v.policyRefs);
  for (const k of ['helmCharts', 'kustomizationRefs'])
    if (present(k) && c.list(at(k), v[k]))
      for (const [i, x] of (v[k] as unknown[]).entries()) c.mapping([...path, k, i], x);
  checkValidateHealths(c, at('validateHealths'), v.validateHealths, false);
  for (const k of ['clusterSelector', 'clusterRefs', 'setRefs']) {
    if (present(k))
      c.warn(at(k), `is dropped: in a ClusterPromotion each stage's clusterSelector chooses the clusters`, 'key');
  }
}

// ---- the ClusterPromotion -----------------------------------------------------------------------------

const SPEC_FIELDS = ['profileSpec', 'stages', 'preserveClusterProfilesOnDelete'];
const STAGE_FIELDS = ['name', 'clusterSelector', 'trigger'];
const AUTO_FIELDS = ['delay', 'preHealthCheckDeployment', 'postDelayHealthChecks', 'promotionWindow'];
const MANUAL_FIELDS = ['delay', 'preHealthCheckDeployment', 'postDelayHealthChecks', 'approved', 'automaticReset'];

function checkWindow(c: Checker, path: Path, v: unknown): void {
  if (!c.mapping(path, v)) return;
  c.knownFields(path, v, ['from', 'to']);
  const ok = c.required(path, v, 'from') && c.string([...path, 'from'], v.from, { nonEmpty: true });
  const ok2 = c.required(path, v, 'to') && c.string([...path, 'to'], v.to, { nonEmpty: true });
  if (!ok || !ok2) return;
  try {
    const w = parseWindow({ from: v.from as string, to: v.to as string });
    if (neverCloses(w)) c.warn(path, '`from` and `to` fire at the same instants, so the window never closes');
  } catch (e) {
    if (!(e instanceof WindowError)) throw e;
    c.error([...path, e.field], `bad cron: ${e.reason}`);
    // Both ends may be wrong; report the other one too.
    if (e.field === 'from') {
      try {
        parseWindow({ from: '@daily', to: v.to as string });
      } catch (e2) {
        if (e2 instanceof WindowError) c.error([...path, 'to'], `bad cron: ${e2.reason}`);
      }
    }
  }
}

// A stage without `trigger` is allowed: the Go type makes it optional and v1.13.0 advances such a
// stage as soon as it is deployed (docs/semantics.md, rule 3). What the CRD rejects, through its
// rule has(self.manual) != has(self.auto), is a trigger that is present but holds both or neither,
// so `trigger: {}` is an error.
function checkTrigger(c: Checker, path: Path, v: unknown): void {
  // An empty `key:` is null, and the API server drops nulls: `trigger:` alone means no trigger,
  // and `auto:` alone means no auto.
  if (v === null) {
    c.warn(path, 'is empty (null), which Kubernetes drops: this stage advances right after deploy', 'key');
    return;
  }
  if (!c.mapping(path, v)) return;
  c.knownFields(path, v, ['auto', 'manual']);
  for (const k of ['auto', 'manual'] as const) {
    if (v[k] === null)
      c.error(
        [...path, k],
        `is empty (null), which Kubernetes drops: write "${k}: {}" for a ${k} trigger without options`,
        'key',
      );
  }
  const hasAuto = v.auto !== undefined && v.auto !== null;
  const hasManual = v.manual !== undefined && v.manual !== null;
  if (hasAuto && hasManual) c.error(path, 'has both manual and auto; a trigger holds exactly one of them', 'key');
  else if (!hasAuto && !hasManual && v.auto === undefined && v.manual === undefined) {
    c.error(
      path,
      'has neither auto nor manual: give it one, or leave trigger out to advance right after deploy',
      'key',
    );
  }
  for (const kind of ['auto', 'manual'] as const) {
    const p = [...path, kind];
    const gate = v[kind];
    if (gate === undefined || gate === null || !c.mapping(p, gate)) continue;
    c.knownFields(p, gate, kind === 'auto' ? AUTO_FIELDS : MANUAL_FIELDS);
    if (gate.delay !== undefined && gate.delay !== null) c.duration([...p, 'delay'], gate.delay);
    checkPolicyRefs(c, [...p, 'preHealthCheckDeployment'], gate.preHealthCheckDeployment);
    checkValidateHealths(c, [...p, 'postDelayHealthChecks'], gate.postDelayHealthChecks, true);
    if (kind === 'auto') {
      if (gate.promotionWindow !== undefined && gate.promotionWindow !== null)
        checkWindow(c, [...p, 'promotionWindow'], gate.promotionWindow);
    } else {
      for (const k of ['approved', 'automaticReset'])
        if (gate[k] !== undefined && gate[k] !== null) c.boolean([...p, k], gate[k]);
    }
  }
}

function dnsNameProblem(name: string): string | null {
  if (name.length > NAME_MAX) return `is ${name.length} characters long (at most ${NAME_MAX})`;
  if (!isDns1123Subdomain(name))
    return "must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
  return null;
}

function checkMetadata(c: Checker, v: Record<string, unknown>): string | undefined {
  if (!c.required([], v, 'metadata') || !c.mapping(['metadata'], v.metadata)) return undefined;
  const md = v.metadata;
  if (!c.required(['metadata'], md, 'name') || !c.string(['metadata', 'name'], md.name, { nonEmpty: true }))
    return undefined;
  const name = md.name;
  const problem = dnsNameProblem(name);
  if (problem) {
    c.error(['metadata', 'name'], `"${name}" ${problem}`);
    return undefined;
  }
  if (name.length > LABEL_VALUE_MAX) {
    c.error(
      ['metadata', 'name'],
      `is ${name.length} characters long: the generated ClusterProfiles carry it in a label, which takes ` +
        `at most ${LABEL_VALUE_MAX}`,
    );
  }
  if (md.namespace !== undefined)
    c.warn(['metadata', 'namespace'], 'ClusterPromotion is cluster-scoped: the namespace is ignored', 'key');
  return name;
}

function checkStages(c: Checker, promotion: string | undefined, v: unknown): void {
  const path = ['spec', 'stages'];
  if (v === undefined || v === null) {
    c.error(path, 'is required: list at least one stage');
    return;
  }
  if (!c.list(path, v)) return;
  if (v.length === 0) {
    c.error(path, 'has no stages: list at least one');
    return;
  }
  const seen = new Map<string, number>();
  v.forEach((stage, i) => {
    const p = [...path, i];
    if (!c.mapping(p, stage)) return;
    c.knownFields(p, stage, STAGE_FIELDS);
    if (c.required(p, stage, 'name') && c.string([...p, 'name'], stage.name, { nonEmpty: true })) {
      const name = stage.name;
      const first = seen.get(name);
      if (first !== undefined)
        c.error([...p, 'name'], `duplicate stage name "${name}" (also ${formatPath([...path, first])})`);
      else seen.set(name, i);
      if (promotion !== undefined) {
        const profile = mainProfileName(promotion, name);
        const problem = dnsNameProblem(profile);
        if (problem) c.error([...p, 'name'], `makes the ClusterProfile name "${profile}", which ${problem}`);
        else if (hasPreDeployment(stage.trigger)) {
          const verification = verificationProfileName(promotion, name);
          if (verification.length > NAME_MAX) {
            c.error(
              [...p, 'name'],
              `makes the verification ClusterProfile name "${verification}" longer than ${NAME_MAX} characters`,
            );
          }
        }
      }
    }
    if (stage.clusterSelector === undefined || stage.clusterSelector === null) {
      c.warn(p, 'has no clusterSelector: give the stage matchLabels or matchExpressions to choose its clusters', 'key');
    } else checkSelector(c, [...p, 'clusterSelector'], stage.clusterSelector);
    if ('trigger' in stage) checkTrigger(c, [...p, 'trigger'], stage.trigger);
  });
}

function hasPreDeployment(trigger: unknown): boolean {
  if (!isMapping(trigger)) return false;
  return [trigger.auto, trigger.manual].some(
    (g) => isMapping(g) && Array.isArray(g.preHealthCheckDeployment) && g.preHealthCheckDeployment.length > 0,
  );
}

/** Every problem of one ClusterPromotion object. */
export async function validatePromotion(obj: LoadedObject): Promise<Finding[]> {
  const c = new Checker(obj);
  const v = obj.value;
  if (v.apiVersion !== CONFIG_API_VERSION) {
    if (v.apiVersion === undefined) c.error(['apiVersion'], `is required: ${CONFIG_API_VERSION}`);
    else c.error(['apiVersion'], `must be ${CONFIG_API_VERSION} for a ClusterPromotion, got ${describe(v.apiVersion)}`);
  }
  const name = checkMetadata(c, v);
  if (c.required([], v, 'spec') && c.mapping(['spec'], v.spec)) {
    const spec = v.spec;
    c.knownFields(['spec'], spec, SPEC_FIELDS);
    if (spec.profileSpec === undefined || spec.profileSpec === null) {
      c.warn(['spec'], 'has no profileSpec: the stages would deploy nothing', 'key');
    } else checkProfileSpec(c, ['spec', 'profileSpec'], spec.profileSpec);
    checkStages(c, name, spec.stages);
    if (spec.preserveClusterProfilesOnDelete !== undefined && spec.preserveClusterProfilesOnDelete !== null) {
      c.boolean(['spec', 'preserveClusterProfilesOnDelete'], spec.preserveClusterProfilesOnDelete);
    }
  }
  return c.finish();
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
    const findings = await validatePromotion(obj);
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
      result.promotions.push(v as unknown as ClusterPromotion);
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
export async function loadPromotions(files: readonly string[], opts: ReadOptions = {}): Promise<PromotionsResult> {
  const loaded = await loadFiles(files, opts);
  const brokenFiles = new Set(loaded.findings.map((f) => f.file));
  const filesToFlag = [...new Set(files.map((f) => (f === '-' ? STDIN_NAME : f)))].filter((f) => !brokenFiles.has(f));
  const result = await validateObjects(loaded.objects, filesToFlag);
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
