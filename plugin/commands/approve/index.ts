// `kubectl promotion approve NAME [--stage S] [--yes] [-o json] [--wait]`: lets a manual gate
// through with one guarded JSON Patch, says what it did, and with --wait stays until the
// controller has acted on it.
import { defineCommand } from '../../command.ts';
import { EXIT_OK, UsageError } from '../../errors.ts';
import {
  askYesNo,
  connect,
  exitCodes,
  interactive,
  live,
  PROMOTION_ARGUMENT,
  realDeps,
  type LiveDeps,
} from '../../live.ts';
import { DurationError, parseDuration } from '../../../src/duration.ts';
import { approve } from '../../../src/live/approve.ts';
import { waitForController } from '../../../src/live/wait.ts';
import { parseOutputFormat, toJson } from '../../../src/live/output.ts';
import { STATUS_EXIT } from '../../../src/live/until.ts';

export function approveCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    name: 'approve',
    describe: 'Approve the stage of a ClusterPromotion that waits for approval (or --stage S, even ahead of its gate)',
    cluster: true,
    positionals: [PROMOTION_ARGUMENT],
    options: {
      stage: {
        type: 'string',
        complete: { kind: 'stage' },
        describe: 'The stage to approve; by default the one waiting for approval',
      },
      yes: { type: 'boolean', short: 'y', describe: 'Do not ask for confirmation in a terminal' },
      output: {
        type: 'string',
        short: 'o',
        choices: ['json'],
        describe: 'Output format: json (the promotion as written)',
      },
      wait: { type: 'boolean', describe: 'Wait until the controller has let the stage through' },
      timeout: {
        type: 'string',
        value: 'DURATION',
        describe: 'With --wait: give up after this long (Go duration)',
      },
    },
    examples: [
      ['approve checkout', 'approve the stage waiting for it, after a y/n question'],
      ['approve checkout --stage production --yes', 'approve production now, even before it reaches its gate'],
    ],
    epilogue: exitCodes(
      'approved (or it already was)',
      ['  4  --wait: --timeout passed before the controller acted'],
      'bad input, nothing waits for approval, or the answer to the question was no',
    ),
    async run(args, io) {
      const format = parseOutputFormat(args.output, ['json']);
      const timeoutMs = parseTimeout(args.timeout);
      return live(async () => {
        const client = connect(args, io, deps);
        const ask = !args.yes && interactive(io);
        const outcome = await approve(client, args.name, args.stage, ask ? { confirm: (q) => askYesNo(io, q) } : {});
        const say = format === 'json' ? io.stderr : io.stdout;
        say.write(`${outcome.message}\n`);
        if (format === 'json') io.stdout.write(toJson(outcome.promotion));
        if (!args.wait || outcome.stage === null) return EXIT_OK;
        say.write('approved, waiting for the controller\n');
        const result = await waitForController(client, args.name, outcome.stage, {
          timers: deps.timers,
          signal: deps.interrupted(),
          timeoutMs,
        });
        say.write(`${result.message}\n`);
        return result.reached ? EXIT_OK : STATUS_EXIT.timeout;
      });
    },
  });
}

export function parseTimeout(value: string | undefined): number | null {
  if (value === undefined) return null;
  try {
    return parseDuration(value);
  } catch (e) {
    if (e instanceof DurationError) throw new UsageError(`--timeout: ${e.message}`);
    throw e;
  }
}

export default approveCommand();
