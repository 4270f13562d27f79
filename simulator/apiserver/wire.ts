// JSON encodings of stored objects. A stored object is frozen, so its encoding never changes: it
// is computed once and shared by every list response and every watcher that sends it.
import type { KubeObject } from '../../src/api/types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

const objectJson = new WeakMap<object, string>();
const eventLines = new WeakMap<object, Partial<Record<WatchEventType, Buffer>>>();

export function encodeObject(obj: object): string {
  if (!Object.isFrozen(obj)) return JSON.stringify(obj);
  let json = objectJson.get(obj);
  if (json === undefined) {
    json = JSON.stringify(obj);
    objectJson.set(obj, json);
  }
  return json;
}

/** One line of a watch stream: `{"type":...,"object":...}\n`. */
export function encodeWatchEvent(type: WatchEventType, obj: object): Buffer {
  const frozen = Object.isFrozen(obj);
  const cached = frozen ? eventLines.get(obj) : undefined;
  const hit = cached?.[type];
  if (hit !== undefined) return hit;
  const line = Buffer.from(`{"type":"${type}","object":${encodeObject(obj)}}\n`);
  if (frozen) eventLines.set(obj, { ...cached, [type]: line });
  return line;
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A `<Kind>List` body, assembled from the items' cached encodings. */
export function encodeList(apiVersion: string, listKind: string, meta: ListMeta, items: readonly KubeObject[]): string {
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) parts[i] = encodeObject(items[i]!);
  const head = `"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(listKind)}`;
  return `{${head},"metadata":${JSON.stringify(meta)},"items":[${parts.join(',')}]}`;
}

/** Freezes an object graph so the store can hand it out without copying. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
