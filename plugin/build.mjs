// Bundles the command line into one ESM file so that `kubectl promotion` starts without
// resolving hundreds of modules. Dependencies stay external for the npm package; the
// standalone release build inlines them.
import { build } from 'esbuild';

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
});
