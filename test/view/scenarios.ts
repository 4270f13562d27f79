// The rollout of fixtures.ts at moments worth looking at, as view models (engine-written status).
import type { StageStatus } from '../../src/api/types.ts';
import { buildViewModel, type PromotionView } from '../../src/view/model.ts';
import { MIN, at, cluster, input, iso, promotion, provisioned, summary } from './fixtures.ts';

const canaryDone: StageStatus = {
  name: 'canary',
  lastUpdateReconciledTime: iso(0),
  lastSuccessfulAppliedTime: iso(MIN),
  currentStatusDescription: `Successfully provisioned (${iso(6 * MIN)})`,
};
const stagingDone: StageStatus = {
  name: 'staging',
  lastUpdateReconciledTime: iso(6 * MIN),
  lastSuccessfulAppliedTime: iso(8 * MIN),
  currentStatusDescription: `Successfully provisioned (${iso(20 * MIN)})`,
};

export function soaking(): PromotionView {
  const p = promotion({
    currentStageName: 'canary',
    stages: [
      {
        name: 'canary',
        lastUpdateReconciledTime: iso(0),
        lastSuccessfulAppliedTime: iso(MIN),
        currentStatusDescription: `Delayed: Waiting for Time Window: ${iso(6 * MIN)} (${iso(MIN)})`,
      },
    ],
  });
  return buildViewModel(input(p, provisioned('canary'), at(MIN + 108_000)));
}

export function deployingWithFailure(message = 'chart kyverno: timed out waiting for condition'): PromotionView {
  const p = promotion({
    currentStageName: 'staging',
    stages: [
      canaryDone,
      {
        name: 'staging',
        lastUpdateReconciledTime: iso(6 * MIN),
        currentStatusDescription: `Clusters are being provisioned (${iso(6 * MIN)})`,
        failureMessage: 'cluster default/staging-2: Helm: chart kyverno: timed out waiting for condition',
      },
    ],
  });
  const summaries = [
    ...provisioned('canary'),
    summary('staging', 'staging-1', 'Provisioned'),
    summary('staging', 'staging-2', 'Failed', { message }),
  ];
  return buildViewModel(input(p, summaries, at(9 * MIN)));
}

export function awaitingApproval(): PromotionView {
  const p = promotion({
    currentStageName: 'staging',
    stages: [
      canaryDone,
      {
        name: 'staging',
        lastUpdateReconciledTime: iso(6 * MIN),
        lastSuccessfulAppliedTime: iso(8 * MIN),
        currentStatusDescription: `Paused: Awaiting Manual Approval (${iso(10 * MIN)})`,
      },
    ],
  });
  return buildViewModel(input(p, provisioned('canary', 'staging'), at(23 * MIN + 17_000)));
}

export function awaitingWindow(): PromotionView {
  const p = promotion({
    currentStageName: 'production',
    stages: [
      canaryDone,
      stagingDone,
      {
        name: 'production',
        lastUpdateReconciledTime: iso(20 * MIN),
        lastSuccessfulAppliedTime: iso(22 * MIN),
        currentStatusDescription: `Window Closed: Waiting for Next Schedule (2025-01-02T22:00:00Z). (${iso(22 * MIN)})`,
      },
    ],
  });
  return buildViewModel(input(p, provisioned('canary', 'staging', 'production'), at(30 * MIN)));
}

export function completed(): PromotionView {
  const p = promotion({
    currentStageName: 'production',
    lastPromotionTime: '2025-01-02T22:00:00Z',
    stages: [
      canaryDone,
      stagingDone,
      {
        name: 'production',
        lastUpdateReconciledTime: iso(20 * MIN),
        lastSuccessfulAppliedTime: iso(22 * MIN),
        currentStatusDescription: 'Successfully provisioned (2025-01-02T22:00:00Z)',
      },
    ],
  });
  return buildViewModel(input(p, provisioned('canary', 'staging', 'production'), new Date('2025-01-02T22:00:30Z')));
}

/** Production deploying to `n` clusters: every 7th failing, every 3rd still provisioning. */
export function bigStage(n: number): PromotionView {
  const p = promotion({
    currentStageName: 'production',
    stages: [
      canaryDone,
      stagingDone,
      {
        name: 'production',
        lastUpdateReconciledTime: iso(20 * MIN),
        currentStatusDescription: `Clusters are being provisioned (${iso(20 * MIN)})`,
      },
    ],
  });
  const clusters = [];
  const summaries = [...provisioned('canary', 'staging')];
  for (let i = 0; i < n; i++) {
    const name = `prod-${String(i).padStart(5, '0')}`;
    clusters.push(cluster(name, 'production'));
    summaries.push(
      summary(
        'production',
        name,
        i % 7 === 0 ? 'Failed' : i % 3 === 0 ? 'Provisioning' : 'Provisioned',
        i % 7 === 0 ? { message: `cluster ${name} unreachable` } : {},
      ),
    );
  }
  const base = input(p, summaries, at(25 * MIN));
  return buildViewModel({
    ...base,
    clusters: [...base.clusters.filter((c) => c.labels.env !== 'production'), ...clusters],
  });
}
