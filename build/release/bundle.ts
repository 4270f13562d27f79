// The standalone bundle a single executable runs: the command line with every dependency inlined,
// split so that each command's code (and Ink, the Kubernetes client, the Lua VM) is read only when
// that command runs, and in front of it a one-module launcher that answers `version` and `--help`
// alone. The executable mounts these files as its virtual file system.
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { COMMONJS_DEFINES, COMMONJS_SHIM } from '../commonjs-shim.mjs';
import { lazyDependencies } from '../lazy-dependencies.mjs';

export interface BundleOptions {
  entry: string;
  outDir: string;
  /** Compile-time constants, as esbuild's define. */
  define?: Record<string, string>;
}

export interface Bundle {
  /** The executable's entry module (the launcher), relative to outDir. */
  main: string;
  /** Every file of the bundle, relative to outDir (the entry included). */
  files: string[];
}

// Ink loads react-devtools-core only when DEV=true, from a module esbuild would otherwise have to
// resolve; the stub makes that path fail with Ink's own message instead of breaking the build.
const noDevtools: Plugin = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'throw new Error("react-devtools-core is not part of the standalone build");',
      loader: 'js',
    }));
  },
};

// yargs finds its translations three directories above its own file, which inside a bundle is
// outside the executable's file system, where the lookup fails with ENOTDIR instead of the
// ENOENT y18n tolerates. Point it at a locales/ directory beside the module that holds it.
const YARGS_LOCALES_FROM = "resolve(__dirname, '../../../locales')";
const yargsLocales: Plugin = {
  name: 'yargs-locales',
  setup(b) {
    b.onLoad({ filter: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(YARGS_LOCALES_FROM)) {
        throw new Error(
          `${args.path}: no longer reads its locales as the release build expects; update build/release/bundle.ts`,
        );
      }
      return { contents: source.replace(YARGS_LOCALES_FROM, "resolve(import.meta.dirname, 'locales')"), loader: 'js' };
    });
  },
};

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path).map((f) => join(name, f)) : [name];
  });
}

// The program's entry file in the bundle; build/release/launcher.ts imports it by this name.
const PROGRAM = 'kubectl-promotion';
const LAUNCHER = 'launcher';

export async function bundleStandalone(options: BundleOptions): Promise<Bundle> {
  rmSync(options.outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { [PROGRAM]: options.entry },
    outdir: options.outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node26',
    jsx: 'automatic',
    banner: { js: COMMONJS_SHIM },
    define: {
      ...COMMONJS_DEFINES,
      'process.env.NODE_ENV': '"production"',
      ...options.define,
    },
    // Nothing is installed beside the executable: each deferred package gets a file of its own in it.
    plugins: [noDevtools, yargsLocales, lazyDependencies({ separateFiles: true })],
    metafile: true,
    logLevel: 'warning',
  });
  // Files that bundled packages read from beside their own module: put them beside the output
  // file that now holds that module.
  const require = createRequire(import.meta.url);
  const besideModule = [
    {
      pkg: 'node_modules/lua-wasm-bindings/',
      from: require.resolve('lua-wasm-bindings/dist/glue/glue-lua-5.1.5.wasm'),
      to: 'glue-lua-5.1.5.wasm',
    },
    { pkg: 'node_modules/yargs/', from: join(dirname(require.resolve('yargs')), 'locales'), to: 'locales' },
  ];
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    for (const asset of besideModule) {
      if (Object.keys(meta.inputs).some((i) => i.includes(asset.pkg))) {
        cpSync(asset.from, join(dirname(out), asset.to), { recursive: true });
      }
    }
  }
  await buildLauncher(options, renderHelp(join(options.outDir, `${PROGRAM}.mjs`)));
  return { main: `${LAUNCHER}.mjs`, files: listFiles(options.outDir) };
}

// The top-level help as the program's own yargs prints it off a terminal (wrapped at 100 columns,
// which plugin/fast-path.ts checks before printing it). The bundle is plain JavaScript for every
// target, so the build machine's Node.js can run it.
function renderHelp(program: string): string {
  const help = execFileSync(process.execPath, [program, '--help'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (!help.includes('Usage: ')) throw new Error(`${program} --help printed no usage; the launcher cannot embed it`);
  return help;
}

async function buildLauncher(options: BundleOptions, help: string): Promise<void> {
  const result = await build({
    entryPoints: { [LAUNCHER]: join(import.meta.dirname, 'launcher.ts') },
    outdir: options.outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node26',
    define: {
      'process.env.NODE_ENV': '"production"',
      ...options.define,
      __KUBECTL_PROMOTION_HELP__: JSON.stringify(help),
    },
    metafile: true,
    logLevel: 'warning',
  });
  // The launcher is worth having only while it stays one small module of our own code.
  const dependencies = Object.keys(result.metafile.inputs).filter((i) => i.includes('node_modules/'));
  if (dependencies.length > 0) {
    throw new Error(
      `the launcher now bundles ${dependencies.join(', ')}; keep plugin/fast-path.ts free of dependencies`,
    );
  }
}
