// An esbuild plugin, shared by the npm build (build/build.mjs) and the standalone build
// (build/release/bundle.ts), that keeps a short command such as `list` from loading code it will
// not run. Loading is most of what a short command costs: Node.js starts in ~25 ms, and kubectl
// answers `get` in ~45 ms.
//
// - @kubernetes/client-node re-exports its whole generated API (every model of every group) from
//   the module that holds KubeConfig. Its modules do nothing at load, so marking them free of side
//   effects lets the bundler keep only what is used: KubeConfig and the authenticators.
// - Some imports are needed only on some paths: the library's undici (its fetch-based client, which
//   we do not use), its SOCKS and HTTP proxy agents, cron-parser (only for a promotionWindow), and
//   yaml for -o yaml. Each such import
//   gets a stand-in that loads the package the first time something of it is used: from where
//   it is installed (the npm build), or from a file of its own inside the standalone executable,
//   whose Node.js can require() an ES module. Bundled into the chunk that uses it, a package would
//   still be read and compiled with that chunk (undici alone is 1.4 MB).
// - Importing node:http as an ES module reads all its exports, and its WebSocket export loads
//   Node's own copy of undici (~10 ms) to answer: the library gets it through require().
import { createRequire } from 'node:module';
import path from 'node:path';

const CLIENT_NODE = /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]/;

/**
 * Imports to defer: which importers, which package, and the names they import from it. A name an
 * importer uses but a row lacks fails the build ("No matching export"), so an upgrade cannot
 * quietly break, say, a proxy setup. `from`: the package whose dependency it is, when not ours.
 */
const DEFERRED = [
  { importer: CLIENT_NODE, pkg: 'undici', names: ['Agent', 'ProxyAgent', 'fetch'], from: '@kubernetes/client-node' },
  { importer: CLIENT_NODE, pkg: 'socks-proxy-agent', names: ['SocksProxyAgent'], from: '@kubernetes/client-node' },
  { importer: CLIENT_NODE, pkg: 'socks', names: ['SocksClient'], from: '@kubernetes/client-node' },
  {
    importer: CLIENT_NODE,
    pkg: 'hpagent',
    names: ['HttpProxyAgent', 'HttpsProxyAgent'],
    from: '@kubernetes/client-node',
  },
  { importer: /[\\/]src[\\/]schedule[\\/]window\.ts$/, pkg: 'cron-parser', names: ['CronExpressionParser'] },
  { importer: /[\\/]src[\\/]live[\\/]output\.ts$/, pkg: 'yaml', names: ['stringify'] },
];

const NAMESPACE = 'kubectl-promotion-deferred';
// A deferred package's own output file in the standalone build, beside the chunks that use it.
const ENTRY_NAMESPACE = 'kubectl-promotion-deferred-entry';
const entryName = (row) => `chunks/deferred-${row.pkg}`;

/**
 * The stand-in module for one row. `load` is the expression that loads the real package: a require()
 * the bundler turns into a call of the bundled module's initializer, or, for a package the build
 * leaves installed beside the program, a require() at run time.
 */
function standIn(row, load) {
  const lines = ['let real;', `const load = () => (real ??= ${load});`];
  // Constructing the stand-in, calling it or reading a static member of it loads the package and
  // hands the operation to the real export.
  lines.push(
    'const deferred = (name) => new Proxy(function () {}, {',
    '  construct: (_, args) => new (load()[name])(...args),',
    '  apply: (_, self, args) => load()[name].apply(self, args),',
    '  get: (_, key) => {',
    '    const value = load()[name][key];',
    "    return typeof value === 'function' ? value.bind(load()[name]) : value;",
    '  },',
    '});',
  );
  for (const name of row.names) lines.push(`export const ${name} = deferred(${JSON.stringify(name)});`);
  return lines.join('\n');
}

/**
 * @param {{ installed?: string[], separateFiles?: boolean }} options `installed`: the packages
 *   installed beside the program (the npm package's dependencies, bundled or not); `separateFiles`:
 *   give each deferred package an output file of its own (the standalone build, which installs
 *   nothing and runs on a Node.js that can require() ES modules).
 */
export function lazyDependencies(options = {}) {
  const installed = new Set(options.installed ?? []);
  const projectRequire = createRequire(path.join(process.cwd(), 'package.json'));
  // A package as its importer would find it: a dependency of the client library from the library.
  const resolveFor = (row, pkg) =>
    (row.from ? createRequire(projectRequire.resolve(row.from)) : projectRequire).resolve(pkg);
  const rowOf = (pkg) => DEFERRED.find((r) => r.pkg === pkg);

  /** The expression a stand-in loads its package with. */
  function loader(row) {
    const pkg = JSON.stringify(row.pkg);
    if (options.separateFiles) {
      // Stand-ins are bundled into chunks/ (checked after the build), beside the deferred files.
      return `__kpCreateRequire(import.meta.url)(${JSON.stringify(`./deferred-${row.pkg}.mjs`)}).default`;
    }
    if (!installed.has(row.from ?? row.pkg)) return `require(${pkg})`;
    // Installed beside the program: required at run time from where its importer would find it
    // (the banner of every chunk provides __kpCreateRequire: commonjs-shim.mjs).
    const base = row.from ? `import.meta.resolve(${JSON.stringify(row.from)})` : 'import.meta.url';
    return `__kpCreateRequire(${base})(${pkg})`;
  }

  return {
    name: 'lazy-dependencies',
    setup(build) {
      if (options.separateFiles) {
        const entries = build.initialOptions.entryPoints;
        if (!entries || Array.isArray(entries))
          throw new Error('lazy-dependencies: separateFiles needs entryPoints as an object');
        for (const row of DEFERRED) entries[entryName(row)] = `${ENTRY_NAMESPACE}:${row.pkg}`;
        build.onEnd((result) => {
          // A stand-in outside chunks/ would look for its package in the wrong folder.
          for (const [out, meta] of Object.entries(result.metafile?.outputs ?? {})) {
            const standIns = Object.keys(meta.inputs).some((i) => i.startsWith(`${NAMESPACE}:`));
            if (standIns && path.basename(path.dirname(out)) !== 'chunks') {
              throw new Error(
                `lazy-dependencies: ${out} holds a stand-in but is not in chunks/, beside the deferred packages`,
              );
            }
          }
        });
      }

      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.deferred) return undefined;
        if (args.kind === 'entry-point' && args.path.startsWith(`${ENTRY_NAMESPACE}:`)) {
          return { path: args.path.slice(ENTRY_NAMESPACE.length + 1), namespace: ENTRY_NAMESPACE };
        }
        if (args.namespace === ENTRY_NAMESPACE) return { path: resolveFor(rowOf(args.importer), args.path) };
        if (args.namespace === NAMESPACE && args.path.startsWith('node:')) return { path: args.path, external: true };
        if (args.namespace === NAMESPACE) {
          // The real package behind a stand-in, bundled: its initializer runs when the require() does.
          return { path: resolveFor(DEFERRED[Number(args.importer)], args.path) };
        }
        if (CLIENT_NODE.test(args.importer) && (args.path === 'node:http' || args.path === 'http')) {
          return { path: 'node:http', namespace: NAMESPACE };
        }
        const row = DEFERRED.findIndex((r) => r.pkg === args.path && r.importer.test(args.importer));
        if (row !== -1) return { path: `${row}`, namespace: NAMESPACE };
        if (!CLIENT_NODE.test(args.importer) && !args.path.startsWith('@kubernetes/client-node')) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { deferred: true },
        });
        if (resolved.errors.length > 0 || !CLIENT_NODE.test(resolved.path)) return undefined;
        return { ...resolved, sideEffects: false };
      });
      build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, (args) => ({
        // The package's namespace as the default export: what the stand-in's require() returns.
        contents: `import * as real from ${JSON.stringify(args.path)};\nexport default real;`,
        loader: 'js',
        resolveDir: process.cwd(),
      }));
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        if (args.path === 'node:http') {
          return {
            contents: "const http = require('node:http');\nexport default http;\nexport const { STATUS_CODES } = http;",
            loader: 'js',
          };
        }
        const row = DEFERRED[Number(args.path)];
        return { contents: standIn(row, loader(row)), loader: 'js', resolveDir: process.cwd() };
      });
    },
  };
}
