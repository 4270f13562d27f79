// `kubectl promotion revoke NAME --stage S`: takes an approval back (`approved: false`), guarded
// like approve so that it never lands on another stage.
import { defineCommand } from '../../command.ts';
import { EXIT_OK } from '../../errors.ts';
import { connect, exitCodes, live, PROMOTION_ARGUMENT, realDeps, type LiveDeps } from '../../live.ts';
import { revoke } from '../../../src/live/approve.ts';
import { parseOutputFormat, toJson } from '../../../src/live/output.ts';

export function revokeCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    name: 'revoke',
    describe: "Take back a stage's approval before the controller acts on it",
    cluster: true,
    positionals: [PROMOTION_ARGUMENT],
    options: {
      stage: {
        type: 'string',
        required: 'revoke needs --stage STAGE: the stage whose approval to take back',
        complete: { kind: 'stage' },
        describe: 'The stage whose approval to take back',
      },
      output: {
        type: 'string',
        short: 'o',
        choices: ['json'],
        describe: 'Output format: json (the promotion as written)',
      },
    },
    examples: [['revoke checkout --stage production', 'production must wait for a new approval']],
    epilogue: exitCodes('revoked (or it was not approved)'),
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
