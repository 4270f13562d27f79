// The last few Kubernetes Events of a promotion, for `get`: read the way `kubectl describe` reads
// them (core v1 Events in every namespace, selected by the object's kind, name and uid), newest
// last, and printed as a short block under the stage tree. Events are an aid, not the answer: a
// cluster that will not show them (RBAC, an API server without Events) gets a line saying so
// rather than a failed `get`.
import type { ClusterPromotion, KubeObject } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import { listObjects } from '../kube/objects.ts';
import type { ResourceType } from '../kube/resources.ts';
import { elapsed, fit } from '../view/format.ts';

export const CORE_EVENTS: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'events',
  kind: 'Event',
  namespaced: true,
};
export const DEFAULT_EVENT_COUNT = 5;

export interface PromotionEvent {
  type: string;
  reason: string;
  message: string;
  /** Epoch ms of the last sighting. */
  lastSeen: number;
  count: number;
  from: string;
}

export interface PromotionEvents {
  events: PromotionEvent[];
  /** Why no events could be read, when they could not. */
  unavailable?: string;
}

interface CoreEvent extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string };
  reportingComponent?: string;
}

function time(...candidates: (string | null | undefined)[]): number {
  for (const c of candidates) {
    const t = c ? Date.parse(c) : Number.NaN;
    if (!Number.isNaN(t)) return t;
  }
  return 0;
}

export function promotionEventOf(e: CoreEvent): PromotionEvent {
  return {
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: (e.message ?? '').trim(),
    lastSeen: time(
      e.series?.lastObservedTime,
      e.lastTimestamp,
      e.eventTime,
      e.firstTimestamp,
      e.metadata.creationTimestamp,
    ),
    count: e.series?.count ?? (e.count !== undefined && e.count > 0 ? e.count : 1),
    from: e.source?.component || e.reportingComponent || '',
  };
}

/** The promotion's most recent `limit` Events, oldest first. */
export async function readPromotionEvents(
  client: KubeClient,
  promotion: ClusterPromotion,
  limit = DEFAULT_EVENT_COUNT,
): Promise<PromotionEvents> {
  const selector = [`involvedObject.kind=${promotion.kind}`, `involvedObject.name=${promotion.metadata.name}`];
  if (promotion.metadata.uid) selector.push(`involvedObject.uid=${promotion.metadata.uid}`);
  try {
    const list = await listObjects<CoreEvent>(client, CORE_EVENTS, { fieldSelector: selector.join(',') });
    const events = list.items.map(promotionEventOf).sort((a, b) => a.lastSeen - b.lastSeen);
    return { events: events.slice(Math.max(0, events.length - limit)) };
  } catch (e) {
    if (e instanceof KubeApiError && (e.code === 403 || e.code === 404)) {
      return { events: [], unavailable: e.code === 403 ? `not allowed to list events: ${e.message}` : e.message };
    }
    throw e;
  }
}

/** `Events:` and one line per event, within `columns`; `<none>` as kubectl describe says it. */
export function formatPromotionEvents(e: PromotionEvents, now: number, columns: number, unicode: boolean): string {
  const ellipsis = unicode ? '…' : '...';
  if (e.unavailable !== undefined) return `Events: ${fit(e.unavailable, Math.max(10, columns - 8), ellipsis)}\n`;
  if (e.events.length === 0) return 'Events: <none>\n';
  const rows = e.events.map((ev) => [
    `${elapsed(ev.lastSeen, now)} ago${ev.count > 1 ? ` (x${ev.count})` : ''}`,
    ev.type,
    ev.reason,
    ev.message,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => {
    const head = `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  `;
    return `${head}${fit(r[3]!, Math.max(10, columns - head.length), ellipsis)}`.trimEnd();
  });
  return `Events:\n${lines.join('\n')}\n`;
}
