// What the built command loads to do its job. A short command such as `list` is mostly loading
// (kubectl answers the same question in ~45 ms, and Node.js alone starts in ~25), so the build
// defers what only some runs need (build/lazy-dependencies.mjs). These tests record every module
// the process resolves, by import or require, and check both halves: a plain run leaves the
// deferred packages alone, and the run that needs one still gets it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { parse, stringify } from 'yaml';
import { promisify } from 'node:util';
import {
  autoStage,
  manualStage,
  promotionObject,
  putPromotion,
  serve,
  stageEntry,
  type Served,
} from '../live/served.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(root, 'dist/kubectl-promotion.mjs');

// Registered before the program starts: sees every resolution, ES module or CommonJS.
const RECORDER = `
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    appendFileSync(process.env.LOADS_FILE, result.url + '\\n');
    return result;
  },
});
`;

/** Packages a run may load only when it needs them. */
const DEFERRED = [
  'undici',
  'socks',
  'socks-proxy-agent',
  'hpagent',
  'cron-parser',
  'luxon',
  'yaml',
  'string-width',
  'ink',
  'react',
  'lua-wasm-bindings',
];

let served: Served;
let dir: string;

before(async () => {
  if (!existsSync(bin))
    await promisify(execFile)(process.execPath, [path.join(root, 'build/build.mjs')], { cwd: root });
  served = await serve();
  dir = mkdtempSync(path.join(tmpdir(), 'loading-'));
  writeFileSync(path.join(dir, 'recorder.mjs'), RECORDER);
  putPromotion(
    served.store,
    promotionObject('checkout', [
      autoStage('staging', { env: 'staging' }, '5m'),
      manualStage('production', { env: 'prod' }),
    ]),
  );
});
after(async () => {
  await served.close();
  rmSync(dir, { recursive: true, force: true });
});

let runs = 0;
/** Runs the built command; returns its output and the packages (under node_modules) it loaded. */
async function loads(args: string[]): Promise<{ stdout: string; packages: Set<string> }> {
  // The served API's kubeconfig, unless the test brings its own.
  const kubeconfig = args.includes('--kubeconfig') ? [] : ['--kubeconfig', served.kubeconfig];
  const file = path.join(dir, `loads-${++runs}.txt`);
  writeFileSync(file, '');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', path.join(dir, 'recorder.mjs'), bin, ...args, ...kubeconfig],
    { cwd: root, env: { PATH: process.env.PATH ?? '', LOADS_FILE: file } },
  );
  const packages = new Set<string>();
  for (const url of readFileSync(file, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]!);
  }
  return { stdout, packages };
}

function loadedOf(packages: Set<string>, names: readonly string[]): string[] {
  return names.filter((n) => packages.has(n));
}

describe('what the built command loads', () => {
  it(
    "list loads none of the deferred packages: not the client library's undici or proxies, no cron, YAML " +
      'or layout code',
    async () => {
      const { stdout, packages } = await loads(['list']);
      assert.match(stdout, /^NAME\s+STAGE/);
      assert.deepEqual(loadedOf(packages, DEFERRED), []);
    },
  );

  it('list -ojson, its connection flags before it, loads none of them either', async () => {
    const { stdout, packages } = await loads(['--kubeconfig', served.kubeconfig, 'list', '-ojson']);
    assert.equal(JSON.parse(stdout).items.length, 1);
    assert.deepEqual(loadedOf(packages, DEFERRED), []);
  });

  it('loads YAML for -o yaml, and prints it', async () => {
    const { stdout, packages } = await loads(['list', '-o', 'yaml']);
    assert.match(stdout, /^apiVersion: v1\nitems:\n/);
    assert.deepEqual(loadedOf(packages, DEFERRED), ['yaml']);
  });

  it('loads cron-parser once a promotion has a promotionWindow, and shows when it opens', async () => {
    const windowed = promotionObject('nightly', [
      {
        ...autoStage('staging', { env: 'staging' }),
        trigger: { auto: { promotionWindow: { from: '0 2 * * *', to: '0 4 * * *' } } },
      },
    ]);
    putPromotion(served.store, windowed, {
      currentStageName: 'staging',
      stages: [stageEntry('staging', 'Window Closed: Waiting for Next Schedule (2099-01-01T02:00:00Z).')],
    });
    try {
      const { stdout, packages } = await loads(['list']);
      assert.match(stdout, /\nnightly\s+1\/1 staging\s+AwaitingWindow\s+\S+\s+window \d/);
      assert.ok(packages.has('cron-parser'), [...packages].join(', '));
    } finally {
      served.store.delete('clusterpromotions', 'nightly');
    }
  });

  it("goes through the kubeconfig's proxy-url, loading the client library's proxy agent for it", async () => {
    const connects: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (req, socket, head) => {
      connects.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const config = parse(readFileSync(served.kubeconfig, 'utf8')) as {
        clusters: { cluster: Record<string, unknown> }[];
      };
      config.clusters[0]!.cluster['proxy-url'] = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const proxied = path.join(dir, 'proxied-kubeconfig');
      writeFileSync(proxied, stringify(config));
      const { stdout, packages } = await loads(['list', '--kubeconfig', proxied]);
      assert.match(stdout, /^NAME\s+STAGE/);
      assert.ok(connects.length >= 1, 'the requests went through the proxy');
      assert.deepEqual(new Set(connects), new Set([`127.0.0.1:${served.server.port}`]));
      assert.ok(packages.has('hpagent'), [...packages].join(', '));
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it('keeps the generated API models of @kubernetes/client-node out of the build', () => {
    const chunks = readdirSync(path.join(root, 'dist/chunks'));
    const holding = chunks.filter((c) => readFileSync(path.join(root, 'dist/chunks', c), 'utf8').includes('V1PodSpec'));
    assert.deepEqual(holding, []);
  });
});
