// ValidateHealth checks against one managed cluster, with addon-controller's outcomes and
// wording: a failing check leaves the ClusterSummary feature Failed with `message` as its
// failureMessage.
import { setImmediate } from 'node:timers/promises';
import type { FeatureID, JobCheck, KubeObject, ValidateHealth } from '../api/types.ts';
import { evaluateCelRules } from './cel.ts';
import type { ApiKind } from './kinds.ts';
import { defaultKindExists } from './kinds.ts';
import type { LuaRunOptions } from './lua.ts';
import { runHealthScript } from './lua.ts';
import { labelFilterProblem, selectObjects } from './select.ts';

export interface ClusterObjects {
  objects: readonly KubeObject[];
  /** Whether the API kind exists in the cluster (a check on a missing kind passes). */
  kindExists(group: string, version: string, kind: string): boolean;
  /**
   * What the cluster's metric endpoint answers now to the query of that name; undefined is no data.
   * Absent: no metric answers anything (PromQL is never evaluated: the fleet gives the answers).
   */
  metric?(name: string): number | undefined;
  /** Where a jobCheck's Job is on this cluster now (the caller creates it when first asked). */
  job?(check: ValidateHealth & { jobCheck: JobCheck }): JobStatus;
}

/** A jobCheck's Job as the check sees it: its `namespace/name` and how far it got. */
export interface JobStatus {
  job: string;
  state: 'Running' | 'Complete' | 'Failed' | 'TimedOut';
  /** The timeout in force, as Go prints a duration (5m0s). */
  timeout: string;
  /** A failed Job's Failed condition, `reason: message` as the Job controller writes it. */
  condition?: string;
}

export interface CheckOutcome {
  check: string;
  featureID: FeatureID;
  healthy: boolean;
  message: string;
}

export type EvaluateOptions = LuaRunOptions;

/** A cluster's objects with the default notion of which kinds exist (see defaultKindExists). */
export function clusterObjects(objects: readonly KubeObject[], extraKinds: readonly ApiKind[] = []): ClusterObjects {
  return { objects, kindExists: defaultKindExists(objects, extraKinds) };
}

/**
 * One outcome per check, in the order given. addon-controller stops a feature at its first
 * failing check, so that outcome is the one its ClusterSummary shows (see firstFailures).
 */
export async function evaluateHealthChecks(
  checks: readonly ValidateHealth[],
  cluster: ClusterObjects,
  options: EvaluateOptions = {},
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  const failed = new Map<FeatureID, string>();
  for (const check of checks) {
    // addon-controller returns at a feature's first failing check: the later ones do not run (a
    // jobCheck after it starts no Job), so they cannot pass either.
    const first = failed.get(check.featureID);
    if (first !== undefined) {
      outcomes.push({
        check: check.name,
        featureID: check.featureID,
        healthy: false,
        message: `not evaluated: health check '${first}' for feature ${check.featureID} failed first`,
      });
      continue;
    }
    const failure = await firstProblem(check, cluster, options);
    if (failure !== null && !failure.pass) failed.set(check.featureID, check.name);
    outcomes.push({
      check: check.name,
      featureID: check.featureID,
      healthy: failure === null || failure.pass,
      message:
        failure === null
          ? 'all selected resources are healthy'
          : failure.pass
            ? failure.text
            : `health check '${check.name}' for feature ${check.featureID} failed: ${failure.text}`,
    });
  }
  return outcomes;
}

/** For each feature, the outcome addon-controller reports: its first failing check. */
export function firstFailures(outcomes: readonly CheckOutcome[]): Map<FeatureID, CheckOutcome> {
  const failures = new Map<FeatureID, CheckOutcome>();
  for (const o of outcomes) {
    if (!o.healthy && !failures.has(o.featureID)) failures.set(o.featureID, o);
  }
  return failures;
}

type Problem = { pass: boolean; text: string } | null;

async function firstProblem(
  check: ValidateHealth,
  cluster: ClusterObjects,
  options: EvaluateOptions,
): Promise<Problem> {
  if (check.jobCheck) return jobProblem({ ...check, jobCheck: check.jobCheck }, cluster);

  const metrics = fetchMetrics(check, cluster);
  if (typeof metrics === 'string') return { pass: false, text: metrics };
  const runOptions = { ...options, metrics };
  if (!check.kind) return metricsOnly(check, runOptions);

  const group = check.group ?? '';
  // The CRD leaves version optional; an empty one names no served version, as the REST mapper finds none.
  const version = check.version ?? '';
  if (!cluster.kindExists(group, version, check.kind)) {
    const apiVersion = group === '' ? version : `${group}/${version}`;
    return { pass: true, text: `${check.kind} (${apiVersion}) does not exist in the cluster, so the check passes` };
  }

  // The API server refuses a list request whose label selector does not parse.
  for (const [i, filter] of (check.labelFilters ?? []).entries()) {
    const problem = labelFilterProblem(filter);
    if (problem) return { pass: false, text: `labelFilters[${i}]: ${problem}` };
  }

  const selected = selectObjects(check, cluster.objects);
  if (selected.length === 0) return { pass: false, text: `validateHealth: ${check.name} did not fetch any resource` };

  for (const obj of selected) {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name;
    const notHealthy = `resource ${obj.kind} ${ns}/${name} is not healthy`;

    if (check.script) {
      await yieldToEventLoop();
      const lua = await runHealthScript(check.script, obj, runOptions);
      if (!lua.ok) return { pass: false, text: `resource ${obj.kind} ${ns}/${name}: ${lua.error}` };
      if (!lua.healthy) {
        return {
          pass: false,
          text: `${notHealthy} ${goQuote(`resource ${ns}/${name} is not healthy: ${lua.message}`)}`,
        };
      }
    }

    if (check.evaluateCEL?.length) await yieldToEventLoop();
    const cel = evaluateCelRules(check.evaluateCEL ?? [], obj);
    if (!cel.healthy) {
      // libsveltos only logs why a rule could not answer; the reason is what the user needs.
      const why = cel.failures.map((f) => `CEL rule ${JSON.stringify(f.rule)}: ${f.message}`).join('; ');
      return { pass: false, text: why ? `${notHealthy} (${why})` : notHealthy };
    }
  }
  return null;
}

/**
 * Each script or rule is bounded (instructions, memory, CEL cost) and runs as a slice of its own:
 * between slices whoever shares the event loop (the served API) gets its turn.
 */
function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}

/**
 * The metric values a check's script sees, or why the check fails: as addon-controller, only a
 * check with both a metricSource and metricQueries asks anything, and a query that answers no data
 * fails the check before any script runs.
 */
function fetchMetrics(check: ValidateHealth, cluster: ClusterObjects): Record<string, number> | string {
  const metrics: Record<string, number> = {};
  if (!check.metricSource || !check.metricQueries?.length) return metrics;
  for (const q of check.metricQueries) {
    const value = cluster.metric?.(q.name);
    if (value === undefined) return `metric query ${goQuote(q.name)}: metric query returned no data`;
    metrics[q.name] = value;
  }
  return metrics;
}

/**
 * A jobCheck passes when its Job completes; it fails when the Job fails or outlives the timeout.
 * Sveltos Enterprise's own wording is not public (open addon-controller only has the stub that says
 * a JobCheck "requires a Sveltos Enterprise build"): the messages name the check as that stub does,
 * the Job, and the Job controller's reason and message from the Failed condition.
 */
function jobProblem(check: ValidateHealth & { jobCheck: JobCheck }, cluster: ClusterObjects): Problem {
  if (!cluster.job) {
    return { pass: false, text: `JobCheck (${check.name}): this cluster runs no Jobs (only the simulated fleet does)` };
  }
  const status = cluster.job(check);
  const why = status.condition ? ` (${status.condition})` : '';
  switch (status.state) {
    case 'Complete':
      return null;
    case 'Failed':
      return { pass: false, text: `JobCheck (${check.name}): job ${status.job} failed${why}` };
    case 'TimedOut':
      return {
        pass: false,
        text:
          `JobCheck (${check.name}): job ${status.job} did not complete within its timeout of ` +
          `${status.timeout}${why}`,
      };
    default:
      return { pass: false, text: `JobCheck (${check.name}): job ${status.job} has not completed yet` };
  }
}

/** A check without a kind only runs its script once, with `obj` nil. */
async function metricsOnly(check: ValidateHealth, options: EvaluateOptions): Promise<Problem> {
  if (!check.script) {
    return { pass: false, text: `validateHealth ${check.name}: metric-only check (no kind set) requires a Lua script` };
  }
  await yieldToEventLoop();
  const lua = await runHealthScript(check.script, null, options);
  if (!lua.ok) return { pass: false, text: lua.error };
  return lua.healthy ? null : { pass: false, text: `metric health check failed: ${lua.message}` };
}

// Go's %q, which addon-controller uses to embed the script's message; JSON string syntax agrees
// with it for every printable character.
function goQuote(s: string): string {
  return JSON.stringify(s);
}
