// The simulation's seeded random source: deploy-time jitter and distributions, failures by chance,
// approvers' waits. Every draw is a hash of the seed and of what it is for (which cluster, profile
// and attempt; which stage's approver) rather than the next number of one shared stream: a value
// does not depend on what else the simulation drew before it, so the same seed reproduces a run
// exactly and one more cluster or stage leaves the others' draws alone.

/** What a draw is for: each stream gives independent numbers for the same key. */
export const STREAM = {
  /** The extra time of a deploy attempt (`jitter`); its constant keeps today's timelines. */
  jitter: 0x9e3779b9,
  deployTime: 0x7f4a7c15,
  failure: 0x2545f491,
  approval: 0x5851f42d,
} as const;

/** A uniform number in [0, 1) for a cluster's deploy attempt on a profile. */
export function attemptUniform(
  seed: number,
  stream: number,
  clusterKey: string,
  profileName: string,
  attempt: number,
): number {
  let h = (seed ^ stream) >>> 0;
  h = fnv1a(clusterKey, h);
  h = fnv1a(profileName, h);
  h = mix32(h ^ Math.imul(attempt, 0x85ebca6b));
  return h / 0x1_0000_0000;
}

/** A uniform number in [0, 1) for anything named by one string (e.g. a stage). */
export function namedUniform(seed: number, stream: number, name: string): number {
  return mix32(fnv1a(name, (seed ^ stream) >>> 0)) / 0x1_0000_0000;
}

function fnv1a(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit integer hash (lowbias32): neighbouring inputs give unrelated outputs. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
