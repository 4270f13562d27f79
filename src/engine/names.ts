// How generated objects are named and labelled, as Sveltos names them, so that tools written for
// Sveltos find ours and ours find theirs.
import {
  ANNOTATION_STAGE_NAME,
  type ClusterRef,
  LABEL_PROMOTION_NAME,
  LABEL_PROMOTION_VERIFICATION,
} from '../api/types.ts';

export function mainProfileName(promotion: string, stage: string): string {
  return `${promotion}-${stage}`;
}

export function verificationProfileName(promotion: string, stage: string): string {
  return `preverification-${promotion}-${stage}`;
}

export function mainProfileLabels(promotion: string): Record<string, string> {
  return { [LABEL_PROMOTION_NAME]: promotion };
}

export function verificationProfileLabels(promotion: string): Record<string, string> {
  return { [LABEL_PROMOTION_NAME]: promotion, [LABEL_PROMOTION_VERIFICATION]: 'true' };
}

export function stageAnnotations(stage: string): Record<string, string> {
  return { [ANNOTATION_STAGE_NAME]: stage };
}

/** The ClusterSummary addon-controller keeps for a ClusterProfile on a cluster (in the cluster's namespace). */
export function summaryName(profile: string, cluster: Pick<ClusterRef, 'name' | 'type'>): string {
  return `${profile}-${cluster.type === 'Capi' ? 'capi' : 'sveltos'}-${cluster.name}`;
}
