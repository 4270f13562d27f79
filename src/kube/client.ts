// HTTP to the Kubernetes API. The client library decides the credentials and TLS (tokens, client
// certificates, exec plugins, OIDC, CA bundles, proxies) for every request and hands them over as
// Node.js request options and an agent; the requests themselves are made here, because the library's
// generated API and its Watch cannot stream a watch longer than 30 quiet seconds, send repeated
// impersonation headers, or honour --request-timeout. Node's own http/https carry them: they start
// in a few milliseconds, where loading undici would cost a short command like `list` a quarter of
// its time.
import type http from 'node:http';
import https from 'node:https';
import { parseRehearsalClock, REHEARSAL_CLOCK_HEADER } from '../rehearsal-clock.ts';
import type { ClusterConnection } from './kubeconfig.ts';

// Not `import http from 'node:http'`: importing a built-in as an ES module reads every export,
// and node:http's WebSocket export loads Node's copy of undici (~10 ms) to answer.
const { request: httpRequest } = process.getBuiltinModule?.('node:http') ?? (await import('node:http'));

/** A failure the API server answered with (a `Status` body when it sent one). */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
    readonly details: {
      name?: string;
      group?: string;
      kind?: string;
      causes?: { reason?: string; message?: string; field?: string }[];
    } = {},
  ) {
    super(message);
  }
}

export type TransportProblem = 'refused' | 'timeout' | 'tls' | 'dns' | 'reset';

/** No answer from the server at all: not running, not reachable, or TLS refused. */
export class KubeUnreachableError extends Error {
  override name = 'KubeUnreachableError';
  constructor(
    readonly server: string,
    readonly problem: TransportProblem,
    readonly detail: string,
    readonly attempts: number,
  ) {
    super(`${server}: ${detail}`);
  }
}

export interface RetryPolicy {
  /** Tries in total, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 250, capMs: 4000 };

export interface ClientOptions {
  retry?: RetryPolicy;
  /** Waits between retries; tests pass one that resolves at once. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  userAgent?: string;
  /**
   * Keep connections open between requests (a long-running controller): the library's agents open
   * a new TLS connection for every request, which short commands do not mind.
   */
  keepAlive?: boolean;
  /** The local clock, for reading the server's (see serverNow). */
  now?: () => number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Retry when the server cannot be reached; on by default for reads, off for writes. */
  retry?: boolean;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class KubeClient {
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #userAgent: string;
  /** The server's time at a moment of ours, and how many of its milliseconds pass in one of ours. */
  #clock = { serverMs: 0, localMs: 0, speed: 1 };
  readonly #now: () => number;
  readonly #keepAlive: boolean;
  readonly #keepAliveAgents = new WeakMap<https.Agent, https.Agent>();

  constructor(
    readonly connection: ClusterConnection,
    options: ClientOptions = {},
  ) {
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#userAgent = options.userAgent ?? 'kubectl-promotion';
    this.#keepAlive = options.keepAlive ?? false;
  }

  /** One request, decoded from JSON; retried with backoff and jitter while the server is unreachable. */
  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const retry = options.retry ?? method === 'GET';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(method, path, options);
      } catch (e) {
        const refusedBeforeSending = e instanceof KubeUnreachableError && e.problem === 'refused';
        const retryable = e instanceof KubeUnreachableError && e.problem !== 'tls' && (retry || refusedBeforeSending);
        const busy = e instanceof KubeApiError && (e.code === 429 || e.code === 503) && retry;
        if ((!retryable && !busy) || attempt >= this.#retry.attempts || options.signal?.aborted) {
          if (e instanceof KubeUnreachableError) throw new KubeUnreachableError(e.server, e.problem, e.detail, attempt);
          throw e;
        }
        await this.#sleep(backoffDelay(attempt, this.#retry, this.#random), options.signal);
      }
    }
  }

  /**
   * Opens a streaming GET (a watch) and returns its body once the server answered 200. No body
   * timeout: a quiet watch is normal, and the informer's watchdog decides when quiet is too long.
   */
  async stream(path: string, query: RequestOptions['query'], signal: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const { res } = await this.#send('GET', path, { query, signal }, true);
    if (res.statusCode !== 200) throw await apiErrorOf(res, 'GET', path);
    return res;
  }

  /**
   * The API server's time at local time `localMs` (now, on the clock the client was given), from
   * its last answer. Ages and waits are the server's (as kubectl's server-side tables show them):
   * this matters on a machine whose clock is off, and in a rehearsal (`simulate --serve`), whose
   * clock runs ahead of ours, and faster: the rehearsal says how fast (REHEARSAL_CLOCK_HEADER), so
   * that countdowns run at its pace between answers, as a real cluster's run at ours.
   */
  serverNow(localMs: number = this.#now()): number {
    const s = this.#clock;
    return s.serverMs + Math.round((localMs - s.localMs) * s.speed);
  }

  /**
   * How long to wait on our clock until the server's clock reads `serverMs` (0 when it already
   * does); null while the server's time stands still (a paused rehearsal).
   */
  localDelayUntil(serverMs: number, localMs: number = this.#now()): number | null {
    const ahead = serverMs - this.serverNow(localMs);
    if (ahead <= 0) return 0;
    const speed = this.#clock.speed;
    return speed > 0 ? Math.ceil(ahead / speed) : null;
  }

  /** The library's agent, or (with keepAlive) a keep-alive twin of it with the same TLS options. */
  #agent(agent: https.RequestOptions['agent']): https.RequestOptions['agent'] {
    if (!this.#keepAlive || !(agent instanceof https.Agent) || agent.constructor !== https.Agent) return agent;
    let twin = this.#keepAliveAgents.get(agent);
    if (twin === undefined) {
      twin = new https.Agent({ ...agent.options, keepAlive: true, maxSockets: 16 });
      this.#keepAliveAgents.set(agent, twin);
    }
    return twin;
  }

  #noteServerClock(headers: http.IncomingHttpHeaders, localMs: number): void {
    const rehearsal = parseRehearsalClock(headers[REHEARSAL_CLOCK_HEADER]);
    if (rehearsal) {
      this.#clock = { serverMs: rehearsal.nowMs, localMs, speed: rehearsal.speed };
      return;
    }
    const date = headers.date;
    const serverMs = typeof date === 'string' ? Date.parse(date) : NaN;
    if (Number.isNaN(serverMs)) return;
    // The header counts whole seconds: within that, the clocks agree and ages must not jitter.
    const offset = Math.abs(serverMs - localMs) > 2000 ? serverMs - localMs : 0;
    this.#clock = { serverMs: localMs + offset, localMs, speed: 1 };
  }

  async #once<T>(method: Method, path: string, options: RequestOptions): Promise<T> {
    const { res, timedOut } = await this.#send(method, path, options, false);
    if (res.statusCode < 200 || res.statusCode >= 300) throw await apiErrorOf(res, method, path);
    let text: string;
    try {
      text = await bodyText(res);
    } catch (e) {
      throw this.#transportError(e, options.signal, timedOut());
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Sends one request and resolves once the answer's headers are in. --request-timeout covers a
   * whole request, its body included, but only the opening of a watch.
   */
  async #send(
    method: Method,
    path: string,
    options: RequestOptions,
    streaming: boolean,
  ): Promise<{ res: Answer; timedOut: () => boolean }> {
    const conn = this.connection;
    const url = new URL(conn.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));

    // The library caches the agent per cluster and user, and exec or OIDC tokens until they expire,
    // so asking it on every request costs nothing and picks up a refreshed token.
    const prepared: https.RequestOptions = {};
    try {
      await conn.kubeConfig.applyToHTTPSOptions(prepared);
    } catch (e) {
      throw new KubeUnreachableError(conn.server, 'tls', `cannot prepare credentials: ${(e as Error).message}`, 1);
    }

    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', 'user-agent': this.#userAgent };
    for (const [k, v] of Object.entries(prepared.headers ?? {})) {
      // Impersonation is decided from the flags and the kubeconfig together (resolveConnection).
      if (k.toLowerCase() !== 'impersonate-user' && v !== undefined) headers[k.toLowerCase()] = v;
    }
    if (conn.impersonateUser) headers['impersonate-user'] = conn.impersonateUser;
    // An array goes out as one header line per group, as the API server expects.
    if (conn.impersonateGroups.length) headers['impersonate-group'] = [...conn.impersonateGroups];
    let body: Buffer | undefined;
    if (options.body !== undefined) {
      body = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = body.length;
    }

    // One signal for the request: the caller's, or the timeout's.
    const abort = new AbortController();
    const onCallerAbort = (): void => abort.abort(options.signal?.reason);
    if (options.signal?.aborted) onCallerAbort();
    else options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timeoutMs = conn.requestTimeoutMs;
    let timedOut = false;
    const timer =
      timeoutMs === null
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            abort.abort(new DOMException(`no answer within ${timeoutMs}ms`, 'TimeoutError'));
          }, timeoutMs);
    const finished = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    };

    const send = url.protocol === 'http:' ? httpRequest : https.request;
    let res: Answer;
    try {
      res = await new Promise<Answer>((resolve, reject) => {
        const req = send(
          url,
          { method, headers, agent: this.#agent(prepared.agent), auth: prepared.auth, signal: abort.signal },
          (r) => resolve(r as Answer),
        );
        req.on('error', reject);
        req.end(body);
      });
    } catch (e) {
      finished();
      throw this.#transportError(e, options.signal, timedOut);
    }
    this.#noteServerClock(res.headers, this.#now());
    // A quiet watch is normal: once it is open, the informer's watchdog decides when quiet is too long.
    if (streaming) clearTimeout(timer);
    res.once('close', finished);
    return { res, timedOut: () => timedOut };
  }

  #transportError(e: unknown, callerSignal: AbortSignal | undefined, timedOut: boolean): unknown {
    if (callerSignal?.aborted) return e;
    return transportError(this.connection.server, e, timedOut ? this.connection.requestTimeoutMs : null);
  }
}

/** An answer whose headers are in; its body is still to be read (or streamed). */
type Answer = http.IncomingMessage & { statusCode: number };

async function bodyText(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Equal jitter: half the exponential ceiling plus a random share of the other half, so that many
 * clients never retry in step.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function apiErrorOf(res: Answer, method: string, path: string): Promise<KubeApiError> {
  const text = await bodyText(res).catch(() => '');
  let status: { reason?: string; message?: string; details?: KubeApiError['details']; code?: number } = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && (parsed as { kind?: string }).kind === 'Status')
      status = parsed as typeof status;
  } catch {
    // Not a Status body (a proxy's HTML page, say): the HTTP status is all there is.
  }
  const message = status.message || text.trim().split('\n')[0] || `HTTP ${res.statusCode}`;
  return new KubeApiError(res.statusCode, status.reason ?? '', message, method, path, status.details ?? {});
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/;

function transportError(server: string, e: unknown, timeoutMs: number | null): KubeUnreachableError {
  if (timeoutMs !== null)
    return new KubeUnreachableError(server, 'timeout', `no answer within ${timeoutMs}ms (--request-timeout)`, 1);
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const message = err.cause?.message ?? err.message ?? String(e);
  if (TLS_CODES.test(code) || /certificate/i.test(message)) return new KubeUnreachableError(server, 'tls', message, 1);
  if (code === 'ECONNREFUSED') return new KubeUnreachableError(server, 'refused', 'connection refused', 1);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new KubeUnreachableError(server, 'dns', `host not found (${code})`, 1);
  return new KubeUnreachableError(server, 'reset', `${code || 'connection failed'}: ${message}`, 1);
}
