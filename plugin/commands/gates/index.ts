// `kubectl promotion gates`: which rollouts wait for a person, for how long, and how to let them on.
import { defineCommand } from '../../command.ts';
import { EXIT_OK } from '../../errors.ts';
import { connect, exitCodes, live, realDeps, type LiveDeps } from '../../live.ts';
import { HEADERS_OPTION } from '../../options.ts';
import { humanDuration } from '../../../src/duration.ts';
import { gatesOf } from '../../../src/live/gates.ts';
import { parseOutputFormat } from '../../../src/live/output.ts';
import { formatTable } from '../../../src/text-table.ts';
import { listPromotions, NOTHING_ELSE } from '../../../src/live/snapshot.ts';
import { fullTime } from '../../../src/view/format.ts';

export function gatesCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    name: 'gates',
    describe: 'Every stage waiting for manual approval, across all ClusterPromotions, longest wait first',
    cluster: true,
    options: {
      output: { type: 'string', short: 'o', choices: ['json'], describe: 'Output format: json' },
      headers: HEADERS_OPTION,
    },
    examples: [['gates', 'what waits for a person, and the command that approves it']],
    epilogue: exitCodes('listed (also when nothing waits)'),
    async run(args, io) {
      const format = parseOutputFormat(args.output, ['json']);
      return live(async () => {
        const client = connect(args, io, deps);
        const promotions = await listPromotions(client);
        const now = new Date(client.serverNow(deps.timers.now()));
        // Which stage waits for approval is in the promotion's own status: nothing else is read.
        const gates = gatesOf(promotions, NOTHING_ELSE, now, client.connection.kubectlFlags);
        if (format === 'json') {
          const out = gates.map((g) => ({
            ...g,
            waitingSince: g.waitingSince === null ? null : new Date(g.waitingSince).toISOString(),
          }));
          io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return EXIT_OK;
        }
        if (gates.length === 0) {
          io.stderr.write('No stage waits for approval\n');
          return EXIT_OK;
        }
        const rows = gates.map((g) => [
          g.promotion,
          `${g.position} ${g.stage}`,
          g.waitingSince === null ? '?' : humanDuration(now.getTime() - g.waitingSince),
          g.waitingSince === null ? '-' : fullTime(g.waitingSince),
          g.command,
        ]);
        io.stdout.write(
          formatTable(['PROMOTION', 'STAGE', 'WAITING', 'SINCE', 'APPROVE WITH'], rows, undefined, args.headers),
        );
        return EXIT_OK;
      });
    },
  });
}

export default gatesCommand();
