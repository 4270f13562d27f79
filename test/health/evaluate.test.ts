import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ValidateHealth } from '../../src/api/types.ts';
import { clusterObjects, evaluateHealthChecks, firstFailures } from '../../src/health/evaluate.ts';
import { errorRateCheck } from './checks.ts';
import { deployment, job, obj } from './objects.ts';

// The shape of the Deployment check in the Sveltos health-check docs.
const deploymentsReady: ValidateHealth = {
  name: 'deployments-ready',
  featureID: 'Helm',
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'prod',
  script: `
function evaluate()
  local hs = { healthy = false, message = "available replicas not matching requested replicas" }
  if obj.status ~= nil and obj.status.availableReplicas ~= nil then
    if obj.status.availableReplicas == obj.spec.replicas then
      hs.healthy = true
    end
  end
  return hs
end`,
};

const migrationDone: ValidateHealth = {
  name: 'migration-done',
  featureID: 'Resources',
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  labelFilters: [{ key: 'app', operation: 'Equal', value: 'migrate' }],
  evaluateCEL: [{ name: 'succeeded', rule: 'has(resource.status.succeeded) && resource.status.succeeded > 0' }],
};

async function one(
  check: ValidateHealth,
  objects: Parameters<typeof clusterObjects>[0],
  extra?: Parameters<typeof clusterObjects>[1],
) {
  const [outcome] = await evaluateHealthChecks([check], clusterObjects(objects, extra));
  return outcome!;
}

describe('health checks on a cluster', () => {
  it('pass a Deployment check when every selected Deployment has its replicas available', async () => {
    const outcome = await one(deploymentsReady, [deployment('prod', 'web', 3, 3), deployment('prod', 'api', 2, 2)]);
    assert.equal(outcome.healthy, true);
    assert.equal(outcome.check, 'deployments-ready');
    assert.equal(outcome.featureID, 'Helm');
  });

  it("fail a Deployment check on the first unhealthy Deployment, with addon-controller's message", async () => {
    const outcome = await one(deploymentsReady, [
      deployment('prod', 'web', 3, 1),
      deployment('prod', 'api', 2, 0),
      deployment('dev', 'db', 1, 0),
    ]);
    assert.deepEqual(outcome, {
      check: 'deployments-ready',
      featureID: 'Helm',
      healthy: false,
      message:
        "health check 'deployments-ready' for feature Helm failed: resource Deployment prod/api is not healthy " +
        '"resource prod/api is not healthy: available replicas not matching requested replicas"',
    });
  });

  it('pass a Job check once the selected Job succeeded, and fail it before', async () => {
    const running = [job('ops', 'migrate', { active: 1 }), job('ops', 'other', {})];
    const failed = await one(migrationDone, running);
    assert.equal(failed.healthy, false);
    assert.match(
      failed.message,
      /^health check 'migration-done' for feature Resources failed: resource Job ops\/migrate is not healthy$/,
    );

    const done = await one(migrationDone, [job('ops', 'migrate', { succeeded: 1 }), job('ops', 'other', {})]);
    assert.equal(done.healthy, true);
  });

  it('require both the Lua script and a CEL rule to pass when both are given', async () => {
    const both: ValidateHealth = {
      ...deploymentsReady,
      evaluateCEL: [{ name: 'labelled', rule: 'has(resource.metadata.labels.owner)' }],
    };
    const luaOnly = await one(both, [deployment('prod', 'web', 1, 1)]);
    assert.equal(luaOnly.healthy, false);
    assert.match(luaOnly.message, /resource Deployment prod\/web is not healthy$/);

    const celOnly = await one(both, [deployment('prod', 'web', 1, 0, { owner: 'team-a' })]);
    assert.equal(celOnly.healthy, false);
    assert.match(celOnly.message, /not healthy "resource prod\/web is not healthy: available replicas/);

    assert.equal((await one(both, [deployment('prod', 'web', 1, 1, { owner: 'team-a' })])).healthy, true);
  });

  it('say why a CEL rule could not answer, since otherwise it only reads "not healthy"', async () => {
    const typo = { ...migrationDone, evaluateCEL: [{ name: 'succeeded', rule: 'obj.status.succeeded > 0' }] };
    const outcome = await one(typo, [job('ops', 'migrate', { succeeded: 1 })]);
    assert.equal(
      outcome.message,
      "health check 'migration-done' for feature Resources failed: resource Job ops/migrate is not healthy " +
        `(CEL rule "succeeded": failed to check CEL expression: undeclared reference to 'obj')`,
    );
  });

  it('fail a check that selects no object', async () => {
    const outcome = await one(deploymentsReady, [deployment('dev', 'web', 1, 1)]);
    assert.equal(outcome.healthy, false);
    assert.equal(
      outcome.message,
      "health check 'deployments-ready' for feature Helm failed: validateHealth: deployments-ready did not " +
        'fetch any resource',
    );
  });

  it('pass a check on a kind the cluster does not serve', async () => {
    const certificates: ValidateHealth = {
      name: 'certs-ready',
      featureID: 'Helm',
      group: 'cert-manager.io',
      version: 'v1',
      kind: 'Certificate',
      evaluateCEL: [
        { name: 'ready', rule: 'resource.status.conditions.exists(c, c.type == "Ready" && c.status == "True")' },
      ],
    };
    const outcome = await one(certificates, []);
    assert.equal(outcome.healthy, true);
    assert.match(outcome.message, /Certificate \(cert-manager\.io\/v1\) does not exist in the cluster/);

    const installed = await one(certificates, [], [{ group: 'cert-manager.io', version: 'v1', kind: 'Certificate' }]);
    assert.equal(installed.healthy, false, 'an installed CRD without objects fetches nothing');
    assert.match(installed.message, /did not fetch any resource$/);
  });

  it('fail with the reason when the script errors or runs away, naming check and resource', async () => {
    const broken = { ...deploymentsReady, script: 'function evaluate()\n  return obj.status.conditions[1]\nend' };
    const outcome = await one(broken, [deployment('prod', 'web', 1, 1)]);
    assert.equal(outcome.healthy, false);
    assert.match(
      outcome.message,
      new RegExp(
        /^health check 'deployments-ready' for feature Helm failed: resource Deployment /.source +
          /prod\/web: script:2: attempt to index field 'conditions' \(a nil value\)/.source,
      ),
    );

    const runaway = { ...deploymentsReady, script: 'function evaluate() while true do end end' };
    const [stopped] = await evaluateHealthChecks([runaway], clusterObjects([deployment('prod', 'web', 1, 1)]), {
      instructionLimit: 100_000,
    });
    assert.match(
      stopped!.message,
      /resource Deployment prod\/web: script exceeded the limit of 100000 Lua instructions/,
    );
  });

  it('fail a check whose label filter the API server would reject', async () => {
    const bad = {
      ...deploymentsReady,
      labelFilters: [{ key: 'app', operation: 'Equal' as const, value: 'has space' }],
    };
    const outcome = await one(bad, [deployment('prod', 'web', 1, 1)]);
    assert.equal(outcome.healthy, false);
    assert.match(outcome.message, /labelFilters\[0\]: value "has space" is not a valid label value/);
  });

  it('run a check without a kind once, with obj nil', async () => {
    const metricOnly: ValidateHealth = {
      name: 'budget',
      featureID: 'Resources',
      version: '',
      kind: '',
      script: 'function evaluate() return { healthy = obj == nil and metrics ~= nil, message = "no data" } end',
    };
    assert.equal((await one(metricOnly, [])).healthy, true);
    const failing = {
      ...metricOnly,
      script: 'function evaluate() return { healthy = false, message = "no data" } end',
    };
    assert.equal(
      (await one(failing, [])).message,
      "health check 'budget' for feature Resources failed: metric health check failed: no data",
    );
  });

  it('give the script the metric answers, and fail a query that answers no data before any script runs', async () => {
    const errorRate = errorRateCheck('Resources');
    const answering = (values: Record<string, number>) => ({
      ...clusterObjects([]),
      metric: (name: string) => values[name],
    });
    const [ok] = await evaluateHealthChecks([errorRate], answering({ error_rate: 0.002 }));
    assert.equal(ok!.healthy, true);
    const [rising] = await evaluateHealthChecks([errorRate], answering({ error_rate: 0.2 }));
    assert.equal(
      rising!.message,
      "health check 'error-rate' for feature Resources failed: metric health check failed: error rate 0.2 is above 5%",
    );
    const [none] = await evaluateHealthChecks([errorRate], answering({}));
    assert.equal(
      none!.message,
      'health check \'error-rate\' for feature Resources failed: metric query "error_rate": metric query ' +
        'returned no data',
    );
    // Without a metricSource nothing is asked (as addon-controller): the table is empty.
    const [unsourced] = await evaluateHealthChecks(
      [
        {
          ...errorRate,
          metricSource: undefined,
          script: 'function evaluate() return { healthy = next(metrics) == nil } end',
        },
      ],
      answering({}),
    );
    assert.equal(unsourced!.healthy, true);
  });

  it(
    "take a jobCheck's outcome from its Job: Complete passes, Failed and a timeout fail naming the " + 'check',
    async () => {
      const smoke: ValidateHealth = {
        name: 'smoke',
        featureID: 'Resources',
        version: '',
        kind: '',
        jobCheck: { jobRef: { kind: 'ConfigMap', namespace: 'default', name: 'smoke-test' } },
      };
      const running = (state: 'Running' | 'Complete' | 'Failed' | 'TimedOut') => ({
        ...clusterObjects([]),
        job: () => ({
          job: 'default/smoke-test',
          state,
          timeout: '5m0s',
          ...(state === 'Failed'
            ? { condition: 'BackoffLimitExceeded: Job has reached the specified backoff limit' }
            : {}),
          ...(state === 'TimedOut'
            ? { condition: 'DeadlineExceeded: Job was active longer than specified deadline' }
            : {}),
        }),
      });
      assert.equal((await evaluateHealthChecks([smoke], running('Complete')))[0]!.healthy, true);
      const messages = await Promise.all(
        (['Running', 'Failed', 'TimedOut'] as const).map(
          async (s) => (await evaluateHealthChecks([smoke], running(s)))[0]!,
        ),
      );
      assert.deepEqual(
        messages.map((m) => [m.healthy, m.message]),
        [
          [
            false,
            "health check 'smoke' for feature Resources failed: JobCheck (smoke): job default/smoke-test has " +
              'not completed yet',
          ],
          [
            false,
            "health check 'smoke' for feature Resources failed: JobCheck (smoke): job default/smoke-test failed " +
              '(BackoffLimitExceeded: Job has reached the specified backoff limit)',
          ],
          [
            false,
            "health check 'smoke' for feature Resources failed: JobCheck (smoke): job default/smoke-test did " +
              'not complete within its timeout of 5m0s (DeadlineExceeded: Job was active longer than specified ' +
              'deadline)',
          ],
        ],
      );
    },
  );

  it('report every check in order, and per feature the first failure as the ClusterSummary shows it', async () => {
    const cluster = clusterObjects([
      deployment('prod', 'web', 1, 0),
      job('ops', 'migrate', { succeeded: 1 }),
      obj('v1', 'Service', 'prod', 'web'),
    ]);
    const serviceExists: ValidateHealth = {
      name: 'svc',
      featureID: 'Helm',
      version: 'v1',
      kind: 'Service',
      namespace: 'prod',
    };
    const outcomes = await evaluateHealthChecks(
      [serviceExists, deploymentsReady, migrationDone, { ...deploymentsReady, name: 'again' }],
      cluster,
    );
    assert.deepEqual(
      outcomes.map((o) => [o.check, o.healthy]),
      [
        ['svc', true],
        ['deployments-ready', false],
        ['migration-done', true],
        ['again', false],
      ],
    );
    const failures = firstFailures(outcomes);
    assert.deepEqual([...failures.keys()], ['Helm']);
    assert.equal(failures.get('Helm')?.check, 'deployments-ready');
  });
});
