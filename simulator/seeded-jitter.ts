// The fleet's only randomness: how much a deploy attempt's time is stretched. A hash of (seed,
// cluster, profile, attempt) rather than one shared stream: the same cluster gets the same jitter
// whatever else the simulation does, so a seed reproduces a run exactly.

/** Up to `maxMs`, drawn for this attempt of this profile on this cluster. */
export function seededJitter(seed: number, cluster: string, profile: string, attempt: number, maxMs: number): number {
  if (maxMs <= 0) return 0;
  let h = seed ^ 0x9e3779b9;
  h = fnv1a(cluster, h);
  h = fnv1a(profile, h);
  h = mix32(h ^ Math.imul(attempt, 0x85ebca6b));
  return Math.round((h / 0x1_0000_0000) * maxMs);
}

function fnv1a(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
