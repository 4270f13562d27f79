// What a simulated cluster gives its health checks besides objects: metric answers on the virtual
// clock and jobCheck Jobs. The fleet owns the clock, the queue and the anchors; this says what a
// metric answers at a moment, when it next changes, and what a Job looks like as it runs and ends.
import type { KubeObject } from '../src/api/types.ts';
import type { JobBehaviour, MetricSeries } from './fleet-spec.ts';

/**
 * What the metric answers at `now` when its steps count from `start` (the moment the cluster began
 * deploying the content checked); undefined is no data: before the first step, or no anchor yet.
 */
export function metricValue(series: MetricSeries | undefined, start: number | undefined, now: number) {
  if (series === undefined || typeof series === 'number') return series;
  if (start === undefined) return undefined;
  let value: number | undefined;
  for (const step of series) if (start + step.afterMs <= now) value = step.value;
  return value;
}

/** When the metric's answer last changed by its steps, at or before `now`; undefined: never (or a constant). */
export function lastStepAt(series: MetricSeries | undefined, start: number | undefined, now: number) {
  if (series === undefined || typeof series === 'number' || start === undefined) return undefined;
  let at: number | undefined;
  for (const step of series) if (start + step.afterMs <= now) at = start + step.afterMs;
  return at;
}

/** The next moment after `now` the metric changes its answer, or null when it never will again. */
export function nextMetricChange(series: MetricSeries | undefined, start: number, now: number): number | null {
  if (series === undefined || typeof series === 'number') return null;
  for (const step of series) if (start + step.afterMs > now) return start + step.afterMs;
  return null;
}

export type JobEnd = 'Complete' | 'Failed' | 'TimedOut';

// The Job controller's words on the Failed condition (pkg/controller/job).
const BACKOFF_MESSAGE = 'Job has reached the specified backoff limit';
const DEADLINE_MESSAGE = 'Job was active longer than specified deadline';

/**
 * A jobCheck's Job on one cluster: created running, it ends after the fleet's duration with its
 * outcome, or at the check's timeout if that comes first, as the Job controller fails a Job past
 * the activeDeadlineSeconds Sveltos sets from the timeout.
 */
export class JobRun {
  object: KubeObject;
  readonly endsAt: number;
  readonly end: JobEnd;
  done = false;

  constructor(
    readonly key: string,
    meta: { name: string; namespace: string; check: string },
    behaviour: JobBehaviour,
    readonly timeoutMs: number,
    now: number,
  ) {
    const late = behaviour.durationMs > timeoutMs;
    this.endsAt = now + (late ? timeoutMs : behaviour.durationMs);
    this.end = late ? 'TimedOut' : behaviour.outcome;
    const started = new Date(now).toISOString();
    this.object = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: meta.name,
        namespace: meta.namespace,
        labels: { 'kubectl-promotion.dev/health-check': meta.check },
        creationTimestamp: started,
      },
      spec: { activeDeadlineSeconds: Math.floor(timeoutMs / 1000), backoffLimit: 0 },
      status: { active: 1, startTime: started },
    };
  }

  get name(): string {
    return `${this.object.metadata.namespace}/${this.object.metadata.name}`;
  }

  /** The Failed condition's `reason: message`, once the Job has failed. */
  get failure(): string | undefined {
    const conditions = (this.object.status as { conditions?: { type: string; reason?: string; message?: string }[] })
      .conditions;
    const failed = conditions?.find((c) => c.type === 'Failed');
    return failed ? `${failed.reason}: ${failed.message}` : undefined;
  }

  /** The Job finishes at `now`: its status as the Job controller writes it; returns what happened. */
  finish(now: number): string {
    this.done = true;
    const at = new Date(now).toISOString();
    const startTime = (this.object.status as { startTime: string }).startTime;
    const status =
      this.end === 'Complete'
        ? { startTime, succeeded: 1, completionTime: at, conditions: [condition('Complete', at)] }
        : this.end === 'Failed'
          ? { startTime, failed: 1, conditions: [condition('Failed', at, 'BackoffLimitExceeded', BACKOFF_MESSAGE)] }
          : {
              startTime,
              failed: 1,
              conditions: [condition('Failed', at, 'DeadlineExceeded', DEADLINE_MESSAGE)],
            };
    this.object = { ...this.object, status };
    return this.end === 'Complete' ? 'completed' : this.end === 'Failed' ? 'failed' : 'passed its deadline';
  }
}

function condition(type: string, at: string, reason?: string, message?: string) {
  return {
    type,
    status: 'True',
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    lastTransitionTime: at,
  };
}

/** A duration as Go prints it (5m0s, 1h30m0s, 45s), as Sveltos's messages show a timeout. */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}
