// `kubectl promotion version`: what is running, for bug reports.
import { defineCommand } from '../../command.ts';
import { printVersion } from './print.ts';

export { versionInfo, type VersionInfo } from './print.ts';

export default defineCommand({
  name: 'version',
  describe: 'Print the version of kubectl-promotion, the commit it was built from and the Node.js version',
  options: {
    output: {
      type: 'string',
      short: 'o',
      choices: ['text', 'json', 'yaml'],
      default: 'text',
      describe: 'Output format',
    },
    // kubectl's own flag, typed out of habit: the plugin has no server part, so it always prints this.
    client: { type: 'boolean', describe: 'Accepted as kubectl version takes it: there is only a client version' },
  },
  async run(args, io) {
    return printVersion(args.output, io);
  },
});
