// The served simulation's Events through the real kubectl: what the promotion controller and the
// simulated addon-controller did shows in `kubectl describe`, `kubectl events --for` and
// `kubectl get events`, as on a management cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectl } from '../apiserver/helpers.ts';
import { skipKubectl } from '../apiserver/clients.ts';
import { s, T0, withServed } from './helpers.ts';

describe('the served simulation records Events', { skip: skipKubectl }, () => {
  it('kubectl describe clusterpromotion lists the controller’s events', () =>
    withServed(async ({ served, server }) => {
      await served.advanceTo(T0 + s(60));
      const res = await kubectl(server, ['describe', 'clusterpromotion', 'rollout']);
      assert.equal(res.code, 0, res.stderr);
      const events = res.stdout.slice(res.stdout.indexOf('\nEvents:'));
      const reasons = [
        ...events.matchAll(/^\s+Normal\s+(\w+)\s+\S+\s+kubectl-promotion\/clusterpromotion-controller\s/gm),
      ];
      assert.deepEqual(
        reasons.map((m) => m[1]),
        ['FinalizerAdded', 'PipelineStarted', 'StageStarted', 'StageDeployed', 'AwaitingApproval'],
      );
    }));

  it('kubectl events --for and kubectl get events show the promotion’s and the profile’s events', () =>
    withServed(async ({ served, server }) => {
      await served.advanceTo(T0 + s(60));
      const forPromotion = await kubectl(server, ['events', '--for', 'clusterpromotion/rollout']);
      assert.equal(forPromotion.code, 0, forPromotion.stderr);
      assert.match(
        forPromotion.stdout,
        /Normal\s+AwaitingApproval\s+ClusterPromotion\/rollout\s+stage staging: waiting/,
      );
      const all = await kubectl(server, ['get', 'events', '-n', 'default', '--field-selector', 'reason=Provisioned']);
      assert.equal(all.code, 0, all.stderr);
      const lines = all.stdout.trim().split('\n').slice(1);
      assert.deepEqual(
        lines
          .map((l) =>
            l
              .split(/\s{2,}/)
              .slice(3)
              .join(' | '),
          )
          .sort(),
        [
          'Provisioned | clusterprofile/rollout-staging | default/staging-1: rollout-staging provisioned',
          'Provisioned | clusterprofile/rollout-staging | default/staging-2: rollout-staging provisioned',
        ],
      );
    }));
});
