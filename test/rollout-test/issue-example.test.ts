// The RolloutTest example users were promised (issue 16), run as written, comments and all: every
// kind of event applies and every kind of expectation is judged. Only the chart elided there as
// `[...]` is spelt out (and two long lines are continued with a \ that the template literal drops).
// Its last two expectations cannot both hold (completed by 12:00, production never Deploying before
// 14:00): the first passes and the second fails, saying when it was seen.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../plugin/cli.ts';
import type { Io } from '../../plugin/command.ts';
import testCommand from '../../plugin/commands/test/index.ts';
import { loadRolloutTests } from '../../simulator/rollout-test/load.ts';
import { runRolloutTest } from '../../simulator/rollout-test/run.ts';
import { directory } from './helpers.ts';

const CHART = (version: string) =>
  `{repositoryURL: "https://charts.example.com", repositoryName: example, chartName: example/app, ` +
  `chartVersion: ${version}, releaseName: app, releaseNamespace: apps, helmChartAction: Install}`;

const TEST = `apiVersion: kubectl-promotion.dev/v1alpha1
kind: RolloutTest
metadata: {name: chart-edit-restarts}
promotion: promotion.yaml            # path relative to this file (or \`promotionObject:\` inline)
fleet: fleet.yaml                    # same
start: "2026-12-07T10:00:00Z"
events:                              # applied at that virtual moment, in order
- {at: 8m, patch: {spec: {profileSpec: {helmCharts: [${CHART('2.0.0')}]}}}}   # JSON merge patch of the promotion
- {at: 9m, approve: staging}         # also: revoke: STAGE
- {at: 12m, cluster: prod-2, ready: false}                 # also labels: {k: v} (null removes); \
cluster: ns/name or name
- {at: 13m, addCluster: {name: prod-9, labels: {env: production}, deployTime: 1m}}  # a Fleet cluster entry
- {at: 14m, removeCluster: prod-1}
- {at: 15m, restartController: true} # the engine forgets everything but the stored objects
- {at: 16m, cluster: prod-2, metric: {error_rate: 0.2}}    # set a metric (see the health-check issue)
- {at: 17m, cluster: prod-2, failNextDeploy: true}
expect:
- {at: 8m30s, stage: staging, phase: Deploying}            # the stage's phase at that moment \
(after all changes at that instant)
- {at: 8m30s, stage: production, phase: Pending}
- {outcome: Completed, by: 2h}                             # the run's outcome, reached no later than
- {stage: production, phase: Deploying, notBefore: "2026-12-07T14:00:00Z"}  # never in that phase earlier
`;

// staging behind a manual gate; production soaks 5m, then its error rate must be under 5%.
const PROMOTION = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata: {name: app}
spec:
  profileSpec:
    helmCharts:
    - ${CHART('1.0.0')}
  stages:
  - {name: staging, clusterSelector: {matchLabels: {env: staging}}, trigger: {manual: {}}}
  - name: production
    clusterSelector: {matchLabels: {env: production}}
    trigger:
      auto:
        delay: 5m
        postDelayHealthChecks:
        - name: error-rate
          featureID: Helm
          metricSource: {url: "http://prometheus.monitoring:9090"}
          metricQueries: [{name: error_rate, query: "job:errors:ratio5m"}]
          script: |
            function evaluate()
              return {healthy = metrics.error_rate < 0.05, message = "error rate " .. metrics.error_rate}
            end
`;

// prod-9, added by the test, inherits the defaults (its error rate) as an entry of this file would.
const FLEET = `apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
defaults: {deployTime: 1m, metrics: {error_rate: 0.01}}
clusters:
- {name: staging-1, labels: {env: staging}}
- {name: "prod-{i}", count: 2, labels: {env: production}}
`;

describe('the RolloutTest example of issue 16, as written', () => {
  it('runs: each expectation judged, the contradictory last one failing with when it was seen', async () => {
    const dir = await directory({ 'test.yaml': TEST, 'promotion.yaml': PROMOTION, 'fleet.yaml': FLEET });
    let stdout = '';
    const io: Io = {
      stdout: { write: (t: string) => (stdout += t), isTTY: false },
      stderr: { write: (t: string) => (stdout += t) },
      stdin: Readable.from(['']),
      env: {},
    };
    const code = await runCli(['test', '-f', join(dir, 'test.yaml')], [testCommand], io);
    assert.equal(code, 1, stdout);
    const at = (line: number) => `${join(dir, 'test.yaml')}:${line}:3 chart-edit-restarts:`;
    assert.deepEqual(stdout.trimEnd().split('\n'), [
      `ok    ${at(17)} stage staging is Deploying at +8m30s (2026-12-07T10:08:30Z)`,
      `ok    ${at(18)} stage production is Pending at +8m30s (2026-12-07T10:08:30Z)`,
      `ok    ${at(19)} the run ends Completed by +2h0m0s (2026-12-07T12:00:00Z)`,
      `FAIL  ${at(20)} stage production is Deploying not before +4h0m0s (2026-12-07T14:00:00Z); ` +
        'instead it was Deploying at +9m0s (2026-12-07T10:09:00Z)',
      '1 test, 4 expectations: 1 failed, in 1 test (chart-edit-restarts)',
    ]);
  });

  it('applies every event at its moment, none skipped', async () => {
    const dir = await directory({ 'test.yaml': TEST, 'promotion.yaml': PROMOTION, 'fleet.yaml': FLEET });
    const { tests, findings } = await loadRolloutTests([join(dir, 'test.yaml')]);
    assert.deepEqual(findings, []);
    const r = await runRolloutTest(tests[0]!);
    const scripted = r.run.events.filter((e) => e.type === 'Scripted' || e.type === 'Approved');
    assert.deepEqual(
      scripted.map(
        (e) => `${new Date(e.at).toISOString().slice(11, 19)} ${e.message.replace(/ \([^()]*yaml:\d+:\d+\)/, '')}`,
      ),
      [
        '10:08:00 the promotion is edited (merge patch of spec.profileSpec)',
        '10:09:00 stage staging by the test: spec.stages[0].trigger.manual.approved set to true',
        '10:12:00 cluster default/prod-2 stops being ready',
        '10:13:00 cluster default/prod-9 joins the fleet (labels {"env":"production"})',
        '10:14:00 cluster default/prod-1 leaves the fleet',
        '10:15:00 the controller restarts: it forgets everything but the stored objects',
        '10:16:00 cluster default/prod-2 metrics: {"error_rate":0.2}',
        '10:17:00 cluster default/prod-2 its next deploy attempt fails',
      ],
    );
    // The edit restarted the pipeline; production, reached at 9m, deployed by 10m, passed its checks after its soak.
    assert.ok(r.run.events.some((e) => e.type === 'PipelineRestarted' && e.at === Date.parse('2026-12-07T10:08:00Z')));
    assert.equal(r.run.completedAt, Date.parse('2026-12-07T10:15:00Z'));
  });
});
