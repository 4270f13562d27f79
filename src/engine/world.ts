// A World over plain arrays, indexed once: for tests, `lint --fleet` and callers that hold a snapshot.
import {
  LABEL_PROMOTION_NAME,
  LABEL_SUMMARY_PROFILE,
  type ClusterProfile,
  type ClusterRef,
  type ClusterSummary,
} from '../api/types.ts';
import type { World } from './types.ts';

export function worldOf(snapshot: {
  clusters?: readonly ClusterRef[];
  profiles?: readonly ClusterProfile[];
  summaries?: readonly ClusterSummary[];
}): World {
  const profilesByPromotion = groupBy(snapshot.profiles ?? [], (p) => p.metadata.labels?.[LABEL_PROMOTION_NAME]);
  const summariesByProfile = groupBy(snapshot.summaries ?? [], (s) => s.metadata.labels?.[LABEL_SUMMARY_PROFILE]);
  return {
    clusters: () => snapshot.clusters ?? [],
    profilesOf: (promotion) => profilesByPromotion.get(promotion) ?? [],
    summariesOf: (profile) => summariesByProfile.get(profile) ?? [],
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(item);
  }
  return out;
}
