import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ViewCache, buildViewModel, viewOfWorld, type PromotionView } from '../../src/view/model.ts';
import { worldOf } from '../../src/engine/world.ts';
import type { StageStatus } from '../../src/api/types.ts';
import { FakeSveltos, cluster as engineCluster, env, promotion as enginePromotion } from '../engine/fake-sveltos.ts';
import {
  MIN,
  T0,
  at,
  cluster,
  fleet,
  input,
  iso,
  profile,
  profileSpec,
  promotion,
  provisioned,
  summary,
} from './fixtures.ts';

// Sveltos's phrase for a stage whose promotionWindow is closed.
const WINDOW_CLOSED = 'Window Closed: Waiting for Next Schedule (2025-01-02T22:00:00Z).';
const ms = (offset: number) => at(offset).getTime();
const phases = (v: PromotionView) => v.stages.map((s) => s.phase);
const view = (
  stagesStatus: StageStatus[],
  current: string,
  opts: {
    now: number;
    summaries?: ReturnType<typeof provisioned>;
    lastPromotionTime?: string;
    edit?: Parameters<typeof promotion>[1];
  },
) =>
  buildViewModel(
    input(
      promotion(
        {
          stages: stagesStatus,
          currentStageName: current,
          ...(opts.lastPromotionTime ? { lastPromotionTime: opts.lastPromotionTime } : {}),
        },
        opts.edit,
      ),
      opts.summaries ?? provisioned('canary', 'staging', 'production'),
      at(opts.now),
    ),
  );

// The canary stage, promoted at T0+6m, as both controllers leave it behind.
const canaryDone: StageStatus = {
  name: 'canary',
  lastUpdateReconciledTime: iso(0),
  lastSuccessfulAppliedTime: iso(6 * MIN),
  currentStatusDescription: `Successfully provisioned (${iso(6 * MIN)})`,
};

describe('view model: before the controller starts', () => {
  it('shows every stage Pending and the promotion NotStarted, with the clusters each selector matches', async () => {
    const v = buildViewModel(input(promotion(), [], T0));
    assert.equal(v.phase, 'NotStarted');
    assert.equal(v.current, null);
    assert.equal(v.stageCount, 3);
    assert.deepEqual(phases(v), ['Pending', 'Pending', 'Pending']);
    assert.deepEqual(v.stages[2]!.progress, { provisioned: 0, total: 3, failing: 0 });
    assert.deepEqual(
      v.stages[2]!.clusters.map((c) => c.state),
      ['NotDeployed', 'NotDeployed', 'NotDeployed'],
    );
  });

  it('notes a current stage the spec no longer has instead of guessing', async () => {
    const v = view([{ name: 'gone' }], 'gone', { now: 0 });
    assert.equal(v.current, null);
    assert.match(v.note!, /stage gone, which the spec no longer has/);
  });
});

describe('view model: status written by our engine', () => {
  it(
    'Deploying: counts provisioned clusters of the current spec, and waits since the profile was ' + 'applied',
    async () => {
      const v = view(
        [
          {
            name: 'canary',
            lastUpdateReconciledTime: iso(0),
            currentStatusDescription: `Clusters are being provisioned (${iso(0)})`,
          },
        ],
        'canary',
        {
          now: 30_000,
          summaries: [summary('canary', 'canary-1', 'Provisioning')],
        },
      );
      assert.equal(v.phase, 'Progressing');
      assert.equal(v.current, 0);
      assert.deepEqual(phases(v), ['Deploying', 'Pending', 'Pending']);
      assert.deepEqual(v.stages[0]!.progress, { provisioned: 0, total: 1, failing: 0 });
      assert.equal(v.stages[0]!.times.waitingSince, ms(0));
      assert.equal(v.dialect, 'engine');
    },
  );

  it(
    'Deploying with a failing cluster: the stage goes on when it recovers, the cluster and message are ' +
      'listed first',
    async () => {
      const msg = 'chart kyverno: timed out waiting for condition';
      const v = view(
        [
          canaryDone,
          {
            name: 'staging',
            lastUpdateReconciledTime: iso(6 * MIN),
            currentStatusDescription: `Clusters are being provisioned (${iso(6 * MIN)})`,
            failureMessage: `cluster default/staging-2: Helm: ${msg}`,
          },
        ],
        'staging',
        {
          now: 7 * MIN,
          summaries: [
            ...provisioned('canary'),
            summary('staging', 'staging-1', 'Provisioned'),
            summary('staging', 'staging-2', 'Failed', { message: msg }),
          ],
        },
      );
      const s = v.stages[1]!;
      assert.equal(s.phase, 'Deploying');
      assert.deepEqual(s.progress, { provisioned: 1, total: 2, failing: 1 });
      assert.deepEqual(
        s.clusters.map((c) => [c.key, c.state]),
        [
          ['default/staging-2', 'Failed'],
          ['default/staging-1', 'Provisioned'],
        ],
      );
      assert.equal(s.clusters[0]!.message, `Helm: ${msg}`);
      assert.equal(s.failureMessage, `cluster default/staging-2: Helm: ${msg}`);
    },
  );

  it('Failed: a FailedNonRetriable cluster fails the stage, as the engine says', async () => {
    const v = view(
      [
        {
          name: 'canary',
          lastUpdateReconciledTime: iso(0),
          currentStatusDescription: `Clusters are being provisioned (${iso(0)})`,
          failureMessage: 'cluster default/canary-1: Helm: invalid chart',
        },
      ],
      'canary',
      {
        now: MIN,
        summaries: [summary('canary', 'canary-1', 'FailedNonRetriable', { message: 'invalid chart' })],
      },
    );
    assert.equal(v.stages[0]!.phase, 'Failed');
    assert.equal(v.phase, 'Failed');
  });

  it('Failed: a trigger the engine cannot read, with the message naming the field', async () => {
    const v = view(
      [
        {
          name: 'canary',
          lastUpdateReconciledTime: iso(0),
          currentStatusDescription: `Clusters are being provisioned (${iso(0)})`,
        },
      ],
      'canary',
      {
        now: MIN,
        edit: (s) => (s[0]!.trigger = { auto: { delay: '5 minutes' } }),
      },
    );
    assert.equal(v.stages[0]!.phase, 'Failed');
    assert.match(v.stages[0]!.failureMessage!, /stage canary: trigger.auto.delay: invalid duration "5 minutes"/);
  });

  it('Soaking: the soak ends at the time in the description; waiting since deployment', async () => {
    const v = view(
      [
        {
          name: 'canary',
          lastUpdateReconciledTime: iso(0),
          lastSuccessfulAppliedTime: iso(MIN),
          currentStatusDescription: `Delayed: Waiting for Time Window: ${iso(6 * MIN)} (${iso(MIN)})`,
        },
      ],
      'canary',
      { now: 2 * MIN },
    );
    assert.equal(v.stages[0]!.phase, 'Soaking');
    assert.equal(v.phase, 'Waiting');
    assert.equal(v.stages[0]!.times.soakEndsAt, ms(6 * MIN));
    assert.equal(v.stages[0]!.times.waitingSince, ms(MIN));
    assert.deepEqual(v.stages[0]!.progress, { provisioned: 1, total: 1, failing: 0 });
  });

  it('Verifying: the verification profile is out and the checks are not on the stage profile yet', async () => {
    const v = view(
      [
        canaryDone,
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          lastSuccessfulAppliedTime: iso(8 * MIN),
          currentStatusDescription: `Running Post-Promotion Health Checks (${iso(10 * MIN)})`,
        },
      ],
      'staging',
      {
        now: 11 * MIN,
        edit: (s) => {
          s[1]!.trigger!.manual!.preHealthCheckDeployment = [
            { kind: 'ConfigMap', namespace: 'default', name: 'smoke-job' },
          ];
          s[1]!.trigger!.manual!.postDelayHealthChecks = [
            { name: 'smoke', featureID: 'Resources', version: 'v1', kind: 'Job' },
          ];
        },
      },
    );
    assert.equal(v.stages[1]!.phase, 'Verifying');
    assert.equal(v.stages[1]!.times.waitingSince, ms(10 * MIN));
  });

  it('CheckingHealth: awaiting the checks, waiting since the engine wrote the phrase', async () => {
    const v = view(
      [
        canaryDone,
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          lastSuccessfulAppliedTime: iso(8 * MIN),
          currentStatusDescription: `Awaiting Health Checks to Pass (${iso(10 * MIN)})`,
        },
      ],
      'staging',
      { now: 12 * MIN },
    );
    assert.equal(v.stages[1]!.phase, 'CheckingHealth');
    assert.equal(v.phase, 'Progressing');
    assert.equal(v.stages[1]!.times.waitingSince, ms(10 * MIN));
    assert.equal(v.stages[1]!.times.soakEndsAt, ms(10 * MIN), 'the soak that ended is still known');
  });

  it('AwaitingApproval: waiting since the engine first wrote the phrase (it keeps the suffix)', async () => {
    const v = view(
      [
        canaryDone,
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          lastSuccessfulAppliedTime: iso(8 * MIN),
          currentStatusDescription: `Paused: Awaiting Manual Approval (${iso(11 * MIN)})`,
        },
      ],
      'staging',
      { now: 40 * MIN },
    );
    assert.deepEqual(phases(v), ['Promoted', 'AwaitingApproval', 'Pending']);
    assert.equal(v.phase, 'Paused');
    assert.equal(v.stages[1]!.times.waitingSince, ms(11 * MIN));
    assert.equal(v.stages[0]!.times.promotedAt, ms(6 * MIN), 'promoted when the next stage started');
  });

  it('Approved, waiting for the controller: the spec is approved but the status still pauses', async () => {
    const v = view(
      [
        canaryDone,
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          lastSuccessfulAppliedTime: iso(8 * MIN),
          currentStatusDescription: `Paused: Awaiting Manual Approval (${iso(10 * MIN)})`,
        },
      ],
      'staging',
      { now: 40 * MIN, edit: (s) => (s[1]!.trigger!.manual!.approved = true) },
    );
    assert.equal(v.stages[1]!.phase, 'ApprovedAwaitingController');
    assert.equal(v.phase, 'Progressing');
  });

  it('AwaitingWindow: opens at the time in the description, closes at the next `to` after that', async () => {
    const v = view(
      [
        canaryDone,
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          lastSuccessfulAppliedTime: iso(8 * MIN),
          currentStatusDescription: `Successfully provisioned (${iso(20 * MIN)})`,
        },
        {
          name: 'production',
          lastUpdateReconciledTime: iso(20 * MIN),
          lastSuccessfulAppliedTime: iso(22 * MIN),
          currentStatusDescription: `${WINDOW_CLOSED} (${iso(22 * MIN)})`,
        },
      ],
      'production',
      { now: 30 * MIN },
    );
    const p = v.stages[2]!;
    assert.deepEqual(phases(v), ['Promoted', 'Promoted', 'AwaitingWindow']);
    assert.equal(p.times.windowOpensAt, Date.parse('2025-01-02T22:00:00Z'));
    assert.equal(p.times.windowClosesAt, Date.parse('2025-01-03T06:00:00Z'));
    assert.equal(p.times.waitingSince, ms(22 * MIN));
    assert.equal(v.phase, 'Waiting');
    assert.equal(v.stages[1]!.times.promotedAt, ms(20 * MIN));
  });

  it('Completed: the final stage passed its gates; lastPromotionTime set once, at the end', async () => {
    const v = view(
      [
        canaryDone,
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          lastSuccessfulAppliedTime: iso(8 * MIN),
          currentStatusDescription: `Successfully provisioned (${iso(20 * MIN)})`,
        },
        {
          name: 'production',
          lastUpdateReconciledTime: iso(20 * MIN),
          lastSuccessfulAppliedTime: iso(22 * MIN),
          currentStatusDescription: 'Successfully provisioned (2025-01-02T22:00:00Z)',
        },
      ],
      'production',
      { now: 19 * 60 * MIN, lastPromotionTime: '2025-01-02T22:00:00Z' },
    );
    assert.deepEqual(phases(v), ['Promoted', 'Promoted', 'Completed']);
    assert.equal(v.phase, 'Completed');
    assert.equal(v.dialect, 'engine');
    assert.equal(v.stages[2]!.times.promotedAt, Date.parse('2025-01-02T22:00:00Z'));
  });
});

describe("view model: status written by Sveltos's controller (v1.13.0)", () => {
  it('Deploying: a new stage has no description, and "not yet provisioned" is progress, not failure', async () => {
    const v = view(
      [
        { ...canaryDone, lastSuccessfulAppliedTime: iso(6 * MIN) },
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          lastStatusCheckTime: iso(8 * MIN),
          failureMessage: 'ClusterSummary rollout-staging-sveltos-staging-2 is not yet provisioned.',
        },
      ],
      'staging',
      {
        now: 8 * MIN,
        lastPromotionTime: iso(6 * MIN),
        summaries: [
          ...provisioned('canary'),
          summary('staging', 'staging-1', 'Provisioned'),
          summary('staging', 'staging-2', 'Provisioning'),
        ],
      },
    );
    assert.equal(v.dialect, 'sveltos');
    assert.deepEqual(phases(v), ['Promoted', 'Deploying', 'Pending']);
    assert.deepEqual(v.stages[1]!.progress, { provisioned: 1, total: 2, failing: 0 });
    assert.equal(v.stages[1]!.times.checkedAt, ms(8 * MIN));
  });

  for (const [label, description] of [
    ['with', `Delayed: Waiting for Time Window: 2025-01-02T03:06:00Z (2025-01-02T03:04:05Z)`],
    ['without', `Delayed: Waiting for Time Window: 2025-01-02T03:06:00Z`],
    ['with a zone offset and', `Delayed: Waiting for Time Window: 2025-01-02T04:06:00+01:00 (2025-01-02T03:04:05Z)`],
  ] as const) {
    it(`Soaking: reads the delay end ${label} the time suffix`, async () => {
      const v = view(
        [
          {
            name: 'canary',
            lastUpdateReconciledTime: iso(0),
            lastSuccessfulAppliedTime: iso(MIN),
            currentStatusDescription: description,
          },
        ],
        'canary',
        { now: 4 * MIN, lastPromotionTime: iso(0) },
      );
      assert.equal(v.stages[0]!.phase, 'Soaking');
      assert.equal(v.stages[0]!.times.soakEndsAt, ms(6 * MIN));
    });
  }

  for (const [label, description] of [
    ['with', `${WINDOW_CLOSED} (2025-01-02T03:24:05Z)`],
    ['without', WINDOW_CLOSED],
  ] as const) {
    it(`AwaitingWindow: reads the opening time ${label} the time suffix`, async () => {
      const v = view(
        [
          canaryDone,
          { name: 'staging' },
          {
            name: 'production',
            lastUpdateReconciledTime: iso(20 * MIN),
            lastSuccessfulAppliedTime: iso(22 * MIN),
            currentStatusDescription: description,
          },
        ],
        'production',
        { now: 30 * MIN, lastPromotionTime: iso(20 * MIN) },
      );
      assert.equal(v.stages[2]!.phase, 'AwaitingWindow');
      assert.equal(v.stages[2]!.times.windowOpensAt, Date.parse('2025-01-02T22:00:00Z'));
      assert.equal(v.stages[2]!.times.windowClosesAt, Date.parse('2025-01-03T06:00:00Z'));
    });
  }

  it(
    'AwaitingApproval: waiting since the soak ended, because Sveltos moves the suffix on every ' + 'reconcile',
    async () => {
      const v = view(
        [
          canaryDone,
          {
            name: 'staging',
            lastUpdateReconciledTime: iso(6 * MIN),
            lastSuccessfulAppliedTime: iso(8 * MIN),
            currentStatusDescription: `Paused: Awaiting Manual Approval (${iso(38 * MIN)})`,
          },
        ],
        'staging',
        { now: 40 * MIN, lastPromotionTime: iso(6 * MIN) },
      );
      assert.equal(v.dialect, 'sveltos');
      assert.equal(v.stages[1]!.phase, 'AwaitingApproval');
      assert.equal(v.stages[1]!.times.waitingSince, ms(10 * MIN));
      assert.equal(v.stages[1]!.times.describedAt, ms(38 * MIN));
    },
  );

  it('Approved, waiting for the controller: approved in the spec, the status not yet moved', async () => {
    const v = view(
      [
        canaryDone,
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          lastSuccessfulAppliedTime: iso(8 * MIN),
          currentStatusDescription: 'Paused: Awaiting Manual Approval (2025-01-02T03:38:00Z)',
        },
      ],
      'staging',
      { now: 40 * MIN, lastPromotionTime: iso(6 * MIN), edit: (s) => (s[1]!.trigger!.manual!.approved = true) },
    );
    assert.equal(v.stages[1]!.phase, 'ApprovedAwaitingController');
  });

  it('CheckingHealth: "Running Post-Promotion Health Checks" without a verification deployment', async () => {
    const v = view(
      [
        {
          name: 'canary',
          lastUpdateReconciledTime: iso(0),
          lastSuccessfulAppliedTime: iso(MIN),
          currentStatusDescription: 'Running Post-Promotion Health Checks (2025-01-02T03:06:05Z)',
        },
      ],
      'canary',
      { now: 7 * MIN, lastPromotionTime: iso(0) },
    );
    assert.equal(v.stages[0]!.phase, 'CheckingHealth');
    assert.equal(v.stages[0]!.times.waitingSince, ms(6 * MIN), 'the soak end, not the moving suffix');
  });

  it('Failed: a FailedNonRetriable cluster, whatever the controller wrote in failureMessage', async () => {
    const v = view(
      [
        canaryDone,
        {
          name: 'staging',
          lastUpdateReconciledTime: iso(6 * MIN),
          failureMessage: 'ClusterSummary rollout-staging-sveltos-staging-2 is not yet provisioned.',
        },
      ],
      'staging',
      {
        now: 8 * MIN,
        lastPromotionTime: iso(6 * MIN),
        summaries: [
          summary('staging', 'staging-1', 'Provisioned'),
          summary('staging', 'staging-2', 'FailedNonRetriable', { message: 'invalid chart' }),
        ],
      },
    );
    assert.equal(v.stages[1]!.phase, 'Failed');
    assert.equal(v.stages[1]!.clusters[0]!.message, 'Helm: invalid chart');
  });

  it('Verifying: "Running Post-Promotion Health Checks" while the verification deployment goes out', async () => {
    const v = view(
      [
        {
          name: 'canary',
          lastUpdateReconciledTime: iso(0),
          lastSuccessfulAppliedTime: iso(MIN),
          currentStatusDescription: 'Running Post-Promotion Health Checks (2025-01-02T03:06:05Z)',
        },
      ],
      'canary',
      {
        now: 7 * MIN,
        lastPromotionTime: iso(0),
        edit: (s) => (s[0]!.trigger!.auto!.preHealthCheckDeployment = [{ kind: 'ConfigMap', name: 'smoke' }]),
      },
    );
    assert.equal(v.stages[0]!.phase, 'Verifying');
  });

  it(
    'infers the gate from the spec when the description is still "All matching clusters are successfully ' +
      'deployed."',
    async () => {
      const deployed = (now: number, edit?: Parameters<typeof promotion>[1]) =>
        view(
          [
            canaryDone,
            {
              name: 'staging',
              lastUpdateReconciledTime: iso(6 * MIN),
              lastSuccessfulAppliedTime: iso(8 * MIN),
              currentStatusDescription: 'All matching clusters are successfully deployed. (2025-01-02T03:08:00Z)',
            },
          ],
          'staging',
          { now, ...(edit ? { edit } : {}) },
        );
      const soaking = deployed(9 * MIN);
      assert.equal(soaking.dialect, 'sveltos');
      assert.equal(soaking.stages[1]!.phase, 'Soaking');
      assert.equal(soaking.stages[1]!.times.soakEndsAt, ms(10 * MIN));
      assert.equal(deployed(11 * MIN).stages[1]!.phase, 'AwaitingApproval');
      assert.equal(
        deployed(
          11 * MIN,
          (s) => (s[1]!.trigger = { auto: { promotionWindow: { from: '0 22 * * *', to: '0 23 * * *' } } }),
        ).stages[1]!.phase,
        'AwaitingWindow',
      );
      assert.equal(deployed(11 * MIN, (s) => delete s[1]!.trigger).stages[1]!.phase, 'CheckingHealth');
    },
  );

  it(
    'Completed: "Successfully provisioned" on the final stage, though lastPromotionTime is when it ' + 'started',
    async () => {
      const v = view(
        [
          canaryDone,
          { name: 'staging' },
          {
            name: 'production',
            lastUpdateReconciledTime: iso(20 * MIN),
            lastSuccessfulAppliedTime: iso(22 * MIN),
            currentStatusDescription: 'Successfully provisioned (2025-01-02T22:00:05Z)',
          },
        ],
        'production',
        { now: 19 * 60 * MIN, lastPromotionTime: iso(20 * MIN) },
      );
      assert.deepEqual(phases(v), ['Promoted', 'Promoted', 'Completed']);
      assert.equal(v.stages[2]!.times.promotedAt, Date.parse('2025-01-02T22:00:05Z'));
    },
  );
});

describe('view model: clusters', () => {
  it('a cluster on another version is Outdated, one not ready without a summary does not count', async () => {
    const p = promotion(
      {
        stages: [
          {
            name: 'canary',
            lastUpdateReconciledTime: iso(0),
            currentStatusDescription: `Clusters are being provisioned (${iso(0)})`,
          },
        ],
        currentStageName: 'canary',
      },
      (s) => {
        s[0]!.clusterSelector = { matchLabels: { env: 'production' } };
      },
    );
    const v = buildViewModel({
      promotion: p,
      profiles: [profile('canary')],
      summaries: [
        summary('canary', 'prod-1', 'Provisioned', { spec: profileSpec('3.4.0') }),
        summary('canary', 'prod-2', 'Provisioned'),
        summary('canary', 'prod-3', 'none'),
      ],
      clusters: [...fleet(), { ...fleet()[3]!, name: 'prod-4', ready: false }],
      now: T0,
    });
    const c = v.stages[0]!;
    assert.deepEqual(
      c.clusters.map((x) => [x.key, x.state]),
      [
        ['default/prod-3', 'Provisioning'],
        ['default/prod-1', 'Outdated'],
        ['default/prod-4', 'NotReady'],
        ['default/prod-2', 'Provisioned'],
      ],
    );
    assert.deepEqual(c.progress, { provisioned: 1, total: 3, failing: 0 });
  });
});

describe('view model: agrees with the engine on every phase it reports', () => {
  it('follows a rollout reconciled by the engine, step by step', async () => {
    const clusters = [
      engineCluster('s-1', { env: 'staging' }),
      engineCluster('s-2', { env: 'staging' }),
      engineCluster('p-1', { env: 'production' }),
    ];
    const p = enginePromotion([
      { name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '5m' } } },
      { name: 'uat', clusterSelector: env('staging'), trigger: { manual: {} } },
      {
        name: 'production',
        clusterSelector: env('production'),
        trigger: { auto: { promotionWindow: { from: '0 22 * * *', to: '0 6 * * *' } } },
      },
    ]);
    const s = new FakeSveltos(p, clusters);
    const t0 = Date.parse('2026-03-02T09:00:00Z');
    const seen = new Set<string>();
    const check = async (now: Date) => {
      const r = await s.settle(now);
      const v = buildViewModel({
        promotion: s.promotion,
        profiles: [...s.profiles.values()],
        summaries: [...s.summaries.values()],
        clusters,
        now,
      });
      assert.deepEqual(
        phases(v),
        r.phases.map((x) => x.phase),
        `at ${now.toISOString()}`,
      );
      for (const x of r.phases) seen.add(x.phase);
    };
    s.autoProvision = false;
    await check(new Date(t0));
    s.behaviour.set('s-2', { status: 'Failed', message: 'boom' });
    s.provisionAll();
    await check(new Date(t0 + MIN));
    s.behaviour.clear();
    s.provisionAll();
    s.autoProvision = true;
    await check(new Date(t0 + 2 * MIN));
    await check(new Date(t0 + 7 * MIN));
    await check(new Date(t0 + 8 * MIN));
    s.editStage('uat', (st) => (st.trigger!.manual!.approved = true));
    await check(new Date(t0 + 9 * MIN));
    await check(new Date(Date.parse('2026-03-02T22:00:00Z')));
    assert.deepEqual([...seen].sort(), [
      'AwaitingApproval',
      'AwaitingWindow',
      'Completed',
      'Deploying',
      'Pending',
      'Promoted',
      'Soaking',
    ]);
  });
});

describe('view model: kept between frames', () => {
  it('a ViewCache reuses cluster lists while the world version stays, and rebuilds them on a new one', async () => {
    const p = promotion({
      stages: [
        {
          name: 'canary',
          lastUpdateReconciledTime: iso(0),
          currentStatusDescription: `Clusters are being provisioned (${iso(0)})`,
        },
      ],
      currentStageName: 'canary',
    });
    const summaries = [summary('canary', 'canary-1', 'Provisioning')];
    const world = worldOf({ clusters: fleet(), profiles: [profile('canary')], summaries });
    const cache = new ViewCache();
    const first = viewOfWorld(p, world, at(MIN), cache.at(1));
    const later = viewOfWorld(p, world, at(2 * MIN), cache.at(1));
    assert.equal(later.stages[0]!.clusters, first.stages[0]!.clusters, 'same list object: nothing rebuilt');
    assert.equal(later.stages[0]!.times.waitingSince, ms(0));
    assert.equal(later.now, ms(2 * MIN), 'time still moves');
    summaries[0]!.status!.featureSummaries = [{ featureID: 'Helm', status: 'Provisioned' }];
    assert.equal(
      viewOfWorld(p, world, at(3 * MIN), cache.at(1)).stages[0]!.progress.provisioned,
      0,
      'same version: the kept list',
    );
    assert.equal(
      viewOfWorld(p, world, at(3 * MIN), cache.at(2)).stages[0]!.progress.provisioned,
      1,
      'new version: rebuilt',
    );
  });

  const deploying = () =>
    promotion(
      {
        stages: [
          {
            name: 'canary',
            lastUpdateReconciledTime: iso(0),
            currentStatusDescription: `Clusters are being provisioned (${iso(0)})`,
          },
        ],
        currentStageName: 'canary',
      },
      (s) => {
        s[0]!.clusterSelector = { matchLabels: {} };
      },
    );
  const keys = (v: PromotionView) =>
    v.stages[0]!.clusters.map((c) => `${c.key} ${c.state}${c.ready ? '' : ' (not ready)'}`);

  it('a new version reads again only the summaries that changed; the other clusters keep their views', async () => {
    const p = deploying();
    const summaries = [summary('canary', 'prod-1', 'Provisioning'), summary('canary', 'prod-2', 'Provisioning')];
    const cache = new ViewCache();
    const first = viewOfWorld(
      p,
      worldOf({ clusters: fleet(), profiles: [profile('canary')], summaries }),
      at(MIN),
      cache.at(1),
    );
    const [one, two] = [
      summaries[0]!,
      {
        ...summaries[1]!,
        status: { featureSummaries: [{ featureID: 'Helm' as const, status: 'Provisioned' as const }] },
      },
    ];
    const next = viewOfWorld(
      p,
      worldOf({ clusters: fleet(), profiles: [profile('canary')], summaries: [one, two] }),
      at(2 * MIN),
      cache.at(2),
    );
    const find = (v: PromotionView, key: string) => v.stages[0]!.clusters.find((c) => c.key === key)!;
    assert.equal(
      find(next, 'default/prod-1'),
      find(first, 'default/prod-1'),
      'unchanged summary: the same view object',
    );
    assert.equal(find(next, 'default/prod-2').state, 'Provisioned', 'changed summary: read again');
    assert.deepEqual(
      next,
      viewOfWorld(p, worldOf({ clusters: fleet(), profiles: [profile('canary')], summaries: [one, two] }), at(2 * MIN)),
      'as if built afresh',
    );
  });

  it("a kept summary's view still follows its cluster (readiness) and the promotion's content (Outdated)", async () => {
    const p = deploying();
    const summaries = [summary('canary', 'prod-1', 'Provisioned')];
    const cache = new ViewCache();
    viewOfWorld(p, worldOf({ clusters: fleet(), profiles: [profile('canary')], summaries }), at(MIN), cache.at(1));
    const notReady = fleet().map((c) => (c.name === 'prod-1' ? { ...c, ready: false } : c));
    const v = viewOfWorld(
      p,
      worldOf({ clusters: notReady, profiles: [profile('canary')], summaries }),
      at(MIN),
      cache.at(2),
    );
    assert.ok(keys(v).includes('default/prod-1 Provisioned (not ready)'), keys(v).join(', '));
    const newContent = { ...p, spec: { ...p.spec, profileSpec: profileSpec('3.6.0') } };
    const w = viewOfWorld(
      newContent,
      worldOf({ clusters: notReady, profiles: [profile('canary')], summaries }),
      at(MIN),
      cache.at(3),
    );
    assert.ok(keys(w).includes('default/prod-1 Outdated (not ready)'), keys(w).join(', '));
  });

  it('a cluster added to the fleet is listed on the next version', async () => {
    const p = deploying();
    const cache = new ViewCache();
    const before = viewOfWorld(
      p,
      worldOf({ clusters: fleet(), profiles: [profile('canary')], summaries: [] }),
      at(MIN),
      cache.at(1),
    );
    const grown = [...fleet(), cluster('prod-4', 'production')];
    const after = viewOfWorld(
      p,
      worldOf({ clusters: grown, profiles: [profile('canary')], summaries: [] }),
      at(MIN),
      cache.at(2),
    );
    assert.equal(after.stages[0]!.clusters.length, before.stages[0]!.clusters.length + 1);
    assert.ok(keys(after).includes('default/prod-4 NotDeployed'));
  });

  it('lists rebuilt from the previous order come out as a fresh build orders them, version after version', async () => {
    const p = deploying();
    const states = ['Provisioning', 'Provisioned', 'Failed', 'FailedNonRetriable', 'Removing', 'none'] as const;
    const clusters = Array.from({ length: 60 }, (_, i) =>
      cluster(`c-${String(i).padStart(2, '0')}`, 'any', i % 7 !== 0),
    );
    let summaries = clusters
      .filter((_, i) => i % 5 !== 0)
      .map((c, i) => summary('canary', c.name, states[i % states.length]!));
    const cache = new ViewCache();
    // A fixed sequence of changes, each replacing a few summaries (as watch events do) or dropping one.
    for (let version = 1; version <= 25; version++) {
      summaries = summaries.flatMap((s, i) => {
        if ((i * 7 + version) % 11 === 0)
          return [summary('canary', s.spec.clusterName, states[(i + version) % states.length]!)];
        if ((i + version) % 37 === 0) return [];
        return [s];
      });
      const world = worldOf({ clusters, profiles: [profile('canary')], summaries });
      const kept = viewOfWorld(p, world, at(version * MIN), cache.at(version));
      assert.deepEqual(keys(kept), keys(viewOfWorld(p, world, at(version * MIN))), `version ${version}`);
      assert.equal(
        kept.stages[0]!.phase,
        viewOfWorld(p, world, at(version * MIN)).stages[0]!.phase,
        `version ${version}: the phase`,
      );
    }
  });

  it('a cluster that fails for good fails the stage also when the other clusters keep their views', async () => {
    const p = deploying();
    const cache = new ViewCache();
    const retrying = [
      summary('canary', 'prod-1', 'Provisioned'),
      summary('canary', 'prod-2', 'Failed', { message: 'timed out' }),
    ];
    assert.equal(
      viewOfWorld(
        p,
        worldOf({ clusters: fleet(), profiles: [profile('canary')], summaries: retrying }),
        at(MIN),
        cache.at(1),
      ).stages[0]!.phase,
      'Deploying',
    );
    const forGood = [retrying[0]!, summary('canary', 'prod-2', 'FailedNonRetriable', { message: 'invalid chart' })];
    assert.equal(
      viewOfWorld(
        p,
        worldOf({ clusters: fleet(), profiles: [profile('canary')], summaries: forGood }),
        at(MIN),
        cache.at(2),
      ).stages[0]!.phase,
      'Failed',
    );
  });
});
