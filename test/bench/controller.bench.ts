// The controller at scale, as it runs: the built `kubectl-promotion controller` in its own process
// against the served API (over HTTPS on loopback) with 100 promotions over 5,000 clusters, each
// promotion a canary stage of 5 clusters and a main stage of 45. A measurement, not a test.
//   memory:  the controller's resident memory (its /metrics), peak over the run (target < 400 MB);
//   latency: from the store's commit of the ClusterSummary change that completes a stage to the
//            commit of the controller's status write reacting to it (target p99 < 100 ms);
//   idle:    the controller's CPU while every promotion soaks for a day (target < 2 % of a core).
// The served API runs in this process, so latencies include its HTTPS and watch fan-out.
// Run: node --import tsx test/bench/controller.bench.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LABEL_SUMMARY_PROFILE, type ClusterPromotion, type ClusterSummary } from '../../src/api/types.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { startServedSimulation } from '../../simulator/serve.ts';
import { BENCH_CHART } from './fixtures.ts';

const PROMOTIONS = 100;
const CLUSTERS = 5_000;
const CANARY = 5;
const START = Date.UTC(2025, 0, 1);
// The served fleet's clock runs this many times faster than real time. At 20x the 4,500 clusters of
// the main stages finish their deploys within some 6 real seconds: thousands of ClusterSummary writes
// a second, far more than an addon-controller makes, and what the served API (in this process) can
// fan out in time. BENCH_SPEED=120 shows what happens past that: its backlog, not the controller's.
const SPEED = Number(process.env.BENCH_SPEED ?? 20);
const root = fileURLToPath(new URL('../../', import.meta.url));

const shard = (i: number) => `s${String(i % PROMOTIONS).padStart(3, '0')}`;

function fleet(): FleetClusterSpec[] {
  return Array.from({ length: CLUSTERS }, (_, i) => ({
    namespace: `region-${i % 8}`,
    name: `cluster-${String(i).padStart(5, '0')}`,
    type: i % 5 === 0 ? 'Capi' : 'Sveltos',
    labels: { shard: shard(i), tier: Math.floor(i / PROMOTIONS) < CANARY ? 'canary' : 'main' },
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

function promotion(i: number): ClusterPromotion {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name: `app-${shard(i)}` },
    spec: {
      profileSpec: { syncMode: 'Continuous', helmCharts: [BENCH_CHART] },
      stages: [
        {
          name: 'canary',
          clusterSelector: { matchLabels: { shard: shard(i), tier: 'canary' } },
          trigger: { auto: { delay: '5m' } },
        },
        {
          name: 'main',
          clusterSelector: { matchLabels: { shard: shard(i), tier: 'main' } },
          trigger: { auto: { delay: '24h' } },
        },
      ],
    },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** The bucket bound under which a quantile of a Prometheus histogram lies (an upper bound, as histogram_quantile). */
async function histogramQuantile(port: number, name: string, q: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => ({
    le: m[1]!,
    n: Number(m[2]),
  }));
  const total = buckets.at(-1)?.n ?? 0;
  const hit = buckets.find((b) => b.n >= q * total);
  return `${hit?.le === '+Inf' ? '> 5' : `<= ${hit?.le ?? '?'}`} s`;
}

const served = await startServedSimulation({
  promotions: Array.from({ length: PROMOTIONS }, (_, i) => promotion(i)),
  fleet: { clusters: fleet() },
  start: START,
  controller: false,
  speed: SPEED,
  paused: true,
  maxSleepMs: 20,
  historyLimit: 200_000,
});
const dir = mkdtempSync(join(tmpdir(), 'controller-bench-'));
const kubeconfig = join(dir, 'kubeconfig');
served.writeKubeconfig(kubeconfig);

// A stage is complete when all its clusters' summaries are Provisioned: note when that commit lands.
const expected = (profile: string) => (profile.endsWith('-canary') ? CANARY : CLUSTERS / PROMOTIONS - CANARY);
const provisioned = new Map<string, Set<string>>();
const completedAt = new Map<string, { at: number; stage: string }>();
const latencies: number[] = [];
const latenciesByStage = new Map<string, number[]>();
/** ClusterSummary writes per real second (the load the controller reacts under). */
const summaryWrites = new Map<number, number>();
served.store.onChange((e) => {
  if (e.resource.plural === 'clustersummaries') {
    const second = Math.floor(performance.now() / 1000);
    summaryWrites.set(second, (summaryWrites.get(second) ?? 0) + 1);
    const s = e.object as ClusterSummary;
    const profile = s.metadata.labels?.[LABEL_SUMMARY_PROFILE];
    if (!profile) return;
    const ok = s.status?.featureSummaries?.every((f) => f.status === 'Provisioned') ?? false;
    let set = provisioned.get(profile);
    if (!set) provisioned.set(profile, (set = new Set()));
    const before = set.size;
    if (ok) set.add(s.metadata.name);
    else set.delete(s.metadata.name);
    if (before < expected(profile) && set.size === expected(profile)) {
      const [, promotion, stage] = /^(.*)-(canary|main)$/.exec(profile)!;
      completedAt.set(promotion!, { at: performance.now(), stage: stage! });
    }
  } else if (e.resource.plural === 'clusterpromotions' && e.type === 'MODIFIED') {
    const name = e.object.metadata.name;
    const since = completedAt.get(name);
    if (since === undefined) return;
    if (JSON.stringify(e.previous?.status) === JSON.stringify((e.object as ClusterPromotion).status)) return;
    const ms = performance.now() - since.at;
    latencies.push(ms);
    latenciesByStage.set(since.stage, [...(latenciesByStage.get(since.stage) ?? []), ms]);
    completedAt.delete(name);
  }
});

const child = spawn(
  process.execPath,
  [
    join(root, 'dist/kubectl-promotion.mjs'),
    'controller',
    '--kubeconfig',
    kubeconfig,
    '--leader-elect=false',
    '--metrics-bind-address=127.0.0.1:0',
    '--health-probe-bind-address=0',
  ],
  // CONTROLLER_NODE_OPTIONS=--cpu-prof profiles the controller alone.
  {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: process.env.CONTROLLER_NODE_OPTIONS ?? '' },
  },
);
let metricsPort = 0;
let synced = false;
createInterface({ input: child.stderr! }).on('line', (line) => {
  const r = JSON.parse(line) as { msg: string; address?: string };
  if (r.msg === 'serving /metrics') metricsPort = Number(r.address!.split(':').pop());
  if (r.msg === 'caches synced') synced = true;
  if (/error/.test(line) || process.env.BENCH_LOG) console.error(line.slice(0, 300));
});

let peakRss = 0;
// Four scrapes a second find the peak; while the idle CPU is measured they stop (a scrape is work
// for the controller: Prometheus scrapes every 15 s or so, not every 250 ms).
let sampling = true;
const sampler = setInterval(() => {
  if (metricsPort && sampling)
    void metric(metricsPort, 'process_resident_memory_bytes').then((v) => (peakRss = Math.max(peakRss, v || 0)));
}, 250);

try {
  const t0 = performance.now();
  while (!synced) await sleep(20);
  const syncMs = performance.now() - t0;
  const started = () =>
    served.store.all<ClusterPromotion>('clusterpromotions').filter((p) => p.status?.currentStageName).length;
  while (started() < PROMOTIONS) await sleep(20);
  const startMs = performance.now() - t0;
  served.clock.resume();
  // Every promotion reaches its main stage's day-long soak.
  const soaking = () =>
    served.store
      .all<ClusterPromotion>('clusterpromotions')
      .filter((p) => p.status?.stages?.find((s) => s.name === 'main')?.lastSuccessfulAppliedTime).length;
  while (soaking() < PROMOTIONS) await sleep(100);
  const rolloutMs = performance.now() - t0;
  await sleep(2_000);
  sampling = false;
  const cpu0 = await metric(metricsPort, 'process_cpu_seconds_total');
  const idle0 = performance.now();
  await sleep(10_000);
  const cpu1 = await metric(metricsPort, 'process_cpu_seconds_total');
  const idleCpu = ((cpu1 - cpu0) * 1000) / (performance.now() - idle0);
  sampling = true;

  latencies.sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(
    `controller: ${PROMOTIONS} promotions over ${CLUSTERS} clusters at ${SPEED}x: caches synced after ` +
      `${(syncMs / 1000).toFixed(2)} s, every promotion started after ${(startMs / 1000).toFixed(2)} s, all ` +
      `in their last soak after ${(rolloutMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `  summary change -> status write: ${latencies.length} stage completions, median ` +
      `${f(percentile(latencies, 50))}, p99 ${f(percentile(latencies, 99))}, max ${f(latencies.at(-1)!)}  ` +
      `(target p99 < 100 ms)`,
  );
  for (const [stage, ms] of latenciesByStage) {
    ms.sort((a, b) => a - b);
    console.log(
      `    when ${stage} completes: ${ms.length}, median ${f(percentile(ms, 50))}, p99 ${f(percentile(ms, 99))}`,
    );
  }
  const perSecond = [...summaryWrites.values()];
  console.log(
    `  ClusterSummary writes: ${perSecond.reduce((a, b) => a + b, 0)} in all, at most ` +
      `${Math.max(...perSecond)} in one real second`,
  );
  // The controller's own share: from the watch event that made a promotion due to its reconcile's start,
  // and the reconcile with its writes. What the end-to-end figure adds is the served API's (this process).
  const [q50, q99, r50, r99] = await Promise.all([
    histogramQuantile(metricsPort, 'kubectl_promotion_queue_duration_seconds', 0.5),
    histogramQuantile(metricsPort, 'kubectl_promotion_queue_duration_seconds', 0.99),
    histogramQuantile(metricsPort, 'kubectl_promotion_reconcile_duration_seconds', 0.5),
    histogramQuantile(metricsPort, 'kubectl_promotion_reconcile_duration_seconds', 0.99),
  ]);
  console.log(
    `  inside the controller (its /metrics, every reconcile): queue wait p50 ${q50}, p99 ${q99}; ` +
      `reconcile with its writes p50 ${r50}, p99 ${r99}`,
  );
  const writes = [
    ...(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).matchAll(
      /^kubectl_promotion_writes_total\{kind="([^"]+)",outcome="written"\} (\S+)$/gm,
    ),
  ].map((m) => `${m[1]} ${m[2]}`);
  console.log(`  writes (kind and count, the whole run): ${writes.join(', ')}`);
  console.log(`  memory: peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MiB  (target < 400 MB)`);
  console.log(`  idle CPU while every promotion soaks: ${(idleCpu * 100).toFixed(2)} % of a core  (target < 2 %)`);
} finally {
  clearInterval(sampler);
  child.kill('SIGTERM');
  await served.close();
  rmSync(dir, { recursive: true, force: true });
}
