import assert from 'node:assert/strict';
// Shared fixtures for the served API's tests: a store on a settable clock, a server on a free
// port, an HTTPS client trusting its certificate, a watch-stream reader, and the real kubectl.
// Every wait has a deadline; nothing sleeps to let time pass.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { KubeObject } from '../../src/api/types.ts';
import { writeKubeconfig } from '../../simulator/apiserver/kubeconfig.ts';
import { startApiServer } from '../../simulator/apiserver/server.ts';
import type { ApiServer, ApiServerOptions } from '../../simulator/apiserver/server.ts';
import { ObjectStore } from '../../simulator/apiserver/store.ts';
import type { StoreOptions } from '../../simulator/apiserver/store.ts';

export const PROMOTIONS = '/apis/config.projectsveltos.io/v1beta1/clusterpromotions';
export const SUMMARIES = '/apis/config.projectsveltos.io/v1beta1/clustersummaries';
export const DEADLINE_MS = 10_000;

export class Clock {
  constructor(private at = new Date('2025-03-01T12:00:00Z')) {}
  now = (): Date => new Date(this.at);
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

export function promotion(
  name: string,
  stages: unknown[] = [{ name: 'qa' }, { name: 'prod', trigger: { manual: {} } }],
): KubeObject {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name },
    spec: { profileSpec: { syncMode: 'Continuous' }, stages },
  };
}

export function summary(namespace: string, name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterSummary',
    metadata: { name, namespace, labels },
    spec: { clusterNamespace: namespace, clusterName: name, clusterType: 'Sveltos', clusterProfileSpec: {} },
  };
}

export function newStore(options: StoreOptions = {}): { store: ObjectStore; clock: Clock } {
  const clock = new Clock();
  return { store: new ObjectStore({ now: clock.now, ...options }), clock };
}

export interface Response {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  // Tests read arbitrary fields of the JSON they get back.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** null: no Authorization header. */
  token?: string | null;
}

export class TestServer {
  private dir: string | undefined;

  constructor(
    readonly api: ApiServer,
    readonly store: ObjectStore,
    readonly clock: Clock,
  ) {}

  static async start(options: Partial<ApiServerOptions> & { storeOptions?: StoreOptions } = {}): Promise<TestServer> {
    const { store, clock } = newStore(options.storeOptions);
    const api = await startApiServer({ store, ...options });
    return new TestServer(api, store, clock);
  }

  async close(): Promise<void> {
    await this.api.close();
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  /** A scratch directory removed at close. */
  get scratch(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'apiserver-test-'));
    return this.dir;
  }

  kubeconfig(): string {
    const path = join(this.scratch, 'kubeconfig');
    writeKubeconfig(path, { server: this.api.url, ca: this.api.ca, token: this.api.token });
    return path;
  }

  private open(method: string, path: string, options: RequestOptions): Promise<IncomingMessage> {
    const url = new URL(path, this.api.url);
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    const token = options.token === undefined ? this.api.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
      // Node sends a DELETE's body neither chunked nor with a length unless told the length.
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method, headers, ca: this.api.ca, agent: false }, resolve);
      req.setTimeout(DEADLINE_MS, () =>
        req.destroy(new Error(`${method} ${path}: no response within ${DEADLINE_MS}ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const res = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode ?? 0, headers: res.headers, text, json };
  }

  async watch(path: string, options: RequestOptions = {}): Promise<WatchStream> {
    const res = await this.open('GET', path, options);
    return new WatchStream(res);
  }
}

/** `promise`, or a rejection naming `what` once `ms` have passed. */
export async function withDeadline<T>(promise: Promise<T>, what: () => string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what()} within ${ms}ms`)), ms)),
  );
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `run` against a fresh server on a free port, closed afterwards whatever happens. */
export async function withServer(
  run: (s: TestServer) => Promise<void>,
  options: Parameters<typeof TestServer.start>[0] = {},
): Promise<void> {
  const server = await TestServer.start(options);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WireEvent = { type: string; object: any };

/** Reads a newline-delimited JSON watch stream event by event. */
export class WatchStream {
  private readonly buffered: WireEvent[] = [];
  private waiting: ((e: WireEvent | null) => void) | null = null;
  private ended = false;

  constructor(readonly response: IncomingMessage) {
    const lines = createInterface({ input: response });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      this.push(JSON.parse(line) as WireEvent);
    });
    const end = (): void => {
      this.ended = true;
      this.waiting?.(null);
      this.waiting = null;
    };
    lines.on('close', end);
    // A connection cut by the server (a fault) ends the stream like a clean close does.
    lines.on('error', end);
    response.on('error', end);
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  private push(event: WireEvent): void {
    if (this.waiting !== null) {
      const w = this.waiting;
      this.waiting = null;
      w(event);
    } else {
      this.buffered.push(event);
    }
  }

  /** The next event, or null when the stream ended; rejects after the deadline. */
  next(deadlineMs = DEADLINE_MS): Promise<WireEvent | null> {
    const ready = this.buffered.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`no watch event within ${deadlineMs}ms`));
      }, deadlineMs);
      this.waiting = (e) => {
        clearTimeout(timer);
        resolve(e);
      };
    });
  }

  /** Events until one satisfies `match` (returned last); rejects at the deadline or the end. */
  async until(match: (e: WireEvent) => boolean, deadlineMs = DEADLINE_MS): Promise<WireEvent[]> {
    const seen: WireEvent[] = [];
    const end = Date.now() + deadlineMs;
    for (;;) {
      const e = await this.next(Math.max(1, end - Date.now()));
      if (e === null)
        throw new Error(`watch ended before the expected event; saw ${JSON.stringify(seen.map((s) => s.type))}`);
      seen.push(e);
      if (match(e)) return seen;
    }
  }

  /** Resolves when the server ends the stream; rejects at the deadline. */
  async toEnd(deadlineMs = DEADLINE_MS): Promise<WireEvent[]> {
    const rest: WireEvent[] = [];
    const end = Date.now() + deadlineMs;
    for (;;) {
      const e = await this.next(Math.max(1, end - Date.now()));
      if (e === null) return rest;
      rest.push(e);
    }
  }

  close(): void {
    this.response.destroy();
  }
}

// ---- kubectl ------------------------------------------------------------------------------------

export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectlArgs(server: TestServer, args: string[]): string[] {
  return ['--kubeconfig', server.kubeconfig(), '--cache-dir', join(server.scratch, 'kube-cache'), ...args];
}

export function kubectl(server: TestServer, args: string[], stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, kubectlArgs(server, args), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS * 3);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** A kubeconfig for another token (a restricted identity's), context `promotion-sim-rbac`. */
export function tokenKubeconfig(server: TestServer, token: string): string {
  const path = join(server.scratch, `kubeconfig-${token}`);
  writeKubeconfig(path, { server: server.api.url, ca: server.api.ca, token, name: 'promotion-sim-rbac' });
  return path;
}

/** kubectl with another kubeconfig: the last --kubeconfig wins. */
export async function kubectlAs(server: TestServer, kubeconfig: string, args: string[], stdin?: string) {
  const r = await kubectl(server, ['--kubeconfig', kubeconfig, ...args], stdin);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

export const BOB_TOKEN = 'bob-token';

/** A server with one restricted identity, bob (group developers), bound to nothing yet; a namespace team. */
export function withBob(run: (s: TestServer, bob: string) => Promise<void>): Promise<void> {
  return withServer(
    async (s) => {
      s.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
      await run(s, tokenKubeconfig(s, BOB_TOKEN));
    },
    { restricted: [{ token: BOB_TOKEN, user: 'bob', groups: ['developers', 'system:authenticated'] }] },
  );
}

/** kubectl with the admin kubeconfig, which must succeed: its stdout. */
export async function kubectlOk(s: TestServer, args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(s, args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A long-running kubectl (e.g. `get -w`) whose stdout is read line by line. */
export class KubectlStream {
  private readonly lines: string[] = [];
  private waiting: (() => void) | null = null;
  private exited = false;
  stderr = '';
  private readonly child;

  constructor(server: TestServer, args: string[]) {
    this.child = spawn(KUBECTL, kubectlArgs(server, args), { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.waiting?.();
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('close', () => {
      this.exited = true;
      this.waiting?.();
    });
  }

  /** Every line so far once one matches; rejects at the deadline or if kubectl exits first. */
  async waitForLine(match: (line: string) => boolean, deadlineMs = DEADLINE_MS * 2): Promise<string[]> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      if (this.lines.some(match)) return [...this.lines];
      if (this.exited) throw new Error(`kubectl exited; stdout ${JSON.stringify(this.lines)} stderr ${this.stderr}`);
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching line within ${deadlineMs}ms; stdout ${JSON.stringify(this.lines)} stderr ${this.stderr}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          this.waiting = null;
          resolve();
        };
      });
    }
  }

  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('close', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
