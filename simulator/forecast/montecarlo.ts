// Many rehearsals of one rollout plan, over the machine's cores: the promotion and fleet are parsed
// once, handed to each worker thread once, and the runs are dealt out one at a time from a shared
// counter (a slow run does not hold a batch hostage), run on the workers and on this thread too,
// and folded into the forecast as they finish. Run i always uses the same seed, so the forecast
// depends on --seed and --runs, never on how many threads there were or which finished first.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { RunFigures } from './figures.ts';
import { ForecastAccumulator, type Forecast } from './reduce.ts';
import { rehearseOnce, runSeed, type RehearsalInput } from './rehearse.ts';

export interface ForecastInput extends RehearsalInput {
  runs: number;
  seed: number;
  /** An RFC 3339 deadline, in milliseconds, to report the chance of completing by. */
  deadlineMs?: number;
}

export interface ForecastOptions {
  /** Threads running rehearsals, this one included; default: the machine's cores. */
  threads?: number;
  /** Start worker threads only when the runs left would take at least this long on one (default 400 ms). */
  workerStartMs?: number;
  /** Called after each finished run (for a progress line). */
  onRun?: (done: number, runs: number) => void;
  /**
   * false: every run goes to worker threads and this thread only collects them, so that it stays
   * free for keys and frames (watch's forecast); where no worker can start, it runs them itself.
   */
  mainThread?: boolean;
}

/** About what starting a worker thread and loading the simulator in it costs. */
const WORKER_START_MS = 400;
/** Runs timed before deciding against workers. */
const DECIDE_AFTER_RUNS = 3;

interface WorkerInit {
  kubectlPromotionForecastWorker: true;
  input: RehearsalInput;
  seed: number;
  runs: number;
  next: SharedArrayBuffer;
}

type WorkerMessage = { run: RunFigures } | { error: string } | { done: true };

export async function runForecast(input: ForecastInput, options: ForecastOptions = {}): Promise<Forecast> {
  const runs = input.runs;
  const acc = new ForecastAccumulator(
    (input.promotion.spec.stages ?? []).map((s) => s.name),
    runs,
  );
  const rehearsal: RehearsalInput = {
    promotion: input.promotion,
    fleet: input.fleet,
    start: input.start,
    horizonMs: input.horizonMs,
    approvals: input.approvals,
    ...(input.resume ? { resume: input.resume } : {}),
    ...(input.assumeHealthy ? { assumeHealthy: true } : {}),
  };
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const add = (run: RunFigures) => {
    acc.add(run);
    options.onRun?.(acc.count, runs);
  };
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), runs));
  const workers: Promise<void>[] = [];
  const startWorkers = () => {
    for (let w = 1; w < threads; w++) {
      workers.push(
        startWorker({ kubectlPromotionForecastWorker: true, input: rehearsal, seed: input.seed, runs, next }, add),
      );
    }
  };
  // A worker costs a start-up (loading the simulator again): the first runs, timed here, say
  // whether the rest is long enough to pay for one. The fastest of them is the estimate (the first
  // pays for compiling the code).
  let fastest = Number.POSITIVE_INFINITY;
  let decided = threads === 1;
  if (options.mainThread === false) {
    for (let w = 0; w < Math.max(1, threads - 1); w++) {
      workers.push(
        startWorker({ kubectlPromotionForecastWorker: true, input: rehearsal, seed: input.seed, runs, next }, add),
      );
    }
    await Promise.all(workers);
    decided = true;
  }
  for (let i = Atomics.add(counter, 0, 1); i < runs; i = Atomics.add(counter, 0, 1)) {
    const t0 = performance.now();
    add(await rehearseOnce(rehearsal, runSeed(input.seed, i)));
    if (!decided) {
      fastest = Math.min(fastest, performance.now() - t0);
      const left = runs - Atomics.load(counter, 0);
      if (fastest * left >= (options.workerStartMs ?? WORKER_START_MS)) {
        decided = true;
        startWorkers();
      } else if (acc.count >= DECIDE_AFTER_RUNS) {
        decided = true;
      }
    }
    // Let the workers' finished runs in before the next one.
    if (workers.length > 0) await new Promise<void>((r) => setImmediate(r));
  }
  await Promise.all(workers);
  return acc.result({
    promotion: input.promotion.metadata.name,
    seed: input.seed,
    startedAt: input.start,
    ...(input.deadlineMs === undefined ? {} : { deadlineMs: input.deadlineMs }),
  });
}

function startWorker(init: WorkerInit, add: (run: RunFigures) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL(import.meta.url), { workerData: init });
    } catch {
      // Where no worker can start (a runtime without this module as a file), this thread runs all.
      resolve();
      return;
    }
    let failed: Error | null = null;
    worker.on('message', (m: WorkerMessage) => {
      if ('run' in m) add(m.run);
      else if ('error' in m) failed = new Error(m.error);
    });
    worker.on('error', (e) => {
      failed ??= e instanceof Error ? e : new Error(String(e));
    });
    worker.on('exit', () => (failed ? reject(failed) : resolve()));
  });
}

async function workerMain(init: WorkerInit): Promise<void> {
  const counter = new Int32Array(init.next);
  try {
    for (let i = Atomics.add(counter, 0, 1); i < init.runs; i = Atomics.add(counter, 0, 1)) {
      parentPort!.postMessage({ run: await rehearseOnce(init.input, runSeed(init.seed, i)) } satisfies WorkerMessage);
    }
  } catch (e) {
    // Stop the others too: one failing run fails the forecast.
    Atomics.store(counter, 0, init.runs);
    parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies WorkerMessage);
  }
}

if (!isMainThread && (workerData as Partial<WorkerInit> | null)?.kubectlPromotionForecastWorker) {
  await workerMain(workerData as WorkerInit);
}
