// `kubectl promotion get NAME [-o json|yaml|name] [--forecast]`: the terminal view of one promotion,
// printed once; or the object itself in kubectl's formats. `--forecast` adds when the current stage
// and the rollout are likely done, from rehearsals resumed where the rollout stands.
import { defineCommand } from '../../command.ts';
import { EXIT_OK, UsageError } from '../../errors.ts';
import { connect, exitCodes, live, PROMOTION_ARGUMENT, realDeps, type LiveDeps } from '../../live.ts';
import { formatObjects, parseOutputFormat } from '../../../src/live/output.ts';
import { formatPromotionEvents, readPromotionEvents } from '../../../src/live/events.ts';
import { getPromotion, readSnapshot, viewOf, withSnapshot } from '../../../src/live/snapshot.ts';
import { renderTree } from '../../../src/live/tree.tsx';
import { supportsUnicode } from '../../../src/view/glyphs.ts';
import { etaJson, formatEtaBlock } from '../../../src/live/eta.ts';
import { forecastLive } from '../../../simulator/forecast/live.ts';
import { FORECAST_OPTIONS, liveForecastOptions } from './forecast.ts';

/** Wide enough that no line of the tree or the events is cut. */
const UNCUT_COLUMNS = 10_000;

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
      ...FORECAST_OPTIONS,
    },
    examples: [
      ['get checkout', 'stages, progress, what each waits for, failing clusters, the last events'],
      ['get checkout --forecast', 'and when the current stage and the rollout are likely done (median, P90)'],
    ],
    epilogue: exitCodes('shown'),
    async run(args, io) {
      const format = parseOutputFormat(args.output, ['json', 'yaml', 'name']);
      const forecast = liveForecastOptions(args);
      if (forecast && (format === 'yaml' || format === 'name'))
        throw new UsageError(`--forecast prints with the tree or with -o json, not -o ${format}`);
      return live(async () => {
        const client = connect(args, io, deps);
        if (forecast && format === 'json') {
          const [promotion, world] = await withSnapshot(
            getPromotion(client, args.name),
            readSnapshot(client, args.name),
          );
          const eta = await forecastLive(promotion, world, client.serverNow(deps.timers.now()), forecast);
          io.stdout.write(`${JSON.stringify({ promotion, forecast: etaJson(eta) }, null, 2)}\n`);
          return EXIT_OK;
        }
        if (format === 'json' || format === 'yaml' || format === 'name') {
          io.stdout.write(formatObjects([await getPromotion(client, args.name)], format, true));
          return EXIT_OK;
        }
        const [promotion, world] = await withSnapshot(getPromotion(client, args.name), readSnapshot(client, args.name));
        const events = await readPromotionEvents(client, promotion);
        const now = client.serverNow(deps.timers.now());
        // On a terminal the tree fits its width and a screenful of clusters; piped, as kubectl, it cuts
        // nothing (a failure message whole, every cluster of the stage shown).
        const out = io.stdout as { columns?: number; isTTY?: boolean };
        const tty = out.isTTY === true;
        const columns = tty ? (out.columns ?? 100) : UNCUT_COLUMNS;
        const unicode = supportsUnicode(io.env);
        const view = viewOf(promotion, world, new Date(now));
        const clusterRows = tty ? {} : { clusterRows: view.stages.reduce((n, s) => n + s.clusters.length, 0) };
        io.stdout.write(renderTree(view, { columns, color: args.color, unicode, receivedAt: now, ...clusterRows }));
        io.stdout.write(`\n${formatPromotionEvents(events, now, columns, unicode)}`);
        if (forecast) io.stdout.write(`\n${formatEtaBlock(await forecastLive(promotion, world, now, forecast))}`);
        return EXIT_OK;
      });
    },
  });
}

export default getCommand();
