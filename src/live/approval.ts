// Deciding what `approve` and `revoke` write. The patch names the stage by index, so it carries
// `test` operations on that stage's name and on the object's resourceVersion: if anyone edited the
// promotion since it was read (stages reordered, the stage already advanced), the server refuses
// it instead of approving something the user did not confirm.
import type { ClusterPromotion } from '../api/types.ts';
import type { JsonPatchOp } from '../engine/types.ts';
import type { PromotionView } from '../view/model.ts';

const NO_APPROVAL_TO_REVOKE = 'there is no approval to revoke';

export type ApprovalDecision =
  | {
      kind: 'approve';
      stage: string;
      index: number;
      /** The stage has not reached its gate yet: the approval waits there for it. */
      ahead: boolean;
      patch: JsonPatchOp[];
    }
  /** Nothing to write; `message` says why that is fine (already approved). */
  | { kind: 'nothing'; stage: string; index: number; message: string }
  /** The request cannot be honoured; `message` says what to do instead. */
  | { kind: 'refuse'; message: string };

export type RevokeDecision =
  | { kind: 'revoke'; stage: string; index: number; passed: boolean; patch: JsonPatchOp[] }
  | { kind: 'nothing'; stage: string; index: number; message: string }
  | { kind: 'refuse'; message: string };

function guard(promotion: ClusterPromotion, index: number, stage: string): JsonPatchOp[] {
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: promotion.metadata.resourceVersion },
    { op: 'test', path: `/spec/stages/${index}/name`, value: stage },
  ];
}

function findStage(promotion: ClusterPromotion, name: string): { index: number } | { error: string } {
  const stages = promotion.spec.stages ?? [];
  const index = stages.findIndex((s) => s.name === name);
  if (index >= 0) return { index };
  return {
    error:
      `promotion ${promotion.metadata.name} has no stage "${name}" (stages: ` +
      `${stages.map((s) => s.name).join(', ') || 'none'})`,
  };
}

/** Which stage to approve, and the guarded patch that approves it. */
export function decideApproval(promotion: ClusterPromotion, view: PromotionView, requested?: string): ApprovalDecision {
  const name = promotion.metadata.name;
  let index: number;
  if (requested === undefined) {
    const waiting = view.stages.find((s) => s.phase === 'AwaitingApproval');
    if (!waiting) {
      const approved = view.stages.find((s) => s.phase === 'ApprovedAwaitingController');
      if (approved) {
        return {
          kind: 'nothing',
          stage: approved.name,
          index: approved.index,
          message: `stage ${approved.name} of ${name} is already approved; waiting for the controller`,
        };
      }
      const current = view.current === null ? null : view.stages[view.current]!;
      const where = current
        ? `its current stage ${current.name} is ${current.phase}`
        : 'the controller has not started it';
      return {
        kind: 'refuse',
        message:
          `no stage of ${name} is waiting for approval (${where}); to approve a later stage ahead of ` +
          `its gate, name it with --stage`,
      };
    }
    index = waiting.index;
  } else {
    const found = findStage(promotion, requested);
    if ('error' in found) return { kind: 'refuse', message: found.error };
    index = found.index;
  }

  const stage = promotion.spec.stages[index]!;
  const manual = stage.trigger?.manual;
  if (!manual) {
    const trigger = stage.trigger?.auto ? 'an auto trigger' : 'no trigger';
    return { kind: 'refuse', message: `stage ${stage.name} of ${name} has ${trigger}: there is no approval to give` };
  }
  const phase = view.stages[index]!.phase;
  if (phase === 'Promoted' || phase === 'Completed') {
    return { kind: 'refuse', message: `stage ${stage.name} of ${name} already passed its gate (${phase})` };
  }
  if (manual.approved === true) {
    return { kind: 'nothing', stage: stage.name, index, message: `stage ${stage.name} of ${name} is already approved` };
  }
  return {
    kind: 'approve',
    stage: stage.name,
    index,
    ahead: phase !== 'AwaitingApproval',
    patch: [
      ...guard(promotion, index, stage.name),
      { op: 'add', path: `/spec/stages/${index}/trigger/manual/approved`, value: true },
    ],
  };
}

/** The guarded patch that sets a stage's `approved` back to false. */
export function decideRevoke(promotion: ClusterPromotion, view: PromotionView, requested: string): RevokeDecision {
  const found = findStage(promotion, requested);
  if ('error' in found) return { kind: 'refuse', message: found.error };
  const { index } = found;
  const stage = promotion.spec.stages[index]!;
  const manual = stage.trigger?.manual;
  if (!manual)
    return {
      kind: 'refuse',
      message: `stage ${stage.name} of ${promotion.metadata.name} has no manual trigger: ${NO_APPROVAL_TO_REVOKE}`,
    };
  if (manual.approved !== true) {
    return {
      kind: 'nothing',
      stage: stage.name,
      index,
      message: `stage ${stage.name} of ${promotion.metadata.name} is not approved`,
    };
  }
  const phase = view.stages[index]!.phase;
  return {
    kind: 'revoke',
    stage: stage.name,
    index,
    passed: phase === 'Promoted' || phase === 'Completed',
    patch: [
      ...guard(promotion, index, stage.name),
      { op: 'replace', path: `/spec/stages/${index}/trigger/manual/approved`, value: false },
    ],
  };
}

/** Whether a re-read promotion still calls for the same write as the one the user confirmed. */
export function sameTarget(a: { stage: string; index: number }, b: ApprovalDecision | RevokeDecision): boolean {
  return b.kind !== 'refuse' && b.stage === a.stage && b.index === a.index;
}
