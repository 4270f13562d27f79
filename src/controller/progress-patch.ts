// The one write of the progress annotation, for every controller's ports: a merge patch that names
// only that annotation, so no other annotation or field is touched, guarded by the resourceVersion
// the counts were made from (a promotion changed since is counted again, not overwritten).
import { ANNOTATION_PROGRESS } from '../api/published-progress.ts';
import type { ClusterPromotion } from '../api/types.ts';

export function progressPatch(read: ClusterPromotion, value: string | null): unknown {
  return {
    metadata: {
      resourceVersion: read.metadata.resourceVersion,
      annotations: { [ANNOTATION_PROGRESS]: value },
    },
  };
}
