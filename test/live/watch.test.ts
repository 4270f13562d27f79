// `watch` without a terminal, against the served API: one line per stage transition as the
// controller (the test, writing status into the store) moves the rollout on, through every fault
// the server can throw at a long-lived watch. And what the following commands (`watch`, `status`,
// `list -w`) ask the server for: the ClusterSummaries they show, no others.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ANNOTATION_PROGRESS, encodeProgress } from '../../src/api/published-progress.ts';
import type { ClusterPromotion, ClusterPromotionStatus } from '../../src/api/types.ts';
import { runCli } from '../../plugin/cli.ts';
import type { Io } from '../../plugin/command.ts';
import { listCommand } from '../../plugin/commands/list/index.ts';
import { statusCommand } from '../../plugin/commands/status/index.ts';
import { watchCommand } from '../../plugin/commands/watch/index.ts';
import { FakeTimers } from '../kube/fake-timers.ts';
import {
  autoStage,
  labelSelector,
  manualStage,
  promotionObject,
  putCluster,
  putPromotion,
  putSummary,
  serve,
  setStatus,
  stageEntry,
  type Served,
} from './served.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');

// The fake clock jumps while real requests are in flight: an ask of the server's pulse would seem
// unanswered. How soon silence is noticed is tested on its own (pulse.test.ts, fleet-pulse.test.ts).
const PATIENT_PULSE = { answerWithinMs: 24 * 3_600_000 };
let served: Served;
let timers: FakeTimers;
let stop: AbortController;
/** The kinds of object a watch is open on right now, as the server's store sees them. */
let openWatches: Map<string, number>;
/** The requests the server answered (`METHOD URL STATUS`; a watch when it ends). */
let requests: string[];

beforeEach(async () => {
  requests = [];
  served = await serve({ now: () => new Date(T0), log: (line) => requests.push(line) });
  putCluster(served.store, 'fleet', 'canary-1', { env: 'canary' });
  putCluster(served.store, 'fleet', 'staging-1', { env: 'staging' });
  putCluster(served.store, 'fleet', 'prod-1', { env: 'production' });
  timers = new FakeTimers(T0 + 60_000);
  stop = new AbortController();
  openWatches = new Map();
  const store = served.store;
  const watchOf = store.watch.bind(store);
  store.watch = (ref, options, listener) => {
    const handle = watchOf(ref, options, listener);
    const kind = store.resource(ref).plural;
    openWatches.set(kind, (openWatches.get(kind) ?? 0) + 1);
    return {
      ...handle,
      stop: () => {
        handle.stop();
        const left = (openWatches.get(kind) ?? 1) - 1;
        if (left === 0) openWatches.delete(kind);
        else openWatches.set(kind, left);
      },
    };
  };
});
afterEach(async () => {
  stop.abort();
  await served.close();
});

interface Running {
  out: { stdout: string; stderr: string };
  done: Promise<number>;
}

function watch(args: string[]): Running {
  return run('watch', args);
}

function run(command: 'watch' | 'status' | 'list', args: string[]): Running {
  const out = { stdout: '', stderr: '' };
  const io: Io = {
    stdout: { write: (t: string) => (out.stdout += t), isTTY: false },
    stderr: { write: (t: string) => (out.stderr += t) },
    stdin: Readable.from(['']),
    env: {},
  };
  const deps = { timers, interrupted: () => stop.signal, client: { sleep: async () => {} }, pulse: PATIENT_PULSE };
  const done = runCli(
    [command, ...args, '--kubeconfig', served.kubeconfig, '--no-color'],
    [watchCommand(deps), statusCommand(deps), listCommand(deps)],
    io,
  );
  return { out, done };
}

/**
 * Turns the event loop until `done()` holds. Streams that failed wait on the injected clock before
 * trying again: whenever a wait that short is pending, time is moved on to it. Idle watchdogs (90 s)
 * are left alone, so a healthy stream is never re-opened behind the test's back.
 */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !done(); turn++) {
    if (turn > 200_000) assert.fail(`never happened: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
    const next = timers.pending[0];
    if (next !== undefined && next <= 30_000) timers.advance(next);
  }
}

/** The transitions printed so far, without their time stamps and details. */
function transitions(stdout: string): string[] {
  return stdout
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\d{4}-\d\d-\d\d \S+ /, '').replace(/ \(.*\)$/, ''));
}

const STAGES = [
  autoStage('canary', { env: 'canary' }),
  autoStage('staging', { env: 'staging' }, '5m'),
  manualStage('production', { env: 'production' }),
];

/** The rollout, step by step, as the controller writes it. */
const STEPS: ClusterPromotionStatus[] = [
  {
    currentStageName: 'canary',
    stages: [stageEntry('canary', `Clusters are being provisioned (${at(0)})`, { lastUpdateReconciledTime: at(0) })],
  },
  {
    currentStageName: 'canary',
    stages: [
      stageEntry('canary', `Running Post-Promotion Health Checks (${at(2)})`, {
        lastUpdateReconciledTime: at(0),
        lastSuccessfulAppliedTime: at(2),
      }),
    ],
  },
  {
    currentStageName: 'staging',
    stages: [
      stageEntry('canary', `Successfully provisioned (${at(3)})`, {
        lastUpdateReconciledTime: at(0),
        lastSuccessfulAppliedTime: at(2),
      }),
      stageEntry('staging', `Clusters are being provisioned (${at(3)})`, { lastUpdateReconciledTime: at(3) }),
    ],
  },
  {
    currentStageName: 'staging',
    stages: [
      stageEntry('canary', `Successfully provisioned (${at(3)})`, {
        lastUpdateReconciledTime: at(0),
        lastSuccessfulAppliedTime: at(2),
      }),
      stageEntry('staging', `Delayed: Waiting for Time Window: ${at(10)}`, {
        lastUpdateReconciledTime: at(3),
        lastSuccessfulAppliedTime: at(5),
      }),
    ],
  },
  {
    currentStageName: 'production',
    stages: [
      stageEntry('canary', `Successfully provisioned (${at(3)})`, {
        lastUpdateReconciledTime: at(0),
        lastSuccessfulAppliedTime: at(2),
      }),
      stageEntry('staging', `Successfully provisioned (${at(10)})`, {
        lastUpdateReconciledTime: at(3),
        lastSuccessfulAppliedTime: at(5),
      }),
      stageEntry('production', `Paused: Awaiting Manual Approval (${at(12)})`, {
        lastUpdateReconciledTime: at(10),
        lastSuccessfulAppliedTime: at(12),
      }),
    ],
  },
  {
    currentStageName: 'production',
    stages: [
      stageEntry('canary', `Successfully provisioned (${at(3)})`, {
        lastUpdateReconciledTime: at(0),
        lastSuccessfulAppliedTime: at(2),
      }),
      stageEntry('staging', `Successfully provisioned (${at(10)})`, {
        lastUpdateReconciledTime: at(3),
        lastSuccessfulAppliedTime: at(5),
      }),
      stageEntry('production', `Successfully provisioned (${at(20)})`, {
        lastUpdateReconciledTime: at(10),
        lastSuccessfulAppliedTime: at(12),
      }),
    ],
  },
];

/** What each step adds to the output. */
const LINES = [
  ['rollout: Progressing', 'rollout canary: Deploying'],
  ['rollout canary: Deploying -> CheckingHealth'],
  ['rollout canary: CheckingHealth -> Promoted', 'rollout staging: Pending -> Deploying'],
  ['rollout staging: Deploying -> Soaking'],
  ['rollout staging: Soaking -> Promoted', 'rollout production: Pending -> AwaitingApproval'],
  ['rollout production: AwaitingApproval -> Completed'],
];

describe('watch without a terminal', { timeout: 60_000 }, () => {
  it('prints one line per stage transition as the status changes, and exits 130 when interrupted', async () => {
    putPromotion(served.store, promotionObject('rollout', STAGES), STEPS[0]);
    const w = watch(['rollout']);
    for (let i = 1; i < STEPS.length; i++) {
      const expected = LINES.slice(0, i).flat();
      await until(() => transitions(w.out.stdout).length === expected.length, `the lines of step ${i - 1}`);
      assert.deepEqual(transitions(w.out.stdout), expected);
      setStatus(served.store, 'rollout', STEPS[i]!);
    }
    await until(() => transitions(w.out.stdout).length === LINES.flat().length, 'the last line');
    stop.abort();
    assert.equal(await w.done, 130);
    assert.deepEqual(transitions(w.out.stdout), LINES.flat());
    assert.equal(w.out.stderr, '');
  });

  it('misses no transition through dropped streams, a 410, refused connections and a restart', async () => {
    putPromotion(served.store, promotionObject('rollout', STAGES), STEPS[0]);
    const w = watch(['rollout']);
    const faults = served.server.faults;
    const reconnects = () => w.out.stderr.split('\n').filter((l) => l === 'reconnected to the API server').length;
    // Each fault hits between two steps: the status changes while the streams are down.
    const hits: (() => Promise<void>)[] = [
      async () => {
        assert.equal(faults.dropWatches(), 5);
      },
      async () => {
        // Every stream resumes with a version the server no longer has: each must list again.
        faults.expireNextWatches(5);
        faults.dropWatches();
      },
      async () => {
        await faults.refuseConnections(3600);
        await until(
          () => /connection to the API server lost \(.+\); reconnecting\n/.test(w.out.stderr),
          'the outage noticed',
        );
      },
      async () => {
        await faults.restart();
      },
    ];
    for (let i = 1; i < STEPS.length; i++) {
      const expected = LINES.slice(0, i).flat();
      await until(() => transitions(w.out.stdout).length >= expected.length, `the lines of step ${i - 1}`);
      assert.deepEqual(transitions(w.out.stdout), expected);
      const before = reconnects();
      // A fault only tests something once every stream (one per kind of object) is open.
      await until(() => openWatches.size === 5, 'a stream open for each kind of object');
      await hits[i - 1]?.();
      setStatus(served.store, 'rollout', STEPS[i]!);
      if (i === 3) {
        await faults.acceptConnections();
        await until(() => reconnects() === before + 1, 'the streams back after the outage');
      }
    }
    await until(() => transitions(w.out.stdout).length >= LINES.flat().length, 'the last line');
    stop.abort();
    await w.done;
    assert.deepEqual(transitions(w.out.stdout), LINES.flat());
    assert.equal(faults.status().pendingWatchExpiries, 0, 'every stream met the 410');
  });

  it('names the promotions that exist when NAME is not one of them (exit 5)', async () => {
    putPromotion(served.store, promotionObject('rollout', STAGES), STEPS[0]);
    const w = watch(['rolout']);
    assert.equal(await w.done, 5);
    assert.match(
      w.out.stderr,
      /^error: clusterpromotion "rolout" not found in context "promotion-sim"; existing: rollout\n$/,
    );
  });

  it('without NAME follows every promotion, including one created while watching', async () => {
    putPromotion(served.store, promotionObject('rollout', STAGES), STEPS[0]);
    const w = watch([]);
    await until(() => transitions(w.out.stdout).length === 2, 'the first promotion');
    putPromotion(served.store, promotionObject('second', STAGES));
    await until(() => transitions(w.out.stdout).length === 3, 'the second promotion');
    setStatus(served.store, 'second', STEPS[1]!);
    await until(() => transitions(w.out.stdout).length === 4, 'its first stage started');
    stop.abort();
    await w.done;
    assert.deepEqual(transitions(w.out.stdout), [
      'rollout: Progressing',
      'rollout canary: Deploying',
      'second: NotStarted',
      'second canary: Pending -> CheckingHealth',
    ]);
  });
});

/** The label selectors of the summaries requests (lists, and watches that ended) the server answered. */
function summarySelectors(): string[] {
  return requests.filter((l) => l.includes('/clustersummaries?')).map((l) => labelSelector(l)!);
}

describe('what the following commands ask the server for', { timeout: 60_000 }, () => {
  it("watch NAME and status NAME: the summaries of that promotion's stages, no other profile's", async () => {
    const rollout = putPromotion(served.store, promotionObject('rollout', STAGES), STEPS[0]);
    const other = putPromotion(served.store, promotionObject('other', STAGES), STEPS[0]);
    putSummary(served.store, rollout, 'rollout-canary', 'canary-1', 'Provisioned');
    putSummary(served.store, other, 'other-canary', 'canary-1', 'Provisioned');
    putSummary(served.store, rollout, 'not-a-promotions-profile', 'canary-1', 'Provisioned');
    const stages = ['canary', 'production', 'staging'];
    const own = `projectsveltos.io/cluster-profile-name in (${[
      ...stages.map((s) => `preverification-rollout-${s}`),
      ...stages.map((s) => `rollout-${s}`),
    ].join(',')})`;
    for (const command of ['watch', 'status'] as const) {
      requests = [];
      const w = run(command, ['rollout']);
      await until(() => transitions(w.out.stdout).length === 2, `${command}: its first lines`);
      await until(() => openWatches.get('clustersummaries') === 1, `${command}: the summaries watched`);
      stop.abort();
      await w.done;
      stop = new AbortController();
      await until(() => requests.some((l) => l.includes('/clustersummaries?watch=1')), `${command}: the watch ended`);
      const asked = summarySelectors();
      assert.equal(asked.length, 2, `${command}: a list and a watch`);
      for (const selector of asked) assert.equal(selector, own, command);
    }
  });
});

describe('list -w', { timeout: 60_000 }, () => {
  it('rows stay right as a promotion moves to its next stage, and as its published counts come and go', async () => {
    // Sveltos's controller drives it: no counts published, list counts its current stage itself.
    const rollout = putPromotion(served.store, promotionObject('rollout', STAGES), STEPS[0]);
    putSummary(served.store, rollout, 'rollout-canary', 'canary-1', 'Provisioned');
    putSummary(served.store, rollout, 'rollout-staging', 'staging-1', 'Provisioned');
    // Ours: counted by the controller; its summaries are never asked for.
    const counted = putPromotion(served.store, promotionObject('counted', STAGES), STEPS[0]);
    putSummary(served.store, counted, 'counted-canary', 'canary-1', 'Provisioned');
    publish('counted', { stage: 'canary', total: 4, provisioned: 3 });
    const summariesWatched = () => openWatches.get('clustersummaries') ?? 0;

    const w = run('list', ['-w']);
    await until(() => rows(w.out.stdout).length >= 3 && summariesWatched() === 1, 'the table');
    // At the next stage: that stage's summaries listed before its row is printed (never a 0/1).
    setStatus(served.store, 'rollout', STEPS[2]!);
    await until(() => rows(w.out.stdout).length >= 4, 'the row at staging');
    // The controller publishes its counts: they are what the row says, and no summary is followed.
    publish('rollout', { stage: 'staging', total: 3, provisioned: 2 });
    await until(() => rows(w.out.stdout).length >= 5 && summariesWatched() === 0, 'the published counts');
    // A spec edit: the counts no longer hold (until the controller counts again), so list counts.
    const p = served.store.get<ClusterPromotion>('clusterpromotions', 'rollout');
    const edited = [STAGES[0]!, autoStage('staging', { env: 'staging' }, '6m'), STAGES[2]!];
    served.store.update('clusterpromotions', { ...p, spec: { ...p.spec, stages: edited } });
    await until(() => rows(w.out.stdout).length >= 6 && summariesWatched() === 1, 'counted again');
    stop.abort();
    await w.done;

    assert.deepEqual(rows(w.out.stdout), [
      'NAME | STAGE | PHASE | CLUSTERS | WAITING-FOR',
      'counted | 1/3 canary | Deploying | 3/4 | deploy',
      'rollout | 1/3 canary | Deploying | 1/1 | deploy',
      'rollout | 2/3 staging | Deploying | 1/1 | deploy',
      'rollout | 2/3 staging | Deploying | 2/3 | deploy',
      'rollout | 2/3 staging | Deploying | 1/1 | deploy',
    ]);
    assert.ok(
      summarySelectors().every((s) =>
        /^projectsveltos\.io\/cluster-profile-name in \(rollout-(canary|staging)\)$/.test(s),
      ),
      summarySelectors().join('\n'),
    );
  });
});

/** Publishes counts on a promotion as the controller does, for its current spec. */
function publish(name: string, counts: { stage: string; total: number; provisioned: number }): void {
  const p = served.store.get<ClusterPromotion>('clusterpromotions', name);
  const value = encodeProgress({
    ...counts,
    generation: p.metadata.generation ?? 0,
    failing: 0,
    summaries: counts.total,
    failedForGood: false,
  });
  served.store.update('clusterpromotions', {
    ...p,
    metadata: { ...p.metadata, annotations: { ...p.metadata.annotations, [ANNOTATION_PROGRESS]: value } },
  });
}

/** The lines printed, header included, with their spacing collapsed and the AGE column left out. */
function rows(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) =>
      l
        .split(/\s{2,}/)
        .slice(0, -1)
        .join(' | '),
    );
}
