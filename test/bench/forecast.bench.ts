// `npm run bench` (forecast): the Monte Carlo forecast's wall time and peak memory beside one run.
//   - 1,000 runs of the kyverno example through the built command line (`simulate --runs 1000`),
//     beside one headless `simulate` of it: what a user waits for, start-up included;
//   - 100 runs of the 4-stage 10,000-cluster bench fleet (fixtures.ts) beside one run, both as the
//     forecast runs them (no events kept). Target on a 2-core machine: the 100 runs in at most 60x
//     the single run's wall time, and memory bounded (runs are reduced as they finish).
// Each measurement runs in a fresh process, so that one's garbage does not count against the next.
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runForecast } from '../../simulator/forecast/montecarlo.ts';
import { rehearseOnce } from '../../simulator/forecast/rehearse.ts';
import { V8_FLAGS } from '../../build/runtime-flags.mjs';
import { BENCH_PROMOTION, benchFleet } from './fixtures.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${root}dist/kubectl-promotion.mjs`;
const KYVERNO = ['-f', `${root}examples/kyverno/promotion.yaml`, '--fleet', `${root}examples/kyverno/fleet.yaml`];
const START = Date.UTC(2025, 0, 1);

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Measure {
  wallMs: number;
  maxRss: number;
}

// Loaded before the command line: on exit, its peak RSS to standard error.
const REPORT_RSS =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("\\n"+process.resourceUsage().maxRSS))';

/** Runs the built command line to its end, as its #! line starts it: wall time and peak RSS. */
function timeCommand(args: string[]): Measure {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...V8_FLAGS, '--import', REPORT_RSS, CLI, ...args], { encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`simulate ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wallMs, maxRss: Number(r.stderr.trim().split('\n').pop()) * 1024 };
}

/** One measurement in this (fresh) process: prints its figures as JSON. */
async function child(which: string): Promise<void> {
  const input = {
    promotion: BENCH_PROMOTION,
    fleet: benchFleet(10_000),
    start: START,
    horizonMs: 30 * 86_400_000,
    approvals: [],
  };
  const t0 = performance.now();
  let completed = 0;
  if (which === 'fleet-single') {
    const run = await rehearseOnce(input, 7);
    completed = run.completedMs === null ? 0 : 1;
  } else {
    const f = await runForecast({ ...input, runs: 100, seed: 7 });
    completed = f.completions.length;
  }
  const wallMs = performance.now() - t0;
  process.stdout.write(JSON.stringify({ wallMs, maxRss: process.resourceUsage().maxRSS * 1024, completed }));
}

function inFreshProcess(which: string): Measure & { completed: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), which], {
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

const only = process.argv[2];
if (only) {
  await child(only);
} else {
  console.log(`forecast on ${availableParallelism()} cores`);
  const single = timeCommand(['simulate', ...KYVERNO, '-o', 'json']);
  const many = timeCommand(['simulate', ...KYVERNO, '--runs', '1000', '-o', 'json']);
  console.log(
    `  kyverno example      1 run     wall ${seconds(single.wallMs)}  peak RSS ${mib(single.maxRss)}` +
      '   (simulate, start-up included)',
  );
  console.log(
    `  kyverno example  1,000 runs    wall ${seconds(many.wallMs)}  peak RSS ${mib(many.maxRss)}` +
      '   (simulate --runs 1000)',
  );
  const one = inFreshProcess('fleet-single');
  const hundred = inFreshProcess('fleet-100');
  console.log(`  10,000 clusters      1 run     wall ${seconds(one.wallMs)}  peak RSS ${mib(one.maxRss)}`);
  console.log(
    `  10,000 clusters    100 runs    wall ${seconds(hundred.wallMs)}  peak RSS ${mib(hundred.maxRss)}  ` +
      `${(hundred.wallMs / one.wallMs).toFixed(1)}x one run (target <= 60x), ${hundred.completed} completed`,
  );
}
