// Bundles the command line for the npm package: one entry file per executable and one chunk per
// command, loaded when that command runs (plugin/registry.ts), so that `kubectl promotion version`
// does not load Ink or the Kubernetes client. Dependencies stay external here; the standalone
// release build (build/release.ts) inlines them.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { COMMONJS_DEFINES, COMMONJS_SHIM } from './commonjs-shim.mjs';
import { V8_FLAGS } from './runtime-flags.mjs';
import { embeddedExamplesDefine } from './embedded-examples.mjs';
import { lazyDependencies } from './lazy-dependencies.mjs';

// The commit `kubectl promotion version` reports; a build outside a git checkout has none.
function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

// Chunks of an earlier build would otherwise pile up under their old hashes.
rmSync('dist/chunks', { recursive: true, force: true });

// Dependencies stay external (installed beside the package), except the Kubernetes client: loading
// it whole costs a live command 0.3 s and 80 MB, of which bundling keeps only what we use.
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const BUNDLED = new Set(['@kubernetes/client-node']);
const external = Object.keys(pkg.dependencies ?? {})
  .filter((d) => !BUNDLED.has(d))
  .flatMap((d) => [d, `${d}/*`]);

// GNU or BSD env splits the #! line (-S): the runtime flags need it.
const entries = {
  'kubectl-promotion': 'plugin/main.ts',
  'kubectl_complete-promotion': 'plugin/complete-main.ts',
};

await build({
  entryPoints: entries,
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external,
  banner: { js: `#!/usr/bin/env -S node ${V8_FLAGS.join(' ')}\n${COMMONJS_SHIM}` },
  logLevel: 'warning',
  plugins: [lazyDependencies({ installed: Object.keys(pkg.dependencies ?? {}) })],
  define: {
    ...COMMONJS_DEFINES,
    ...embeddedExamplesDefine(),
    __KUBECTL_PROMOTION_COMMIT__: JSON.stringify(gitCommit()),
    // React's production build: the development one is several times slower per frame.
    'process.env.NODE_ENV': '"production"',
  },
});

for (const name of Object.keys(entries)) chmodSync(`dist/${name}.mjs`, 0o755);
