// A watch as kube-apiserver streams it: chunked JSON lines (or Table rows), bookmarks, the
// initial-events-end marker, timeoutSeconds, a one-event ERROR stream for a resourceVersion it
// cannot serve, and a client that stops reading dropped.
import type { ServerResponse } from 'node:http';
import { ApiError, expired } from './errors.ts';
import type { Faults } from './faults.ts';
import { queryFlag } from './options.ts';
import type { Rendering } from './media.ts';
import type { ResourceDef } from './resources.ts';
import { apiVersionOf } from './resources.ts';
import type { ObjectStore, WatchEvent, WatchHandle } from './store.ts';
import type { IncludeObject } from './table.ts';
import { encodeTable } from './table.ts';
import { encodeWatchEvent, LINE_END } from './wire.ts';

const MAX_WATCH_BACKLOG_BYTES = 64 * 1024 * 1024;
const JSON_TYPE = 'application/json';

/** A watch being served, that the server can end (on close, or when a fault drops every watch). */
export interface OpenWatch {
  end(): void;
}

export interface WatchRequest {
  store: ObjectStore;
  faults: Faults;
  def: ResourceDef;
  namespace: string | undefined;
  /** The query's, with a watch of one named object's name added. */
  fieldSelector: string | undefined;
  query: URLSearchParams;
  rendering: Rendering;
  /** For a Table rendering: how much of each object the rows carry. */
  includeObject: IncludeObject;
  bookmarkIntervalMs: number;
  /** The server's open watches: this one is in it while it streams. */
  watches: Set<OpenWatch>;
}

export function serveWatchStream(res: ServerResponse, w: WatchRequest): void {
  const { store, def, query, rendering, includeObject } = w;
  let from = query.get('resourceVersion') ?? '';
  const bookmarks = queryFlag(query, 'allowWatchBookmarks');
  const initialEvents = query.has('sendInitialEvents') ? queryFlag(query, 'sendInitialEvents') : undefined;
  // Without initial events, a watch with no resourceVersion starts at the latest one.
  if (initialEvents === false && (from === '' || from === '0')) from = String(store.resourceVersion);
  const timeoutSeconds = query.get('timeoutSeconds');

  let headersSent = false;
  let first = true;
  const pending: Buffer[] = [];
  const write = (chunk: Buffer): void => {
    if (!headersSent) {
      pending.push(chunk);
      return;
    }
    res.write(chunk);
    // A client that stops reading is dropped, as kube-apiserver drops a blocked watcher.
    if (res.writableLength > MAX_WATCH_BACKLOG_BYTES) res.destroy();
  };
  const encode = (event: WatchEvent): Buffer => {
    if (rendering.kind !== 'table') return encodeWatchEvent(event.type, event.object);
    const table = encodeTable(
      def,
      [event.object],
      { resourceVersion: String(event.resourceVersion) },
      {
        now: store.now(),
        version: rendering.version,
        includeObject,
        noHeaders: !first,
      },
    );
    first = false;
    return Buffer.concat([Buffer.from(`{"type":"${event.type}","object":`), table, LINE_END]);
  };
  const bookmark = (annotations?: Record<string, string>): Buffer =>
    Buffer.from(
      `${JSON.stringify({
        type: 'BOOKMARK',
        object: {
          kind: def.kind,
          apiVersion: apiVersionOf(def),
          metadata: {
            resourceVersion: String(store.resourceVersion),
            creationTimestamp: null,
            ...(annotations ? { annotations } : {}),
          },
        },
      })}\n`,
    );

  let handle: WatchHandle;
  try {
    if (w.faults.takeWatchExpiry()) {
      throw expired(`too old resource version: ${from === '' ? 0 : from} (${store.resourceVersion})`);
    }
    handle = store.watch(
      def,
      {
        namespace: w.namespace,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: w.fieldSelector,
        resourceVersion: from,
      },
      (event) => write(encode(event)),
    );
  } catch (err) {
    // Like the watch cache, a request that parsed but cannot be served from its resourceVersion
    // gets a stream holding one ERROR event (410 Expired, 504 Timeout) rather than an HTTP error.
    if (!(err instanceof ApiError) || (err.code !== 410 && err.code !== 504)) throw err;
    const body = `{"type":"ERROR","object":${JSON.stringify(err.status)}}\n`;
    res.writeHead(200, {
      'Content-Type': JSON_TYPE,
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.end(body);
    return;
  }
  if (initialEvents === true && bookmarks) write(bookmark({ 'k8s.io/initial-events-end': 'true' }));

  const timers: NodeJS.Timeout[] = [];
  const entry = {
    end: () => {
      if (!res.writableEnded) res.end();
      cleanup();
    },
  };
  const cleanup = (): void => {
    handle.stop();
    for (const t of timers) clearTimeout(t);
    w.watches.delete(entry);
  };
  w.watches.add(entry);
  res.once('close', cleanup);
  if (bookmarks) timers.push(setInterval(() => write(bookmark()), w.bookmarkIntervalMs));
  if (timeoutSeconds !== null && Number(timeoutSeconds) > 0) {
    timers.push(setTimeout(entry.end, Number(timeoutSeconds) * 1000));
  }
  res.writeHead(200, {
    'Content-Type': rendering.kind === 'table' ? rendering.contentType : JSON_TYPE,
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  headersSent = true;
  for (const chunk of pending.splice(0)) write(chunk);
}
