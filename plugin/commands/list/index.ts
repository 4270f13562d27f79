// `kubectl promotion list [-w] [-l SELECTOR] [-o json|yaml|name|wide]`: every ClusterPromotion, where it stands
// and what it waits for; with -w, a line more whenever a row changes, as `kubectl get -w` does.
import { defineCommand } from '../../command.ts';
import { EXIT_OK } from '../../errors.ts';
import { connect, exitCodes, live, realDeps, type LiveDeps } from '../../live.ts';
import { HEADERS_OPTION } from '../../options.ts';
import { LiveFleet } from '../../../src/live/fleet.ts';
import { formatObjects, OUTPUT_FORMATS, parseOutputFormat } from '../../../src/live/output.ts';
import { formatTable } from '../../../src/text-table.ts';
import { LIST_COLUMNS, listRow, rowCells, WIDE_COLUMNS } from '../../../src/live/rows.ts';
import { listPromotions, listViewOf, readCurrentStages, uncounted } from '../../../src/live/snapshot.ts';
import { watchFleet } from '../../../src/live/follow.ts';

export function listCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    name: 'list',
    describe: 'List ClusterPromotions: current stage, phase, clusters deployed, what each waits for',
    cluster: true,
    options: {
      output: {
        type: 'string',
        short: 'o',
        choices: OUTPUT_FORMATS,
        describe: 'Output format: the objects as kubectl prints them (json, yaml, name), or a wider table',
      },
      watch: { type: 'boolean', short: 'w', describe: 'After the list, print a row again whenever it changes' },
      selector: {
        type: 'string',
        short: 'l',
        describe: 'Label selector of the promotions to list, as kubectl -l (-l team=payments, -l "env in (prod)")',
      },
      headers: HEADERS_OPTION,
    },
    examples: [
      ['list', 'every promotion, one line each'],
      ['list -w', 'and keep printing rows as they change'],
      ['list -l team=payments', 'only the promotions with that label'],
      ['list -o yaml', 'the objects themselves, as kubectl prints them'],
    ],
    epilogue: exitCodes('listed (also when there are none)'),
    async run(args, io) {
      const format = parseOutputFormat(args.output);
      return live(async () => {
        const client = connect(args, io, deps);
        const wide = format === 'wide';
        const header = wide ? WIDE_COLUMNS : LIST_COLUMNS;
        if (args.watch) {
          const objects = format === 'json' || format === 'yaml' || format === 'name';
          // The rows need the summaries of the current stages the controller's counts do not cover;
          // the objects printed as they are need none.
          const fleet = new LiveFleet(client, {
            summaries: objects ? 'none' : 'uncounted',
            ...(args.selector === undefined ? {} : { selector: args.selector }),
            timers: deps.timers,
            ...(deps.pulse ? { pulse: deps.pulse } : {}),
          });
          await watchFleet(fleet, {
            timers: deps.timers,
            signal: deps.interrupted(),
            write: (text) => io.stdout.write(text),
            note: (text) => io.stderr.write(`${text}\n`),
            format: objects ? format : wide ? 'wide' : 'table',
            header,
            withHeader: args.headers,
          });
          return EXIT_OK;
        }
        if (format === 'json' || format === 'yaml' || format === 'name') {
          io.stdout.write(formatObjects(await listPromotions(client, args.selector), format, false));
          return EXIT_OK;
        }
        const promotions = await listPromotions(client, args.selector);
        if (promotions.length === 0) {
          io.stderr.write('No resources found\n');
          return EXIT_OK;
        }
        // The promotions alone, as long as the controller published their counts: kubectl's speed
        // whatever the size of the fleet.
        const world = await readCurrentStages(client, uncounted(promotions));
        const now = new Date(client.serverNow(deps.timers.now()));
        const rows = promotions.map((p) => rowCells(listRow(p, listViewOf(p, world, now)), wide));
        io.stdout.write(formatTable(header, rows, undefined, args.headers));
        return EXIT_OK;
      });
    },
  });
}

export default listCommand();
