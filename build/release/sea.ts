// Turns the standalone bundle into a Node.js single executable application (node --build-sea).
// The bundle is ESM (Ink awaits at top level), and its files are mounted as the executable's
// virtual file system so that each command's chunk is imported only when the command runs.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Bundle } from './bundle.ts';
import { V8_FLAGS } from '../runtime-flags.mjs';

export interface SeaOptions {
  bundle: Bundle;
  bundleDir: string;
  /** The target's Node.js binary, which the application is injected into. */
  runtime: string;
  output: string;
  workDir: string;
}

export function buildSea(options: SeaOptions): void {
  const assets: Record<string, string> = {};
  for (const file of options.bundle.files) {
    if (file !== options.bundle.main) assets[file] = resolve(options.bundleDir, file);
  }
  const config = {
    main: resolve(options.bundleDir, options.bundle.main),
    mainFormat: 'module',
    executable: resolve(options.runtime),
    output: resolve(options.output),
    disableExperimentalSEAWarning: true,
    // The chunks are imported by relative path from the entry, which only the virtual file
    // system allows (without it an application can import built-in modules only).
    useVfs: true,
    // NODE_OPTIONS from the user's shell is meant for their Node.js, not for this program.
    execArgvExtension: 'none',
    execArgv: V8_FLAGS,
    assets,
  };
  const configPath = join(options.workDir, 'sea-config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  execFileSync(process.execPath, ['--build-sea', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
}
