// No health check can stop the served API from answering (issue 17, item 10): scripts and CEL rules
// are bounded and run one at a time between turns of the event loop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterPromotion, ValidateHealth } from '../../src/api/types.ts';
import { evaluateHealthChecks } from '../../src/health/evaluate.ts';
import { expensiveCelCheck } from '../health/checks.ts';
import { cluster, env, m } from '../simulator/helpers.ts';
import { rolloutPromotion, serveRollout, T0 } from './helpers.ts';

describe('the served API while health checks run', () => {
  it(
    'answers requests while an expensive CEL rule is evaluated on every cluster, and the rehearsal goes ' + 'on',
    async () => {
      // Each cluster has objects of its own, so nothing is shared: one bounded evaluation per cluster.
      const clusters = Array.from({ length: 10 }, (_, i) =>
        cluster(
          `staging-${i + 1}`,
          { env: 'staging' },
          {
            deployTimeMs: m(1),
            objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: `apps-${i}` } }],
          },
        ),
      );
      const promotion = rolloutPromotion('rollout', [
        {
          name: 'staging',
          clusterSelector: env('staging'),
          trigger: { auto: { delay: '1m', postDelayHealthChecks: [expensiveCelCheck()] } },
        },
        { name: 'production', clusterSelector: env('production') },
      ]);
      const h = await serveRollout({ promotions: [promotion], fleet: { clusters } });
      try {
        const order: string[] = [];
        const advancing = h.served.advanceTo(T0 + m(3)).then(() => order.push('advanced'));
        // Asked right after the checks start: answered between two evaluations, not after all of them.
        await new Promise((resolve) => setImmediate(resolve));
        const answered = h.server
          .request('GET', '/apis/config.projectsveltos.io/v1beta1/clusterpromotions')
          .then((r) => {
            order.push(`answered ${r.status}`);
          });
        await Promise.all([advancing, answered]);
        assert.deepEqual(order, ['answered 200', 'advanced']);
        const stage = h.served.store.get<ClusterPromotion>('clusterpromotions', 'rollout').status?.stages?.[0];
        assert.match(stage?.failureMessage ?? '', /CEL rule "nested": exceeded the cost limit of 100000 units/);
      } finally {
        await h.close();
      }
    },
  );

  it('answers requests while a Lua script is stuck in string.find, and fails the check at the time limit', async () => {
    // The pattern backtracks for hours inside C, where the instruction limit never looks.
    const stuck: ValidateHealth = {
      name: 'stuck',
      featureID: 'Helm',
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      script: `function evaluate()
  local found = string.find(string.rep("a", 40000), ".-.-.-.-.-.-.-b")
  return { healthy = found ~= nil, message = "matched" }
end`,
    };
    const clusters = [
      cluster(
        'staging-1',
        { env: 'staging' },
        {
          deployTimeMs: m(1),
          objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'apps' } }],
        },
      ),
    ];
    const promotion = rolloutPromotion('rollout', [
      {
        name: 'staging',
        clusterSelector: env('staging'),
        trigger: { auto: { delay: '1m', postDelayHealthChecks: [stuck] } },
      },
      { name: 'production', clusterSelector: env('production') },
    ]);
    const h = await serveRollout({
      promotions: [promotion],
      fleet: { clusters },
      health: (checks, c) => evaluateHealthChecks(checks, c, { timeLimitMs: 300 }),
    });
    try {
      const order: string[] = [];
      const advancing = h.served.advanceTo(T0 + m(3)).then(() => order.push('advanced'));
      await new Promise((resolve) => setImmediate(resolve));
      const answered = h.server
        .request('GET', '/apis/config.projectsveltos.io/v1beta1/clusterpromotions')
        .then((r) => order.push(`answered ${r.status}`));
      await Promise.all([advancing, answered]);
      assert.deepEqual(order, ['answered 200', 'advanced']);
      const stage = h.served.store.get<ClusterPromotion>('clusterpromotions', 'rollout').status?.stages?.[0];
      assert.match(stage?.failureMessage ?? '', /Lua script exceeded the time limit of 300ms/);
    } finally {
      await h.close();
    }
  });
});
