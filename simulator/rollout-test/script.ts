// A RolloutTest's events played on a rehearsal: each is scheduled at its virtual moment and, when
// it happens, goes on the timeline (type Scripted) saying what it did and where it was written.
// The same script drives `kubectl promotion test`, `simulate --events` and `simulate --events --serve`:
// the headless simulation and the served one both offer what it needs (ScriptTarget).
import { clusterKey } from '../../src/api/types.ts';
import type { Fleet } from '../fleet.ts';
import { formatWhere, type TestAction, type TestEvent } from './model.ts';

/** What playing a script needs of a rehearsal. */
export interface ScriptTarget {
  readonly fleet: Fleet;
  /** Runs `action` when the virtual clock reaches `at`, before the controller looks at that instant. */
  schedule(at: number, action: () => void | Promise<void>): void;
  /** A line on the timeline. */
  note(message: string, stage?: string | null, cluster?: string | null): void;
  patchPromotion(patch: { spec?: unknown; metadata?: { labels?: unknown; annotations?: unknown } }): void;
  giveApproval(stage: string, why: string): void;
  revoke(stage: string, why: string): boolean;
  restartController(): void;
  /** A cluster of the fleet joined, left or changed: where clusters are objects too, they follow. */
  clusterChanged?(key: string): void;
}

export function scheduleEvents(target: ScriptTarget, events: readonly TestEvent[]): void {
  for (const e of events) target.schedule(e.at, () => play(target, e));
}

function play(target: ScriptTarget, e: TestEvent): void {
  const from = `(${formatWhere(e.where)})`;
  const fleet = target.fleet;
  // The test was checked against its own fleet; `simulate --events --fleet` may bring another.
  const key =
    e.kind === 'cluster' || e.kind === 'removeCluster'
      ? e.cluster
      : e.kind === 'addCluster'
        ? clusterKey(e.cluster)
        : null;
  if (key !== null && (fleet.cluster(key) === undefined) !== (e.kind === 'addCluster')) {
    const why = e.kind === 'addCluster' ? 'is already in this fleet' : 'is not in this fleet';
    target.note(`${describeAction(e)}: skipped, cluster ${key} ${why} ${from}`, null, key);
    return;
  }
  switch (e.kind) {
    case 'patch':
      target.note(`${describeAction(e)} ${from}`);
      target.patchPromotion(e.patch);
      return;
    case 'approve':
      target.giveApproval(e.stage, `by the test ${from}`);
      return;
    case 'revoke':
      target.revoke(e.stage, `by the test ${from}`);
      return;
    case 'restartController':
      target.note(`${describeAction(e)} ${from}`);
      target.restartController();
      return;
    case 'addCluster':
      target.note(`${describeAction(e)} ${from}`, null, key);
      fleet.addCluster(e.cluster);
      target.clusterChanged?.(key!);
      return;
    case 'removeCluster':
      target.note(`${describeAction(e)} ${from}`, null, e.cluster);
      fleet.removeCluster(e.cluster);
      target.clusterChanged?.(e.cluster);
      return;
    case 'cluster':
      target.note(`${describeAction(e)} ${from}`, null, e.cluster);
      if (e.ready !== undefined || e.labels !== undefined) {
        const ref = fleet.cluster(e.cluster)!.ref;
        const labels = { ...ref.labels };
        for (const [k, v] of Object.entries(e.labels ?? {})) {
          if (v === null) delete labels[k];
          else labels[k] = v;
        }
        fleet.updateCluster(e.cluster, { labels, ready: e.ready ?? ref.ready });
        target.clusterChanged?.(e.cluster);
      }
      if (e.metrics !== undefined) fleet.setMetrics(e.cluster, e.metrics);
      if (e.failNextDeploy) fleet.failNextAttempt(e.cluster);
      return;
  }
}
/** One line for a person: what the event does. */
export function describeAction(a: TestAction): string {
  switch (a.kind) {
    case 'patch': {
      const fields = Object.entries(a.patch).flatMap(([k, v]) =>
        v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).map((f) => `${k}.${f}`) : [k],
      );
      return `the promotion is edited (merge patch of ${fields.join(', ')})`;
    }
    case 'approve':
      return `stage ${a.stage} is approved`;
    case 'revoke':
      return `stage ${a.stage}'s approval is revoked`;
    case 'restartController':
      return 'the controller restarts: it forgets everything but the stored objects';
    case 'addCluster':
      return `cluster ${clusterKey(a.cluster)} joins the fleet (labels ${JSON.stringify(a.cluster.labels)})`;
    case 'removeCluster':
      return `cluster ${a.cluster} leaves the fleet`;
    case 'cluster': {
      const what: string[] = [];
      if (a.ready !== undefined) what.push(a.ready ? 'becomes ready' : 'stops being ready');
      if (a.labels !== undefined) what.push(`labels change: ${JSON.stringify(a.labels)}`);
      if (a.metrics !== undefined) what.push(`metrics: ${JSON.stringify(a.metrics)}`);
      if (a.failNextDeploy) what.push('its next deploy attempt fails');
      return `cluster ${a.cluster} ${what.join(', ')}`;
    }
  }
}
