// `kubectl promotion status NAME [--until done|gate|stage:S] [--timeout D]`: blocks a CI job until
// the rollout gets there, printing a line per transition, and says with its exit code how it ended.
import { defineCommand } from '../../command.ts';
import { UsageError } from '../../errors.ts';
import { connect, exitCodes, live, PROMOTION_ARGUMENT, realDeps, type LiveDeps } from '../../live.ts';
import { DurationError, parseDuration } from '../../../src/duration.ts';
import { LiveFleet } from '../../../src/live/fleet.ts';
import { printTransitions } from '../../../src/live/follow.ts';
import { getPromotion, NOTHING_ELSE, viewOf } from '../../../src/live/snapshot.ts';
import { describeTarget, judge, parseUntil, STATUS_EXIT, type Judgement } from '../../../src/live/until.ts';

const EXIT_INTERRUPTED = 130;

export function statusCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    name: 'status',
    describe:
      'Wait until a ClusterPromotion completes, reaches a manual gate or deploys a stage; the exit code ' +
      'says how it ended',
    cluster: true,
    positionals: [PROMOTION_ARGUMENT],
    options: {
      until: {
        type: 'string',
        default: 'done',
        value: 'done|gate|stage:NAME',
        complete: { kind: 'stage', prefix: 'stage:', words: ['done', 'gate'] },
        describe:
          'done: the final stage passed its gates; gate: a stage waits for approval; stage:NAME: that stage ' +
          'is deployed',
      },
      timeout: {
        type: 'string',
        value: 'DURATION',
        describe: 'Give up after this long (Go duration: 90s, 30m, 2h); no limit by default',
      },
    },
    examples: [
      ['status checkout --until stage:production --timeout 2h', 'in CI: wait for production to be deployed'],
      ['status checkout --until gate', 'wait until someone must approve'],
    ],
    epilogue: exitCodes('reached what --until asks for', [
      '  2  the rollout failed',
      '  3  a stage waits for approval, so --until cannot be reached without a person',
      '  4  --timeout passed first',
    ]),
    async run(args, io) {
      const target = parseUntil(args.until);
      let timeoutMs: number | null = null;
      if (args.timeout !== undefined) {
        try {
          timeoutMs = parseDuration(args.timeout);
        } catch (e) {
          if (e instanceof DurationError) throw new UsageError(`--timeout: ${e.message}`);
          throw e;
        }
      }
      const name = args.name;
      return live(async () => {
        const client = connect(args, io, deps);
        // A name that does not exist fails now, naming those that do, instead of waiting forever.
        const promotion = await getPromotion(client, name);
        // An --until stage the promotion does not have is a mistake to report now, not a wait.
        judge(viewOf(promotion, NOTHING_ELSE, new Date(client.serverNow(deps.timers.now()))), target);
        const fleet = new LiveFleet(client, {
          promotion: name,
          summaries: 'stages',
          timers: deps.timers,
          ...(deps.pulse ? { pulse: deps.pulse } : {}),
        });
        const stop = new AbortController();
        const interrupted = deps.interrupted();
        interrupted.addEventListener('abort', () => stop.abort(), { once: true });
        let timedOut = false;
        const timer =
          timeoutMs === null
            ? null
            : deps.timers.setTimeout(() => {
                timedOut = true;
                stop.abort();
              }, timeoutMs);
        let verdict: Judgement | null = null;
        try {
          await printTransitions(
            fleet,
            {
              timers: deps.timers,
              signal: stop.signal,
              write: (t) => io.stdout.write(t),
              note: (t) => io.stderr.write(`${t}\n`),
            },
            name,
            (view) => {
              const j = judge(view, target);
              if (j.verdict === 'pending') return false;
              verdict = j;
              return true;
            },
          );
        } finally {
          if (timer !== null) deps.timers.clearTimeout(timer);
        }
        const v = verdict as Judgement | null;
        if (v) {
          io.stdout.write(`${name}: ${v.reason}\n`);
          return STATUS_EXIT[v.verdict as Exclude<typeof v.verdict, 'pending'>];
        }
        if (timedOut) {
          io.stdout.write(`${name}: timed out after ${args.timeout} waiting for ${describeTarget(target)}\n`);
          return STATUS_EXIT.timeout;
        }
        return EXIT_INTERRUPTED;
      });
    },
  });
}

export default statusCommand();
