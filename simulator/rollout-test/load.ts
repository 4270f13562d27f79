// Reading RolloutTest files: `-f FILE` or `-f DIR` (every *.yaml and *.yml in it; with -R in the
// directories inside too, as kubectl -f reads a directory), several tests per file. A test names
// its promotion and fleet by paths relative to its own file, or holds them inline (promotionObject,
// fleetObject). Every problem is a finding naming the file, line, column and field; nothing is run
// until all tests read cleanly.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parsePath, SourceError, sortFindings, type FieldPath, type Finding } from '../../src/api/findings.ts';
import { filesInFolder, loadFiles, type ReadOptions } from '../../src/api/source-files.ts';
import type { LoadedObject } from '../../src/api/yaml-source.ts';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { Checker, loadPromotions, validateObjects } from '../../src/api/validate.ts';
import { DurationError, parseLongDuration } from '../../src/duration.ts';
import { STAGE_PHASES, type StagePhase } from '../../src/engine/types.ts';
import { UserError } from '../../src/user-error.ts';
import { OUTCOMES, SIMULATION_EVENT_TYPES } from '../driver.ts';
import { fleetFromObjects, FLEET_API_VERSION, loadFleet } from '../fleet-file.ts';
import type { FleetSpec } from '../fleet-spec.ts';
import { mergePatch } from '../merge-patch.ts';
import {
  ROLLOUT_TEST_API_VERSION,
  ROLLOUT_TEST_KIND,
  type Expectation,
  type RolloutTest,
  type TestAction,
  type TestEvent,
  type Where,
} from './model.ts';

/** How far a test runs past its last event and expectation unless it says `horizon`. */
export const DEFAULT_TEST_HORIZON_MS = 30 * 24 * 3_600_000;

const TEST_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'promotion',
  'promotionObject',
  'promotionName',
  'fleet',
  'fleetObject',
  'start',
  'horizon',
  'seed',
  'events',
  'expect',
] as const;
const ACTIONS = ['patch', 'approve', 'revoke', 'cluster', 'addCluster', 'removeCluster', 'restartController'] as const;
const CLUSTER_CHANGES = ['ready', 'labels', 'metric', 'failNextDeploy'] as const;
const EXPECT_FIELDS = [
  'at',
  'by',
  'notBefore',
  'stage',
  'phase',
  'outcome',
  'failureMessageMatches',
  'event',
  'cluster',
  'messageMatches',
  'never',
] as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export interface LoadTestsResult {
  tests: RolloutTest[];
  /** Every problem, in file and line order; a test with an error is left out of `tests`. */
  findings: Finding[];
}

/** Reads the files and directories; a path that cannot be read at all throws a UserError. */
export async function loadRolloutTests(
  paths: readonly string[],
  opts: ReadOptions & { recursive?: boolean } = {},
): Promise<LoadTestsResult> {
  // `from`: the directory named on the command line that the file was found in.
  const files: { file: string; from: string | null }[] = [];
  for (const p of paths) {
    if (p !== '-' && (await isDirectory(p))) {
      const found = await filesInFolder(p, /\.ya?ml$/, opts.recursive === true);
      for (const file of found.files) files.push({ file, from: p });
      if (found.files.length === 0) {
        const hint = found.folders && !opts.recursive ? ' (-R reads the folders inside it)' : '';
        throw new UserError(`${p}: the directory has no .yaml or .yml files${hint}`);
      }
    } else files.push({ file: p, from: null });
  }
  const loaded = await loadFiles(
    files.map((f) => f.file),
    opts,
  );
  const findings: Finding[] = [...loaded.findings];
  const tests: RolloutTest[] = [];
  const reader = new Reader();
  const names = new Map<string, Where>();
  for (const obj of loaded.objects) {
    const v = obj.value;
    if (v.kind !== ROLLOUT_TEST_KIND) {
      if (typeof v.kind === 'string' && /^rollout-?tests?$/i.test(v.kind))
        findings.push(obj.finding('error', ['kind'], `unknown kind "${v.kind}"; did you mean "${ROLLOUT_TEST_KIND}"?`));
      continue;
    }
    const r = await reader.read(obj);
    findings.push(...r.findings);
    if (!r.test) continue;
    const key = `${obj.file}\u0000${r.test.name}`;
    const other = names.get(key);
    if (other) {
      findings.push(
        obj.finding('error', ['metadata', 'name'], `another RolloutTest in this file is named "${r.test.name}"`),
      );
      continue;
    }
    names.set(key, r.test.where);
    tests.push(r.test);
  }
  // A file (or a directory's files) with no test at all is a mistake worth a line, unless its
  // problems were already reported.
  const noTest = (file: string): Finding => ({
    severity: 'error',
    file,
    path: '',
    line: 1,
    column: 1,
    message: `no ${ROLLOUT_TEST_KIND} found`,
  });
  const hasTest = (file: string) => loaded.objects.some((o) => o.file === file && o.value.kind === ROLLOUT_TEST_KIND);
  const reported = new Set(findings.map((f) => f.file));
  for (const { file, from } of files) {
    if (from === null && !hasTest(file) && !reported.has(file)) findings.push(noTest(file));
  }
  for (const dir of new Set(files.flatMap((f) => (f.from === null ? [] : [f.from])))) {
    const inDir = files.filter((f) => f.from === dir).map((f) => f.file);
    if (!inDir.some(hasTest) && !inDir.some((f) => reported.has(f))) findings.push(noTest(dir));
  }
  return { tests, findings: sortFindings(findings) };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

type Raw = Record<string, unknown>;

function isMapping(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The object at `prefix` inside `parent`, read as an object of its own: findings about it name
 * the parent's file, line and full field path (`promotionObject.spec.stages[0]`).
 */
function nested(parent: LoadedObject, value: Raw, map: (p: FieldPath) => FieldPath): LoadedObject {
  const path = (p: FieldPath | string) => map(typeof p === 'string' ? parsePath(p) : p);
  return {
    file: parent.file,
    document: parent.document,
    listIndex: parent.listIndex,
    value,
    locate: (p, at) => parent.locate(path(p), at),
    has: (p) => parent.has(path(p)),
    locateInText: (p, line, column) => parent.locateInText(path(p), line, column),
    finding: (severity, p, message, at) => parent.finding(severity, path(p), message, at),
  };
}

/** Reads tests, loading each promotion and fleet file once however many tests share it. */
class Reader {
  readonly #promotionFiles = new Map<string, Promise<{ promotions: ClusterPromotion[]; findings: Finding[] }>>();
  readonly #fleetFiles = new Map<string, Promise<FleetSpec | Finding>>();

  async read(obj: LoadedObject): Promise<{ test?: RolloutTest; findings: Finding[] }> {
    const c = new Checker(obj);
    const v = obj.value;
    const where = (path: FieldPath): Where => {
      const pos = obj.locate(path, 'key');
      return { file: obj.file, line: pos.line, column: pos.column };
    };
    c.knownFields([], v, TEST_FIELDS);
    if (v.apiVersion !== ROLLOUT_TEST_API_VERSION) c.error(['apiVersion'], `must be ${ROLLOUT_TEST_API_VERSION}`);
    let name = '';
    if (c.required([], v, 'metadata') && c.mapping(['metadata'], v.metadata)) {
      const md = v.metadata;
      if (c.required(['metadata'], md, 'name') && c.string(['metadata', 'name'], md.name, { nonEmpty: true }))
        name = md.name;
    }
    const start = this.#start(c, v);
    const horizonMs =
      v.horizon === undefined
        ? DEFAULT_TEST_HORIZON_MS
        : (duration(c, ['horizon'], v.horizon) ?? DEFAULT_TEST_HORIZON_MS);
    let seed = 1;
    if (v.seed !== undefined && c.integer(['seed'], v.seed, 0)) seed = v.seed;

    const promotion = await this.#promotion(obj, c, v);
    const fleet = await this.#fleet(obj, c, v);
    if (start === undefined || !promotion || !fleet || c.findings.some((f) => f.severity === 'error'))
      return { findings: await c.finish() };

    const events = await this.#events(obj, c, v.events, start, promotion, fleet);
    const expect = this.#expectations(c, v.expect, start, promotion, events);
    const findings = await c.finish();
    if (findings.some((f) => f.severity === 'error')) return { findings };
    return {
      test: { name, where: where([]), promotion, fleet, start, horizonMs, seed, events, expect },
      findings,
    };
  }

  #start(c: Checker, v: Raw): number | undefined {
    if (v.start === undefined) {
      c.error(['start'], 'is required: the virtual time the rehearsal starts at, e.g. "2026-12-07T10:00:00Z"', 'key');
      return undefined;
    }
    if (typeof v.start !== 'string' || !RFC3339.test(v.start) || Number.isNaN(Date.parse(v.start))) {
      c.error(['start'], 'must be an RFC 3339 time such as "2026-12-07T10:00:00Z"');
      return undefined;
    }
    return Date.parse(v.start);
  }

  async #promotion(obj: LoadedObject, c: Checker, v: Raw): Promise<ClusterPromotion | undefined> {
    if ((v.promotion === undefined) === (v.promotionObject === undefined)) {
      c.error(
        [],
        'needs either promotion (a file, relative to this one) or promotionObject (the object inline)',
        'key',
      );
      return undefined;
    }
    let result: { promotions: ClusterPromotion[]; findings: Finding[] };
    let source: string;
    if (v.promotionObject !== undefined) {
      if (!c.mapping(['promotionObject'], v.promotionObject)) return undefined;
      source = 'promotionObject';
      const inline = nested(obj, v.promotionObject, (p) => ['promotionObject', ...p]);
      result = await validateObjects([inline]);
    } else {
      if (!c.string(['promotion'], v.promotion, { nonEmpty: true })) return undefined;
      source = join(dirname(obj.file), v.promotion);
      try {
        result = await this.#loadPromotionFile(source);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        c.error(['promotion'], e.message);
        return undefined;
      }
    }
    const errors = result.findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      c.findings.push(...errors);
      return undefined;
    }
    const { promotions } = result;
    if (v.promotionName !== undefined) {
      if (!c.string(['promotionName'], v.promotionName, { nonEmpty: true })) return undefined;
      const p = promotions.find((x) => x.metadata.name === v.promotionName);
      if (!p) {
        const names = promotions.map((x) => x.metadata.name).join(', ');
        c.error(['promotionName'], `${source} has no ClusterPromotion named "${v.promotionName}" (it has ${names})`);
      }
      return p;
    }
    if (promotions.length > 1) {
      const names = promotions.map((x) => x.metadata.name).join(', ');
      c.error(
        [v.promotion === undefined ? 'promotionObject' : 'promotion'],
        `${source} holds ${names}: pick one with promotionName`,
      );
      return undefined;
    }
    return promotions[0];
  }

  #loadPromotionFile(file: string): Promise<{ promotions: ClusterPromotion[]; findings: Finding[] }> {
    let p = this.#promotionFiles.get(file);
    if (!p) {
      p = loadPromotions([file]);
      this.#promotionFiles.set(file, p);
    }
    return p;
  }

  async #fleet(obj: LoadedObject, c: Checker, v: Raw): Promise<FleetSpec | undefined> {
    if ((v.fleet === undefined) === (v.fleetObject === undefined)) {
      c.error([], 'needs either fleet (a fleet file, relative to this one) or fleetObject (a Fleet inline)', 'key');
      return undefined;
    }
    try {
      if (v.fleetObject !== undefined) {
        if (!c.mapping(['fleetObject'], v.fleetObject)) return undefined;
        const inline = { apiVersion: FLEET_API_VERSION, kind: 'Fleet', ...v.fleetObject };
        return fleetFromObjects([nested(obj, inline, (p) => ['fleetObject', ...p])]);
      }
      if (!c.string(['fleet'], v.fleet, { nonEmpty: true })) return undefined;
      const file = join(dirname(obj.file), v.fleet);
      let p = this.#fleetFiles.get(file);
      if (!p) {
        p = loadFleet([file]).catch((e: unknown) => {
          if (e instanceof SourceError) return e.finding;
          if (e instanceof UserError) return obj.finding('error', ['fleet'], e.message);
          throw e;
        });
        this.#fleetFiles.set(file, p);
      }
      const fleet = await p;
      if ('clusters' in fleet) return fleet;
      c.findings.push(fleet);
      return undefined;
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      c.findings.push(e.finding);
      return undefined;
    }
  }

  // ---- events --------------------------------------------------------------------------------------------

  async #events(
    obj: LoadedObject,
    c: Checker,
    raw: unknown,
    start: number,
    promotion: ClusterPromotion,
    fleet: FleetSpec,
  ): Promise<TestEvent[]> {
    if (raw === undefined) return [];
    if (!c.list(['events'], raw)) return [];
    const read: TestEvent[] = [];
    const paths = new Map<TestEvent, FieldPath>();
    raw.forEach((entry, i) => {
      const path: FieldPath = ['events', i];
      if (!c.mapping(path, entry)) return;
      const pos = obj.locate(path, 'value');
      const where = { file: obj.file, line: pos.line, column: pos.column };
      c.knownFields(path, entry, ['at', ...ACTIONS, ...CLUSTER_CHANGES]);
      const at = entry.at === undefined ? undefined : instant(c, [...path, 'at'], entry.at, start);
      if (entry.at === undefined)
        c.error([...path, 'at'], 'is required: when, e.g. 8m (after start) or an RFC 3339 time', 'key');
      const action = this.#action(obj, c, path, entry, fleet);
      if (at === undefined || !action) return;
      const event: TestEvent = { ...action, at, where };
      paths.set(event, path);
      read.push(event);
    });
    // Stable: events at the same moment apply in the order they are written.
    const events = read.sort((a, b) => a.at - b.at);
    this.#replay(c, events, (e) => paths.get(e)!, promotion, fleet);
    return events;
  }

  #action(obj: LoadedObject, c: Checker, path: FieldPath, e: Raw, fleet: FleetSpec): TestAction | undefined {
    const given = ACTIONS.filter((k) => e[k] !== undefined);
    const changes = CLUSTER_CHANGES.filter((k) => e[k] !== undefined);
    if (given.length !== 1) {
      const what = given.length === 0 ? 'needs' : `has ${given.join(' and ')}: give only`;
      c.error(path, `${what} one of ${ACTIONS.join(', ')}`, 'key');
      return undefined;
    }
    const kind = given[0]!;
    if (kind !== 'cluster') {
      for (const k of changes)
        c.error([...path, k], `goes with cluster: NAME, e.g. {at: 5m, cluster: prod-1, ${k}: ...}`, 'key');
    }
    const p = (k: string): FieldPath => [...path, k];
    switch (kind) {
      case 'patch': {
        if (!c.mapping(p('patch'), e.patch)) return undefined;
        for (const k of Object.keys(e.patch)) {
          if (k !== 'spec' && k !== 'metadata')
            c.error(
              [...p('patch'), k],
              'a test patches the spec (and metadata labels and annotations); the engine writes the rest',
              'key',
            );
        }
        if (isMapping(e.patch.metadata)) {
          for (const k of Object.keys(e.patch.metadata)) {
            if (k !== 'labels' && k !== 'annotations')
              c.error(
                [...p('patch'), 'metadata', k],
                'only labels and annotations of the metadata can be patched',
                'key',
              );
          }
        }
        return { kind, patch: e.patch };
      }
      case 'approve':
      case 'revoke':
        return c.string(p(kind), e[kind], { nonEmpty: true }) ? { kind, stage: e[kind] } : undefined;
      case 'removeCluster':
        return c.string(p(kind), e[kind], { nonEmpty: true }) ? { kind, cluster: e[kind] } : undefined;
      case 'restartController':
        if (e.restartController !== true) {
          c.error(p(kind), 'must be true');
          return undefined;
        }
        return { kind };
      case 'addCluster': {
        if (!c.mapping(p(kind), e.addCluster)) return undefined;
        // As an entry of the test's fleet file: that file's defaults apply to it.
        const inline = {
          apiVersion: FLEET_API_VERSION,
          kind: 'Fleet',
          ...(fleet.defaults ? { defaults: fleet.defaults } : {}),
          clusters: [e.addCluster],
        };
        try {
          const spec = fleetFromObjects([
            nested(obj, inline, (q) => (q[0] === 'clusters' ? [...p(kind), ...q.slice(2)] : p(kind))),
          ]);
          if (spec.clusters.length !== 1) {
            c.error(p(kind), 'adds one cluster: leave count out');
            return undefined;
          }
          return { kind, cluster: spec.clusters[0]! };
        } catch (err) {
          if (!(err instanceof SourceError)) throw err;
          c.findings.push(err.finding);
          return undefined;
        }
      }
      case 'cluster': {
        if (!c.string(p(kind), e.cluster, { nonEmpty: true })) return undefined;
        if (changes.length === 0) {
          c.error(path, `says what happens to the cluster: ${CLUSTER_CHANGES.join(', ')}`, 'key');
          return undefined;
        }
        const out: TestAction & { kind: 'cluster' } = { kind, cluster: e.cluster };
        if (e.ready !== undefined && c.boolean(p('ready'), e.ready)) out.ready = e.ready;
        if (e.labels !== undefined && c.mapping(p('labels'), e.labels)) {
          for (const [k, val] of Object.entries(e.labels)) {
            if (val !== null && typeof val !== 'string')
              c.error([...p('labels'), k], `must be a string (quote it: "${String(val)}") or null to remove the label`);
          }
          out.labels = e.labels as Record<string, string | null>;
        }
        if (e.metric !== undefined && c.mapping(p('metric'), e.metric)) {
          for (const [k, val] of Object.entries(e.metric)) {
            if (typeof val !== 'number' || !Number.isFinite(val)) c.error([...p('metric'), k], 'must be a number');
          }
          out.metrics = e.metric as Record<string, number>;
        }
        if (e.failNextDeploy !== undefined) {
          if (e.failNextDeploy !== true) c.error(p('failNextDeploy'), 'must be true');
          else out.failNextDeploy = true;
        }
        return out;
      }
    }
  }

  /**
   * Plays the events against the promotion and fleet as written, in order, so that a test naming a
   * stage or cluster that is not there at that moment fails when it is read, not when it runs:
   * cluster names are resolved to `namespace/name`, patches are validated as the promotion they make.
   */
  #replay(
    c: Checker,
    events: TestEvent[],
    pathOf: (e: TestEvent) => FieldPath,
    initial: ClusterPromotion,
    fleet: FleetSpec,
  ): void {
    let promotion = initial;
    const clusters = new Set(fleet.clusters.map((x) => `${x.namespace}/${x.name}`));
    const resolve = (e: TestEvent, field: string, name: string): string | undefined => {
      if (name.includes('/')) {
        if (clusters.has(name)) return name;
      } else {
        const found = [...clusters].filter((k) => k.endsWith(`/${name}`));
        if (found.length === 1) return found[0];
        if (found.length > 1) {
          c.error(
            [...pathOf(e), field],
            `"${name}" is in several namespaces (${found.join(', ')}): write namespace/name`,
          );
          return undefined;
        }
      }
      c.error([...pathOf(e), field], `no cluster "${name}" in the fleet at that moment`);
      return undefined;
    };
    for (const e of events) {
      switch (e.kind) {
        case 'patch': {
          const next = mergePatch(promotion, e.patch) as ClusterPromotion;
          const problem = stagesProblem(next);
          if (problem) c.error([...pathOf(e), 'patch'], problem);
          else promotion = next;
          break;
        }
        case 'approve':
        case 'revoke': {
          const stage = (promotion.spec.stages ?? []).find((s) => s.name === e.stage);
          const names = (promotion.spec.stages ?? []).map((s) => s.name).join(', ');
          if (!stage)
            c.error(
              [...pathOf(e), e.kind],
              `the promotion has no stage "${e.stage}" at that moment (stages: ${names})`,
            );
          else if (!stage.trigger?.manual)
            c.error([...pathOf(e), e.kind], `stage "${e.stage}" has no manual trigger to ${e.kind}`);
          break;
        }
        case 'cluster': {
          const key = resolve(e, 'cluster', e.cluster);
          if (key) e.cluster = key;
          break;
        }
        case 'removeCluster': {
          const key = resolve(e, 'removeCluster', e.cluster);
          if (key) {
            e.cluster = key;
            clusters.delete(key);
          }
          break;
        }
        case 'addCluster': {
          const key = `${e.cluster.namespace}/${e.cluster.name}`;
          if (clusters.has(key))
            c.error([...pathOf(e), 'addCluster', 'name'], `cluster ${key} is already in the fleet at that moment`);
          clusters.add(key);
          break;
        }
        case 'restartController':
          break;
      }
    }
  }

  // ---- expectations --------------------------------------------------------------------------------------

  #expectations(
    c: Checker,
    raw: unknown,
    start: number,
    promotion: ClusterPromotion,
    events: TestEvent[],
  ): Expectation[] {
    if (raw === undefined) {
      c.error(['expect'], 'is required: a test without expectations checks nothing', 'key');
      return [];
    }
    if (!c.list(['expect'], raw)) return [];
    if (raw.length === 0) c.error(['expect'], 'is empty: a test without expectations checks nothing');
    const stageNames = new Set((promotion.spec.stages ?? []).map((s) => s.name));
    for (const e of events) {
      if (e.kind !== 'patch') continue;
      const stages = (e.patch.spec as { stages?: unknown } | undefined)?.stages;
      if (Array.isArray(stages))
        for (const s of stages) if (isMapping(s) && typeof s.name === 'string') stageNames.add(s.name);
    }
    const out: Expectation[] = [];
    raw.forEach((entry, i) => {
      const path: FieldPath = ['expect', i];
      if (!c.mapping(path, entry)) return;
      c.knownFields(path, entry, EXPECT_FIELDS);
      const pos = c.obj.locate(path, 'value');
      const where: Where = { file: c.obj.file, line: pos.line, column: pos.column };
      const time = (k: 'at' | 'by' | 'notBefore') =>
        entry[k] === undefined ? undefined : instant(c, [...path, k], entry[k], start);
      const at = time('at');
      const by = time('by');
      const notBefore = time('notBefore');
      const stage = () => {
        if (entry.stage === undefined) {
          c.error([...path, 'stage'], 'is required: the stage it is about', 'key');
          return undefined;
        }
        if (!c.string([...path, 'stage'], entry.stage, { nonEmpty: true })) return undefined;
        if (!stageNames.has(entry.stage))
          c.error(
            [...path, 'stage'],
            `the promotion has no stage "${entry.stage}" (stages: ${[...stageNames].join(', ')})`,
          );
        return entry.stage;
      };
      const regex = (k: string): RegExp | undefined => {
        if (!c.string([...path, k], entry[k], { nonEmpty: true })) return undefined;
        try {
          return new RegExp(entry[k] as string);
        } catch (e) {
          c.error([...path, k], `is not a regular expression: ${(e as Error).message}`);
          return undefined;
        }
      };
      const only = (allowed: readonly string[], what: string) => {
        for (const k of Object.keys(entry)) {
          if ((EXPECT_FIELDS as readonly string[]).includes(k) && !allowed.includes(k))
            c.error([...path, k], `does not go with ${what}`, 'key');
        }
      };
      const timesGiven = entry.at !== undefined || entry.by !== undefined || entry.notBefore !== undefined;
      if (entry.event !== undefined) {
        only(['event', 'stage', 'cluster', 'messageMatches', 'at', 'by', 'notBefore', 'never'], 'event');
        if (!c.oneOf([...path, 'event'], entry.event, SIMULATION_EVENT_TYPES)) return;
        if (entry.at !== undefined && (entry.by !== undefined || entry.notBefore !== undefined))
          c.error([...path, 'at'], 'give at (exactly then) or by/notBefore (a window), not both', 'key');
        if (entry.never !== undefined && entry.never !== true) c.error([...path, 'never'], 'must be true when given');
        const e: Expectation = { kind: 'event', event: entry.event, never: entry.never === true, where };
        if (entry.stage !== undefined) e.stage = stage();
        if (entry.cluster !== undefined && c.string([...path, 'cluster'], entry.cluster, { nonEmpty: true }))
          e.cluster = entry.cluster;
        if (entry.messageMatches !== undefined) e.messagePattern = regex('messageMatches');
        if (at !== undefined) e.at = at;
        if (by !== undefined) e.by = by;
        if (notBefore !== undefined) e.notBefore = notBefore;
        out.push(e);
      } else if (entry.outcome !== undefined) {
        only(['outcome', 'by'], 'outcome');
        if (c.oneOf([...path, 'outcome'], entry.outcome, OUTCOMES))
          out.push({ kind: 'outcome', outcome: entry.outcome, ...(by !== undefined ? { by } : {}), where });
      } else if (entry.failureMessageMatches !== undefined) {
        only(['failureMessageMatches', 'stage', 'at'], 'failureMessageMatches');
        const s = stage();
        const pattern = regex('failureMessageMatches');
        if (entry.at === undefined) c.error([...path, 'at'], 'is required: when the message is expected', 'key');
        if (s !== undefined && pattern && at !== undefined)
          out.push({ kind: 'failureMessage', stage: s, at, pattern, where });
      } else if (entry.phase !== undefined) {
        only(['phase', 'stage', 'at', 'by', 'notBefore'], 'phase');
        const s = stage();
        const ok = c.oneOf([...path, 'phase'], entry.phase, STAGE_PHASES);
        if (!timesGiven) {
          c.error(path, 'needs at (the phase then), or notBefore and/or by (when the phase may be reached)', 'key');
          return;
        }
        if (entry.at !== undefined && (entry.by !== undefined || entry.notBefore !== undefined)) {
          c.error([...path, 'at'], 'give at (the phase then) or by/notBefore (when it is reached), not both', 'key');
          return;
        }
        if (s === undefined || !ok) return;
        const phase = entry.phase as StagePhase;
        if (at !== undefined) out.push({ kind: 'phaseAt', stage: s, phase, at, where });
        else if (by !== undefined || notBefore !== undefined) {
          if (by !== undefined && notBefore !== undefined && notBefore > by)
            c.error([...path, 'notBefore'], 'is after by: no moment can satisfy both');
          out.push({
            kind: 'phaseWithin',
            stage: s,
            phase,
            ...(by !== undefined ? { by } : {}),
            ...(notBefore !== undefined ? { notBefore } : {}),
            where,
          });
        }
      } else {
        c.error(path, 'needs one of phase (with stage), outcome, failureMessageMatches (with stage) or event', 'key');
      }
    });
    return out;
  }
}

/** The stage list a patch leaves, when it makes one the engine cannot run; else undefined. */
function stagesProblem(p: ClusterPromotion): string | undefined {
  const stages = p.spec?.stages;
  if (!Array.isArray(stages) || stages.length === 0) return 'leaves the promotion without stages';
  const names = new Set<string>();
  for (const [i, s] of stages.entries()) {
    if (!isMapping(s) || typeof s.name !== 'string' || s.name === '')
      return `spec.stages[${i}] needs a name (a merge patch replaces the whole list: write every stage)`;
    if (names.has(s.name)) return `spec.stages has "${s.name}" twice`;
    names.add(s.name);
  }
  return undefined;
}

/** A Go duration after `start`, or an RFC 3339 time (not before `start`). */
function instant(c: Checker, path: FieldPath, v: unknown, start: number): number | undefined {
  if (v === 0) return start;
  if (typeof v === 'number') return duration(c, path, v);
  if (typeof v !== 'string') {
    c.error(path, 'must be a duration after start (8m, 1h30m) or an RFC 3339 time');
    return undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const ms = RFC3339.test(v) ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) {
      c.error(path, 'must be an RFC 3339 time such as "2026-12-07T14:00:00Z"');
      return undefined;
    }
    if (ms < start) {
      c.error(path, `is before the test's start (${new Date(start).toISOString()})`);
      return undefined;
    }
    return ms;
  }
  const ms = duration(c, path, v);
  return ms === undefined ? undefined : start + ms;
}

function duration(c: Checker, path: FieldPath, v: unknown): number | undefined {
  if (typeof v === 'number') {
    c.error(path, `a unit is missing: write ${v}s, ${v}m or ${v}h`);
    return undefined;
  }
  if (!c.string(path, v)) return undefined;
  try {
    return parseLongDuration(v);
  } catch (e) {
    if (!(e instanceof DurationError)) throw e;
    c.error(path, `${e.message} (days are written 30d)`);
    return undefined;
  }
}
