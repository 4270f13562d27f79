// Get, list, patch and watch of any resource, in the wire formats of the Kubernetes API.
import { StringDecoder } from 'node:string_decoder';
import type { KubeObject } from '../api/types.ts';
import type { JsonPatchOp } from '../engine/types.ts';
import { KubeApiError, type KubeClient } from './client.ts';
import type { ListWatch } from './informer.ts';
import { resourcePath, type ResourceType } from './resources.ts';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
  /** Let the client retry an unreachable server (default); an informer does its own backoff. */
  retry?: boolean;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

interface ListBody<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

/** Pages of 500, as kubectl asks for them, so that a huge list never arrives as one response. */
const PAGE = 500;

export async function listObjects<T extends KubeObject>(
  client: KubeClient,
  r: ResourceType,
  options: ListOptions = {},
): Promise<ListResult<T>> {
  const items: T[] = [];
  let resourceVersion = '';
  let token: string | undefined;
  do {
    const body = await client.request<ListBody<T>>('GET', resourcePath(r, { namespace: options.namespace }), {
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: PAGE,
        continue: token,
      },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
    for (const item of body.items ?? []) {
      // Items of a list omit apiVersion and kind for built-in types; restore them so output is complete.
      if (!item.kind) item.kind = r.kind;
      if (!item.apiVersion) item.apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
      items.push(item);
    }
    resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
    token = body.metadata?.continue || undefined;
  } while (token);
  return { items, resourceVersion };
}

export function getObject<T extends KubeObject>(
  client: KubeClient,
  r: ResourceType,
  name: string,
  namespace?: string,
  signal?: AbortSignal,
): Promise<T> {
  return client.request<T>('GET', resourcePath(r, { namespace, name }), signal ? { signal } : {});
}

/** A JSON Patch (RFC 6902): its `test` operations make the server refuse it when they fail. */
export function patchObject<T extends KubeObject>(
  client: KubeClient,
  r: ResourceType,
  name: string,
  ops: readonly JsonPatchOp[],
  where: { namespace?: string; subresource?: string } = {},
): Promise<T> {
  return client.request<T>('PATCH', resourcePath(r, { ...where, name }), {
    body: ops,
    contentType: 'application/json-patch+json',
  });
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

export interface WatchOptions extends ListOptions {
  resourceVersion: string;
  /** Ask the server to end the stream after this long; a fresh one is opened from the last version. */
  timeoutSeconds?: number;
}

/** The status a server sends in an ERROR event (410 Expired/Gone when the version is too old). */
export interface WatchErrorStatus {
  code?: number;
  reason?: string;
  message?: string;
}

/**
 * Opens a watch stream; resolves once the server accepted it (a non-200 answer is thrown as a
 * KubeApiError), to the stream's events until the server ends it. ERROR events are yielded too.
 */
export async function openWatch<T extends KubeObject>(
  client: KubeClient,
  r: ResourceType,
  options: WatchOptions,
  signal: AbortSignal,
): Promise<AsyncIterable<WatchEvent<T>>> {
  const body = await client.stream(
    resourcePath(r, { namespace: options.namespace }),
    {
      watch: 1,
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      timeoutSeconds: options.timeoutSeconds,
    },
    signal,
  );
  return events<T>(body, r);
}

async function* events<T>(body: AsyncIterable<Buffer>, r: ResourceType): AsyncGenerator<WatchEvent<T>> {
  for await (const line of lines(body)) {
    if (line.length === 0) continue;
    let event: WatchEvent<T>;
    try {
      event = JSON.parse(line) as WatchEvent<T>;
    } catch {
      throw new KubeApiError(
        500,
        'InternalError',
        `the watch stream sent a line that is not JSON: ${line.slice(0, 80)}`,
        'GET',
        resourcePath(r),
      );
    }
    yield event;
  }
}

/** Splits a byte stream into lines without copying more than the unfinished tail. */
export async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  // A multi-byte character can straddle two chunks: the decoder holds its first bytes back.
  const decoder = new StringDecoder('utf8');
  let tail = '';
  for await (const chunk of chunks) {
    const text = tail + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    tail = text.slice(start);
  }
  tail += decoder.end();
  if (tail.trim()) yield tail;
}

/**
 * A resource as an informer's source. Each watch asks the server to end it after 5 to 10 minutes
 * (client-go does the same), so that no stream lives long enough to go stale unnoticed.
 */
export function listWatchOf<T extends KubeObject>(
  client: KubeClient,
  r: ResourceType,
  options: Omit<ListOptions, 'signal' | 'retry'> = {},
  random: () => number = Math.random,
): ListWatch<T> {
  return {
    list: (signal) => listObjects<T>(client, r, { ...options, signal, retry: false }),
    watch: (resourceVersion, signal) =>
      openWatch<T>(
        client,
        r,
        { ...options, resourceVersion, timeoutSeconds: Math.round(300 * (1 + random())) },
        signal,
      ),
  };
}
