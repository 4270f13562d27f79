// `kubectl promotion version`: what is running, for bug reports.
import { defineCommand } from '../../command.ts';
import { printVersion } from './print.ts';

export { versionInfo, type VersionInfo } from './print.ts';

export default defineCommand({
  command: 'version',
  describe: 'Print the version of kubectl-promotion, the commit it was built from and the Node.js version',
  builder: (y) =>
    y.option('output', {
      alias: 'o',
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'Output format',
    }),
  async run(args, io) {
    return printVersion(args.output, io);
  },
});
