// `kubectl promotion controller` in-process against a served rehearsal whose clock stands still:
// its flags' mistakes, --dry-run, leaving alone a promotion another controller drives, and the
// probe and metrics endpoints.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { runCli } from '../../plugin/cli.ts';
import type { Io } from '../../plugin/command.ts';
import { controllerCommand } from '../../plugin/commands/controller/index.ts';
import { realTimers } from '../../src/timers.ts';
import { startServedSimulation, type ServedSimulation } from '../../simulator/serve.ts';
import { rolloutPromotion, smallFleet, T0 } from '../serve/helpers.ts';

interface Running {
  stop: AbortController;
  exited: Promise<number>;
  stderr: () => string;
  /** Resolves when the log has a line matching `match`. */
  logged(match: RegExp, ms?: number): Promise<string>;
}

function start(kubeconfig: string, args: string[]): Running {
  const stop = new AbortController();
  let stderr = '';
  const io: Io = {
    stdout: { write: () => true, isTTY: false },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: Readable.from([]),
    env: {},
  };
  const command = controllerCommand({ timers: realTimers, interrupted: () => stop.signal });
  const exited = runCli(['controller', '--kubeconfig', kubeconfig, ...args], [command], io);
  return {
    stop,
    exited,
    stderr: () => stderr,
    async logged(match, ms = 10_000) {
      const end = Date.now() + ms;
      for (;;) {
        const line = stderr.split('\n').find((l) => match.test(l));
        if (line) return line;
        if (Date.now() > end) throw new Error(`no log line ${match} within ${ms}ms:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

async function run(kubeconfig: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const r = start(kubeconfig, args);
  return { code: await r.exited, stderr: r.stderr() };
}

/** Waits (polling, with a deadline) until `check` holds. */
async function eventually(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const LOCAL = ['--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0'];

describe('kubectl promotion controller', () => {
  let dir: string;
  let served: ServedSimulation;
  let kubeconfig: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'controller-command-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function rehearsal(): Promise<void> {
    served = await startServedSimulation({
      promotions: [rolloutPromotion()],
      fleet: { clusters: smallFleet() },
      start: T0,
      controller: false,
      paused: true,
    });
    kubeconfig = join(dir, 'kubeconfig');
    served.writeKubeconfig(kubeconfig);
  }

  it('names the flag of a bad value in one line and exits 1 without connecting', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--leader-elect-lease-duration=5s'],
        /--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline/,
      ],
      [['--leader-elect-retry-period=soon'], /--leader-elect-retry-period: /],
      [
        ['--metrics-bind-address=localhost'],
        /--metrics-bind-address: bind address "localhost": expected \[host\]:port/,
      ],
      [['--log-format=xml'], /invalid argument "xml" for "--log-format" flag: must be one of json, text/],
      [['-v', 'loud'], /-v loud: expected a level 0, 1 or 2/],
      [['--dry-run', '--shadow'], /--dry-run and --shadow cannot be used together/],
    ];
    for (const [args, message] of cases) {
      const r = await run('/nonexistent/kubeconfig', args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('--dry-run logs each write the server accepted in dry-run, and writes nothing', async () => {
    await rehearsal();
    const c = start(kubeconfig, [...LOCAL, '--dry-run', '--leader-elect=false', '--log-format=text']);
    try {
      const line = await c.logged(/dry-run: would finalizers of ClusterPromotion rollout/);
      assert.match(line, /method=PUT path=\/apis\/config\.projectsveltos\.io\/v1beta1\/clusterpromotions\/rollout/);
      const p = served.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
      assert.equal(p.metadata.finalizers, undefined);
      assert.equal(p.status, undefined);
      assert.deepEqual(served.store.all('clusterprofiles'), []);
    } finally {
      c.stop.abort();
      assert.equal(await c.exited, 0);
      await served.close();
    }
  });

  it('misses no step through dropped watches, a 410 Gone and an API server restart', async () => {
    await rehearsal();
    const c = start(kubeconfig, [...LOCAL, '--leader-elect=false']);
    const stored = () => served.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
    try {
      await eventually('the rollout started', () => stored().status?.currentStageName === 'staging');
      served.api.faults.dropWatches();
      served.api.faults.expireNextWatches(5);
      await served.api.faults.restart();
      // Staging deploys while the streams come back: the controller must see it and pause at the gate.
      await served.advanceTo(T0 + 3 * 60_000);
      await eventually(
        'staging waits for approval',
        () => /Awaiting Manual Approval/.test(stored().status?.stages?.[0]?.currentStatusDescription ?? ''),
        20_000,
      );
      served.store.patch('clusterpromotions', 'rollout', 'json', [
        { op: 'add', path: '/spec/stages/0/trigger/manual/approved', value: true },
      ]);
      await eventually('production started', () => stored().status?.currentStageName === 'production', 20_000);
    } finally {
      c.stop.abort();
      assert.equal(await c.exited, 0);
      await served.close();
    }
  });

  it(
    'drives the rollout, serves /healthz, /readyz and /metrics, and leaves alone a promotion someone else ' +
      'advances',
    async () => {
      await rehearsal();
      const c = start(kubeconfig, [...LOCAL, '--leader-elect=false']);
      try {
        await c.logged(/"msg":"stage staging: ClusterProfile rollout-staging applied"/);
        const metricsPort = Number(
          /"serving \/metrics","address":"[^"]*:(\d+)"/.exec(await c.logged(/serving \/metrics/))![1],
        );
        const healthPort = Number(/"address":"[^"]*:(\d+)"/.exec(await c.logged(/serving \/healthz and \/readyz/))![1]);
        assert.equal((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status, 200);
        assert.equal((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status, 200);
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        assert.match(metrics, /^kubectl_promotion_leader 1$/m);
        assert.match(metrics, /^kubectl_promotion_promotions\{phase="Deploying"\} 1$/m);
        assert.match(metrics, /^kubectl_promotion_stage_transitions_total\{transition="StageStarted"\} 1$/m);
        // Reconciles happened (the finalizer, the first stage): each was timed, and so was its wait in the queue.
        assert.match(metrics, /^kubectl_promotion_reconcile_duration_seconds_count [1-9]\d*$/m);
        assert.match(metrics, /^kubectl_promotion_queue_duration_seconds_count [1-9]\d*$/m);
        assert.match(metrics, /^process_resident_memory_bytes \d+/m);
        const stored = () => served.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
        await eventually('the status written', () => stored().status?.currentStageName === 'staging');
        const p = stored();
        assert.deepEqual(p.metadata.finalizers, ['config.projectsveltos.io/clusterpromotion']);
        assert.equal(p.status?.currentStageName, 'staging');

        // Another controller writes the status: this one stands back, says why, and records an Event.
        served.store.updateStatus('clusterpromotions', {
          ...p,
          status: { ...p.status, currentStageName: 'production' },
        });
        await c.logged(/"event":"LeftAlone"/);
        assert.match(
          c.stderr(),
          /another controller \(another client\) wrote this promotion's status at .*--force to take over/,
        );
        const leftAlone = () =>
          (served.store.all('events') as unknown as { reason: string; type: string }[]).some(
            (e) => e.reason === 'LeftAlone' && e.type === 'Warning',
          );
        await eventually('a Warning Event LeftAlone', leftAlone);
        assert.equal(
          served.store.get<ClusterPromotion>('clusterpromotions', 'rollout').status?.currentStageName,
          'production',
        );
      } finally {
        c.stop.abort();
        assert.equal(await c.exited, 0);
        await served.close();
      }
    },
  );
});
