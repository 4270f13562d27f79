// Events in their two API versions over one storage, as kube-apiserver serves them: core `v1`
// Events (what `kubectl get events` and `kubectl describe` read) and `events.k8s.io/v1` Events
// (what the events library of client-go writes). The store keeps the core form; the newer version
// is a view of it with fields renamed: regarding <-> involvedObject, note <-> message,
// reportingController <-> reportingComponent, deprecated* <-> source, firstTimestamp,
// lastTimestamp and count.
import type { KubeObject } from '../../src/api/types.ts';

export const EVENTS_GROUP = 'events.k8s.io';

/** [events.k8s.io/v1 field, core v1 field] */
const RENAMED: readonly [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];
const SHARED = ['reason', 'type', 'eventTime', 'series', 'action', 'related', 'reportingInstance'];

function copy(
  from: Record<string, unknown>,
  to: Record<string, unknown>,
  pairs: readonly (readonly [string, string])[],
): void {
  for (const [a, b] of pairs) {
    const value = from[a];
    if (value !== undefined && value !== null && value !== '' && value !== 0) to[b] = structuredClone(value);
  }
}

/** The stored (core) Event seen as an events.k8s.io/v1 Event. */
export function toEventsV1(stored: KubeObject): KubeObject {
  const from = stored as Record<string, unknown>;
  const out: Record<string, unknown> = {
    apiVersion: `${EVENTS_GROUP}/v1`,
    kind: 'Event',
    metadata: structuredClone(stored.metadata),
    eventTime: from.eventTime ?? null,
  };
  copy(
    from,
    out,
    RENAMED.map(([a, b]) => [b, a]),
  );
  copy(
    from,
    out,
    SHARED.map((k) => [k, k]),
  );
  if (out.regarding === undefined) out.regarding = {};
  return out as KubeObject;
}

/** An events.k8s.io/v1 Event as the store keeps it (core v1). */
export function fromEventsV1(view: KubeObject): KubeObject {
  const from = view as Record<string, unknown>;
  const out: Record<string, unknown> = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: structuredClone(view.metadata),
  };
  copy(from, out, RENAMED);
  copy(
    from,
    out,
    SHARED.map((k) => [k, k]),
  );
  return out as KubeObject;
}
