// `npm run bench`: simulates a 4-stage promotion over 10,000 and 100,000 fake clusters and prints
// wall time and peak memory. A measurement, not a test: targets on a 2-core machine are 10,000
// clusters in under 1 s, 100,000 in under 5 s and 1 GiB. Each size runs in a fresh process so
// that one size's garbage does not count against the next one's peak.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Simulation } from '../../simulator/driver.ts';
import { BENCH_PROMOTION, BENCH_STAGES, benchFleet } from './fixtures.ts';

async function measure(size: number): Promise<void> {
  const fleet = benchFleet(size);
  const t0 = performance.now();
  const sim = new Simulation({ promotion: BENCH_PROMOTION, fleet, start: Date.UTC(2025, 0, 1), seed: 7 });
  const result = await sim.run();
  const wall = performance.now() - t0;
  const heap = process.memoryUsage();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
  console.log(
    `${String(size).padStart(7)} clusters  ${BENCH_STAGES.length} stages  ${result.outcome}  ` +
      `virtual ${((result.endedAt - result.startedAt) / 60_000).toFixed(1)} min  ` +
      `wall ${(wall / 1000).toFixed(2)} s  peak RSS ${mib(maxRss)}  heap ${mib(heap.heapUsed)}  ` +
      `events ${result.events.length} engine calls ${sim.engineCalls}`,
  );
}

const only = process.argv[2];
if (only) {
  await measure(Number(only));
} else {
  const self = fileURLToPath(import.meta.url);
  for (const size of [10_000, 100_000]) {
    execFileSync(process.execPath, ['--import', 'tsx', self, String(size)], { stdio: 'inherit' });
  }
}
