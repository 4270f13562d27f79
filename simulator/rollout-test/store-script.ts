// The script's target in a served rehearsal (`simulate --events --serve`): the promotion is edited
// and approved through the object store as kubectl would (merge patch, guarded JSON Patch), and the
// clusters the events change are changed as objects too, so that kubectl sees what the fleet does.
import { clusterObjectFor, syncClusterObject } from '../cluster-objects.ts';
import { ApiError } from '../apiserver/store.ts';
import type { StoreSimulation } from '../store-simulation.ts';
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { ScriptTarget } from './script.ts';

const PROMOTIONS = 'clusterpromotions';

export function storeTarget(sim: StoreSimulation, promotion: string): ScriptTarget {
  const write = (what: string, stage: string | null, change: () => void): boolean => {
    try {
      change();
      return true;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      sim.note(`${what}: refused (${e.message})`, stage, null);
      return false;
    }
  };
  const approval = (stage: string, op: 'add' | 'remove') => {
    const current = sim.store.find<ClusterPromotion>(PROMOTIONS, promotion);
    const i = current?.spec.stages.findIndex((s) => s.name === stage) ?? -1;
    const path = `/spec/stages/${i}/trigger/manual/approved`;
    return [
      { op: 'test', path: `/spec/stages/${i}/name`, value: stage },
      op === 'add' ? { op, path, value: true } : { op, path },
    ];
  };
  return {
    fleet: sim.fleet,
    schedule: (at, action) => sim.schedule(at, action),
    note: (message, stage = null, cluster = null) => sim.note(message, stage, cluster),
    patchPromotion: (patch) => {
      write(`the edit of ${promotion}`, null, () => sim.store.patch(PROMOTIONS, promotion, 'merge', patch));
    },
    giveApproval: (stage, why) => {
      if (
        write(`approving ${stage}`, stage, () => sim.store.patch(PROMOTIONS, promotion, 'json', approval(stage, 'add')))
      )
        sim.note(`stage ${stage} approved ${why}`, stage);
    },
    revoke: (stage, why) => {
      const ok = write(`revoking ${stage}`, stage, () =>
        sim.store.patch(PROMOTIONS, promotion, 'json', approval(stage, 'remove')),
      );
      if (ok) sim.note(`stage ${stage}: approval revoked ${why}`, stage);
      return ok;
    },
    restartController: () => sim.restartController(),
    clusterChanged: (key) => syncClusterObject(sim.store, key, clusterObjectFor(sim.fleet, key)),
  };
}
