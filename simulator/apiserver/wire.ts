// JSON encodings of stored objects. A stored object is frozen, so its encoding never changes: it
// is computed once and shared by every list response and every watcher that sends it.
import type { KubeObject } from '../../src/api/types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

// Bytes, not strings: a list of 10,000 summaries is some 23 MiB, and converting a string that size
// to UTF-8 on every request (and measuring it for Content-Length first) cost more than the rest of
// the request; cached bytes are joined with one copy.
const objectBytes = new WeakMap<object, Buffer>();
const eventLines = new WeakMap<object, Partial<Record<WatchEventType, Buffer>>>();
const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');
/** Ends a watch event's line. */
export const LINE_END = Buffer.from('}\n');

export function encodeObject(obj: object): Buffer {
  if (!Object.isFrozen(obj)) return Buffer.from(JSON.stringify(obj));
  let bytes = objectBytes.get(obj);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(obj));
    objectBytes.set(obj, bytes);
  }
  return bytes;
}

/** One line of a watch stream: `{"type":...,"object":...}\n`. */
export function encodeWatchEvent(type: WatchEventType, obj: object): Buffer {
  const frozen = Object.isFrozen(obj);
  const cached = frozen ? eventLines.get(obj) : undefined;
  const hit = cached?.[type];
  if (hit !== undefined) return hit;
  const line = Buffer.concat([Buffer.from(`{"type":"${type}","object":`), encodeObject(obj), LINE_END]);
  if (frozen) eventLines.set(obj, { ...cached, [type]: line });
  return line;
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A `<Kind>List` body, assembled from the items' cached encodings. */
export function encodeList(apiVersion: string, listKind: string, meta: ListMeta, items: readonly KubeObject[]): Buffer {
  const head = `"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(listKind)}`;
  const parts: Buffer[] = [Buffer.from(`{${head},"metadata":${JSON.stringify(meta)},"items":[`)];
  let length = parts[0]!.length + LIST_END.length;
  for (let i = 0; i < items.length; i++) {
    const bytes = encodeObject(items[i]!);
    if (i > 0) parts.push(COMMA);
    parts.push(bytes);
    length += bytes.length + (i > 0 ? 1 : 0);
  }
  parts.push(LIST_END);
  return Buffer.concat(parts, length);
}

/** Freezes an object graph so the store can hand it out without copying. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
