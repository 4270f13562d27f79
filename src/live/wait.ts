// `approve --wait`: after the approval is written, follow the promotion until the controller has
// let the stage through its gate (the next stage started, or the promotion completed).
import type { ClusterPromotion } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { Informer, type Timers } from '../kube/informer.ts';
import { listWatchOf } from '../kube/objects.ts';
import { CLUSTER_PROMOTIONS } from '../kube/resources.ts';
import { explainFailure } from '../kube/errors.ts';
import type { PromotionView } from '../view/model.ts';
import { NOTHING_ELSE, viewOf } from './snapshot.ts';

export interface WaitOptions {
  timers: Timers;
  signal: AbortSignal;
  timeoutMs: number | null;
}

/** Whether the controller has acted on the approval of `stage`: it is behind the pipeline now. */
export function passedGate(view: PromotionView, stage: string): boolean {
  const s = view.stages.find((x) => x.name === stage);
  if (!s) return false;
  return s.phase === 'Promoted' || s.phase === 'Completed';
}

export async function waitForController(
  client: KubeClient,
  name: string,
  stage: string,
  o: WaitOptions,
): Promise<{ reached: boolean; message: string }> {
  // Only the promotion's own status says whether its stage moved on: nothing else is followed.
  const informer = new Informer<ClusterPromotion>(
    listWatchOf(client, CLUSTER_PROMOTIONS, { fieldSelector: `metadata.name=${name}` }),
    { timers: o.timers },
  );
  let finish: (r: { reached: boolean; message: string }) => void = () => {};
  const result = new Promise<{ reached: boolean; message: string }>((resolve) => (finish = resolve));
  const check = () => {
    const p = informer.store.get(name);
    if (!p) return;
    const view = viewOf(p, NOTHING_ELSE, new Date(client.serverNow(o.timers.now())));
    if (!passedGate(view, stage)) return;
    const current = view.current === null ? null : view.stages[view.current]!;
    const where =
      view.phase === 'Completed'
        ? `${name} completed`
        : current
          ? `now at stage ${current.name} (${current.phase})`
          : '';
    finish({ reached: true, message: `the controller let stage ${stage} through: ${where}` });
  };
  informer.subscribe({ change: check, synced: check });
  const timer =
    o.timeoutMs === null
      ? null
      : o.timers.setTimeout(
          () => finish({ reached: false, message: `the controller has not acted on stage ${stage} yet` }),
          o.timeoutMs,
        );
  const onAbort = () => finish({ reached: false, message: 'stopped waiting' });
  o.signal.addEventListener('abort', onAbort, { once: true });
  informer.start();
  try {
    return await Promise.race([
      result,
      informer.whenSynced().then(
        () => result,
        (e: unknown) => {
          throw explainFailure(e, { verb: 'list', resource: CLUSTER_PROMOTIONS }, client.connection);
        },
      ),
    ]);
  } finally {
    informer.stop();
    if (timer !== null) o.timers.clearTimeout(timer);
    o.signal.removeEventListener('abort', onAbort);
  }
}
