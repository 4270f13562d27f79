// `kubectl promotion watch [NAME]`: the terminal view of a rollout, live. In a terminal it draws the
// stage tree from watches on the ClusterPromotions, their ClusterProfiles, ClusterSummaries and the
// clusters (no polling while the streams are healthy), with the data's age in the header and a
// banner while a stream is down; `a` approves, `e` shows the forecast. Without NAME every promotion
// gets a tab, the ones waiting for a person first. Without a terminal it prints one line per stage transition instead.
import { defineCommand } from '../../command.ts';
import { EXIT_OK } from '../../errors.ts';
import { connect, exitCodes, interactive, live, realDeps, type LiveDeps } from '../../live.ts';
import { approve } from '../../../src/live/approve.ts';
import { LiveFleet } from '../../../src/live/fleet.ts';
import { printTransitions } from '../../../src/live/follow.ts';
import { getPromotion } from '../../../src/live/snapshot.ts';
import { LiveWatch } from '../../../src/live/watch.ts';
import { supportsUnicode } from '../../../src/view/glyphs.ts';
import { preferReactProduction } from '../../../src/view/react-production.ts';
import { viewSize } from '../../../src/view/terminal.ts';
import { DEFAULT_LIVE_RUNS, forecastLive } from '../../../simulator/forecast/live.ts';

/** Ctrl-C, as the shell reports a command it interrupted. */
export const EXIT_INTERRUPTED = 130;

export function watchCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    name: 'watch',
    describe:
      'Follow a ClusterPromotion live in the terminal view (all of them without NAME); a line per ' +
      'transition when not on a terminal',
    cluster: true,
    positionals: [
      {
        name: 'name',
        complete: { kind: 'promotion' },
        describe: 'The ClusterPromotion; without it, all of them (those waiting for a person first)',
      },
    ],
    examples: [
      ['watch checkout', 'follow one rollout; a approves its manual gate, q quits'],
      ['watch', 'every rollout, one tab each (left/right switch)'],
      ['watch checkout | tee rollout.log', 'no terminal: one timestamped line per stage transition'],
    ],
    epilogue: [
      'Keys: up/down select a stage, enter expands it, j/k move through its clusters, a approves the',
      'selected manual stage (after y/n), e shows the forecast (median and P90 of when the current stage',
      'and the rollout are done, from 200 rehearsals resumed where it stands; see get --forecast),',
      'left/right switch promotions, ? help, q quit.',
      '',
      exitCodes('quit with q (or the output ended)', [`  ${EXIT_INTERRUPTED}  interrupted (Ctrl-C)`]),
    ].join('\n'),
    async run(args, io) {
      const name = args.name;
      return live(async () => {
        const client = connect(args, io, deps);
        // A name that does not exist fails now, naming those that do, instead of waiting forever.
        if (name !== undefined) await getPromotion(client, name);
        const fleet = new LiveFleet(client, {
          ...(name !== undefined ? { promotion: name } : {}),
          summaries: 'stages',
          timers: deps.timers,
          ...(deps.pulse ? { pulse: deps.pulse } : {}),
        });
        const interrupted = deps.interrupted();

        if (!interactive(io)) {
          await printTransitions(
            fleet,
            {
              timers: deps.timers,
              signal: interrupted,
              write: (t) => io.stdout.write(t),
              note: (t) => io.stderr.write(`${t}\n`),
            },
            name,
          );
          return interrupted.aborted ? EXIT_INTERRUPTED : EXIT_OK;
        }

        // The first list's failure (no CRD, RBAC) is one line on the normal screen, not a frame.
        fleet.start();
        try {
          await fleet.whenSynced();
          const stdout = io.stdout as NodeJS.WriteStream;
          const watch = new LiveWatch({
            source: fleet,
            ...(name !== undefined ? { name } : {}),
            context: client.connection.contextName || client.connection.server,
            timer: deps.timers,
            size: viewSize(stdout),
            approve: async (promotion, stage) => (await approve(client, promotion, stage)).message,
            // `e`: rehearsals resumed from what the watches hold, on worker threads (keys stay live).
            forecast: async (promotion, now) => {
              const p = fleet.promotion(promotion);
              if (!p) throw new Error(`clusterpromotion ${promotion} is gone`);
              return forecastLive(p, fleet, now, { runs: DEFAULT_LIVE_RUNS, seed: 1, mainThread: false });
            },
          });
          interrupted.addEventListener('abort', () => watch.quit('interrupt'), { once: true });
          watch.start();
          try {
            preferReactProduction();
            const { runWatchScreen } = await import('./screen.tsx');
            const how = await runWatchScreen({
              watch,
              stdout,
              stdin: io.stdin as NodeJS.ReadStream,
              color: args.color,
              unicode: supportsUnicode(io.env),
            });
            return how === 'interrupt' ? EXIT_INTERRUPTED : EXIT_OK;
          } finally {
            watch.stop();
          }
        } finally {
          fleet.stop();
        }
      });
    },
  });
}

export default watchCommand();
