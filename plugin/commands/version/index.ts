// `kubectl promotion version`: what is running, for bug reports.
import pkg from '../../../package.json' with { type: 'json' };
import { defineCommand } from '../../command.ts';
import { EXIT_OK } from '../../errors.ts';

// plugin/build.mjs defines this when the checkout's commit is known; from source it is absent.
declare const __KUBECTL_PROMOTION_COMMIT__: string | undefined;

export interface VersionInfo {
  version: string;
  /** The git commit the command was built from, or null when unknown. */
  commit: string | null;
  node: string;
}

export function versionInfo(): VersionInfo {
  const commit = typeof __KUBECTL_PROMOTION_COMMIT__ === 'string' && __KUBECTL_PROMOTION_COMMIT__ !== '' ? __KUBECTL_PROMOTION_COMMIT__ : null;
  return { version: pkg.version, commit, node: process.version };
}

export default defineCommand({
  command: 'version',
  describe: 'Print the version of kubectl-promotion, the commit it was built from and the Node.js version',
  builder: (y) =>
    y.option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' }),
  async run(args, io) {
    const info = versionInfo();
    if (args.output === 'json') io.stdout.write(`${JSON.stringify(info)}\n`);
    else io.stdout.write(`kubectl-promotion ${info.version}\ncommit: ${info.commit ?? 'unknown'}\nnode: ${info.node}\n`);
    return EXIT_OK;
  },
});
