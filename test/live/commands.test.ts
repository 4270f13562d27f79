import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type ClusterPromotion, LABEL_PROMOTION_NAME } from '../../src/api/types.ts';
import { mainProfileName } from '../../src/engine/names.ts';
import { runCli, type AnyCommand } from '../../plugin/cli.ts';
import type { Io } from '../../plugin/command.ts';
import { approveCommand } from '../../plugin/commands/approve/index.ts';
import { gatesCommand } from '../../plugin/commands/gates/index.ts';
import { getCommand } from '../../plugin/commands/get/index.ts';
import { listCommand } from '../../plugin/commands/list/index.ts';
import { revokeCommand } from '../../plugin/commands/revoke/index.ts';
import { statusCommand } from '../../plugin/commands/status/index.ts';
import type { LiveDeps } from '../../plugin/live.ts';
import { approve } from '../../src/live/approve.ts';
import { withSnapshot } from '../../src/live/snapshot.ts';
import { worldOf } from '../../src/engine/world.ts';
import { EventRecorder } from '../../simulator/event-recorder.ts';
import { FakeTimers } from '../kube/fake-timers.ts';
import {
  autoStage,
  manualStage,
  promotionObject,
  putCluster,
  putPromotion,
  serve,
  setStatus,
  stageEntry,
  type Served,
  putSummary,
} from './served.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');

// The fake clock jumps while real requests are in flight: an ask of the server's pulse would seem
// unanswered. How soon silence is noticed is tested on its own (pulse.test.ts, fleet-pulse.test.ts).
const PATIENT_PULSE = { answerWithinMs: 24 * 3_600_000 };
let served: Served;
let timers: FakeTimers;
let stop: AbortController;

function deps(): LiveDeps {
  return { timers, interrupted: () => stop.signal, client: { sleep: async () => {} }, pulse: PATIENT_PULSE };
}

function commands(): AnyCommand[] {
  const d = deps();
  return [listCommand(d), getCommand(d), gatesCommand(d), approveCommand(d), revokeCommand(d), statusCommand(d)];
}

/** Runs the command line in-process; `onOutput` sees stdout as it grows (to act mid-command). */
function run(args: string[], onOutput?: (stdout: string) => void) {
  return runAsTyped([...args, '--kubeconfig', served.kubeconfig, '--no-color'], onOutput);
}

/** Runs exactly the line given. */
async function runAsTyped(args: string[], onOutput?: (stdout: string) => void) {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: {
      write: (t: string) => {
        stdout += t;
        onOutput?.(stdout);
      },
      isTTY: false,
    },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: Readable.from(['']),
    env: {},
  };
  const code = await runCli(args, commands(), io);
  return { code, stdout, stderr };
}

function stored(name: string): ClusterPromotion {
  return served.store.get<ClusterPromotion>('clusterpromotions', name);
}

// The objects are written at T0; the commands then run 12 minutes later, and the server's clock
// (its Date header, which the commands read ages against) says so too.
let serverFollowsTimers = false;

before(async () => {
  served = await serve({ now: () => new Date(serverFollowsTimers ? timers.now() : T0) });
  putCluster(served.store, 'fleet', 'staging-1', { env: 'staging' });
  putCluster(served.store, 'fleet', 'prod-1', { env: 'production' });
  putCluster(served.store, 'fleet', 'prod-2', { env: 'production' });
});
after(() => served.close());

beforeEach(() => {
  serverFollowsTimers = false;
  for (const p of served.store.all('clusterpromotions')) served.store.delete('clusterpromotions', p.metadata.name);
  timers = new FakeTimers(T0 + 12 * 60_000);
  stop = new AbortController();
  // checkout: staging passed, production waits for approval since minute 10.
  putPromotion(
    served.store,
    promotionObject('checkout', [
      autoStage('staging', { env: 'staging' }, '5m'),
      manualStage('production', { env: 'production' }),
    ]),
    {
      currentStageName: 'production',
      stages: [
        stageEntry('staging', `Successfully provisioned (${at(8)})`, {
          lastUpdateReconciledTime: at(0),
          lastSuccessfulAppliedTime: at(2),
        }),
        stageEntry('production', `Paused: Awaiting Manual Approval (${at(10)})`, {
          lastUpdateReconciledTime: at(8),
          lastSuccessfulAppliedTime: at(9),
        }),
      ],
    },
  );
  // payments: staging soaks until minute 15; production (manual) not reached yet.
  putPromotion(
    served.store,
    promotionObject('payments', [
      autoStage('staging', { env: 'staging' }, '5m'),
      manualStage('production', { env: 'production' }),
    ]),
    {
      currentStageName: 'staging',
      stages: [
        stageEntry('staging', `Delayed: Waiting for Time Window: ${at(15)}`, {
          lastUpdateReconciledTime: at(5),
          lastSuccessfulAppliedTime: at(10),
        }),
      ],
    },
  );
  serverFollowsTimers = true;
});

describe('list', () => {
  it('prints one row per promotion: stage n/N, phase, clusters, what it waits for, age', async () => {
    const r = await run(['list']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.split('\n').map((l) => l.trimEnd()),
      [
        'NAME       STAGE            PHASE              CLUSTERS   WAITING-FOR       AGE',
        'checkout   2/2 production   AwaitingApproval   0/2        approval for 2m   12m',
        'payments   1/2 staging      Soaking            0/1        soak 3m           12m',
        '',
      ],
    );
  });

  it('prints the rows alone with --no-headers, as kubectl get --no-headers does, wide or not', async () => {
    for (const wide of [[], ['-o', 'wide']]) {
      const all = (await run(['list', ...wide])).stdout.split('\n');
      const r = await run(['list', '--no-headers', ...wide]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n'), all.slice(1));
    }
    const w = await run(['list', '-w', '--no-headers'], (out) => {
      if (out.split('\n').filter(Boolean).length === 2) stop.abort();
    });
    assert.match(w.stdout, /^checkout {3}2\/2 production {3}AwaitingApproval/);
  });

  it('lists only the promotions a label selector matches with -l, as kubectl get -l does', async () => {
    const payments = stored('payments');
    served.store.update('clusterpromotions', {
      ...payments,
      metadata: { ...payments.metadata, labels: { team: 'payments' } },
    });
    const r = await run(['list', '-l', 'team=payments', '--no-headers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^payments /);
    assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
    assert.equal(
      (await run(['list', '-l', 'team in (payments)', '-o', 'name'])).stdout,
      'clusterpromotion.config.projectsveltos.io/payments\n',
    );
    const watched = await run(['list', '-w', '-l', 'team=payments', '--no-headers'], (out) => {
      if (out.includes('\n')) stop.abort();
    });
    assert.match(watched.stdout, /^payments /);
    assert.doesNotMatch(watched.stdout, /checkout/);
    const none = await run(['list', '-l', 'team=nobody']);
    assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', 'No resources found\n']);
    const bad = await run(['list', '-l', 'team in (']);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });

  it('prints the objects in a List for -o json, and kind.group/name for -o name', async () => {
    const json = JSON.parse((await run(['list', '-o', 'json'])).stdout) as { kind: string; items: ClusterPromotion[] };
    assert.equal(json.kind, 'List');
    assert.deepEqual(
      json.items.map((p) => p.metadata.name),
      ['checkout', 'payments'],
    );
    assert.equal(
      (await run(['list', '-o', 'name'])).stdout,
      'clusterpromotion.config.projectsveltos.io/checkout\nclusterpromotion.config.projectsveltos.io/payments\n',
    );
  });

  it('-w appends a row when a promotion changes, until interrupted', async () => {
    const r = await run(['list', '-w'], (out) => {
      const lines = out.split('\n').filter(Boolean);
      if (lines.length === 3) {
        setStatus(served.store, 'payments', {
          currentStageName: 'production',
          stages: [
            stageEntry('staging', `Successfully provisioned (${at(15)})`, { lastSuccessfulAppliedTime: at(10) }),
            stageEntry('production', `Paused: Awaiting Manual Approval (${at(12)})`, {
              lastUpdateReconciledTime: at(15),
              lastSuccessfulAppliedTime: at(12),
            }),
          ],
        });
      }
      if (lines.length === 4) stop.abort();
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout.split('\n')[3]!,
      /^payments\s+2\/2 production\s+AwaitingApproval\s+0\/2\s+approval for 0s\s+12m$/,
    );
  });

  for (const output of [[], ['-o', 'name']])
    it(`-w ${output.join(' ')} prints a promotion that is deleted once more, as kubectl get -w does`, async () => {
      const r = await run(['list', '-w', ...output], (out) => {
        const lines = out.split('\n').filter(Boolean);
        const first = output.length === 0 ? 3 : 2;
        if (lines.length === first) putPromotion(served.store, promotionObject('brief', [autoStage('staging', {})]));
        if (lines.length === first + 1 && /brief\b/.test(lines[first]!)) {
          served.store.delete('clusterpromotions', 'brief');
          putPromotion(served.store, promotionObject('later', [autoStage('staging', {})]));
        }
        if (/later\b/.test(lines.at(-1)!)) stop.abort();
      });
      served.store.delete('clusterpromotions', 'later');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      const first = output.length === 0 ? 3 : 2;
      assert.match(
        lines[first]!,
        output.length === 0 ? /^brief\s+0\/1\s+NotStarted\s/ : /^clusterpromotion.config.projectsveltos.io\/brief$/,
      );
      assert.deepEqual(lines.slice(first + 1), [lines[first], lines.at(-1)]);
    });
});

describe('reading promotions and the world behind them at once', () => {
  const fails = (message: string) => Promise.reject(new Error(message));
  it("reports the promotions' failure when both reads fail, whichever failed first", async () => {
    const world = worldOf({});
    await assert.rejects(
      withSnapshot(fails('no ClusterPromotion API'), fails('cannot list clusterprofiles')),
      /no ClusterPromotion API/,
    );
    await assert.rejects(
      withSnapshot(new Promise((_, reject) => setImmediate(() => reject(new Error('not found')))), fails('forbidden')),
      /not found/,
    );
    await assert.rejects(
      withSnapshot(Promise.resolve([]), fails('cannot list sveltosclusters')),
      /cannot list sveltosclusters/,
    );
    assert.deepEqual(await withSnapshot(Promise.resolve(['p']), Promise.resolve(world)), [['p'], world]);
  });
});

describe('get', () => {
  it("prints the view's tree once", async () => {
    const r = await run(['get', 'checkout']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /checkout\s+Paused/);
    assert.match(r.stdout, /staging .*Promoted/);
    assert.match(r.stdout, /production .*AwaitingApproval.*waiting for approval for 2m/);
  });

  it('ends with the promotion’s last five events, oldest first, as kubectl describe reads them', async () => {
    const recorder = new EventRecorder({
      store: served.store,
      reportingController: 'example.com/c',
      reportingInstance: 'c',
    });
    const regarding = (name: string) => {
      const p = stored(name);
      return { apiVersion: p.apiVersion, kind: p.kind, name, uid: p.metadata.uid! };
    };
    for (const n of [1, 2, 3, 4, 5, 6]) {
      recorder.record({
        regarding: regarding('checkout'),
        type: 'Normal',
        reason: `Step${n}`,
        action: 'Reconcile',
        note: `step ${n}`,
      });
    }
    recorder.record({
      regarding: regarding('payments'),
      type: 'Warning',
      reason: 'Other',
      action: 'Reconcile',
      note: 'x',
    });
    const r = await run(['get', 'checkout']);
    assert.equal(r.code, 0, r.stderr);
    const block = r.stdout
      .slice(r.stdout.indexOf('\nEvents:\n') + 1)
      .trimEnd()
      .split('\n');
    assert.equal(block.length, 6, r.stdout);
    assert.deepEqual(
      block.slice(1).map((l) =>
        l
          .trim()
          .split(/\s{2,}/)
          .slice(1),
      ),
      [2, 3, 4, 5, 6].map((n) => ['Normal', `Step${n}`, `step ${n}`]),
    );
    for (const e of served.store.all('events'))
      served.store.delete('events', e.metadata.name, { namespace: 'default' });
    assert.match((await run(['get', 'checkout'])).stdout, /\nEvents: <none>\n$/);
  });

  it('piped, cuts nothing: a long failure message is printed whole, as kubectl prints off a terminal', async () => {
    const message = `Helm: ${'error validating data: '.repeat(8)}the end`;
    const broken = putPromotion(
      served.store,
      promotionObject('broken', [autoStage('staging', { env: 'staging' }, '5m')]),
      {
        currentStageName: 'staging',
        stages: [stageEntry('staging', `Deploying (${at(3)})`, { lastUpdateReconciledTime: at(0) })],
      },
    );
    const profile = mainProfileName('broken', 'staging');
    served.store.create('clusterprofiles', {
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      metadata: { name: profile, labels: { [LABEL_PROMOTION_NAME]: 'broken' } },
      spec: { ...broken.spec.profileSpec, clusterSelector: { matchLabels: { env: 'staging' } } },
    });
    putSummary(served.store, broken, profile, 'staging-1', 'Failed', message);
    try {
      const r = await run(['get', 'broken']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(message.length > 150);
      assert.ok(r.stdout.includes(message), r.stdout);
      assert.doesNotMatch(r.stdout, /…/);
    } finally {
      served.store.delete('clustersummaries', `${profile}-sveltos-staging-1`, { namespace: 'fleet' });
      served.store.delete('clusterprofiles', profile);
    }
  });

  it('offers no key and draws no cursor: printed once, nothing can be pressed', async () => {
    const r = await run(['get', 'checkout']);
    assert.match(r.stdout, /\n {2}\S+ production /);
    assert.doesNotMatch(r.stdout, /a to approve|›|^ *> /m);
  });

  it('prints the object with -o yaml, and names the existing promotions when the name is wrong', async () => {
    assert.match(
      (await run(['get', 'checkout', '-o', 'yaml'])).stdout,
      /^apiVersion: config.projectsveltos.io\/v1beta1\nkind: ClusterPromotion\n/,
    );
    const r = await run(['get', 'chekout']);
    assert.equal(r.code, 5);
    assert.equal(
      r.stderr,
      'error: clusterpromotion "chekout" not found in context "promotion-sim"; existing: checkout, payments\n',
    );
  });
});

describe('gates', () => {
  it('prints the rows alone with --no-headers', async () => {
    const all = (await run(['gates'])).stdout.split('\n');
    const r = await run(['gates', '--no-headers']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n'), all.slice(1));
  });

  it('lists every stage waiting for a person, how long, and the command that approves it', async () => {
    const r = await run(['gates']);
    assert.equal(r.code, 0, r.stderr);
    const [header, row, end] = r.stdout.split('\n');
    assert.match(header!, /^PROMOTION\s+STAGE\s+WAITING\s+SINCE\s+APPROVE WITH$/);
    assert.ok(
      row!.startsWith(
        'checkout    2/2 production   2m        2026-03-01 10:10:00Z   kubectl promotion approve checkout ' +
          '--stage production --kubeconfig=',
      ),
      row!,
    );
    assert.equal(end, '');
  });
});

describe('approve and revoke', () => {
  it('approves the stage waiting for approval with one guarded patch, and says so', async () => {
    const r = await run(['approve', 'checkout', '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'approved stage production of checkout\n');
    assert.equal(stored('checkout').spec.stages[1]!.trigger!.manual!.approved, true);
  });

  it('approves a stage ahead of its gate when named, and says it is ahead', async () => {
    const r = await run(['approve', 'payments', '--stage', 'production', '-y', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^approved stage production of payments ahead of its gate/);
    assert.equal((JSON.parse(r.stdout) as ClusterPromotion).spec.stages[1]!.trigger!.manual!.approved, true);
  });

  it('refuses, with exit 1, when no stage waits and none is named', async () => {
    const r = await run(['approve', 'payments', '--yes']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'error: no stage of payments is waiting for approval (its current stage staging is Soaking); to ' +
        'approve a later stage ahead of its gate, name it with --stage\n',
    );
  });

  it('re-reads after a concurrent edit and writes again when the same stage is still at stake', async () => {
    const client = served.client();
    const outcome = await approve(client, 'checkout', undefined, {
      confirm: async () => {
        // Someone labels the promotion between our read and our write: the resourceVersion moves.
        const p = stored('checkout');
        served.store.update('clusterpromotions', { ...p, metadata: { ...p.metadata, labels: { team: 'shop' } } });
        return true;
      },
    });
    assert.equal(outcome.written, true);
    assert.equal(stored('checkout').spec.stages[1]!.trigger!.manual!.approved, true);
  });

  it('stops, approving nothing, when a concurrent edit moved the stage it was about to approve', async () => {
    const r = approve(served.client(), 'checkout', undefined, {
      confirm: async () => {
        const p = stored('checkout');
        served.store.update('clusterpromotions', {
          ...p,
          spec: { ...p.spec, stages: [p.spec.stages[1]!, p.spec.stages[0]!] },
        });
        return true;
      },
    });
    await assert.rejects(r, /checkout changed while writing: .*nothing was written, run the command again/);
    assert.equal(
      stored('checkout').spec.stages.some((s) => s.trigger?.manual?.approved),
      false,
    );
  });

  it(
    '--wait says it waits, then stays until the controller lets the stage through, and says where the ' +
      'promotion is',
    async () => {
      let done = false;
      let followed = false;
      const r = run(['approve', 'checkout', '--yes', '--wait'], (out) => {
        if (!out.endsWith('approved, waiting for the controller\n')) return;
        // Once the promotion is listed and followed (its watchdog armed), the controller acts.
        const act = () => {
          if (timers.pending.length === 0) return void setImmediate(act);
          followed = true;
          assert.equal(done, false, 'still waiting before the controller acted');
          setStatus(served.store, 'checkout', {
            currentStageName: 'production',
            stages: [
              stageEntry('staging', `Successfully provisioned (${at(8)})`, {
                lastUpdateReconciledTime: at(0),
                lastSuccessfulAppliedTime: at(2),
              }),
              stageEntry('production', `Successfully provisioned (${at(12)})`, {
                lastUpdateReconciledTime: at(8),
                lastSuccessfulAppliedTime: at(9),
              }),
            ],
          });
        };
        act();
      }).finally(() => (done = true));
      const { code, stdout, stderr } = await r;
      assert.equal(code, 0, stderr);
      assert.ok(followed);
      assert.equal(
        stdout,
        'approved stage production of checkout\napproved, waiting for the controller\nthe controller let ' +
          'stage production through: checkout completed\n',
      );
    },
  );

  it('--wait --timeout exits 4 when the controller has not acted in time, on the injected clock', async () => {
    const r = await run(['approve', 'checkout', '--yes', '--wait', '--timeout', '5m'], (out) => {
      if (out.endsWith('approved, waiting for the controller\n')) setImmediate(() => timers.advance(5 * 60_000));
    });
    assert.equal(r.code, 4);
    assert.match(r.stdout, /the controller has not acted on stage production yet\n$/);
    assert.equal(
      stored('checkout').spec.stages[1]!.trigger!.manual!.approved,
      true,
      'the approval itself stays written',
    );
  });

  it('revoke sets approved back to false', async () => {
    await run(['approve', 'checkout', '--yes']);
    const r = await run(['revoke', 'checkout', '--stage', 'production']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'revoked the approval of stage production of checkout\n');
    assert.equal(stored('checkout').spec.stages[1]!.trigger!.manual!.approved, false);
  });
});

describe('status', () => {
  it('exits 0 at once when the stage is already deployed', async () => {
    const r = await run(['status', 'checkout', '--until', 'stage:production']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /checkout: stage production is deployed \(AwaitingApproval\)\n$/);
  });

  it('exits 0 once the promotion completed, for done and for gate (which it passed without stopping)', async () => {
    putPromotion(served.store, promotionObject('finished', [autoStage('staging', { env: 'staging' })]), {
      currentStageName: 'staging',
      stages: [
        stageEntry('staging', `Successfully provisioned (${at(5)})`, {
          lastUpdateReconciledTime: at(0),
          lastSuccessfulAppliedTime: at(2),
        }),
      ],
    });
    try {
      const done = await run(['status', 'finished']);
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /\nfinished: completed\n$/);
      assert.match(
        (await run(['status', 'finished', '--until', 'gate'])).stdout,
        /\nfinished: completed without stopping at a manual gate\n$/,
      );
    } finally {
      served.store.delete('clusterpromotions', 'finished');
    }
  });

  it('exits 3 when completion needs a person, naming the approve command', async () => {
    const r = await run(['status', 'checkout']);
    assert.equal(r.code, 3);
    assert.match(
      r.stdout,
      new RegExp(
        /checkout: stage production waits for approval, so completion cannot happen without a /.source +
          /person: kubectl promotion approve checkout --stage production\n$/.source,
      ),
    );
  });

  it('prints a line per transition while waiting, through a dropped stream, and exits 0 when reached', async () => {
    let step = 0;
    const r = await run(['status', 'payments', '--until', 'stage:production'], (out) => {
      if (step === 0 && out.includes('payments staging: Soaking')) {
        step = 1;
        served.server.faults.dropWatches();
        setStatus(served.store, 'payments', {
          currentStageName: 'production',
          stages: [
            stageEntry('staging', `Successfully provisioned (${at(15)})`, { lastSuccessfulAppliedTime: at(10) }),
            stageEntry('production', `Clusters are being provisioned (${at(15)})`, {
              lastUpdateReconciledTime: at(15),
            }),
          ],
        });
      } else if (step === 1 && out.includes('payments production: Pending -> Deploying')) {
        step = 2;
        setStatus(served.store, 'payments', {
          currentStageName: 'production',
          stages: [
            stageEntry('staging', `Successfully provisioned (${at(15)})`, { lastSuccessfulAppliedTime: at(10) }),
            stageEntry('production', `Paused: Awaiting Manual Approval (${at(17)})`, {
              lastUpdateReconciledTime: at(15),
              lastSuccessfulAppliedTime: at(17),
            }),
          ],
        });
      }
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/^\d{4}-\d\d-\d\d \S+ /, ''));
    assert.deepEqual(lines, [
      'payments: Waiting (2 stages)',
      'payments staging: Soaking (soak ends in 3m (10:15Z))',
      'payments staging: Soaking -> Promoted (promoted 10:15Z)',
      'payments production: Pending -> Deploying (deploying for 0s)',
      'payments production: Deploying -> AwaitingApproval (waiting for approval for 0s)',
      'payments: stage production is deployed (AwaitingApproval)',
    ]);
  });

  it('exits 4 when --timeout passes first, on the injected clock', async () => {
    const r = await run(['status', 'payments', '--timeout', '10m'], (out) => {
      if (out.includes('Soaking')) setImmediate(() => timers.advance(10 * 60_000));
    });
    assert.equal(r.code, 4);
    assert.match(r.stdout, /payments: timed out after 10m waiting for completion\n$/);
  });

  it('names a stage it waits for in words: "waiting for the deployment of stage production"', async () => {
    const r = await run(['status', 'payments', '--until', 'stage:production', '--timeout', '10m'], (out) => {
      if (out.includes('Soaking')) setImmediate(() => timers.advance(10 * 60_000));
    });
    assert.equal(r.code, 4);
    assert.match(r.stdout, /payments: timed out after 10m waiting for the deployment of stage production\n$/);
  });

  it('says what --until accepts, and which stages exist', async () => {
    assert.match(
      (await run(['status', 'payments', '--until', 'soon'])).stderr,
      /--until soon: expected done, gate or stage:NAME/,
    );
    const r = await run(['status', 'payments', '--until', 'stage:prod']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--until stage:prod: payments has no such stage \(stages: staging, production\)/);
  });
});

describe('kubectl habits: the connection flags in any position, for every command', () => {
  const kc = () => served.kubeconfig;
  it('reads --kubeconfig, --context and -n before the command as after it', async () => {
    const after = await run(['list']);
    for (const line of [
      ['--kubeconfig', kc(), 'list'],
      [`--kubeconfig=${kc()}`, '--context', 'promotion-sim', 'list'],
      ['-n', 'default', '--kubeconfig', kc(), 'list', '-A'],
      ['--request-timeout', '30s', 'list', '--kubeconfig', kc()],
    ]) {
      const r = await runAsTyped(line);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, after.stdout, ''], line.join(' '));
    }
  });

  it('takes them before every live command', async () => {
    const before = (...line: string[]) => runAsTyped(['--kubeconfig', kc(), '-n', 'default', ...line]);
    assert.match((await before('get', 'checkout')).stdout, /checkout/);
    assert.match((await before('gates')).stdout, /^PROMOTION\s+STAGE/);
    assert.equal(JSON.parse((await before('get', 'checkout', '-ojson')).stdout).metadata.name, 'checkout');
    assert.match((await before('status', 'checkout', '--until', 'stage:production')).stdout, /is deployed/);
    assert.match((await before('approve', 'checkout', '-y')).stdout, /^approved stage production of checkout/);
    assert.match((await before('revoke', 'checkout', '--stage', 'production')).stdout, /production/);
  });

  it("reads -ojson glued, as kubectl does, for list's and get's output", async () => {
    const glued = await run(['list', '-ojson']);
    assert.equal(glued.code, 0, glued.stderr);
    assert.deepEqual(glued.stdout, (await run(['list', '-o', 'json'])).stdout);
    assert.deepEqual(
      JSON.parse(glued.stdout).items.map((p: ClusterPromotion) => p.metadata.name),
      ['checkout', 'payments'],
    );
    assert.equal((await run(['list', '-o=name'])).stdout, (await run(['list', '--output', 'name'])).stdout);
  });

  it('refuses an unknown output format in one line naming the formats', async () => {
    const r = await run(['list', '-oxml']);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        'error: invalid argument "xml" for "-o, --output" flag: must be one of json, yaml, name, wide (see ' +
          'kubectl promotion list --help)\n',
      ],
    );
  });
});
