// One line per promotion for `list`: where it stands and what it waits for, in kubectl's table style.
import type { ClusterPromotion } from '../api/types.ts';
import { PHASE_LABEL } from '../view/format.ts';
import type { PromotionView, StageView, ViewStagePhase } from '../view/model.ts';
import { humanDuration, kubectlAge } from '../duration.ts';

export const LIST_COLUMNS = ['NAME', 'STAGE', 'PHASE', 'CLUSTERS', 'WAITING-FOR', 'AGE'] as const;
export const WIDE_COLUMNS = [...LIST_COLUMNS, 'TRIGGER', 'MESSAGE'] as const;

export interface ListRow {
  name: string;
  /** `2/4 staging`; `0/4` before the controller started. */
  stage: string;
  phase: string;
  /** Provisioned of the current stage's clusters: `3/5`. */
  clusters: string;
  waitingFor: string;
  age: string;
  trigger: string;
  message: string;
}

export function currentStage(view: PromotionView): StageView | null {
  return view.current === null ? null : (view.stages[view.current] ?? null);
}

/** The phase to show for the promotion: its current stage's, which says more than the overall one. */
export function promotionPhase(view: PromotionView): ViewStagePhase | 'NotStarted' {
  return currentStage(view)?.phase ?? 'NotStarted';
}

/** What the promotion waits for, short: `approval for 12m`, `soak 4m12s`, `window 2h5m`. */
export function waitingFor(stage: StageView | null, now: number): string {
  if (!stage) return 'controller';
  const t = stage.times;
  const since = t.waitingSince !== undefined ? ` for ${humanDuration(now - t.waitingSince)}` : '';
  switch (stage.phase) {
    case 'Deploying':
      return stage.progress.failing > 0 ? `deploy (${stage.progress.failing} failing)` : 'deploy';
    case 'Soaking':
      return t.soakEndsAt !== undefined ? `soak ${humanDuration(t.soakEndsAt - now)}` : 'soak';
    case 'Verifying':
      return 'verification';
    case 'CheckingHealth':
      return 'health checks';
    case 'AwaitingWindow':
      return t.windowOpensAt !== undefined
        ? `window ${humanDuration(t.windowOpensAt - now)}`
        : 'window (none scheduled)';
    case 'AwaitingApproval':
      return `approval${since}`;
    case 'ApprovedAwaitingController':
      return 'controller (approved)';
    case 'Failed':
    case 'Completed':
    case 'Promoted':
    case 'Pending':
      return '-';
  }
}

export function listRow(promotion: ClusterPromotion, view: PromotionView): ListRow {
  const stage = currentStage(view);
  const phase = promotionPhase(view);
  const created = Date.parse(promotion.metadata.creationTimestamp ?? '');
  return {
    name: view.name,
    stage: stage ? `${stage.index + 1}/${view.stageCount} ${stage.name}` : `0/${view.stageCount}`,
    phase: phase === 'NotStarted' ? 'NotStarted' : PHASE_LABEL[phase],
    clusters: stage ? `${stage.progress.provisioned}/${stage.progress.total}` : '-',
    waitingFor: waitingFor(stage, view.now),
    age: Number.isNaN(created) ? '<unknown>' : kubectlAge(view.now - created),
    trigger: stage ? stage.trigger : '-',
    message: view.note ?? stage?.failureMessage ?? stage?.description ?? '',
  };
}

export function rowCells(row: ListRow, wide: boolean): string[] {
  const cells = [row.name, row.stage, row.phase, row.clusters, row.waitingFor, row.age];
  return wide ? [...cells, row.trigger, row.message || '-'] : cells;
}

/** The part of a row that changes only when the rollout does (not the ticking countdowns). */
export function rowIdentity(row: ListRow): string {
  return [row.stage, row.phase, row.clusters, row.waitingFor.replace(/ \S*\d\S*$/, ''), row.message].join('\u0000');
}
