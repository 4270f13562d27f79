// Health checks as the simulated fleet runs them: metric answers on the virtual clock, jobCheck
// Jobs, and checks that cannot hang the rehearsal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Stage, ValidateHealth } from '../../src/api/types.ts';
import { Simulation } from '../../simulator/driver.ts';
import type { FleetClusterSpec } from '../../simulator/fleet-spec.ts';
import { errorRateCheck, expensiveCelCheck } from '../health/checks.ts';
import { T0, cluster, env, iso, m, promotion, s } from './helpers.ts';

const errorRate = errorRateCheck();

const stages = (check: ValidateHealth): Stage[] => [
  {
    name: 'canary',
    clusterSelector: env('canary'),
    trigger: { auto: { delay: '2m', postDelayHealthChecks: [check] } },
  },
  { name: 'production', clusterSelector: env('production') },
];

async function simulate(clusters: FleetClusterSpec[], check: ValidateHealth, horizonMs = m(60)) {
  const sim = new Simulation({ promotion: promotion(stages(check)), fleet: { clusters }, start: T0, horizonMs });
  const result = await sim.run();
  const at = (type: string) => result.events.filter((e) => e.type === type).map((e) => `${iso(e.at)} ${e.message}`);
  return { sim, result, at };
}

describe('metrics in the fleet', () => {
  it('stop the rollout at the stage where a metric rises after deploy, with the script message', async () => {
    const clusters = [
      cluster('canary-1', { env: 'canary' }, { deployTimeMs: m(1), metrics: { error_rate: 0.001 } }),
      cluster(
        'canary-2',
        { env: 'canary' },
        {
          deployTimeMs: m(1),
          // Timed from this cluster's deploy start (T0): healthy at first, failing from 2m30s.
          metrics: {
            error_rate: [
              { afterMs: 0, value: 0.002 },
              { afterMs: s(150), value: 0.2 },
            ],
          },
        },
      ),
      cluster('production-1', { env: 'production' }),
    ];
    const { result, at } = await simulate(clusters, errorRate);
    assert.equal(result.outcome, 'Stalled');
    assert.equal(result.stages.find((st) => st.name === 'production')?.deployStartedAt ?? null, null);
    // The checks are appended after the 2m soak (deployed at 1m): at 3m the rate is already 0.2.
    assert.deepEqual(at('HealthCheckFailed'), [
      `${iso(T0 + m(3))} health check 'error-rate' for feature Helm failed: metric health check failed: ` +
        `error rate 0.2 is above 5%`,
    ]);
    assert.match(result.reason, /canary.*error rate 0\.2 is above 5%/s);
  });

  it('evaluate a failing check again at the exact moment its metric changes', async () => {
    const clusters = [
      cluster(
        'canary-1',
        { env: 'canary' },
        {
          deployTimeMs: m(1),
          metrics: {
            error_rate: [
              { afterMs: 0, value: 0.3 },
              { afterMs: s(7 * 60 + 13), value: 0.01 },
            ],
          },
        },
      ),
      cluster('production-1', { env: 'production' }),
    ];
    const { result } = await simulate(clusters, errorRate);
    assert.equal(result.outcome, 'Completed');
    assert.deepEqual(
      result.events.filter((e) => e.type === 'HealthChecksPassed' && e.cluster === 'default/canary-1').map((e) => e.at),
      [T0 + s(7 * 60 + 13)],
    );
    assert.equal(result.stages[0]!.promotedAt, T0 + s(7 * 60 + 13));
  });

  it('fail with no data before the first step and for a query the cluster does not answer', async () => {
    const late = cluster('canary-1', { env: 'canary' }, { metrics: { error_rate: [{ afterMs: m(10), value: 0.01 }] } });
    const { result, at } = await simulate([late, cluster('production-1', { env: 'production' })], errorRate);
    assert.equal(result.outcome, 'Completed');
    assert.deepEqual(at('HealthCheckFailed'), [
      `${iso(T0 + s(150))} health check 'error-rate' for feature Helm failed: metric query "error_rate": ` +
        `metric query returned no data`,
    ]);
    assert.equal(result.stages[0]!.promotedAt, T0 + m(10));

    const silent = cluster('canary-1', { env: 'canary' }, { metrics: { up: 1 } });
    const r = await simulate([silent, cluster('production-1', { env: 'production' })], errorRate);
    assert.equal(r.result.outcome, 'Stalled');
    assert.match(r.result.reason, /metric query "error_rate": metric query returned no data/);
  });
});

describe('jobCheck in the fleet', () => {
  const smoke: ValidateHealth = {
    name: 'smoke',
    featureID: 'Helm',
    version: '',
    kind: '',
    jobCheck: { jobRef: { kind: 'ConfigMap', namespace: 'tests', name: 'smoke-test' }, timeout: '3m' },
  };
  const fleet = (jobs: FleetClusterSpec['jobs']) => [
    cluster('canary-1', { env: 'canary' }, { deployTimeMs: m(1), ...(jobs ? { jobs } : {}) }),
    cluster('production-1', { env: 'production' }),
  ];

  it('run the Job when the check first runs: a Job that completes passes the check when it does', async () => {
    const { sim, result, at } = await simulate(
      fleet({ 'smoke-test': { durationMs: m(2), outcome: 'Complete' } }),
      smoke,
    );
    assert.equal(result.outcome, 'Completed');
    assert.equal(result.stages[0]!.promotedAt, T0 + m(5));
    assert.deepEqual(at('ObjectCreated'), [`${iso(T0 + m(3))} Job tests/smoke-test created for health check smoke`]);
    const job = sim.fleet.cluster('default/canary-1')!.objects.find((o) => o.kind === 'Job')!;
    assert.equal(job.apiVersion, 'batch/v1');
    assert.deepEqual(
      (job.status as { conditions: { type: string }[] }).conditions.map((c) => c.type),
      ['Complete'],
    );
  });

  it('default an undeclared Job to completing after 30s', async () => {
    const { result } = await simulate(fleet(undefined), smoke);
    assert.equal(result.stages[0]!.promotedAt, T0 + m(3) + s(30));
  });

  it('fail the check when the Job fails, and when it runs past the timeout', async () => {
    const failed = await simulate(fleet({ 'smoke-test': { durationMs: m(1), outcome: 'Failed' } }), smoke);
    assert.equal(failed.result.outcome, 'Stalled');
    assert.match(
      failed.at('HealthCheckFailed').at(-1)!,
      new RegExp(
        /health check 'smoke' for feature Helm failed: JobCheck \(smoke\): job tests\/smoke-test failed /.source +
          /\(BackoffLimitExceeded: Job has reached the specified backoff limit\)$/.source,
      ),
    );
    const slow = await simulate(fleet({ 'smoke-test': { durationMs: m(10), outcome: 'Complete' } }), smoke);
    assert.equal(slow.result.outcome, 'Stalled');
    assert.equal(
      slow.at('HealthCheckFailed').at(-1)!,
      `${iso(T0 + m(6))} health check 'smoke' for feature Helm failed: JobCheck (smoke): job ` +
        'tests/smoke-test did not complete within its timeout of 3m0s (DeadlineExceeded: Job was active longer ' +
        'than specified deadline)',
    );
  });
});

describe('checks that cannot hang a rehearsal', () => {
  it('stop an expensive CEL rule at the cost limit, and the rehearsal goes on', async () => {
    const check = expensiveCelCheck();
    const app = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'apps' } };
    const clusters = [
      cluster('canary-1', { env: 'canary' }, { objects: [app] }),
      cluster('production-1', { env: 'production' }),
    ];
    const { result } = await simulate(clusters, check);
    assert.equal(result.outcome, 'Stalled');
    assert.match(result.reason, /CEL rule "nested": exceeded the cost limit of 100000 units/);
  });
});
