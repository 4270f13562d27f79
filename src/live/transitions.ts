// Lines for output without a terminal (`watch` piped, `status`, `list -w`): one per change of a
// stage's phase, so a log shows every step of the rollout and nothing else.
import { fullTime, PHASE_LABEL, stageDetail } from '../view/format.ts';
import type { PromotionView } from '../view/model.ts';

export interface Transition {
  promotion: string;
  /** null: the promotion itself appeared or went away. */
  stage: string | null;
  from: string | null;
  to: string;
  detail: string;
}

/**
 * The phase changes from one view of a promotion to the next. A jump over several phases at once
 * (the stream was down meanwhile) still gives one line per stage that moved.
 */
export function transitions(previous: PromotionView | null, next: PromotionView | null): Transition[] {
  if (!next)
    return previous ? [{ promotion: previous.name, stage: null, from: 'present', to: 'deleted', detail: '' }] : [];
  const out: Transition[] = [];
  if (!previous)
    out.push({ promotion: next.name, stage: null, from: null, to: next.phase, detail: `${next.stageCount} stages` });
  for (const stage of next.stages) {
    const before = previous?.stages.find((s) => s.name === stage.name);
    const from = before ? before.phase : null;
    if (from === stage.phase) continue;
    // Stages not reached yet are noise on the first line of a promotion.
    if (!before && stage.phase === 'Pending') continue;
    out.push({
      promotion: next.name,
      stage: stage.name,
      from: from === null ? null : PHASE_LABEL[from],
      to: PHASE_LABEL[stage.phase],
      detail: stageDetail(stage, next.now),
    });
  }
  return out;
}

/** `2025-01-02 03:04:05Z demo staging: Deploying -> Soaking (soak ends in 5m (03:09:05Z))`. */
export function formatTransition(t: Transition, at: number): string {
  const subject = t.stage === null ? t.promotion : `${t.promotion} ${t.stage}`;
  const change = t.from === null ? t.to : `${t.from} -> ${t.to}`;
  return `${fullTime(at)} ${subject}: ${change}${t.detail ? ` (${t.detail})` : ''}`;
}
