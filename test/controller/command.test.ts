// `kubectl promotion controller` in-process against a served rehearsal whose clock stands still:
// its flags' mistakes, --dry-run, leaving alone a promotion another controller drives (told by the
// status's managedFields; kubectl plays the other controller), --force, --shadow, and the probe and
// metrics endpoints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

/** Another controller writing the status through the API (kubectl, with its own field manager). */
function writeStatusAs(kubeconfig: string, manager: string, status: object): Promise<void> {
  const args = ['--kubeconfig', kubeconfig, 'patch', 'clusterpromotion', 'rollout', '--subresource=status'];
  args.push('--type=merge', `--field-manager=${manager}`, '-p', JSON.stringify({ status }));
  return new Promise((resolve, reject) =>
    execFile(KUBECTL, args, (err, _out, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve())),
  );
}

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: Record<string, unknown>;
}

function managers(p: ClusterPromotion): ManagedFieldsEntry[] {
  return (p.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];
}

function warningEvents(served: ServedSimulation, reason: string): { reason: string; message: string }[] {
  return (served.store.all('events') as unknown as { reason: string; type: string; message: string }[]).filter(
    (e) => e.reason === reason && e.type === 'Warning',
  );
}

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

        assert.deepEqual(
          managers(p)
            .map((m) => [m.manager, m.operation, m.subresource ?? ''])
            .sort(),
          [
            ['kubectl-promotion-controller', 'Update', ''],
            ['kubectl-promotion-controller', 'Update', 'status'],
            ['kubectl-promotion-simulate', 'Update', ''],
          ],
        );

        // Another controller writes the status: this one stands back, says why, and records an Event.
        await writeStatusAs(kubeconfig, 'addon-controller', { ...p.status, currentStageName: 'production' });
        await c.logged(/"event":"LeftAlone"/);
        assert.match(
          c.stderr(),
          /another controller \(addon-controller\) wrote this promotion's status at .*--force to take over/,
        );
        const leftAlone = () =>
          (served.store.all('events') as unknown as { reason: string; type: string }[]).some(
            (e) => e.reason === 'LeftAlone' && e.type === 'Warning',
          );
        await eventually('a Warning Event LeftAlone', leftAlone);
        assert.match(warningEvents(served, 'LeftAlone')[0]!.message, /another controller \(addon-controller\)/);
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

  it('leaves alone a promotion whose status another manager wrote recently; --force takes it over', async () => {
    await rehearsal();
    const stored = () => served.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
    try {
      await writeStatusAs(kubeconfig, 'addon-controller', { currentStageName: 'staging' });
      assert.deepEqual(
        managers(stored())
          .map((m) => [m.manager, m.subresource ?? ''])
          .sort(),
        [
          ['addon-controller', 'status'],
          ['kubectl-promotion-simulate', ''],
        ],
      );
      const c = start(kubeconfig, [...LOCAL, '--leader-elect=false']);
      try {
        const line = await c.logged(/"event":"LeftAlone"/);
        assert.match(
          line,
          new RegExp(
            String.raw`its status is managed by addon-controller \(last written 2030-01-01T00:00:00Z\), which looks ` +
              String.raw`like Sveltos Enterprise or addon-controller before v1\.14 driving it: left alone ` +
              String.raw`\(--force to take over, --shadow to compare\)`,
          ),
        );
        await eventually('a Warning Event LeftAlone', () => warningEvents(served, 'LeftAlone').length === 1);
        assert.equal(stored().metadata.finalizers, undefined, 'no finalizer added');
        assert.deepEqual(served.store.all('clusterprofiles'), []);
        assert.equal(
          managers(stored()).some((m) => m.manager === 'kubectl-promotion-controller'),
          false,
        );
      } finally {
        c.stop.abort();
        assert.equal(await c.exited, 0);
      }

      const forced = start(kubeconfig, [...LOCAL, '--leader-elect=false', '--force']);
      try {
        await forced.logged(/"msg":"stage staging: ClusterProfile rollout-staging applied"/);
        await eventually('the controller owns the status', () =>
          managers(stored()).some((m) => m.manager === 'kubectl-promotion-controller' && m.subresource === 'status'),
        );
        assert.deepEqual(stored().metadata.finalizers, ['config.projectsveltos.io/clusterpromotion']);
        assert.notEqual(served.store.find('clusterprofiles', 'rollout-staging'), undefined);
        assert.doesNotMatch(forced.stderr(), /LeftAlone/);
      } finally {
        forced.stop.abort();
        assert.equal(await forced.exited, 0);
      }
    } finally {
      await served.close();
    }
  });

  it('--shadow reports where it would act differently from the writing controller, and writes nothing', async () => {
    await rehearsal();
    const stored = () => served.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
    // The controller that writes (addon-controller 1.14+ here) has added its finalizer, as Sveltos does.
    const finalizer = { metadata: { finalizers: ['config.projectsveltos.io/clusterpromotion'] } };
    const args = ['--kubeconfig', kubeconfig, 'patch', 'clusterpromotion', 'rollout', '--type=merge'];
    args.push('--field-manager=addon-controller', '-p', JSON.stringify(finalizer));
    await new Promise<void>((resolve, reject) => execFile(KUBECTL, args, (err) => (err ? reject(err) : resolve())));
    const c = start(kubeconfig, [...LOCAL, '--shadow', '--log-format=text']);
    try {
      // Nothing drives the promotion yet: the open engine would start staging.
      const first = await c.logged(/shadow: the open engine would act differently/);
      assert.match(first, /promotion=rollout/);
      assert.match(
        first,
        /would be at stage staging at 2030-01-01T00:00:00\.000Z; the other controller has it at \(none\)/,
      );
      assert.match(first, /would create ClusterProfile rollout-staging/);

      // The other controller jumps straight to production, which the open engine would not do.
      await writeStatusAs(kubeconfig, 'addon-controller', { currentStageName: 'production' });
      const second = await c.logged(/shadow: .*other controller (has it at|moved to stage) production/);
      assert.match(second, /promotion=rollout/);
      assert.doesNotMatch(c.stderr(), /LeftAlone/, 'a shadow compares, it never stands back');

      // A shadow writes nothing: no profile, no Event, no field owned.
      assert.deepEqual(served.store.all('clusterprofiles'), []);
      assert.deepEqual(served.store.all('events'), []);
      assert.equal(
        managers(stored()).some((m) => m.manager === 'kubectl-promotion-controller'),
        false,
      );
      assert.deepEqual(stored().status, { currentStageName: 'production' });
    } finally {
      c.stop.abort();
      assert.equal(await c.exited, 0);
      await served.close();
    }
  });
});
