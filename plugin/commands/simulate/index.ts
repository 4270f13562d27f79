// `kubectl promotion simulate -f PROMOTION.yaml --fleet FLEET.yaml [-o json|text]`: rehearses a
// rollout against a fake fleet on a virtual clock, as fast as the machine allows. Exit codes:
// 0 completed, 2 failed (a cluster failed for good), 3 stopped waiting (approval, window, health
// check, horizon), 1 bad input. Without -f it rehearses the bundled kyverno example.
//
// Without -o, on a terminal: the interactive rehearsal (interactive.tsx) on a clock compressed by
// --speed, until the person quits (Ctrl-C: exit 130). Without a terminal, in CI or with --no-tui: a
// line per transition (lines.ts), as fast as -o text, or paced by --speed when it is given.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceError } from '../../../src/api/findings.ts';
import { STDIN_NAME } from '../../../src/api/source-files.ts';
import { loadRolloutTests } from '../../../simulator/rollout-test/load.ts';
import type { RolloutTest } from '../../../simulator/rollout-test/model.ts';
import { scheduleEvents } from '../../../simulator/rollout-test/script.ts';
import { assertNoErrors, loadPromotions } from '../../../src/api/validate.ts';
import type { ClusterPromotion } from '../../../src/api/types.ts';
import { Simulation, type Outcome } from '../../../simulator/driver.ts';
import { loadFleet } from '../../../simulator/fleet-file.ts';
import { formatText, toReportJson } from '../../../simulator/report.ts';
import { ScaledClock } from '../../../simulator/clock.ts';
import { supportsUnicode } from '../../../src/view/glyphs.ts';
import { preferReactProduction } from '../../../src/view/react-production.ts';
import { defineCommand, type Io } from '../../command.ts';
import { expandFilenames, FILENAME_OPTION, RECURSIVE_OPTION } from '../../filenames.ts';
import type { Options } from '../../options.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_WAITING, UsageError } from '../../errors.ts';
import { parseApproval, parseLongDuration, parseSeed, parseSpeed, parseTime } from './args.ts';
import { checkDestination, parseDeadline, parseRuns, runForecastCommand } from './forecast.ts';
import { runWithLines } from './lines.ts';
import { SPEED_MAX, SPEED_MIN } from './rehearsal.ts';
import { runServe, SERVE_OPTIONS } from './serve.ts';

export const EXIT_BY_OUTCOME: Record<Outcome, number> = {
  Completed: EXIT_OK,
  Failed: EXIT_FAILED,
  AwaitingApproval: EXIT_WAITING,
  Stalled: EXIT_WAITING,
};

/** The example `simulate` runs with no -f, so that `npm start` shows something. */
export const DEFAULT_EXAMPLE = { promotion: 'examples/kyverno/promotion.yaml', fleet: 'examples/kyverno/fleet.yaml' };
/** In a terminal, the same with a manual gate: the first rehearsal shows a person pressing `a`. */
export const DEFAULT_INTERACTIVE_EXAMPLE = {
  promotion: 'examples/kyverno/promotion-manual.yaml',
  fleet: DEFAULT_EXAMPLE.fleet,
};
/** Virtual time per real time in a terminal unless --speed says: a virtual minute per second. */
export const DEFAULT_SPEED = 60;

/** The exit code of a rehearsal interrupted with Ctrl-C (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

export interface SimulateDeps {
  /** The default virtual start: the time now. */
  now(): number;
  /** Where the bundled examples are; found next to the program when not given. */
  examplesRoot?: string;
  /** Threads a forecast runs on (default: the machine's cores). */
  forecastThreads?: number;
}

// The builds embed the default example (build/embedded-examples.mjs); from source it is absent.
declare const __KUBECTL_PROMOTION_EXAMPLES__: Record<string, string> | undefined;

/**
 * Where examples/ is not installed beside the program (the standalone executable), the embedded
 * copy is written to a temporary folder, removed when the process exits, and read from there like
 * any other file.
 */
function unpackEmbeddedExamples(): string | undefined {
  if (typeof __KUBECTL_PROMOTION_EXAMPLES__ !== 'object' || !__KUBECTL_PROMOTION_EXAMPLES__) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'kubectl-promotion-example-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(__KUBECTL_PROMOTION_EXAMPLES__)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

/** Finds the directory holding examples/ above this module (source tree or dist/). */
function findExamplesRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, DEFAULT_EXAMPLE.promotion))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const SIMULATE_OPTIONS = {
  filename: {
    ...FILENAME_OPTION,
    describe:
      'Files with the ClusterPromotion: repeatable, or separated by commas; a folder: its .yaml, .yml and ' +
      '.json files; - reads standard input; none: the bundled kyverno example',
  },
  recursive: RECURSIVE_OPTION,
  fleet: {
    type: 'string',
    multiple: true,
    split: true,
    value: 'FILE',
    complete: { kind: 'file' },
    describe: 'Fleet file: a Fleet, or SveltosCluster and Cluster objects (repeatable; see examples/)',
  },
  promotion: {
    type: 'string',
    value: 'NAME',
    describe: 'Which ClusterPromotion, when the files hold several',
  },
  output: {
    type: 'string',
    short: 'o',
    choices: ['text', 'json', 'html'],
    describe: 'Output format (html: a forecast report, with --runs)',
  },
  runs: {
    type: 'string',
    value: 'N',
    describe: 'Forecast: rehearse N times with independent draws from --seed and report the distribution',
  },
  deadline: {
    type: 'string',
    value: 'TIME|DURATION',
    describe: 'With --runs: the chance of completing by this RFC 3339 time or duration after the start',
  },
  'output-file': {
    type: 'string',
    value: 'FILE',
    complete: { kind: 'file' },
    describe: 'With --runs: write the forecast to this file instead of standard output',
  },
  start: { type: 'string', value: 'TIME', describe: 'Virtual start time, RFC 3339', defaultText: 'now' },
  approve: {
    type: 'string',
    multiple: true,
    value: 'STAGE[@WHEN]',
    describe:
      'Approve STAGE when it waits, STAGE@DURATION after it waited that long, or STAGE@RFC3339 at that time ' +
      '(repeatable)',
  },
  horizon: { type: 'string', default: '30d', value: 'DURATION', describe: 'Give up after this much virtual time' },
  seed: {
    type: 'string',
    default: '1',
    value: 'N',
    describe: 'Seed of the random draws (jitter, deploy-time distributions, failureRate, @~ approvals)',
  },
  speed: {
    type: 'string',
    value: 'N',
    defaultText: `${DEFAULT_SPEED}; lines: as fast as possible`,
    describe: 'Virtual seconds per real second: of the view in a terminal, of --serve, or pacing the lines of --no-tui',
  },
  events: {
    type: 'string',
    value: 'FILE[#NAME]',
    complete: { kind: 'file' },
    describe:
      'Play the events of a RolloutTest (FILE, or FILE#NAME when it holds several), on its promotion, fleet ' +
      'and start unless -f, --fleet or --start say otherwise',
  },
  tui: {
    type: 'boolean',
    default: true,
    describe: 'On a terminal, the interactive view (--no-tui: a line per transition)',
  },
  ...SERVE_OPTIONS,
} as const satisfies Options;

export function simulateCommand(deps: SimulateDeps) {
  return defineCommand({
    name: 'simulate',
    describe: 'Rehearse a promotion against a fake fleet on a virtual clock (exit 0 completed, 2 failed, 3 waiting)',
    options: SIMULATE_OPTIONS,
    examples: [
      ['simulate', 'rehearse the bundled kyverno example (in a terminal: interactively, with a manual gate)'],
      ['simulate -f promotion.yaml --fleet fleet.yaml -o json', 'rehearse your own, as JSON'],
      [
        'simulate -f promotion.yaml --fleet fleet.yaml --approve production@1h',
        'approve production an hour after it starts waiting',
      ],
      [
        'simulate -f promotion.yaml --fleet fleet.yaml --runs 1000 --approve production@~2h --deadline ' +
          '2025-06-02T09:00:00Z',
        'forecast: when production is done, and the chance of making Monday 09:00',
      ],
      [
        'simulate -f promotion.yaml --fleet fleet.yaml --runs 1000 -o html --output-file forecast.html',
        'the forecast as a report for a browser',
      ],
      ['simulate -f promotion.yaml --fleet fleet.yaml --serve', 'rehearse with kubectl against a served API'],
    ],
    async run(args, io) {
      const approvals = args.approve.map(parseApproval);
      const horizonMs = parseLongDuration(args.horizon, '--horizon');
      if (horizonMs <= 0) throw new UsageError(`--horizon ${args.horizon}: must be longer than 0s`);
      const seed = parseSeed(args.seed);
      const speed = args.speed === undefined ? undefined : parseSpeed(args.speed, SPEED_MIN, SPEED_MAX);
      // Whole seconds: a timeline reads better without milliseconds nobody asked for.
      let script = args.events === undefined ? undefined : await gameDay(args.events, io);
      const start =
        args.start !== undefined
          ? parseTime(args.start, '--start')
          : (script?.start ?? Math.floor(deps.now() / 1000) * 1000);
      // Another start moves the test's events with it.
      if (script && start !== script.start) {
        const shift = start - script.start;
        script = { ...script, start, events: script.events.map((e) => ({ ...e, at: e.at + shift })) };
      }

      const runs = args.runs === undefined ? undefined : parseRuns(args.runs);
      if (runs === undefined) {
        for (const [flag, given] of [
          ['--deadline', args.deadline],
          ['--output-file', args['output-file']],
          ['-o html', args.output === 'html' ? true : undefined],
        ] as const) {
          if (given !== undefined) throw new UsageError(`${flag} is for a forecast: add --runs N (e.g. --runs 1000)`);
        }
      } else {
        if (args.serve) throw new UsageError('--runs forecasts headless: it cannot be combined with --serve');
        if (script) throw new UsageError('--events plays one rehearsal: it cannot be combined with --runs');
        checkDestination(args.output ?? 'text', args['output-file'], io);
      }
      if (!args.serve) {
        for (const [flag, given] of [
          ['--address', args.address],
          ['--kubeconfig-out', args['kubeconfig-out']],
          ['--force', args.force ? true : undefined],
        ] as const) {
          if (given !== undefined) throw new UsageError(`${flag} is for the served rehearsal: add --serve`);
        }
      }
      const deadlineMs = args.deadline === undefined ? undefined : parseDeadline(args.deadline, start);

      let files = await expandFilenames(args.filename, args.recursive);
      let fleetFiles = await expandFilenames(args.fleet, args.recursive);
      // Keys need a terminal on both ends, and standard input free of a file being read.
      const tty = (s: unknown) => (s as { isTTY?: boolean }).isTTY === true;
      const keys = tty(io.stdout) && tty(io.stdin) && !files.includes('-') && !fleetFiles.includes('-');
      const mode =
        runs !== undefined
          ? 'forecast'
          : (args.output ?? (args.tui && keys && !inCi(io.env) && !args.serve ? 'tui' : 'lines'));
      if (files.length === 0 && !script) {
        if (fleetFiles.length > 0) throw new UsageError('--fleet needs the promotion too: give -f PROMOTION.yaml');
        const root = deps.examplesRoot ?? findExamplesRoot() ?? unpackEmbeddedExamples();
        if (!root)
          throw new UsageError(
            'give -f PROMOTION.yaml --fleet FLEET.yaml (the bundled example was not found next to this program)',
          );
        const example = mode === 'tui' ? DEFAULT_INTERACTIVE_EXAMPLE : DEFAULT_EXAMPLE;
        files = [join(root, example.promotion)];
        fleetFiles = [join(root, example.fleet)];
        io.stderr.write(`simulating the bundled example ${example.promotion} (give -f and --fleet for your own)\n`);
      }
      if (fleetFiles.length === 0 && !script)
        throw new UsageError('give the fleet to rehearse against with --fleet FLEET.yaml (see examples/)');
      if (fleetFiles.includes('-') && files.includes('-'))
        throw new UsageError('standard input (-) can feed either -f or --fleet, not both');

      // With --events and no -f or --fleet: the test's own promotion and fleet.
      const loaded =
        files.length > 0
          ? await loadPromotions(files, { stdin: io.stdin })
          : { promotions: [script!.promotion], findings: [] };
      assertNoErrors(loaded.findings);
      const fleet = fleetFiles.length > 0 ? await loadFleet(fleetFiles, { stdin: io.stdin }) : script!.fleet;
      if (args.serve) {
        const promotions =
          args.promotion === undefined ? loaded.promotions : [pickPromotion(loaded.promotions, args.promotion, files)];
        const servedSeed = script && args.seed === '1' ? script.seed : seed;
        return runServe({ promotions, fleet, start, seed: servedSeed, speed, ...(script ? { script } : {}) }, args, io);
      }
      const promotion = pickPromotion(loaded.promotions, args.promotion, files);

      if (runs !== undefined) {
        return runForecastCommand(
          {
            promotion,
            fleet,
            start,
            horizonMs,
            seed,
            approvals,
            runs,
            ...(deadlineMs === undefined ? {} : { deadlineMs }),
            format: args.output ?? 'text',
            ...(args['output-file'] === undefined ? {} : { outputFile: args['output-file'] }),
            color: args.color,
            ...(deps.forecastThreads === undefined ? {} : { threads: deps.forecastThreads }),
          },
          io,
        );
      }
      const sim = new Simulation({
        promotion,
        fleet,
        start,
        // Never stop before the test's last event.
        horizonMs: Math.max(horizonMs, ...(script?.events ?? []).map((e) => e.at - start)),
        seed: script && args.seed === '1' ? script.seed : seed,
        approvals,
      });
      if (script) scheduleEvents(sim, script.events);
      if (mode === 'tui') {
        const { DEFAULT_LIVE_RUNS, fleetDeployTime, forecastLive } = await import(
          '../../../simulator/forecast/live.ts'
        );
        const deployTime = fleetDeployTime(fleet.clusters);
        preferReactProduction();
        const { runInteractive } = await import('./interactive.tsx');
        const end = await runInteractive({
          sim,
          // `e`: watch's forecast, resumed from where the rehearsal stands, on worker threads.
          forecast: (at, now) =>
            forecastLive(at.promotion(), at.world, now, {
              runs: DEFAULT_LIVE_RUNS,
              seed,
              approvals,
              ...(deployTime ? { deployTime } : {}),
              mainThread: false,
              ...(deps.forecastThreads === undefined ? {} : { threads: deps.forecastThreads }),
            }),
          speed: speed ?? DEFAULT_SPEED,
          stdout: io.stdout as NodeJS.WriteStream,
          stdin: io.stdin as NodeJS.ReadStream,
          color: args.color,
          unicode: supportsUnicode(io.env),
        });
        if (end.how === 'interrupt') return EXIT_INTERRUPTED;
        io.stdout.write(formatText(end.result));
        return EXIT_BY_OUTCOME[end.result.outcome];
      }
      if (mode === 'lines') {
        const pace =
          speed === undefined
            ? undefined
            : {
                clock: new ScaledClock({ start, speed }),
                sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
              };
        const result = await runWithLines(sim, (t) => io.stdout.write(t), pace);
        return EXIT_BY_OUTCOME[result.outcome];
      }
      const result = await sim.run();
      if (args.output === 'json') io.stdout.write(`${JSON.stringify(toReportJson(result), null, 2)}\n`);
      else io.stdout.write(formatText(result));
      return EXIT_BY_OUTCOME[result.outcome];
    },
  });
}

/** Where Ink draws only the last frame (its is-in-ci rule): the view would show nothing there. */
function inCi(env: Io['env']): boolean {
  return ['CI', 'CONTINUOUS_INTEGRATION'].some((k) => env[k] !== undefined && env[k] !== '0' && env[k] !== 'false');
}

function pickPromotion(promotions: ClusterPromotion[], name: string | undefined, files: string[]): ClusterPromotion {
  const where = files.map((f) => (f === '-' ? STDIN_NAME : f)).join(', ');
  if (name !== undefined) {
    const p = promotions.find((x) => x.metadata.name === name);
    if (!p)
      throw new UsageError(
        `--promotion ${name}: ${where} has no ClusterPromotion of that name (it has ` +
          `${promotions.map((x) => x.metadata.name).join(', ')})`,
      );
    return p;
  }
  if (promotions.length > 1) {
    throw new UsageError(
      `${where} holds ${promotions.length} ClusterPromotions ` +
        `(${promotions.map((x) => x.metadata.name).join(', ')}): pick one with --promotion NAME`,
    );
  }
  return promotions[0]!;
}

/** The RolloutTest whose events `--events FILE[#NAME]` plays. */
async function gameDay(spec: string, io: Io): Promise<RolloutTest> {
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const name = hash > 0 ? spec.slice(hash + 1) : undefined;
  const loaded = await loadRolloutTests([file], { stdin: io.stdin });
  const errors = loaded.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new SourceError({ ...errors[0]!, message: `${errors[0]!.message}${more}` });
  }
  const names = loaded.tests.map((t) => t.name).join(', ');
  if (name !== undefined) {
    const t = loaded.tests.find((x) => x.name === name);
    if (!t) throw new UsageError(`--events ${spec}: ${file} has no RolloutTest named "${name}" (it has ${names})`);
    return t;
  }
  if (loaded.tests.length > 1)
    throw new UsageError(
      `--events ${spec}: ${file} holds ${loaded.tests.length} RolloutTests (${names}): pick one with ` +
        `--events ${file}#NAME`,
    );
  return loaded.tests[0]!;
}

export default simulateCommand({ now: () => Date.now() });
