// Bundles the command line into one ESM file so that `kubectl promotion` starts without
// resolving hundreds of modules. Dependencies stay external for the npm package; the
// standalone release build inlines them.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

// The commit `kubectl promotion version` reports; a build outside a git checkout has none.
function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

await build({
  entryPoints: ['plugin/main.ts'],
  outfile: 'dist/kubectl-promotion.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
  define: { __KUBECTL_PROMOTION_COMMIT__: JSON.stringify(gitCommit()) },
});
