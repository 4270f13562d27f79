// What the controller publishes on each ClusterPromotion about its current stage's clusters, so that
// `kubectl promotion list` can show a fleet-wide table from the promotions alone, whatever the
// size of the fleet. Counting a stage's clusters takes one ClusterSummary per cluster; the
// controller holds them all in its watch cache anyway, so it counts once for every reader.
//
// The status cannot carry the counts: its schema has no field for them (and a structural schema
// prunes unknown ones), and `currentStatusDescription` keeps the phrases Sveltos writes. An
// annotation of this project's own domain can: writing it touches no field a user or Sveltos owns.
//
// The value is valid for the spec it was counted against: the stage it names must be the status's
// current stage, and `generation` the promotion's metadata.generation (any spec edit, an approval
// included, makes readers count for themselves until the controller counts again).
import type { ClusterPromotion } from './types.ts';

export const ANNOTATION_PROGRESS = 'kubectl-promotion.dev/progress';

export interface PublishedProgress {
  /** The stage counted: the status's currentStageName when it was published. */
  stage: string;
  /** metadata.generation of the promotion counted against. */
  generation: number;
  /** The stage's clusters that count (ready ones the selector matches, and any with a summary). */
  total: number;
  /** Of those, the ones running the promotion's content with every feature Provisioned. */
  provisioned: number;
  failing: number;
  /** ClusterSummaries of the stage's profile. */
  summaries: number;
  /** Some summary has a feature that failed for good (FailedNonRetriable). */
  failedForGood: boolean;
  /** Stages with a verification deployment or post-delay checks: where those stand. */
  health?: { mainDeployed: boolean; checksAppended: boolean };
}

const COUNTS = ['generation', 'total', 'provisioned', 'failing', 'summaries'] as const;

/** The annotation's value: keys in a fixed order, so that an unchanged count is an unchanged string. */
export function encodeProgress(p: PublishedProgress): string {
  const out: PublishedProgress = {
    stage: p.stage,
    generation: p.generation,
    total: p.total,
    provisioned: p.provisioned,
    failing: p.failing,
    summaries: p.summaries,
    failedForGood: p.failedForGood,
  };
  if (p.health) out.health = { mainDeployed: p.health.mainDeployed, checksAppended: p.health.checksAppended };
  return JSON.stringify(out);
}

/** The published progress, or null when there is none or it is not this project's shape (edited by hand). */
export function decodeProgress(value: string | undefined): PublishedProgress | null {
  if (value === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.stage !== 'string' || typeof r.failedForGood !== 'boolean') return null;
  for (const k of COUNTS) {
    const n = r[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return null;
  }
  const health = r.health as Record<string, unknown> | undefined;
  if (
    health !== undefined &&
    (typeof health !== 'object' ||
      health === null ||
      typeof health.mainDeployed !== 'boolean' ||
      typeof health.checksAppended !== 'boolean')
  )
    return null;
  return r as unknown as PublishedProgress;
}

/** The promotion's published progress if it still holds: counted at its current stage and spec. */
export function currentProgress(promotion: ClusterPromotion): PublishedProgress | null {
  const p = decodeProgress(promotion.metadata.annotations?.[ANNOTATION_PROGRESS]);
  if (p === null) return null;
  if (p.stage !== promotion.status?.currentStageName) return null;
  if (p.generation !== (promotion.metadata.generation ?? 0)) return null;
  return p;
}
