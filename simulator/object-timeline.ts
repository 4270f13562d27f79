// An object on a simulated cluster whose presence and content change over virtual time: it appears
// when a profile that references its policyRef is deployed (or at the start), follows its timeline
// of merge patches and deletion, and goes when the last profile providing it does. The fleet owns
// the clock and the queue; this holds the object's state and says what each change was.
import type { KubeObject, PolicyRef } from '../src/api/types.ts';
import type { DynamicObjectSpec, PolicyRefKey } from './fleet-spec.ts';
import { mergePatch } from './merge-patch.ts';

export type ObjectEventType = 'ObjectCreated' | 'ObjectUpdated' | 'ObjectDeleted';

/** `Deployment kyverno/kyverno`: how events name an object. */
export function describeObject(o: KubeObject): string {
  const ns = o.metadata.namespace ? `${o.metadata.namespace}/` : '';
  return `${o.kind} ${ns}${o.metadata.name}`;
}

/** Whether a profile's policyRefs deploy the ConfigMap or Secret that creates the object. */
export function refsProvide(refs: readonly PolicyRef[], by: PolicyRefKey, clusterNamespace: string): boolean {
  return refs.some(
    (r) =>
      r.kind === by.kind &&
      r.name === by.name &&
      (r.namespace || clusterNamespace) === (by.namespace || clusterNamespace),
  );
}

/**
 * One timed object on one cluster. `Provider` is whatever deploys it (the fleet's summaries),
 * `Owner` the profile its events are reported under.
 */
export class TimedObject<Provider, Owner> {
  present = false;
  current: KubeObject;
  /** Bumped on every appearance and deletion: timeline steps queued before are stale. */
  gen = 0;
  readonly providers = new Set<Provider>();
  owner: Owner | null = null;

  constructor(readonly spec: DynamicObjectSpec) {
    this.current = spec.object;
  }

  /** It appears as first written; returns when (relative to now) each step of its timeline falls due. */
  appear(owner: Owner | null): { afterMs: number; step: number }[] {
    this.present = true;
    this.current = this.spec.object;
    this.owner = owner;
    this.gen++;
    return this.spec.timeline.map((change, step) => ({ afterMs: change.afterMs, step }));
  }

  disappear(): void {
    this.present = false;
    this.gen++;
  }

  /** Applies one step of the timeline; returns what happened to it. */
  step(step: number): { type: ObjectEventType; message: string } | null {
    const change = this.spec.timeline[step]!;
    if (change.delete) {
      this.disappear();
      return { type: 'ObjectDeleted', message: `${describeObject(this.current)} deleted` };
    }
    if (change.merge) {
      this.current = mergePatch(this.current, change.merge) as KubeObject;
      return {
        type: 'ObjectUpdated',
        message: `${describeObject(this.current)} changed: ${JSON.stringify(change.merge)}`,
      };
    }
    return null;
  }
}
