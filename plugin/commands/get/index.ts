// `kubectl promotion get NAME [-o json|yaml|name]`: the terminal view of one promotion, printed
// once; or the object itself in kubectl's formats.
import { defineCommand } from '../../command.ts';
import { EXIT_OK } from '../../errors.ts';
import { connect, exitCodes, live, PROMOTION_ARGUMENT, realDeps, type LiveDeps } from '../../live.ts';
import { formatObjects, parseOutputFormat } from '../../../src/live/output.ts';
import { formatPromotionEvents, readPromotionEvents } from '../../../src/live/events.ts';
import { getPromotion, readSnapshot, viewOf, withSnapshot } from '../../../src/live/snapshot.ts';
import { renderTree } from '../../../src/live/tree.tsx';
import { supportsUnicode } from '../../../src/view/glyphs.ts';

export function getCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    name: 'get',
    describe: 'Show one ClusterPromotion as a tree of its stages (what watch shows, printed once)',
    cluster: true,
    positionals: [PROMOTION_ARGUMENT],
    options: {
      output: {
        type: 'string',
        short: 'o',
        choices: ['json', 'yaml', 'name'],
        describe: 'Output format: json, yaml, name (the object, as kubectl prints it)',
      },
    },
    examples: [['get checkout', 'stages, progress, what each waits for, failing clusters, the last events']],
    epilogue: exitCodes('shown'),
    async run(args, io) {
      const format = parseOutputFormat(args.output, ['json', 'yaml', 'name']);
      return live(async () => {
        const client = connect(args, io, deps);
        if (format === 'json' || format === 'yaml' || format === 'name') {
          io.stdout.write(formatObjects([await getPromotion(client, args.name)], format, true));
          return EXIT_OK;
        }
        const [promotion, world] = await withSnapshot(getPromotion(client, args.name), readSnapshot(client, args.name));
        const events = await readPromotionEvents(client, promotion);
        const now = client.serverNow(deps.timers.now());
        const columns = (io.stdout as { columns?: number }).columns ?? 100;
        const unicode = supportsUnicode(io.env);
        io.stdout.write(
          renderTree(viewOf(promotion, world, new Date(now)), { columns, color: args.color, unicode, receivedAt: now }),
        );
        io.stdout.write(`\n${formatPromotionEvents(events, now, columns, unicode)}`);
        return EXIT_OK;
      });
    },
  });
}

export default getCommand();
