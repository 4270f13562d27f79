// How fast `kubectl promotion version` and `--help` start, against a bare `node -e 0` on the same
// Node.js. A measurement, not a test. Target: within 1.5x of `node -e 0`, for the npm build
// (dist/, so `npm run build` first) and for the standalone executable (the host's archive in
// dist/release, so `npm run release` first; left out when there is none).
// The commands run interleaved, round after round, so that other load on the machine falls on all
// of them alike; each figure is the median wall time of its runs, with the fastest beside it.
// Run: node --import tsx test/bench/startup.bench.ts [runs]
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackStandalone } from './fixtures.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = Number(process.argv[2] ?? 40);
const WARMUP = 5;

interface Case {
  label: string;
  argv: string[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timeOnce(argv: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return ms;
}

function measure(cases: Case[]): Map<Case, number[]> {
  const times = new Map(cases.map((c) => [c, [] as number[]]));
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const c of cases) {
      const ms = timeOnce(c.argv);
      if (round >= WARMUP) times.get(c)!.push(ms);
    }
  }
  return times;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

const npmBin = join(root, 'dist/kubectl-promotion.mjs');
if (!existsSync(npmBin)) throw new Error('no dist/kubectl-promotion.mjs: run npm run build first');
const cases: Case[] = [
  { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  { label: 'npm build: version', argv: [process.execPath, npmBin, 'version'] },
  { label: 'npm build: --help', argv: [process.execPath, npmBin, '--help'] },
];

const sizes: string[] = [];
const standalone = unpackStandalone();
if (standalone) {
  const sea = standalone.executable;
  cases.push(
    { label: 'standalone: version', argv: [sea, 'version'] },
    { label: 'standalone: --help', argv: [sea, '--help'] },
  );
  sizes.push(
    `standalone executable ${mb(statSync(sea).size)}, archive ${mb(statSync(standalone.archive).size)} ` +
      `(${standalone.target})`,
  );
} else {
  sizes.push('standalone: no archive for this machine in dist/release (npm run release builds it)');
}

const times = measure(cases);
const base = median(times.get(cases[0]!)!);
process.stdout.write(
  `Node.js ${process.version}, ${RUNS} runs each, interleaved; median (fastest), and the median against node -e 0\n`,
);
for (const c of cases) {
  const t = times.get(c)!;
  const m = median(t);
  process.stdout.write(
    `  ${c.label.padEnd(22)} ${m.toFixed(1).padStart(6)} ms (${Math.min(...t).toFixed(1)})  ` +
      `${(m / base).toFixed(2)}x\n`,
  );
}
for (const line of sizes) process.stdout.write(`${line}\n`);
