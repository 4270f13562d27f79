// Reading RolloutTest files: the format exactly as documented, and every mistake reported at its
// file, line and field with what to do.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatFinding } from '../../src/api/findings.ts';
import { loadRolloutTests } from '../../simulator/rollout-test/load.ts';
import { directory, FLEET, PROMOTION, read, START, testYaml } from './helpers.ts';

const T0 = Date.parse(START);
const min = (n: number) => T0 + n * 60_000;

/** The findings for one test file, as `line:column path: message`. */
async function problems(yaml: string, extra: Record<string, string> = {}): Promise<string[]> {
  const dir = await directory({ 'test.yaml': yaml, ...extra });
  const r = await loadRolloutTests([join(dir, 'test.yaml')]);
  return r.findings.map((f) => formatFinding(f).replace(`${dir}/`, ''));
}

describe('the RolloutTest format', () => {
  it('reads the documented example: files relative to the test, every kind of event and expectation', async () => {
    const dir = await directory({
      'promotion.yaml': `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata: {name: app}
spec:
  profileSpec: {helmCharts: [{repositoryURL: "https://c.example.com", repositoryName: c, chartName: c/app,
    chartVersion: 1.0.0, releaseName: app, releaseNamespace: apps}]}
  stages:
  - {name: staging, clusterSelector: {matchLabels: {env: staging}}, trigger: {manual: {}}}
  - {name: production, clusterSelector: {matchLabels: {env: production}}}
`,
      'fleet.yaml': `apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
clusters:
- {name: staging-1, labels: {env: staging}}
- {name: "prod-{i}", count: 2, labels: {env: production}}
`,
      'tests.yaml': `apiVersion: kubectl-promotion.dev/v1alpha1
kind: RolloutTest
metadata: {name: chart-edit-restarts}
promotion: promotion.yaml
fleet: fleet.yaml
start: "${START}"
events:
- {at: 8m, patch: {spec: {profileSpec: {helmCharts: [{repositoryURL: "https://c.example.com", repositoryName: c,
    chartName: c/app, chartVersion: 2.0.0, releaseName: app, releaseNamespace: apps}]}}}}
- {at: 9m, approve: staging}
- {at: 12m, cluster: prod-2, ready: false}
- {at: 12m, cluster: default/prod-1, labels: {tier: gold, env: null}}
- {at: 13m, addCluster: {name: prod-9, labels: {env: production}, deployTime: 1m}}
- {at: 14m, removeCluster: prod-1}
- {at: 15m, restartController: true}
- {at: 17m, cluster: prod-9, failNextDeploy: true}
- {at: 10m, revoke: staging}
expect:
- {at: 8m30s, stage: staging, phase: Deploying}
- {at: 8m30s, stage: production, phase: Pending}
- {outcome: Completed, by: 2h}
- {stage: production, phase: Deploying, notBefore: "2026-12-07T14:00:00Z"}
- {at: 20m, stage: staging, failureMessageMatches: "timed out"}
- {event: StagePromoted, stage: staging, at: 9m}
- {event: DeployFailed, cluster: prod-9, by: 1h, messageMatches: "attempt 1"}
- {event: PipelineRestarted, notBefore: 1h, never: true}
---
apiVersion: kubectl-promotion.dev/v1alpha1
kind: RolloutTest
metadata: {name: second}
promotion: promotion.yaml
fleet: fleet.yaml
start: "${START}"
horizon: 2d
seed: 7
expect:
- {outcome: AwaitingApproval}
`,
    });
    const r = await loadRolloutTests([join(dir, 'tests.yaml')]);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(
      r.tests.map((t) => t.name),
      ['chart-edit-restarts', 'second'],
    );
    const [t, second] = r.tests;
    assert.equal(t!.start, T0);
    assert.equal(t!.promotion.metadata.name, 'app');
    assert.equal(t!.fleet.clusters.length, 3);
    assert.deepEqual(
      t!.events.map((e) => [e.kind, (e.at - T0) / 60_000, e.where.line]),
      [
        ['patch', 8, 8],
        ['approve', 9, 10],
        ['revoke', 10, 17],
        ['cluster', 12, 11],
        ['cluster', 12, 12],
        ['addCluster', 13, 13],
        ['removeCluster', 14, 14],
        ['restartController', 15, 15],
        ['cluster', 17, 16],
      ],
      'in time order, ties as written',
    );
    assert.deepEqual(t!.events[3], {
      kind: 'cluster',
      cluster: 'default/prod-2',
      ready: false,
      at: min(12),
      where: { file: join(dir, 'tests.yaml'), line: 11, column: 3 },
    });
    assert.deepEqual((t!.events[4] as { labels?: unknown }).labels, { tier: 'gold', env: null });
    assert.deepEqual(
      t!.expect.map((e) => e.kind),
      ['phaseAt', 'phaseAt', 'outcome', 'phaseWithin', 'failureMessage', 'event', 'event', 'event'],
    );
    assert.deepEqual(t!.expect[3], {
      kind: 'phaseWithin',
      stage: 'production',
      phase: 'Deploying',
      notBefore: Date.parse('2026-12-07T14:00:00Z'),
      where: { file: join(dir, 'tests.yaml'), line: 22, column: 3 },
    });
    assert.equal(second!.horizonMs, 2 * 86_400_000);
    assert.equal(second!.seed, 7);
  });

  it('reads every .yaml and .yml file of a directory and skips the promotion and fleet files beside them', async () => {
    const dir = await directory({
      'promotion.yaml': 'apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterPromotion\nmetadata: {name: x}\n',
      'a.yaml': testYaml('a', 'expect: [{outcome: Completed}]'),
      'b.yml': testYaml('b', 'expect: [{outcome: Completed}]'),
      'notes.txt': 'not yaml',
    });
    const r = await loadRolloutTests([dir]);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(
      r.tests.map((t) => t.name),
      ['a', 'b'],
    );
  });

  const cases: [string, string, string, Record<string, string>?][] = [
    ['a file with no test', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', '1:1: no RolloutTest found'],
    ['broken YAML', testYaml('x', 'expect: [{outcome: Completed}\n'), 'test.yaml:27:30: Flow sequence'],
    [
      'a misspelt kind',
      'apiVersion: kubectl-promotion.dev/v1alpha1\nkind: RolloutTests\nmetadata: {name: x}\n',
      '2:7 kind: unknown kind "RolloutTests"; did you mean "RolloutTest"?',
    ],
    ['no start', testYaml('x', 'expect: [{outcome: Completed}]').replace(/^start:.*\n/m, ''), 'start: is required'],
    [
      'a start that is not RFC 3339',
      testYaml('x', 'expect: [{outcome: Completed}]').replace(/^start:.*$/m, 'start: tomorrow'),
      '4:8 start: must be an RFC 3339 time',
    ],
    [
      'a promotion file that is not there',
      testYaml('x', 'promotion: nowhere.yaml\nexpect: [{outcome: Completed}]'),
      '10:12 promotion: cannot read',
    ],
    [
      'an error in the promotion file, at its own line',
      testYaml('x', 'promotion: p.yaml\nexpect: [{outcome: Completed}]'),
      'p.yaml:6:39 spec.stages[0].trigger.auto.delay: invalid duration "5 minutes"',
      {
        'p.yaml':
          'apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterPromotion\nmetadata: {name: ' +
          'p}\nspec:\n  stages:\n  - {name: a, trigger: {auto: {delay: 5 minutes}}}\n',
      },
    ],
    [
      'an error in the inline promotion, at its line in the test',
      testYaml('x', `${PROMOTION.replace('delay: 5m}}', 'delay: 5}}')}\nexpect: [{outcome: Completed}]`),
      'promotionObject.spec.stages[0].trigger.auto.delay',
    ],
    [
      'both promotion and promotionObject',
      testYaml('x', `promotion: p.yaml\n${PROMOTION.trim()}\nexpect: [{outcome: Completed}]`),
      'needs either promotion',
    ],
    [
      'an error in the inline fleet',
      testYaml('x', `${FLEET.replace('deployTime: 2m', 'deployTime: 2')}\nexpect: [{outcome: Completed}]`),
      'fleetObject.clusters[1].deployTime: a unit is missing',
    ],
    [
      'an unknown field',
      testYaml('x', 'expect: [{outcome: Completed}]\nevnts: []'),
      'evnts: unknown field "evnts"; did you mean "events"?',
    ],
    ['no expectations', testYaml('x', 'events: []'), 'expect: is required: a test without expectations checks nothing'],
    [
      'an event without at',
      testYaml('x', 'events: [{approve: staging}]\nexpect: [{outcome: Completed}]'),
      'events[0].at: is required',
    ],
    [
      'an event with two actions',
      testYaml('x', 'events: [{at: 1m, approve: staging, revoke: staging}]\nexpect: [{outcome: Completed}]'),
      'events[0]: has approve and revoke: give only one of',
    ],
    [
      'a time without a unit',
      testYaml('x', 'events: [{at: 5, restartController: true}]\nexpect: [{outcome: Completed}]'),
      'events[0].at: a unit is missing: write 5s, 5m or 5h',
    ],
    [
      'a time before the start',
      testYaml('x', 'expect: [{at: "2026-12-07T09:00:00Z", stage: staging, phase: Pending}]'),
      "expect[0].at: is before the test's start",
    ],
    [
      'a cluster not in the fleet',
      testYaml('x', 'events: [{at: 1m, cluster: prod-7, ready: false}]\nexpect: [{outcome: Completed}]'),
      'events[0].cluster: no cluster "prod-7" in the fleet at that moment',
    ],
    [
      'a cluster already removed',
      testYaml(
        'x',
        'events: [{at: 1m, removeCluster: prod-1}, {at: 2m, cluster: prod-1, ready: true}]\nexpect: ' +
          '[{outcome: Completed}]',
      ),
      'events[1].cluster: no cluster "prod-1" in the fleet at that moment',
    ],
    [
      'a cluster event that changes nothing',
      testYaml('x', 'events: [{at: 1m, cluster: prod-1}]\nexpect: [{outcome: Completed}]'),
      'says what happens to the cluster',
    ],
    [
      'an approval of a stage with no manual trigger',
      testYaml('x', 'events: [{at: 1m, approve: staging}]\nexpect: [{outcome: Completed}]'),
      'events[0].approve: stage "staging" has no manual trigger to approve',
    ],
    [
      'an approval of a stage that does not exist',
      testYaml('x', 'events: [{at: 1m, approve: canary}]\nexpect: [{outcome: Completed}]'),
      'the promotion has no stage "canary" at that moment',
    ],
    [
      'a patch of the status',
      testYaml('x', 'events: [{at: 1m, patch: {status: {}}}]\nexpect: [{outcome: Completed}]'),
      'events[0].patch.status: a test patches the spec',
    ],
    [
      'a patch that leaves stages without names',
      testYaml(
        'x',
        'events: [{at: 1m, patch: {spec: {stages: [{clusterSelector: {}}]}}}]\nexpect: [{outcome: Completed}]',
      ),
      'a merge patch replaces the whole list',
    ],
    [
      'an unknown phase',
      testYaml('x', 'expect: [{at: 1m, stage: staging, phase: Deployed}]'),
      'expect[0].phase: unknown value "Deployed": must be Pending, Deploying',
    ],
    [
      'an unknown stage',
      testYaml('x', 'expect: [{at: 1m, stage: prod, phase: Pending}]'),
      'the promotion has no stage "prod"',
    ],
    ['an unknown outcome', testYaml('x', 'expect: [{outcome: Complete}]'), 'did you mean "Completed"?'],
    ['an unknown event type', testYaml('x', 'expect: [{event: StagePromotion}]'), 'did you mean "StagePromoted"?'],
    [
      'a phase without a time',
      testYaml('x', 'expect: [{stage: staging, phase: Pending}]'),
      'needs at (the phase then)',
    ],
    [
      'a bad regular expression',
      testYaml('x', 'expect: [{at: 1m, stage: staging, failureMessageMatches: "(unclosed"}]'),
      'failureMessageMatches: is not a regular expression',
    ],
    [
      'fields that do not go together',
      testYaml('x', 'expect: [{outcome: Completed, stage: staging}]'),
      'expect[0].stage: does not go with outcome',
    ],
    [
      'two tests with one name',
      `${testYaml('x', 'expect: [{outcome: Completed}]')}\n---\n${testYaml('x', 'expect: [{outcome: Completed}]')}`,
      'another RolloutTest in this file is named "x"',
    ],
  ];
  for (const [what, yaml, expected, extra] of cases) {
    it(`reports ${what} at its place`, async () => {
      const found = await problems(yaml, extra);
      assert.ok(
        found.some((f) => f.includes(expected)),
        `expected a finding with "${expected}", got:\n${found.join('\n')}`,
      );
    });
  }

  it('reads the tests it can when another in the same file is broken', async () => {
    const good = testYaml('good', 'expect: [{outcome: Completed}]');
    const yaml = `${good}\n---\n${testYaml('bad', 'expect: [{outcome: Done}]')}`;
    const dir = await directory({ 'test.yaml': yaml });
    const r = await loadRolloutTests([join(dir, 'test.yaml')]);
    assert.deepEqual(
      r.tests.map((t) => t.name),
      ['good'],
    );
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.line, 55);
  });

  it('reads each promotion and fleet file once, however many tests share them', async () => {
    const [a, b] = await read(
      `${testYaml('a', 'expect: [{outcome: Completed}]')}\n---\n${testYaml('b', 'expect: [{outcome: Completed}]')}`,
    );
    assert.notEqual(a!.promotion, undefined);
    assert.notEqual(b!.promotion, undefined);
  });
});
