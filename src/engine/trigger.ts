// A stage's trigger, read once into the gates it imposes (rule 3), whichever of auto or manual it is.
import type { PolicyRef, Stage, TimeWindow, ValidateHealth } from '../api/types.ts';
import { parseDuration } from '../duration.ts';

export interface Gates {
  kind: 'auto' | 'manual' | 'none';
  /** Soak time after deployment, in milliseconds. */
  delayMs: number;
  verification: readonly PolicyRef[];
  postChecks: readonly ValidateHealth[];
  window: TimeWindow | null;
  /** Manual only: the spec says approved. */
  approved: boolean;
  /** Manual only: approval is consumed when the stage advances (the CRD defaults it to true). */
  automaticReset: boolean;
}

/** Reads a stage's gates; throws with a message naming the field when the trigger cannot be used. */
export function gatesOf(stage: Stage): Gates {
  const t = stage.trigger;
  const auto = t?.auto;
  const manual = t?.manual;
  if (auto && manual) throw new Error(`stage ${stage.name}: trigger has both auto and manual`);
  const common = auto ?? manual;
  let delayMs = 0;
  if (common?.delay !== undefined) {
    try {
      delayMs = parseDuration(common.delay);
    } catch (e) {
      throw new Error(`stage ${stage.name}: trigger.${auto ? 'auto' : 'manual'}.delay: ${(e as Error).message}`);
    }
  }
  return {
    kind: auto ? 'auto' : manual ? 'manual' : 'none',
    delayMs,
    verification: common?.preHealthCheckDeployment ?? [],
    postChecks: common?.postDelayHealthChecks ?? [],
    window: auto?.promotionWindow ?? null,
    approved: manual?.approved === true,
    automaticReset: manual?.automaticReset !== false,
  };
}
