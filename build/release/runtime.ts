// Fetches the Node.js runtime a release embeds for a target, from the registry's node-<os>-<arch>
// packages, at exactly the version that runs the build: the single executable's preparation blob
// must come from the same Node.js version as the binary it goes into.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ReleaseTarget } from './targets.ts';

export interface Runtime {
  /** The Node.js binary, stripped of debug symbols when a strip tool is at hand. */
  path: string;
  version: string;
  stripped: boolean;
}

export function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

// The registry's binaries keep their debug symbols (about a quarter of the file). llvm-strip
// handles every architecture; GNU strip only the build machine's own.
function stripTool(_target: ReleaseTarget, host: boolean): string | undefined {
  return which('llvm-strip') ?? (host ? which('strip') : undefined);
}

/**
 * The runtime for `target`, cached under `cacheDir` by version so a second release needs no
 * download. `host` says the target is the build machine's own platform.
 */
export function fetchRuntime(target: ReleaseTarget, cacheDir: string, host: boolean): Runtime {
  const version = process.versions.node;
  const dir = join(cacheDir, `${target.runtimePackage}-${version}`);
  const binary = join(dir, 'node');
  const marker = join(dir, 'stripped');
  if (!existsSync(binary)) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(join(cacheDir, '.fetch-'));
    try {
      const tarball = execFileSync(
        'npm',
        ['pack', `${target.runtimePackage}@${version}`, '--pack-destination', work, '--silent'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      )
        .trim()
        .split('\n')
        .pop();
      if (!tarball) throw new Error(`npm pack ${target.runtimePackage}@${version} gave no tarball`);
      execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, 'package/bin/node']);
      const tool = stripTool(target, host);
      const unpacked = join(work, 'package/bin/node');
      if (tool) execFileSync(tool, [unpacked]);
      mkdirSync(dir, { recursive: true });
      if (tool) execFileSync('touch', [marker]);
      renameSync(unpacked, binary);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { path: binary, version, stripped: existsSync(marker) };
}
