// The bundled examples, rehearsed through the built command as users run it, must unfold exactly
// as the semantics predict (times from a fixed --start). `npm test` builds dist/ first; a lone
// run of this file builds it when it is missing.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SimulationReportJson } from '../../simulator/report.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}dist/kubectl-promotion.mjs`;
const START = '2025-01-01T00:00:00Z';

async function simulate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [bin, 'simulate', '--start', START, ...args],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '' },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function report(args: string[], expectedCode: number): Promise<SimulationReportJson> {
  const r = await simulate([...args, '-o', 'json']);
  assert.equal(r.code, expectedCode, r.stderr);
  return JSON.parse(r.stdout) as SimulationReportJson;
}

/** `stage phase deployStarted deployed promoted` with times as offsets in minutes from the start. */
function stageLines(rep: SimulationReportJson): string[] {
  const min = (t: string | null) => (t === null ? '-' : String((Date.parse(t) - Date.parse(START)) / 60_000));
  return rep.stages.map(
    (s) => `${s.name} ${s.phase} ${min(s.deployStartedAt)} ${min(s.deployedAt)} ${min(s.promotedAt)}`,
  );
}

const at = (rep: SimulationReportJson, type: string, cluster: string | null = null) =>
  rep.events.filter((e) => e.type === type && (cluster === null || e.cluster === cluster)).map((e) => e.at);

const kyverno: string[] = ['-f', 'examples/kyverno/promotion.yaml', '--fleet', 'examples/kyverno/fleet.yaml'];
const kyvernoManual: string[] = [
  '-f',
  'examples/kyverno/promotion-manual.yaml',
  '--fleet',
  'examples/kyverno/fleet.yaml',
];
const payments: string[] = [
  '-f',
  'examples/core-payment-processor/promotion.yaml',
  '--fleet',
  'examples/core-payment-processor/fleet.yaml',
];
const validation: string[] = [
  '-f',
  'examples/validation-job/promotion.yaml',
  '--fleet',
  'examples/validation-job/fleet.yaml',
];

const metricsAndJobs: string[] = [
  '-f',
  'examples/metrics-and-jobs/promotion.yaml',
  '--fleet',
  'examples/metrics-and-jobs/fleet.yaml',
];

describe('the examples, through the built command', () => {
  before(async () => {
    if (!existsSync(bin)) await promisify(execFile)(process.execPath, [`${root}build/build.mjs`], { cwd: root });
  });

  describe('kyverno, staging then production with 5m soaks', () => {
    it(
      'deploys staging in 1m, soaks 5m, deploys production in 4m (one cluster retries once), soaks 5m: ' + '15m',
      async () => {
        const rep = await report(kyverno, 0);
        assert.equal(rep.outcome, 'Completed');
        assert.equal(rep.completedAt, '2025-01-01T00:15:00Z');
        assert.equal(rep.durationSeconds, 900);
        assert.deepEqual(stageLines(rep), ['staging Promoted 0 1 6', 'production Completed 6 10 15']);
        assert.deepEqual(rep.stages[1]?.clusters, [
          'default/production-1',
          'default/production-2',
          'default/production-3',
        ]);
        assert.deepEqual(at(rep, 'DeployFailed', 'default/production-3'), ['2025-01-01T00:08:00Z']);
        assert.deepEqual(at(rep, 'StageFailing'), ['2025-01-01T00:08:00Z']);
        assert.deepEqual(at(rep, 'StageRecovered'), ['2025-01-01T00:10:00Z']);
      },
    );

    it('is what `simulate` rehearses with no -f at all', async () => {
      const plain = await simulate(['-o', 'json']);
      assert.equal(plain.code, 0);
      assert.match(plain.stderr, /bundled example/);
      assert.deepEqual(JSON.parse(plain.stdout), await report(kyverno, 0));
    });

    it('prints a readable timeline with -o text', async () => {
      const r = await simulate(kyverno.concat('-o', 'text'));
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Promotion test-kyverno-rollout: Completed in 15m0s/);
      assert.match(
        r.stdout,
        /\+6m0s\s+2025-01-01T00:06:00Z\s+staging\s+StagePromoted\s+stage staging promoted to production/,
      );
    });
  });

  describe('kyverno with a manual gate after staging', () => {
    it('stops waiting for approval once staging is deployed (exit 3)', async () => {
      const rep = await report(kyvernoManual, 3);
      assert.equal(rep.outcome, 'AwaitingApproval');
      assert.equal(rep.completedAt, null);
      assert.deepEqual(stageLines(rep), ['staging AwaitingApproval 0 1 -', 'production Pending - - -']);
    });

    it('goes on when approved 10m after it started waiting, and resets the approval', async () => {
      const rep = await report([...kyvernoManual, '--approve', 'staging@10m'], 0);
      assert.deepEqual(stageLines(rep), ['staging Promoted 0 1 11', 'production Completed 11 15 20']);
      assert.deepEqual(at(rep, 'Approved'), ['2025-01-01T00:11:00Z']);
      assert.deepEqual(at(rep, 'ApprovalReset'), ['2025-01-01T00:11:00Z']);
    });

    it('takes an approval given at an absolute time before the gate, and honours it at the gate', async () => {
      const rep = await report([...kyvernoManual, '--approve', 'staging@2025-01-01T00:00:30Z'], 0);
      assert.deepEqual(at(rep, 'Approved'), ['2025-01-01T00:00:30Z']);
      assert.deepEqual(stageLines(rep), ['staging Promoted 0 1 1', 'production Completed 1 5 10']);
    });
  });

  describe('core-payment-processor through development, uat, staging and production', () => {
    it(
      'waits at the manual gate before production (exit 3), having upgraded half of each stage at a ' + 'time',
      async () => {
        const rep = await report(payments, 3);
        assert.equal(rep.outcome, 'AwaitingApproval');
        assert.deepEqual(stageLines(rep), [
          'development Promoted 0 1 11',
          'uat Promoted 11 15 45',
          'staging AwaitingApproval 45 49 -',
          'production Pending - - -',
        ]);
        assert.deepEqual(
          rep.stages[3]?.clusters,
          [
            'payments/payments-prod-us-1',
            'payments/payments-prod-us-2',
            'payments/payments-prod-eu-1',
            'payments/payments-prod-eu-2',
          ],
          'payments-prod-eu-3 is not ready',
        );
      },
    );

    it(
      'reaches production when approved an hour later; maxUpdate 50% keeps two production clusters in ' + 'flight',
      async () => {
        const rep = await report([...payments, '--approve', 'staging@1h'], 0);
        assert.equal(rep.durationSeconds, 2 * 3600 + 4 * 60);
        assert.deepEqual(stageLines(rep).slice(2), ['staging Promoted 45 49 109', 'production Completed 109 124 124']);
        const starts = rep.events
          .filter((e) => e.type === 'Deploying' && e.stage === 'production')
          .map((e) => `${e.cluster} ${e.at.slice(11, 16)}`);
        assert.deepEqual(starts, [
          'payments/payments-prod-us-1 01:49',
          'payments/payments-prod-us-2 01:49',
          'payments/payments-prod-eu-1 01:54',
          'payments/payments-prod-us-2 01:54',
          'payments/payments-prod-eu-2 01:59',
        ]);
      },
    );

    it('fails (exit 2) when a production cluster fails for good', async () => {
      const r = await simulate([
        ...payments.slice(0, 2),
        '--approve',
        'staging',
        '--fleet',
        'test/examples/payments-broken-fleet.yaml',
        '-o',
        'json',
      ]);
      assert.equal(r.code, 2, r.stderr);
      const rep = JSON.parse(r.stdout) as SimulationReportJson;
      assert.equal(rep.outcome, 'Failed');
      assert.match(
        rep.stages[3]?.failureMessage ?? '',
        /payments\/payments-prod-us-1: Helm: image registry\.example\.com\/payments:5\.2\.0 not found/,
      );
    });
  });

  describe('the validation Job', () => {
    it('soaks 5m, deploys the Job, and promotes when it has completed on every staging cluster', async () => {
      const rep = await report(validation, 0);
      assert.deepEqual(stageLines(rep), ['staging Promoted 0 1 8', 'production Completed 8 10 10']);
      assert.deepEqual(at(rep, 'VerificationDeployed'), ['2025-01-01T00:06:00Z']);
      assert.deepEqual(at(rep, 'HealthChecksAdded'), ['2025-01-01T00:06:00Z']);
      assert.deepEqual(at(rep, 'ObjectCreated', 'default/staging-1'), ['2025-01-01T00:07:00Z']);
      assert.deepEqual(at(rep, 'ObjectUpdated', 'default/staging-1'), ['2025-01-01T00:08:00Z']);
      assert.deepEqual(at(rep, 'HealthCheckFailed', 'default/staging-1'), [
        '2025-01-01T00:06:10Z',
        '2025-01-01T00:07:00Z',
      ]);
      assert.deepEqual(at(rep, 'HealthChecksPassed', 'default/staging-1'), ['2025-01-01T00:08:00Z']);
      assert.deepEqual(at(rep, 'ProfileDeleted'), ['2025-01-01T00:08:00Z']);
      assert.deepEqual(at(rep, 'ObjectDeleted', 'default/staging-1'), ['2025-01-01T00:08:00Z']);
    });

    it('stalls (exit 3) when the Job never completes', async () => {
      const r = await simulate([
        ...validation.slice(0, 2),
        '--fleet',
        'test/examples/validation-job-hangs-fleet.yaml',
        '-o',
        'json',
      ]);
      assert.equal(r.code, 3, r.stderr);
      const rep = JSON.parse(r.stdout) as SimulationReportJson;
      assert.equal(rep.outcome, 'Stalled');
      assert.equal(rep.stages[0]?.phase, 'CheckingHealth');
      assert.match(rep.stages[0]?.failureMessage ?? '', /validation-job-stage-staging is not healthy/);
    });
  });

  describe('metrics and jobs, Sveltos health checks on PromQL answers and a smoke-test Job', () => {
    it('stops at canary (exit 3) where the error rate rose after deploy, with the script message', async () => {
      const rep = await report(metricsAndJobs, 3);
      assert.equal(rep.outcome, 'Stalled');
      assert.deepEqual(stageLines(rep), ['canary CheckingHealth 0 1 -', 'production Pending - - -']);
      const failed = rep.events.filter((e) => e.type === 'HealthCheckFailed' && e.cluster === 'default/canary-2');
      assert.deepEqual(
        failed.map((e) => `${e.at} ${e.message}`),
        [
          "2025-01-01T00:06:00Z health check 'error-rate' for feature Helm failed: metric health check " +
            'failed: error rate 4.0% is over the 1% budget',
        ],
      );
      // canary-1's Job runs its 90s and the checks pass there; canary-2 never starts it (the error
      // rate fails first, and Sveltos stops a feature at its first failing check).
      assert.deepEqual(at(rep, 'ObjectCreated'), ['2025-01-01T00:06:00Z']);
      assert.deepEqual(at(rep, 'HealthChecksPassed', 'default/canary-1'), ['2025-01-01T00:07:30Z']);
    });

    it('completes once canary-2 answers like canary-1', async () => {
      const fleet = readFileSync(`${root}examples/metrics-and-jobs/fleet.yaml`, 'utf8');
      const healthy = fleet.replace('[{after: 0s, value: 0.003}, {after: 3m, value: 0.04}]', '0.003');
      const child = execFile(
        process.execPath,
        [
          bin,
          'simulate',
          '--start',
          START,
          '-f',
          'examples/metrics-and-jobs/promotion.yaml',
          '--fleet',
          '-',
          '-o',
          'json',
        ],
        { cwd: root },
      );
      child.stdin!.end(healthy);
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
      });
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
      assert.equal(code, 0);
      const rep = JSON.parse(out) as SimulationReportJson;
      assert.deepEqual(stageLines(rep), ['canary Promoted 0 1 7.5', 'production Completed 7.5 8.5 8.5']);
    });
  });

  describe('bad input: one clear line and exit 1', () => {
    for (const [args, message] of [
      [
        ['-f', 'examples/kyverno/promotion.yaml'],
        /^error: give the fleet to rehearse against with --fleet FLEET\.yaml/,
      ],
      [['-f', 'nope.yaml', '--fleet', 'examples/kyverno/fleet.yaml'], /^error: cannot read nope\.yaml: no such file/],
      [
        [...kyverno, '--approve', 'production'],
        /^error: --approve production: stage "production" has no manual trigger/,
      ],
      [
        [...kyvernoManual, '--approve', 'staging@soon'],
        /^error: --approve staging@soon: after @ give a duration such as 10m/,
      ],
      [[...kyverno, '--horizon', '3 days'], /^error: --horizon 3 days: /],
      [[...kyverno, '--seed', '-1'], /^error: --seed -1: expected a whole number/],
      [
        ['-f', 'examples/kyverno/promotion.yaml', '--fleet', 'examples/kyverno/promotion.yaml'],
        /^error: examples\/kyverno\/promotion\.yaml:4:7 kind: a fleet file holds a Fleet/,
      ],
    ] as const) {
      it(`${args.slice(-2).join(' ')}`, async () => {
        const r = await simulate([...args]);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      });
    }

    it('an empty fleet file', async () => {
      const r = await promisify(execFile)(
        process.execPath,
        [bin, 'simulate', '-f', 'examples/kyverno/promotion.yaml', '--fleet', '/dev/null'],
        { cwd: root },
      ).catch((e) => e);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'error: /dev/null:1:1: no clusters: write a Fleet, or SveltosCluster and Cluster objects (see examples/)\n',
      );
    });

    it('--start must be RFC 3339', async () => {
      const r = await promisify(execFile)(process.execPath, [bin, 'simulate', ...kyverno, '--start', 'tomorrow'], {
        cwd: root,
      }).catch((e) => e);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error: --start tomorrow: expected an RFC 3339 time such as 2025-06-01T09:00:00Z\n$/);
    });
  });
});
