// The live commands against the served simulation, as a person runs them: the built command
// (dist/kubectl-promotion.mjs, so `npm run build` first) in its own process. A measurement, not a
// test. Targets: `list` within 2x of `kubectl get clusterpromotions -o json` on the same server;
// `watch` over a 5,000-cluster rollout, in a real terminal (tmux), under 2% of a core while
// nothing changes and under 200 MB resident.
//   list:  N runs of each, median and spread of the wall time: the table from the counts the
//          rehearsal's controller published, and from a controller that publishes none (as
//          Sveltos's own: the table counts the current stages itself), the standalone executable
//          when dist/release has one for this machine (npm run release), and where `list -o json`'s
//          time goes (node's own start, the program's, the command with its request).
//   watch: a 3-stage rollout over 5,000 clusters waiting for approval at 1x; the command's CPU time
//          (user + system, what process.cpuUsage counts, read from /proc) over an idle period,
//          its resident memory, and how long it took to draw the first frame.
// Run: node --import tsx test/bench/live.bench.ts [list|watch]
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LABEL_SUMMARY_PROFILE, type ClusterPromotion, type Stage } from '../../src/api/types.ts';
import { mainProfileName } from '../../src/engine/names.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { startServedSimulation, type ServedSimulation } from '../../simulator/serve.ts';
import { unpackStandalone } from './fixtures.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(root, 'dist/kubectl-promotion.mjs');
const MIN = 60_000;
const RUNS = 15;
const IDLE_S = 20;
const CLOCK_TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function fleet(size: number, stages: string[]): FleetClusterSpec[] {
  // One cluster in each of the first stages, the rest in the last: the rollout is big where it is watched.
  return Array.from({ length: size }, (_, i) => ({
    namespace: `region-${i % 8}`,
    name: `cluster-${String(i).padStart(5, '0')}`,
    type: i % 5 === 0 ? 'Capi' : 'Sveltos',
    labels: { stage: i < stages.length - 1 ? stages[i]! : stages.at(-1)! },
    ready: true,
    deployTimeMs: 2 * MIN,
    checkTimeMs: 0,
    jitterMs: i < stages.length - 1 ? 0 : 30 * MIN,
    failures: i % 250 === 0 ? 1 : 0,
    objects: [],
    dynamicObjects: [],
    kinds: [],
  }));
}

function promotion(name: string, stages: string[]): ClusterPromotion {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name },
    spec: {
      profileSpec: {
        syncMode: 'Continuous',
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: `${name}-app` }],
      },
      stages: stages.map(
        (s, i): Stage => ({
          name: s,
          clusterSelector: { matchLabels: { stage: s } },
          trigger: i === stages.length - 1 ? { manual: {} } : { auto: { delay: '5m' } },
        }),
      ),
    },
  };
}

const STAGES = ['canary', 'staging', 'production'];

/**
 * The rollout at `at` after its start. `still`: the clock held there, and the server says so (a
 * frozen rehearsal); otherwise its clock runs on from there at 1x, as a real cluster's does.
 */
async function served(
  size: number,
  promotions: string[],
  at: number,
  still = true,
  publishProgress = true,
): Promise<{ sim: ServedSimulation; kubeconfig: string; dir: string }> {
  // Started `at` ago, so that the rollout stands at about the wall clock's time.
  const start = Math.floor(Date.now() / 1000) * 1000 - at;
  const sim = await startServedSimulation({
    promotions: promotions.map((p) => promotion(p, STAGES)),
    fleet: { clusters: fleet(size, STAGES) },
    start,
    ...(still ? { realNow: () => 0 } : { speed: 1 }),
    publishProgress,
    historyLimit: 100_000,
  });
  await sim.advanceTo(start + at);
  if (still) sim.clock.pause();
  const dir = mkdtempSync(join(tmpdir(), 'live-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig);
  return { sim, kubeconfig, dir };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

async function timed(cmd: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const t = performance.now();
  // Asynchronous: the server answering these requests runs in this very process.
  const { stdout } = await run(cmd, args, { cwd: root, maxBuffer: 256 * 1024 * 1024 });
  return { ms: performance.now() - t, stdout };
}

async function series(label: string, cmd: string, args: string[]): Promise<number> {
  await timed(cmd, args); // warm: kubectl's discovery cache, the OS's file cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await timed(cmd, args)).ms);
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(52)} median ${fmt(median(times))}  min ${fmt(sorted[0]!)}  max ${fmt(sorted.at(-1)!)} ` +
      ` (${RUNS} runs)`,
  );
  return median(times);
}

async function measureList(): Promise<void> {
  const sea = unpackStandalone()?.executable ?? null;
  // Started as the command's first line starts it.
  const command = [...shebangFlags(BIN), BIN];
  const promotionNames = ['checkout', 'payments', 'search'];
  for (const size of [30, 5000]) {
    const { sim, kubeconfig, dir } = await served(size, promotionNames, 20 * MIN);
    console.log(
      `list: ${sim.store.all('clusterpromotions').length} ClusterPromotions over ${size} clusters ` +
        `(${sim.store.all('clustersummaries').length} ClusterSummaries)`,
    );
    const kubectl = await series('kubectl get clusterpromotions -o json', 'kubectl', [
      'get',
      'clusterpromotions',
      '-o',
      'json',
      '--kubeconfig',
      kubeconfig,
    ]);
    const json = await series('kubectl promotion list -o json (the objects only)', process.execPath, [
      ...command,
      'list',
      '-o',
      'json',
      '--kubeconfig',
      kubeconfig,
    ]);
    const table = await series('kubectl promotion list (table, counts published)', process.execPath, [
      ...command,
      'list',
      '--kubeconfig',
      kubeconfig,
    ]);
    const seaTable = sea
      ? await series('standalone executable: list', sea, ['list', '--kubeconfig', kubeconfig])
      : null;
    const seaJson = sea
      ? await series('standalone executable: list -o json', sea, ['list', '-o', 'json', '--kubeconfig', kubeconfig])
      : null;
    const node = await series('node -e 0 (the runtime alone)', process.execPath, ['-e', '0']);
    const version = await series('kubectl promotion version (no command module loaded)', process.execPath, [
      ...command,
      'version',
    ]);
    await sim.close();
    rmSync(dir, { recursive: true, force: true });

    // The same rollout driven by a controller that publishes no counts (Sveltos's own).
    const bare = await served(size, promotionNames, 20 * MIN, true, false);
    const current = currentStageSummaries(bare.sim);
    const counted = await series(`list (table, counting the current stages: ${current} summaries)`, process.execPath, [
      ...command,
      'list',
      '--kubeconfig',
      bare.kubeconfig,
    ]);
    await bare.sim.close();
    rmSync(bare.dir, { recursive: true, force: true });
    console.log(
      `  ratio to kubectl get clusterpromotions: list -o json ${(json / kubectl).toFixed(2)}x, list ` +
        `${(table / kubectl).toFixed(2)}x (target 2x), list counting the current stages itself ` +
        `${(counted / kubectl).toFixed(2)}x; ` +
        (seaTable !== null && seaJson !== null
          ? `standalone: list -o json ${(seaJson / kubectl).toFixed(2)}x, list ${(seaTable / kubectl).toFixed(2)}x; `
          : 'standalone: none in dist/release (npm run release); ') +
        `of list -o json's ${fmt(json)}: node ${fmt(node)}, the program's start ${fmt(version - node)}, the ` +
        `command and its request ${fmt(json - version)}`,
    );
  }
}

/** How many ClusterSummaries the promotions' current stages have: what `list` reads without published counts. */
function currentStageSummaries(sim: ServedSimulation): number {
  const profiles = new Set(
    sim.store
      .all<ClusterPromotion>('clusterpromotions')
      .map((p) => mainProfileName(p.metadata.name, p.status?.currentStageName ?? '')),
  );
  return sim.store.all('clustersummaries').filter((s) => profiles.has(s.metadata.labels?.[LABEL_SUMMARY_PROFILE] ?? ''))
    .length;
}

/**
 * The options the built command's first line gives node (`#!/usr/bin/env -S node --flag`): the
 * benchmark starts this very node, and must start it as running the command would.
 */
function shebangFlags(file: string): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  const words = first
    .replace(/^#!\S*env\s+(-S\s+)?/, '')
    .split(/\s+/)
    .filter(Boolean);
  return words[0] === 'node' ? words.slice(1) : [];
}

/** User + system CPU time of a process so far, in ms, and its resident memory now and at peak. */
function processStats(pid: number): { cpuMs: number; rssMiB: number; peakMiB: number } {
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { cpuMs, rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
}

async function measureWatch(): Promise<void> {
  const SIZE = Number(process.env.WATCH_CLUSTERS ?? 5000);
  // 90 minutes in: canary and staging passed, production (4,998 clusters) deployed and waiting for a
  // person, the rehearsal's clock running at 1x: nothing changes but the time, as on a real cluster
  // while a rollout waits for approval (the view still redraws once a second for its clock).
  const { sim, kubeconfig, dir } = await served(SIZE, ['bench'], 90 * MIN, false);
  const socket = `live-bench-${process.pid}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, '-f', '/dev/null', ...args]).then((r) => r.stdout);
  const p = sim.store.get<ClusterPromotion>('clusterpromotions', 'bench');
  console.log(
    `watch: ${SIZE} clusters, ${sim.store.all('clustersummaries').length} ClusterSummaries, bench at stage ` +
      `${p.status?.currentStageName}; terminal 160x50 (tmux)`,
  );
  const t0 = performance.now();
  const cmd =
    `exec env LANG=C.UTF-8 ${[process.execPath, ...shebangFlags(BIN), BIN].join(' ')} watch bench ` +
    `--kubeconfig ${kubeconfig}`;
  await tmux('new-session', '-d', '-s', 'watch', '-x', '160', '-y', '50', cmd);
  try {
    const pid = Number((await tmux('display-message', '-p', '-t', 'watch', '#{pane_pid}')).trim());
    // The first frame: wait on what the pane shows (polled), never on a fixed delay.
    let screen = '';
    for (let i = 0; !/data \d+s old/.test(screen); i++) {
      if (i > 600) throw new Error(`no frame after 60 s:\n${screen}`);
      screen = await tmux('capture-pane', '-p', '-t', 'watch');
      if (!/data \d+s old/.test(screen)) await new Promise((r) => setTimeout(r, 100));
    }
    const firstFrame = performance.now() - t0;
    const loaded = processStats(pid);
    // Idle: the streams are open and nothing changes; the view still redraws its clock each second.
    const before = processStats(pid);
    const idleStart = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const after = processStats(pid);
    const wall = performance.now() - idleStart;
    const cpu = ((after.cpuMs - before.cpuMs) / wall) * 100;
    console.log(
      `  first frame after ${fmt(firstFrame)} (start, list of every kind, first draw); CPU to then ` +
        `${fmt(loaded.cpuMs)}`,
    );
    console.log(
      `  idle ${(wall / 1000).toFixed(1)} s: CPU ${(after.cpuMs - before.cpuMs).toFixed(0)} ms = ` +
        `${cpu.toFixed(2)}% of a core (target < 2%)`,
    );
    console.log(
      `  memory: RSS ${after.rssMiB.toFixed(0)} MiB, peak RSS ${after.peakMiB.toFixed(0)} MiB (target < 200 MB)`,
    );
    console.log(
      screen
        .split('\n')
        .slice(0, 6)
        .map((l) => `  | ${l}`)
        .join('\n'),
    );
  } finally {
    await tmux('kill-server').catch(() => {});
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
const part = process.argv[2];
if (part === 'list') await measureList();
else if (part === 'watch') await measureWatch();
else {
  // Each part in a fresh process, so that one's garbage does not count against the other.
  const self = fileURLToPath(import.meta.url);
  for (const p of ['list', 'watch']) execFileSync(process.execPath, ['--import', 'tsx', self, p], { stdio: 'inherit' });
}
