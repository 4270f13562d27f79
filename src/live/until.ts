// `status --until`: whether a promotion has reached what a CI job waits for, can never reach it
// (failed), or cannot reach it without a person (a manual gate waits). Waiting at a gate is the
// answer a pipeline most needs: a status command that hangs on a paused rollout is the complaint.
import { UserError } from '../user-error.ts';
import type { PromotionView, ViewStagePhase } from '../view/model.ts';

export type UntilTarget = { kind: 'done' } | { kind: 'gate' } | { kind: 'stage'; stage: string };

export type Verdict = 'reached' | 'failed' | 'needs-approval' | 'pending';

/** Exit codes of `status`. */
export const STATUS_EXIT = { reached: 0, failed: 2, 'needs-approval': 3, timeout: 4, api: 5 } as const;

export function parseUntil(value: string | undefined): UntilTarget {
  if (value === undefined || value === 'done') return { kind: 'done' };
  if (value === 'gate') return { kind: 'gate' };
  if (value.startsWith('stage:') && value.length > 'stage:'.length)
    return { kind: 'stage', stage: value.slice('stage:'.length) };
  throw new UserError(`--until ${value}: expected done, gate or stage:NAME`);
}

export function describeTarget(t: UntilTarget): string {
  return t.kind === 'stage' ? `the deployment of stage ${t.stage}` : t.kind === 'done' ? 'completion' : 'a manual gate';
}

/** Phases in which a stage's clusters all run the promotion's spec: the stage is deployed. */
const DEPLOYED: ReadonlySet<ViewStagePhase> = new Set([
  'Soaking',
  'Verifying',
  'CheckingHealth',
  'AwaitingWindow',
  'AwaitingApproval',
  'ApprovedAwaitingController',
  'Promoted',
  'Completed',
]);

export interface Judgement {
  verdict: Verdict;
  /** Why, in a sentence, for the last line `status` prints. */
  reason: string;
}

export function judge(view: PromotionView, target: UntilTarget): Judgement {
  if (target.kind === 'stage' && !view.stages.some((s) => s.name === target.stage)) {
    throw new UserError(
      `--until stage:${target.stage}: ${view.name} has no such stage (stages: ` +
        `${view.stages.map((s) => s.name).join(', ')})`,
    );
  }
  const current = view.current === null ? null : view.stages[view.current]!;
  const completed = view.phase === 'Completed';

  if (target.kind === 'stage') {
    const stage = view.stages.find((s) => s.name === target.stage)!;
    // A stage the pipeline already passed was deployed then, even if the view shows it as Promoted.
    if (DEPLOYED.has(stage.phase) || completed)
      return { verdict: 'reached', reason: `stage ${stage.name} is deployed (${stage.phase})` };
  }
  if (target.kind === 'done' && completed) return { verdict: 'reached', reason: 'completed' };
  if (target.kind === 'gate') {
    if (current?.phase === 'AwaitingApproval')
      return { verdict: 'reached', reason: `stage ${current.name} waits for approval` };
    if (completed) return { verdict: 'reached', reason: 'completed without stopping at a manual gate' };
  }
  if (current?.phase === 'Failed') {
    return {
      verdict: 'failed',
      reason: `stage ${current.name} failed${current.failureMessage ? `: ${current.failureMessage}` : ''}`,
    };
  }
  if (current?.phase === 'AwaitingApproval') {
    return {
      verdict: 'needs-approval',
      reason:
        `stage ${current.name} waits for approval, so ${describeTarget(target)} cannot happen without ` +
        `a person: kubectl promotion approve ${view.name} --stage ${current.name}`,
    };
  }
  return {
    verdict: 'pending',
    reason: current ? `stage ${current.name}: ${current.phase}` : 'not started by the controller yet',
  };
}
