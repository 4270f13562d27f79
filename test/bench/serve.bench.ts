// The served simulation under load, over real HTTPS on loopback. A measurement, not a test.
//   list:  10,000 ClusterSummaries (one stage over 10,000 clusters, settled), listed whole as JSON
//          and as kubectl's Table, and in pages of 500: latency per request and memory.
//   watch: 100 watchers of every ClusterSummary while a two-stage rollout over 5,000 clusters
//          runs on the real-time runner: latency from the store's commit of each change to its
//          arrival at each watcher, and memory.
// Clients run in the same process as the server (as in the tests), so latencies include their
// parsing. Each part runs in a fresh process, so that one part's garbage does not count against
// the other's peak. Run: node --import tsx test/bench/serve.bench.ts [list|watch]
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ClusterPromotion, Stage } from '../../src/api/types.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { startServedSimulation, type ServedSimulation } from '../../simulator/serve.ts';
import type { IncomingMessage } from 'node:http';
import { Clock, SUMMARIES, TestServer } from '../apiserver/helpers.ts';
import { BENCH_CHART } from './fixtures.ts';

const START = Date.UTC(2025, 0, 1);
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

function fleet(size: number, stageOf: (i: number) => string): FleetClusterSpec[] {
  return Array.from({ length: size }, (_, i) => ({
    namespace: `region-${i % 8}`,
    name: `cluster-${String(i).padStart(5, '0')}`,
    type: i % 5 === 0 ? 'Capi' : 'Sveltos',
    labels: { stage: stageOf(i) },
    ready: true,
    deployTimeMs: 60_000,
    checkTimeMs: 0,
    jitterMs: 60_000,
    failures: 0,
    objects: [],
    dynamicObjects: [],
    kinds: [],
  }));
}

function promotion(stages: string[]): ClusterPromotion {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name: 'bench' },
    spec: {
      profileSpec: {
        syncMode: 'Continuous',
        helmCharts: [BENCH_CHART],
      },
      stages: stages.map(
        (name): Stage => ({ name, clusterSelector: { matchLabels: { stage: name } }, trigger: { auto: {} } }),
      ),
    },
  };
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const ms = (t: number) => `${t.toFixed(t < 10 ? 1 : 0)} ms`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

function memory(): string {
  return `peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}  heap ${mib(process.memoryUsage().heapUsed)}`;
}

async function serve(
  size: number,
  stageOf: (i: number) => string,
  stages: string[],
  speed: number,
  frozen: boolean,
): Promise<{ served: ServedSimulation; client: TestServer }> {
  const served = await startServedSimulation({
    promotions: [promotion(stages)],
    fleet: { clusters: fleet(size, stageOf) },
    start: START,
    speed,
    ...(frozen ? { realNow: () => 0 } : {}),
    // A rollout's writes would leave a 5,000-event window behind the watchers' resourceVersions.
    historyLimit: 100_000,
  });
  return { served, client: new TestServer(served.api, served.store, new Clock(new Date(START))) };
}

async function measureList(): Promise<void> {
  const SIZE = 10_000;
  const t0 = performance.now();
  const { served, client } = await serve(SIZE, () => 'all', ['all'], 60, true);
  await served.settle();
  const setup = performance.now() - t0;
  const count = served.store.all('clustersummaries').length;
  console.log(
    `list: ${count} ClusterSummaries in the store after ${(setup / 1000).toFixed(2)} s (seeding ${SIZE} ` +
      `clusters, engine, fleet, mirror)  ${memory()}`,
  );

  const timed = async (label: string, runs: number, request: () => Promise<{ bytes: number; items: number }>) => {
    const times: number[] = [];
    let last = { bytes: 0, items: 0 };
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      last = await request();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(
      `  ${label.padEnd(34)} ${String(last.items).padStart(6)} items  ` +
        `${(last.bytes / 1024 / 1024).toFixed(1)} MiB  median ${ms(percentile(times, 50))}  max ` +
        `${ms(times.at(-1)!)}  (${runs} runs)`,
    );
  };
  await timed('GET clustersummaries (JSON)', 10, async () => {
    const r = await client.request('GET', SUMMARIES);
    return { bytes: r.text.length, items: r.json.items.length };
  });
  await timed('GET clustersummaries -A (Table)', 10, async () => {
    const r = await client.request('GET', SUMMARIES, { accept: TABLE });
    return { bytes: r.text.length, items: r.json.rows.length };
  });
  await timed('GET in pages of 500 (all pages)', 5, async () => {
    let bytes = 0;
    let items = 0;
    let next = '';
    do {
      const r = await client.request(
        'GET',
        `${SUMMARIES}?limit=500${next ? `&continue=${encodeURIComponent(next)}` : ''}`,
      );
      bytes += r.text.length;
      items += r.json.items.length;
      next = r.json.metadata.continue ?? '';
    } while (next);
    return { bytes, items };
  });
  console.log(`  after listing: ${memory()}`);
  await served.close();
}

/** Wall-clock milliseconds comparable between processes on one machine. */
const absoluteNow = () => performance.timeOrigin + performance.now();

interface WatchersInput {
  url: string;
  token: string;
  ca: string;
  from: number;
  watchers: number;
}

interface WatchersReport {
  perWatcherMin: number;
  perWatcherMax: number;
  latencies: { count: number; median: number; p99: number; max: number; mean: number };
  memory: string;
}

async function measureWatch(): Promise<void> {
  const SIZE = 5_000;
  const WATCHERS = 100;
  const SPEED = 120;
  // Virtual time stands still until every watcher is connected.
  let startedAt: number | null = null;
  const served = await startServedSimulation({
    promotions: [promotion(['canary', 'main'])],
    fleet: { clusters: fleet(SIZE, (i) => (i < SIZE / 10 ? 'canary' : 'main')) },
    start: START,
    speed: SPEED,
    realNow: () => (startedAt === null ? 0 : performance.now() - startedAt),
    historyLimit: 100_000,
  });
  const committedAt = new Map<number, number>();
  served.store.onChange((e) => {
    if (e.resource.plural === 'clustersummaries') committedAt.set(e.resourceVersion, absoluteNow());
  });
  const completed = new Promise<number>((resolve) =>
    served.sim.controller!.on((e) => e.type === 'PromotionCompleted' && resolve(e.at)),
  );
  const from = served.store.resourceVersion;

  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'watchers'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the watchers' process exited with ${code}`)));
    });
  const input: WatchersInput = {
    url: served.api.url,
    token: served.api.token,
    ca: served.api.ca,
    from,
    watchers: WATCHERS,
  };
  child.stdin.write(`${JSON.stringify(input)}\n`);
  assert.equal(await nextLine(), 'ready');
  const readyAt = absoluteNow();
  startedAt = performance.now();
  const virtualEnd = await completed;
  const wall = performance.now() - startedAt;
  const serverMemory = memory();
  // Changes committed before the watchers were connected arrive as a replay: not latency.
  const commits = [...committedAt].filter(([rv]) => rv > from);
  child.stdin.end(
    `${JSON.stringify({ expected: commits.length, commits: commits.filter(([, t]) => t >= readyAt) })}\n`,
  );
  const report = JSON.parse(await nextLine()) as WatchersReport;
  const l = report.latencies;
  console.log(
    `watch: ${WATCHERS} watchers of every ClusterSummary (another process), rollout over ${SIZE} clusters ` +
      `(2 stages) at ${SPEED}x: ` +
      `virtual ${((virtualEnd - START) / 60_000).toFixed(1)} min in ${(wall / 1000).toFixed(2)} s real`,
  );
  console.log(
    `  ${commits.length} changes, ${report.perWatcherMin}..${report.perWatcherMax} received per watcher; ` +
      `commit-to-arrival latency over ${l.count} deliveries: median ${ms(l.median)}  p99 ${ms(l.p99)}  max ` +
      `${ms(l.max)}  mean ${ms(l.mean)}`,
  );
  console.log(`  server process: ${serverMemory}; watchers' process: ${report.memory}`);
  await served.close();
}

/** The watchers' side, in its own process: connects, says ready, counts, then reports latencies. */
async function runWatchers(): Promise<void> {
  const stdin = createInterface({ input: process.stdin });
  const firstLine = () => new Promise<string>((resolve) => stdin.once('line', resolve));
  const input = JSON.parse(await firstLine()) as WatchersInput;
  const arrivals = new Map<number, number[]>();
  const counts = new Array<number>(input.watchers).fill(0);
  let expected = Infinity;
  let allDelivered!: () => void;
  const delivered = new Promise<void>((resolve) => (allDelivered = resolve));
  const check = () => counts.every((n) => n >= expected) && allDelivered();
  const streams = await Promise.all(
    Array.from({ length: input.watchers }, () =>
      openWatch(input, `${SUMMARIES}?watch=1&resourceVersion=${input.from}`),
    ),
  );
  const reading = streams.map(async (w, i) => {
    for (;;) {
      const rv = await w.next();
      if (rv === null) return;
      const t = absoluteNow();
      let list = arrivals.get(rv);
      if (!list) arrivals.set(rv, (list = []));
      list.push(t);
      counts[i]!++;
      check();
    }
  });
  process.stdout.write('ready\n');
  const { expected: total, commits } = JSON.parse(await firstLine()) as {
    expected: number;
    commits: [number, number][];
  };
  expected = total;
  check();
  await delivered;
  for (const w of streams) w.close();
  await Promise.all(reading);
  const latencies: number[] = [];
  for (const [rv, committed] of commits) for (const t of arrivals.get(rv) ?? []) latencies.push(t - committed);
  latencies.sort((a, b) => a - b);
  const report: WatchersReport = {
    perWatcherMin: Math.min(...counts),
    perWatcherMax: Math.max(...counts),
    latencies: {
      count: latencies.length,
      median: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
      mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    },
    memory: memory(),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** A watch over HTTPS with the server's token and CA, read as ResourceVersions. */
function openWatch(input: WatchersInput, path: string): Promise<ResourceVersions> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, input.url),
      { headers: { authorization: `Bearer ${input.token}`, accept: 'application/json' }, ca: input.ca, agent: false },
      (res) => resolve(new ResourceVersions(res)),
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * A watch stream read as a lean client would: each line's resourceVersion (the object's metadata
 * comes before anything else that could hold one), without decoding the whole object, so that the
 * figures are the server's and not JSON.parse's.
 */
class ResourceVersions {
  readonly #queue: number[] = [];
  #head = 0;
  #rest = '';
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(private readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      const text = this.#rest + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        const m = /"resourceVersion":"(\d+)"/.exec(text.slice(start, nl));
        if (m) this.#queue.push(Number(m[1]));
        start = nl + 1;
      }
      this.#rest = text.slice(start);
      this.#wake?.();
    });
    const end = () => {
      this.#ended = true;
      this.#wake?.();
    };
    response.on('end', end);
    response.on('error', end);
    response.on('close', end);
  }

  close(): void {
    this.response.destroy();
  }

  async next(): Promise<number | null> {
    while (this.#head >= this.#queue.length) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
    return this.#queue[this.#head++]!;
  }
}

const part = process.argv[2];
if (part === 'list') await measureList();
else if (part === 'watch') await measureWatch();
else if (part === 'watchers') await runWatchers();
else {
  const self = fileURLToPath(import.meta.url);
  for (const p of ['list', 'watch']) execFileSync(process.execPath, ['--import', 'tsx', self, p], { stdio: 'inherit' });
}
