// A RolloutTest's events played on a simulation: each is scheduled at its virtual moment and, when
// it happens, goes on the timeline (type Scripted) saying what it did and where it was written.
// The same script drives `kubectl promotion test` and `simulate --events`.
import { clusterKey } from '../../src/api/types.ts';
import type { Simulation } from '../driver.ts';
import { formatWhere, type TestAction, type TestEvent } from './model.ts';

export function scheduleEvents(sim: Simulation, events: readonly TestEvent[]): void {
  for (const e of events) sim.schedule(e.at, () => play(sim, e));
}

function play(sim: Simulation, e: TestEvent): void {
  const from = `(${formatWhere(e.where)})`;
  // The test was checked against its own fleet; `simulate --events --fleet` may bring another.
  const key =
    e.kind === 'cluster' || e.kind === 'removeCluster'
      ? e.cluster
      : e.kind === 'addCluster'
        ? clusterKey(e.cluster)
        : null;
  if (key !== null && (sim.fleet.cluster(key) === undefined) !== (e.kind === 'addCluster')) {
    const why = e.kind === 'addCluster' ? 'is already in this fleet' : 'is not in this fleet';
    sim.note(`${describeAction(e)}: skipped, cluster ${key} ${why} ${from}`, null, key);
    return;
  }
  switch (e.kind) {
    case 'patch':
      sim.note(`${describeAction(e)} ${from}`);
      sim.patchPromotion(e.patch);
      return;
    case 'approve':
      sim.giveApproval(e.stage, `by the test ${from}`);
      return;
    case 'revoke':
      sim.revoke(e.stage, `by the test ${from}`);
      return;
    case 'restartController':
      sim.note(`${describeAction(e)} ${from}`);
      sim.restartController();
      return;
    case 'addCluster':
      sim.note(`${describeAction(e)} ${from}`, null, key);
      sim.fleet.addCluster(e.cluster);
      return;
    case 'removeCluster':
      sim.note(`${describeAction(e)} ${from}`, null, e.cluster);
      sim.fleet.removeCluster(e.cluster);
      return;
    case 'cluster':
      sim.note(`${describeAction(e)} ${from}`, null, e.cluster);
      if (e.ready !== undefined || e.labels !== undefined) {
        const ref = sim.fleet.cluster(e.cluster)!.ref;
        const labels = { ...ref.labels };
        for (const [k, v] of Object.entries(e.labels ?? {})) {
          if (v === null) delete labels[k];
          else labels[k] = v;
        }
        sim.fleet.updateCluster(e.cluster, { labels, ready: e.ready ?? ref.ready });
      }
      if (e.failNextDeploy) sim.failNextAttempt(e.cluster);
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
