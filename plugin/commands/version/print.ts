// What `kubectl promotion version` prints; shared by the command and `--version` (plugin/cli.ts).
import pkg from '../../../package.json' with { type: 'json' };
import type { Io } from '../../command.ts';
import { EXIT_OK } from '../../exit-codes.ts';

// build/build.mjs defines this when the checkout's commit is known; from source it is absent.
declare const __KUBECTL_PROMOTION_COMMIT__: string | undefined;

export interface VersionInfo {
  version: string;
  /** The git commit the command was built from, or null when unknown. */
  commit: string | null;
  node: string;
}

export function versionInfo(): VersionInfo {
  const commit =
    typeof __KUBECTL_PROMOTION_COMMIT__ === 'string' && __KUBECTL_PROMOTION_COMMIT__ !== ''
      ? __KUBECTL_PROMOTION_COMMIT__
      : null;
  return { version: pkg.version, commit, node: process.version };
}

export function printVersion(output: 'json' | 'yaml' | 'text', io: Io): number {
  const info = versionInfo();
  if (output === 'json') io.stdout.write(`${JSON.stringify(info)}\n`);
  // JSON scalars are YAML: no YAML library loaded for three lines (version is timed against node -e 0).
  else if (output === 'yaml')
    io.stdout.write(
      Object.entries(info)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
        .join(''),
    );
  else io.stdout.write(`kubectl-promotion ${info.version}\ncommit: ${info.commit ?? 'unknown'}\nnode: ${info.node}\n`);
  return EXIT_OK;
}
