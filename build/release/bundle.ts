// The standalone bundle a single executable runs: the command line with every dependency inlined,
// split so that each command's code (and Ink, the Kubernetes client, the Lua VM) is read only when
// that command runs, and in front of it a one-module launcher that imports the program. The
// executable mounts these files as its virtual file system.
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
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
    plugins: [noDevtools, lazyDependencies({ separateFiles: true })],
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
  ];
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    for (const asset of besideModule) {
      if (Object.keys(meta.inputs).some((i) => i.includes(asset.pkg))) {
        cpSync(asset.from, join(dirname(out), asset.to), { recursive: true });
      }
    }
  }
  await buildLauncher(options);
  return { main: `${LAUNCHER}.mjs`, files: listFiles(options.outDir) };
}

async function buildLauncher(options: BundleOptions): Promise<void> {
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
    },
    metafile: true,
    logLevel: 'warning',
  });
  // The launcher is worth having only while it stays one small module of our own code.
  const dependencies = Object.keys(result.metafile.inputs).filter((i) => i.includes('node_modules/'));
  if (dependencies.length > 0) {
    throw new Error(`the launcher now bundles ${dependencies.join(', ')}; it should only import the program`);
  }
}
