// Running a RolloutTest: the rehearsal on the virtual clock with the test's events, recorded as a
// timeline of every stage's phases and failure messages, then each expectation judged against it.
// A result says, for a failure, what was seen instead and when: the line a person reads in CI.
import { formatDuration } from '../../src/duration.ts';
import type { StagePhase } from '../../src/engine/types.ts';
import { Simulation, type SimulationEvent, type SimulationResult } from '../driver.ts';
import type { HealthEvaluator } from '../fleet.ts';
import { rfc3339 } from '../../src/rfc3339.ts';
import type { EventSeen, Expectation, OutcomeBy, PhaseAt, PhaseWithin, RolloutTest } from './model.ts';
import { scheduleEvents } from './script.ts';

export interface ExpectationResult {
  expectation: Expectation;
  passed: boolean;
  /** What was expected, e.g. `production is Pending at +8m30s`. */
  expected: string;
  /** What was seen: for a failure, what happened instead and when. */
  seen: string;
  /** The virtual moment the verdict rests on, when there is one. */
  seenAt: number | null;
}

export interface TestResult {
  test: RolloutTest;
  passed: boolean;
  expectations: ExpectationResult[];
  run: SimulationResult;
}

export interface RunOptions {
  /** Evaluates health checks; the real Lua and CEL evaluator unless given (tests inject one). */
  health?: HealthEvaluator;
}

/** What one stage was, from when: several entries at one instant when it passed through a phase. */
interface PhaseEntry {
  at: number;
  /** null: the stage was not in the promotion then (removed by an edit). */
  phase: StagePhase | null;
}

interface FailureEntry {
  at: number;
  message: string | null;
}

/** Everything the rehearsal did, for judging expectations after it ended. */
class Recording {
  readonly phases = new Map<string, PhaseEntry[]>();
  readonly failures = new Map<string, FailureEntry[]>();

  notePhases(at: number, list: readonly { name: string; phase: StagePhase }[]): void {
    const present = new Set<string>();
    for (const { name, phase } of list) {
      present.add(name);
      this.#push(this.phases, name, { at, phase });
    }
    for (const [name, entries] of this.phases) {
      if (!present.has(name) && entries[entries.length - 1]!.phase !== null) entries.push({ at, phase: null });
    }
  }

  noteFailures(at: number, stages: readonly { name: string; failureMessage?: string }[] | undefined): void {
    const seen = new Set<string>();
    for (const s of stages ?? []) {
      seen.add(s.name);
      this.#push(this.failures, s.name, { at, message: s.failureMessage ?? null });
    }
    for (const [name, entries] of this.failures) {
      if (!seen.has(name) && entries[entries.length - 1]!.message !== null) entries.push({ at, message: null });
    }
  }

  #push<T extends { at: number }>(map: Map<string, T[]>, key: string, entry: T): void {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    const last = list[list.length - 1];
    if (last && sameValue(last, entry)) return;
    list.push(entry);
  }

  /** The settled phase at `t`: the last one decided at or before it; Pending before the first. */
  phaseAt(stage: string, t: number): PhaseEntry {
    const list = this.phases.get(stage) ?? [];
    let found: PhaseEntry = { at: Number.NEGATIVE_INFINITY, phase: 'Pending' };
    for (const e of list) {
      if (e.at > t) break;
      found = e;
    }
    return found;
  }

  failureAt(stage: string, t: number): FailureEntry {
    let found: FailureEntry = { at: Number.NEGATIVE_INFINITY, message: null };
    for (const e of this.failures.get(stage) ?? []) {
      if (e.at > t) break;
      found = e;
    }
    return found;
  }
}

function sameValue(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return Object.keys(y).every((k) => k === 'at' || x[k] === y[k]);
}

export async function runRolloutTest(test: RolloutTest, options: RunOptions = {}): Promise<TestResult> {
  const moments = [
    ...test.events.map((e) => e.at),
    ...test.expect.flatMap((e) => [
      'at' in e ? e.at : undefined,
      'by' in e ? e.by : undefined,
      'notBefore' in e ? e.notBefore : undefined,
    ]),
  ].filter((t): t is number => t !== undefined);
  const last = Math.max(test.start, ...moments);
  const sim = new Simulation({
    promotion: test.promotion,
    fleet: test.fleet,
    start: test.start,
    // Never stop before the last moment the test speaks of.
    horizonMs: Math.max(test.horizonMs, last - test.start),
    seed: test.seed,
    ...(options.health ? { health: options.health } : {}),
  });
  const rec = new Recording();
  sim.onPhases((at, phases) => rec.notePhases(at, phases));
  sim.onChange(() => rec.noteFailures(sim.nowMs(), sim.promotion().status?.stages));
  scheduleEvents(sim, test.events);
  await sim.advanceTo(last);
  const run = await sim.run();
  rec.noteFailures(run.endedAt, sim.promotion().status?.stages);
  const judge = new Judge(test, rec, run);
  const expectations = test.expect.map((e) => judge.check(e));
  return { test, passed: expectations.every((r) => r.passed), expectations, run };
}

class Judge {
  constructor(
    private readonly test: RolloutTest,
    private readonly rec: Recording,
    private readonly run: SimulationResult,
  ) {}

  /** `+8m30s`, and the absolute time too for readers who wrote one. */
  when(t: number): string {
    return `+${formatDuration(t - this.test.start)} (${rfc3339(t)})`;
  }

  check(e: Expectation): ExpectationResult {
    switch (e.kind) {
      case 'phaseAt':
        return this.phaseAt(e);
      case 'phaseWithin':
        return this.phaseWithin(e);
      case 'outcome':
        return this.outcome(e);
      case 'failureMessage': {
        const expected = `stage ${e.stage}'s failure message at ${this.when(e.at)} matches /${e.pattern.source}/`;
        const f = this.rec.failureAt(e.stage, e.at);
        const passed = f.message !== null && e.pattern.test(f.message);
        const since = Number.isFinite(f.at) ? `, since ${this.when(f.at)}` : '';
        const seen = f.message === null ? `it had none${since}` : `it was "${f.message}"${since}`;
        return { expectation: e, passed, expected, seen, seenAt: Number.isFinite(f.at) ? f.at : null };
      }
      case 'event':
        return this.event(e);
    }
  }

  phaseAt(e: PhaseAt & { where: Expectation['where'] }): ExpectationResult {
    const expected = `stage ${e.stage} is ${e.phase} at ${this.when(e.at)}`;
    const got = this.rec.phaseAt(e.stage, e.at);
    const since = Number.isFinite(got.at) ? ` since ${this.when(got.at)}` : '';
    const seen =
      got.phase === null ? `the promotion had no stage ${e.stage} then${since}` : `it was ${got.phase}${since}`;
    return {
      expectation: e,
      passed: got.phase === e.phase,
      expected,
      seen,
      seenAt: Number.isFinite(got.at) ? got.at : null,
    };
  }

  phaseWithin(e: PhaseWithin & { where: Expectation['where'] }): ExpectationResult {
    const parts: string[] = [];
    if (e.notBefore !== undefined) parts.push(`not before ${this.when(e.notBefore)}`);
    if (e.by !== undefined) parts.push(`by ${this.when(e.by)}`);
    const expected = `stage ${e.stage} is ${e.phase} ${parts.join(' and ')}`;
    const entries = (this.rec.phases.get(e.stage) ?? []).filter((x) => x.phase === e.phase);
    const first = entries[0];
    const result = (passed: boolean, seen: string, seenAt: number | null): ExpectationResult => ({
      expectation: e,
      passed,
      expected,
      seen,
      seenAt,
    });
    if (e.notBefore !== undefined) {
      const early = entries.find((x) => x.at < e.notBefore!);
      if (early) return result(false, `it was ${e.phase} at ${this.when(early.at)}`, early.at);
    }
    if (e.by !== undefined) {
      if (!first) return result(false, `it never was: ${this.ended(e.stage)}`, null);
      if (first.at > e.by) return result(false, `it was ${e.phase} only at ${this.when(first.at)}`, first.at);
    }
    if (!first) return result(true, `it never was (${this.ended(e.stage)})`, null);
    return result(true, `it was first ${e.phase} at ${this.when(first.at)}`, first.at);
  }

  /** How the stage stood when the run ended, for "it never was". */
  ended(stage: string): string {
    const last = this.rec.phaseAt(stage, this.run.endedAt);
    const where = last.phase === null ? `stage ${stage} was removed` : `stage ${stage} ended ${last.phase}`;
    return `${where}; the run ended ${this.run.outcome} at ${this.when(this.run.endedAt)}`;
  }

  outcome(e: OutcomeBy & { where: Expectation['where'] }): ExpectationResult {
    const expected = `the run ends ${e.outcome}${e.by !== undefined ? ` by ${this.when(e.by)}` : ''}`;
    const reachedAt = this.outcomeReachedAt();
    const seenAt = reachedAt;
    if (this.run.outcome !== e.outcome)
      return {
        expectation: e,
        passed: false,
        expected,
        seen: `it ended ${this.run.outcome} at ${this.when(reachedAt)}: ${this.run.reason}`,
        seenAt,
      };
    if (e.by !== undefined && reachedAt > e.by)
      return {
        expectation: e,
        passed: false,
        expected,
        seen: `it was ${e.outcome} only at ${this.when(reachedAt)}`,
        seenAt,
      };
    return { expectation: e, passed: true, expected, seen: `${e.outcome} at ${this.when(reachedAt)}`, seenAt };
  }

  /** When the run's final state began: completion, or the current stage entering its last phase. */
  outcomeReachedAt(): number {
    if (this.run.outcome === 'Completed' && this.run.completedAt !== null) return this.run.completedAt;
    const current = this.run.stages.find((s) => s.phase !== 'Promoted' && s.phase !== 'Pending');
    if (!current) return this.run.endedAt;
    const at = this.rec.phaseAt(current.name, this.run.endedAt).at;
    return Number.isFinite(at) ? at : this.run.endedAt;
  }

  event(e: EventSeen & { where: Expectation['where'] }): ExpectationResult {
    const of = [e.stage ? `stage ${e.stage}` : '', e.cluster ? `cluster ${e.cluster}` : ''].filter(Boolean).join(', ');
    const what = `${e.event}${of ? ` (${of})` : ''}${e.messagePattern ? ` matching /${e.messagePattern.source}/` : ''}`;
    const bounds: string[] = [];
    if (e.at !== undefined) bounds.push(`at ${this.when(e.at)}`);
    if (e.notBefore !== undefined) bounds.push(`not before ${this.when(e.notBefore)}`);
    if (e.by !== undefined) bounds.push(`by ${this.when(e.by)}`);
    const inBounds = (x: SimulationEvent) =>
      (e.at === undefined || x.at === e.at) &&
      (e.notBefore === undefined || x.at >= e.notBefore) &&
      (e.by === undefined || x.at <= e.by);
    const matching = this.run.events.filter(
      (x) =>
        x.type === e.event &&
        (e.stage === undefined || x.stage === e.stage) &&
        (e.cluster === undefined || x.cluster === e.cluster || x.cluster?.endsWith(`/${e.cluster}`) === true) &&
        (e.messagePattern === undefined || e.messagePattern.test(x.message)),
    );
    const hit = matching.find(inBounds);
    const expected = `${e.never ? 'no ' : ''}${what}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
    const r = (passed: boolean, seen: string, seenAt: number | null): ExpectationResult => ({
      expectation: e,
      passed,
      expected,
      seen,
      seenAt,
    });
    if (e.never) {
      return hit
        ? r(false, `it happened at ${this.when(hit.at)}: ${hit.message}`, hit.at)
        : r(true, matching.length ? `it happened only at ${this.when(matching[0]!.at)}` : 'it never happened', null);
    }
    if (hit) return r(true, `at ${this.when(hit.at)}: ${hit.message}`, hit.at);
    if (matching.length === 0)
      return r(false, `it never happened (the run ended ${this.run.outcome} at ${this.when(this.run.endedAt)})`, null);
    const times = matching.slice(0, 3).map((x) => this.when(x.at));
    const more = matching.length > 3 ? ` and ${matching.length - 3} more` : '';
    return r(false, `it happened at ${times.join(', ')}${more}`, matching[0]!.at);
  }
}

/** For summaries: how many expectations passed and failed. */
export function countResults(results: readonly TestResult[]): {
  tests: number;
  failedTests: number;
  passed: number;
  failed: number;
} {
  let passed = 0;
  let failed = 0;
  for (const t of results) for (const e of t.expectations) e.passed ? passed++ : failed++;
  return { tests: results.length, failedTests: results.filter((t) => !t.passed).length, passed, failed };
}
