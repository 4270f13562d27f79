// `simulate --serve` as a command: in process (what it prints, its mistakes, a clean stop), and the
// built program as users run it, driven with the real kubectl until the rollout completes, then
// stopped with SIGTERM. `npm test` builds dist/ first; a lone run of this file builds it if missing.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { runServe, type ServeArgs } from '../../plugin/commands/simulate/serve.ts';
import type { Io } from '../../plugin/command.ts';
import { UsageError } from '../../plugin/errors.ts';
import { DEADLINE_MS, KUBECTL } from '../apiserver/helpers.ts';
import { rolloutPromotion, smallFleet, T0 } from './helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}dist/kubectl-promotion.mjs`;

const ARGS: ServeArgs = { serve: true, address: '127.0.0.1', port: '0', controller: true, force: false, rbac: [] };
const INPUT = {
  promotions: [rolloutPromotion()],
  fleet: { clusters: smallFleet() },
  start: T0,
  seed: 1,
  speed: undefined,
};

function captureIo(): { io: Io; out: () => string; err: () => string; printed: (match: RegExp) => Promise<void> } {
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const io: Io = {
    stdout: {
      write: (t: string) => {
        out += t;
        for (const w of waiters.splice(0)) w();
      },
    },
    stderr: { write: (t: string) => (err += t) },
    stdin: Readable.from([]),
    env: {},
  };
  const printed = async (match: RegExp) => {
    const end = Date.now() + DEADLINE_MS;
    while (!match.test(out)) {
      if (Date.now() > end) throw new Error(`not printed within ${DEADLINE_MS}ms: ${match}; stdout: ${out}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, end - Date.now());
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  return { io, out: () => out, err: () => err, printed };
}

describe('simulate --serve in process', () => {
  it(
    'prints the kubeconfig, how to use it and the engine’s events, and removes its temporary kubeconfig ' +
      'when stopped',
    async () => {
      const { io, out, printed } = captureIo();
      let stop!: (signal: string) => void;
      const running = runServe(INPUT, ARGS, io, { stopRequested: () => new Promise((resolve) => (stop = resolve)) });
      await printed(/StageStarted/);
      const path = /^Kubeconfig \(context promotion-sim\): (\S+)$/m.exec(out())![1]!;
      const kubeconfig = parse(readFileSync(path, 'utf8'));
      assert.equal(kubeconfig['current-context'], 'promotion-sim');
      assert.match(out(), new RegExp(`^  export KUBECONFIG=${path}$`, 'm'));
      assert.match(out(), /^ {2}kubectl promotion approve rollout$/m);
      assert.match(out(), /kubectl create --raw \/admin\/faults\/drop-watches -f \/dev\/null/);
      assert.match(
        out(),
        /^2030-01-01T00:00:00Z rollout staging StageStarted: stage staging: ClusterProfile rollout-staging applied$/m,
      );
      stop('SIGINT');
      assert.equal(await running, 0);
      assert.match(out(), /^SIGINT: stopping at 2030-01-01T00:00:00Z \(virtual\)$/m);
      assert.equal(existsSync(path), false);
    },
  );

  it("writes --kubeconfig-out (and --rbac's beside it) into a folder it creates: /tmp/sim/kubeconfig", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'serve-out-')), 'sim');
    const path = join(dir, 'kubeconfig');
    const { io, printed } = captureIo();
    let stop!: (signal: string) => void;
    const running = runServe(INPUT, { ...ARGS, 'kubeconfig-out': path, rbac: ['deploy/'] }, io, {
      stopRequested: () => new Promise((resolve) => (stop = resolve)),
    });
    try {
      await printed(/StageStarted/);
      assert.equal(parse(readFileSync(path, 'utf8'))['current-context'], 'promotion-sim');
      assert.equal(parse(readFileSync(`${path}-rbac`, 'utf8'))['current-context'], 'promotion-sim-rbac');
    } finally {
      stop?.('SIGINT');
      await running;
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  it('refuses a port in use in one line naming the flag', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const { io } = captureIo();
      await assert.rejects(
        runServe(INPUT, { ...ARGS, port: String(port) }, io),
        (err: Error) =>
          err instanceof UsageError &&
          err.message ===
            `--port ${port}: 127.0.0.1:${port} is already in use; pick another port or 0 for any free one`,
      );
    } finally {
      taken.close();
    }
  });

  it(
    'refuses the headless report’s flags, which mean nothing when kubectl does the reading and ' + 'approving',
    async () => {
      const { io } = captureIo();
      await assert.rejects(
        runServe(INPUT, { ...ARGS, output: 'json' }, io),
        /^UsageError: -o json: --serve prints no report/,
      );
      await assert.rejects(
        runServe(INPUT, { ...ARGS, approve: ['staging'] }, io),
        /^UsageError: --approve: with --serve, approve as on the day/,
      );
      await assert.rejects(
        runServe(INPUT, { ...ARGS, port: '70000' }, io),
        /^UsageError: --port 70000: expected a port number from 0 to 65535/,
      );
    },
  );

  it('refuses two promotions of one name in one line, as the API server would', async () => {
    const { io } = captureIo();
    await assert.rejects(
      runServe({ ...INPUT, promotions: [rolloutPromotion(), rolloutPromotion()] }, ARGS, io),
      (err: Error) =>
        err.name === 'UserError' &&
        err.message ===
          'cannot serve the files given: clusterpromotions.config.projectsveltos.io "rollout" already exists',
    );
  });
});

const kubectlMissing = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).error !== undefined;
const skip = kubectlMissing && process.env.CI === undefined ? `${KUBECTL} is not installed` : false;

describe('the built kubectl-promotion simulate --serve', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-command-'));
  before(async () => {
    if (!existsSync(bin)) await promisify(execFile)(process.execPath, [`${root}build/build.mjs`], { cwd: root });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'serves the rollout to kubectl until it completes, and exits 0 on SIGTERM leaving the asked-for ' + 'kubeconfig',
    async () => {
      const kubeconfig = join(dir, 'kubeconfig');
      const child = spawn(
        process.execPath,
        [
          bin,
          'simulate',
          '--serve',
          '--port',
          '0',
          '--kubeconfig-out',
          kubeconfig,
          '--speed',
          '6000',
          '--start',
          '2030-01-01T00:00:00Z',
          '-f',
          'examples/kyverno/promotion.yaml',
          '--fleet',
          'examples/kyverno/fleet.yaml',
        ],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const stdout = lines(child.stdout);
        await stdout.until((l) => l === `Kubeconfig (context promotion-sim): ${kubeconfig}`);
        // The whole rollout is about 12 virtual minutes: an eighth of a second at 6000x.
        const watch = spawn(
          KUBECTL,
          [
            '--kubeconfig',
            kubeconfig,
            'get',
            'clusterpromotion',
            'test-kyverno-rollout',
            '-w',
            '-o',
            'jsonpath={.status.currentStageName} {.status.stages[1].currentStatusDescription}{"\\n"}',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        try {
          await lines(watch.stdout).until((l) =>
            /^production Successfully provisioned \(2030-01-01T00:\d\d:00Z\)$/.test(l),
          );
        } finally {
          watch.kill();
        }
        await stdout.until((l) => /^2030-01-01T00:\d\d:00Z test-kyverno-rollout PromotionCompleted: /.test(l));
        child.kill('SIGTERM');
        await stdout.until((l) => /^SIGTERM: stopping at /.test(l));
        assert.equal(await exited, 0, stderr);
        assert.equal(stderr, '');
        assert.ok(existsSync(kubeconfig), 'a kubeconfig the user asked for stays');
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});

/** Lines of a stream, awaited one pattern at a time with the deadline. */
function lines(stream: NodeJS.ReadableStream): { until(match: (line: string) => boolean): Promise<string> } {
  const seen: string[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const rl = createInterface({ input: stream });
  rl.on('line', (l) => {
    seen.push(l);
    wake?.();
  });
  rl.on('close', () => {
    ended = true;
    wake?.();
  });
  let from = 0;
  return {
    async until(match) {
      const end = Date.now() + DEADLINE_MS;
      for (;;) {
        const i = seen.findIndex((l, j) => j >= from && match(l));
        if (i >= 0) {
          from = i + 1;
          return seen[i]!;
        }
        if (ended || Date.now() > end)
          throw new Error(
            `no matching line${ended ? ' before the end' : ` within ${DEADLINE_MS}ms`}; saw ${JSON.stringify(seen)}`,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, end - Date.now());
          wake = () => {
            clearTimeout(timer);
            wake = null;
            resolve();
          };
        });
      }
    },
  };
}
