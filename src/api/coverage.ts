// How a promotion's stages cover a fleet: stages that would deploy nowhere, clusters two stages
// would both deploy to (two ClusterProfiles with the same content on one cluster), and clusters
// the rollout never reaches. Only ready clusters count, as Sveltos matches only ready clusters.
import { clusterKey, type ClusterPromotion, type ClusterRef } from './types.ts';
import { matchesSelector } from './selector.ts';
import type { Finding } from './findings.ts';
import type { LoadedObject } from './yaml-source.ts';

const SHOWN = 3;

function someKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, SHOWN).join(', ');
  return keys.length > SHOWN ? `${shown} and ${keys.length - SHOWN} more` : shown;
}

function clusters(n: number): string {
  return n === 1 ? '1 cluster' : `${n} clusters`;
}

/**
 * Warnings about how `promotion` (loaded from `obj`) covers `fleet`, positioned in the
 * promotion's file. `fleetName` names the fleet in messages.
 */
export function coverageFindings(
  promotion: ClusterPromotion,
  obj: LoadedObject,
  fleet: readonly ClusterRef[],
  fleetName: string,
): Finding[] {
  const findings: Finding[] = [];
  const ready = fleet.filter((c) => c.ready);
  const claimedBy = new Map<string, number>();
  promotion.spec.stages.forEach((stage, i) => {
    const at = stage.clusterSelector ? ['spec', 'stages', i, 'clusterSelector'] : ['spec', 'stages', i];
    const matched = ready.filter((c) => matchesSelector(c.labels, stage.clusterSelector));
    if (matched.length === 0) {
      const notReady = fleet.filter((c) => !c.ready && matchesSelector(c.labels, stage.clusterSelector)).length;
      const why = notReady > 0 ? ` (${clusters(notReady)} it selects ${notReady === 1 ? 'is' : 'are'} not ready)` : '';
      findings.push(
        obj.finding('warning', at, `stage "${stage.name}" matches no ready cluster in ${fleetName}${why}`, 'key'),
      );
    }
    const shared = new Map<number, string[]>();
    for (const c of matched) {
      const key = clusterKey(c);
      const first = claimedBy.get(key);
      if (first === undefined) claimedBy.set(key, i);
      else shared.set(first, [...(shared.get(first) ?? []), key]);
    }
    for (const [first, keys] of shared) {
      const other = promotion.spec.stages[first]!.name;
      findings.push(
        obj.finding(
          'warning',
          at,
          `stage "${stage.name}" also selects ${clusters(keys.length)} of stage "${other}": ${someKeys(keys)}`,
          'key',
        ),
      );
    }
  });
  const unreached = ready.filter((c) => !claimedBy.has(clusterKey(c))).map(clusterKey);
  if (unreached.length > 0 && promotion.spec.stages.length > 0) {
    findings.push(
      obj.finding(
        'warning',
        ['spec', 'stages'],
        `no stage reaches ${clusters(unreached.length)} of ${fleetName}: ${someKeys(unreached)}`,
        'key',
      ),
    );
  }
  return findings;
}
