// `gates`: every stage waiting for a person, across all promotions, longest wait first, each with
// the command that lets it through (carrying the flags that reach the same cluster).
import type { ClusterPromotion } from '../api/types.ts';
import type { World } from '../engine/types.ts';
import { viewOf } from './snapshot.ts';

export interface Gate {
  promotion: string;
  stage: string;
  /** `2/4`. */
  position: string;
  /** When the wait began (epoch ms), when it can be told. */
  waitingSince: number | null;
  command: string;
}

export function gatesOf(
  promotions: readonly ClusterPromotion[],
  world: World,
  now: Date,
  kubectlFlags: readonly string[] = [],
): Gate[] {
  const gates: Gate[] = [];
  for (const p of promotions) {
    const view = viewOf(p, world, now);
    for (const s of view.stages) {
      if (s.phase !== 'AwaitingApproval') continue;
      gates.push({
        promotion: view.name,
        stage: s.name,
        position: `${s.index + 1}/${view.stageCount}`,
        waitingSince: s.times.waitingSince ?? null,
        command: ['kubectl', 'promotion', 'approve', view.name, '--stage', s.name, ...kubectlFlags].join(' '),
      });
    }
  }
  return gates.sort(
    (a, b) =>
      (a.waitingSince ?? Infinity) - (b.waitingSince ?? Infinity) ||
      a.promotion.localeCompare(b.promotion) ||
      a.stage.localeCompare(b.stage),
  );
}
