// `kubectl promotion revoke NAME --stage S`: takes an approval back (`approved: false`), guarded
// like approve so that it never lands on another stage.
import { defineCommand } from '../../command.ts';
import { EXIT_OK } from '../../errors.ts';
import { connect, exitCodes, live, realDeps, withClusterOptions, type LiveDeps } from '../../live.ts';
import { revoke } from '../../../src/live/approve.ts';
import { parseOutputFormat, toJson } from '../../../src/live/output.ts';

export function revokeCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    command: 'revoke <name>',
    describe: "Take back a stage's approval before the controller acts on it",
    builder: (y) =>
      withClusterOptions(y)
        .positional('name', { type: 'string', demandOption: true, describe: 'The ClusterPromotion' })
        .option('stage', {
          type: 'string',
          demandOption: 'name the stage with --stage',
          describe: 'The stage whose approval to take back',
        })
        .option('output', { alias: 'o', type: 'string', describe: 'Output format: json (the promotion as written)' })
        .example('$0 revoke checkout --stage production', 'production must wait for a new approval')
        .epilogue(exitCodes('revoked (or it was not approved)')),
    async run(args, io) {
      const format = parseOutputFormat(args.output, ['json']);
      return live(async () => {
        const outcome = await revoke(connect(args, io, deps), args.name, args.stage);
        (format === 'json' ? io.stderr : io.stdout).write(`${outcome.message}\n`);
        if (format === 'json') io.stdout.write(toJson(outcome.promotion));
        return EXIT_OK;
      });
    },
  });
}

export default revokeCommand();
