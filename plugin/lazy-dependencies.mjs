// An esbuild plugin, shared by the npm build (plugin/build.mjs) and the standalone build
// (plugin/release/bundle.ts), that keeps a short command such as `list` from loading code it will
// not run. Loading is most of what a short command costs: Node.js starts in ~25 ms, and kubectl
// answers `get` in ~45 ms.
//
// - @kubernetes/client-node re-exports its whole generated API (every model of every group) from
//   the module that holds KubeConfig. Its modules do nothing at load, so marking them free of side
//   effects lets the bundler keep only what is used: KubeConfig and the authenticators.
// - Some imports are needed only on some paths: the library's undici (its fetch-based client, which
//   we do not use), its SOCKS and HTTP proxy agents, cron-parser (only for a promotionWindow), yaml
//   for -o yaml, and string-width, which yargs and cliui load to lay out --help. Each such import
//   gets a stand-in that loads the package the first time something of it is used.
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
  { importer: CLIENT_NODE, pkg: 'hpagent', names: ['HttpProxyAgent', 'HttpsProxyAgent'], from: '@kubernetes/client-node' },
  { importer: /[\\/]src[\\/]schedule[\\/]window\.ts$/, pkg: 'cron-parser', names: ['CronExpressionParser'] },
  { importer: /[\\/]src[\\/]live[\\/]output\.ts$/, pkg: 'yaml', names: ['stringify'] },
  // Bundled in both builds: installed, it is an ES module, which require() loads only from Node.js 22.12.
  { importer: /[\\/]node_modules[\\/](yargs|cliui|wrap-ansi)[\\/]/, pkg: 'string-width', names: ['default'], asciiWidth: true, bundled: true },
];

const NAMESPACE = 'kubectl-promotion-deferred';

/**
 * The stand-in module for one row. `load` is the expression that loads the real package: a require()
 * the bundler turns into a call of the bundled module's initializer, or, for a package the build
 * leaves installed beside the program, a require() at run time.
 */
function standIn(row, load) {
  const lines = ['let real;', `const load = () => (real ??= ${load});`];
  if (row.asciiWidth) {
    // --help is ASCII but for our own words: measure that here, anything else as string-width does.
    lines.push(
      'const ANSI = /\\u001b\\[[0-9;]*m/g;',
      'export default function stringWidth(text) {',
      "  const plain = String(text).replace(ANSI, '');",
      '  return /^[\\x20-\\x7e]*$/.test(plain) ? plain.length : load().default(text);',
      '}',
    );
    return lines.join('\n');
  }
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
 * @param {{ installed?: string[] }} options the packages installed beside the program (the npm
 *   package's dependencies, bundled or not); the standalone build has none.
 */
export function lazyDependencies(options = {}) {
  const installed = new Set(options.installed ?? []);
  const projectRequire = createRequire(path.join(process.cwd(), 'package.json'));
  return {
    name: 'lazy-dependencies',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.deferred) return undefined;
        if (args.namespace === NAMESPACE && args.path.startsWith('node:')) return { path: args.path, external: true };
        if (args.namespace === NAMESPACE) {
          // The real package behind a stand-in, bundled (its initializer runs when the require() does),
          // found from where its importer would find it.
          const from = DEFERRED[Number(args.importer)]?.from;
          return { path: (from ? createRequire(projectRequire.resolve(from)) : projectRequire).resolve(args.path) };
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
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        if (args.path === 'node:http') {
          return { contents: "const http = require('node:http');\nexport default http;\nexport const { STATUS_CODES } = http;", loader: 'js' };
        }
        const row = DEFERRED[Number(args.path)];
        const pkg = JSON.stringify(row.pkg);
        // Installed beside the program, a package is required at run time from where its importer
        // would find it (the banner of every chunk provides __kpCreateRequire: commonjs-shim.mjs);
        // otherwise the bundler bundles it behind the require() and runs it only when that does.
        const load =
          row.bundled || !installed.has(row.from ?? row.pkg)
            ? `require(${pkg})`
            : `__kpCreateRequire(${row.from ? `import.meta.resolve(${JSON.stringify(row.from)})` : 'import.meta.url'})(${pkg})`;
        return { contents: standIn(row, load), loader: 'js', resolveDir: process.cwd() };
      });
    },
  };
}
