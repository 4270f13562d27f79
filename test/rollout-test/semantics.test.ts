// The engine's rules as a RolloutTest's events exercise them (promotion-semantics.md, rules 1-4):
// edits to the profileSpec or the stages restart the pipeline, trigger edits and approvals do not,
// the fleet's membership is re-read at the readiness re-check, and the engine keeps no state a
// controller restart could lose.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation, type SimulationEvent } from '../../simulator/driver.ts';
import { runRolloutTest } from '../../simulator/rollout-test/run.ts';
import { scheduleEvents } from '../../simulator/rollout-test/script.ts';
import { failures, read, runOne, START, testYaml } from './helpers.ts';

const T0 = Date.parse(START);
const min = (n: number) => T0 + n * 60_000;

const CHART_2 = `{repositoryURL: "https://charts.example.com", repositoryName: example, chartName: example/app,
           chartVersion: 2.0.0, releaseName: app, releaseNamespace: apps, helmChartAction: Install}`;

/** The default stages with each trigger given, for patches (a merge patch replaces the whole list). */
function stages(staging: string, production: string, extra = ''): string {
  return `
      stages:
      - {name: staging, clusterSelector: {matchLabels: {env: staging}}, trigger: ${staging}}
      - {name: production, clusterSelector: {matchLabels: {env: production}}, trigger: ${production}}${extra}`;
}

describe('RolloutTest events follow the engine', () => {
  it('undisturbed, the default plan takes 13m: staging 1m + 5m, production 2m + 5m', async () => {
    const r = await runOne(
      'baseline',
      `
expect:
- {at: 6m, stage: production, phase: Deploying}
- {at: 8m, stage: production, phase: Soaking}
- {outcome: Completed, by: 13m}
- {event: PromotionCompleted, at: 13m}`,
    );
    assert.deepEqual(failures(r), []);
  });

  describe('a profileSpec edit', () => {
    const body = `
events:
- at: 10m
  patch:
    spec:
      profileSpec:
        helmCharts:
        - ${CHART_2}
expect:
- {event: PipelineRestarted, at: 10m, messageMatches: profileSpec changed}
- {at: 10m, stage: staging, phase: Deploying}
- {at: 10m, stage: production, phase: Pending}
- {at: 11m, stage: staging, phase: Soaking}
- {at: 16m, stage: production, phase: Deploying}
- {outcome: Completed, by: 23m}`;

    it('restarts the pipeline at stage 1 and runs it through again', async () => {
      assert.deepEqual(failures(await runOne('chart-edit', body)), []);
    });

    it('leaves later stages on their old profile until the pipeline reaches them again', async () => {
      const [test] = await read(testYaml('chart-edit', body));
      const sim = new Simulation({ promotion: test!.promotion, fleet: test!.fleet, start: test!.start });
      scheduleEvents(sim, test!.events);
      const version = (stage: string) => sim.fleet.profile(`app-${stage}`)?.spec.helmCharts?.[0]?.chartVersion;
      await sim.advanceTo(min(12));
      assert.equal(version('staging'), '2.0.0');
      assert.equal(version('production'), '1.0.0');
      const clusterChart = sim.fleet.summaryOf('app-production', 'default/prod-1')?.spec.clusterProfileSpec;
      assert.equal(clusterChart?.helmCharts?.[0]?.chartVersion, '1.0.0', 'production clusters keep running 1.0.0');
      await sim.advanceTo(min(16));
      assert.equal(version('production'), '2.0.0');
    });
  });

  it('a stage edit restarts the pipeline at stage 1', async () => {
    const r = await runOne(
      'stage-edit',
      `
events:
- at: 10m
  patch:
    spec:${stages(
      '{auto: {delay: 5m}}',
      '{auto: {delay: 5m}}',
      `
      - {name: disaster-recovery, clusterSelector: {matchLabels: {env: dr}}}`,
    )}
expect:
- {event: PipelineRestarted, at: 10m, messageMatches: stages changed}
- {event: StageStarted, stage: staging, at: 10m}
- {at: 14m, stage: staging, phase: Soaking}      # its profile is unchanged: deployed at once, soaking again
- {at: 15m, stage: production, phase: Soaking}
- {outcome: Completed, by: 20m}                   # disaster-recovery matches no cluster: done at once`,
    );
    assert.deepEqual(failures(r), []);
  });

  it('a trigger edit restarts nothing: a lengthened soak in flight is honoured', async () => {
    const r = await runOne(
      'delay-edit',
      `
events:
- at: 3m
  patch:
    spec:${stages('{auto: {delay: 10m}}', '{auto: {delay: 5m}}')}
expect:
- {event: PipelineRestarted, never: true}
- {at: 10m, stage: staging, phase: Soaking}
- {stage: production, phase: Deploying, notBefore: 11m, by: 11m}`,
    );
    assert.deepEqual(failures(r), []);
  });

  it('an approval restarts nothing, and one given before the gate is honoured when the gate is reached', async () => {
    const r = await runOne(
      'approval',
      `
events:
- at: 30s
  patch:
    spec:${stages('{manual: {}}', '{auto: {delay: 5m}}')}
- {at: 40s, approve: staging}
expect:
- {event: PipelineRestarted, never: true}
- {stage: staging, phase: AwaitingApproval, notBefore: 1h}
- {stage: production, phase: Deploying, notBefore: 1m, by: 1m}
- {event: ApprovalReset, stage: staging, at: 1m}`,
    );
    assert.deepEqual(failures(r), []);
  });

  it('a revoked approval holds the gate again', async () => {
    const r = await runOne(
      'revoke',
      `
events:
- at: 30s
  patch:
    spec:${stages('{manual: {}}', '{auto: {delay: 5m}}')}
- {at: 40s, approve: staging}
- {at: 50s, revoke: staging}
expect:
- {at: 1h, stage: staging, phase: AwaitingApproval}
- {outcome: AwaitingApproval, by: 1m}
- {event: Revoked, stage: staging, at: 50s, messageMatches: approval revoked}`,
    );
    assert.deepEqual(failures(r), []);
  });

  describe('a cluster that joins a stage during its soak', () => {
    it('(a new cluster) is deployed before the stage passes its readiness re-check', async () => {
      const r = await runOne(
        'cluster-joins',
        `
events:
- {at: 3m, addCluster: {name: staging-3, labels: {env: staging}, deployTime: 10m}}
expect:
- {at: 5m, stage: staging, phase: Soaking}
- {at: 6m, stage: staging, phase: CheckingHealth}
- {event: Provisioned, cluster: staging-3, at: 13m}
- {event: StagePromoted, stage: staging, at: 13m}
- {stage: production, phase: Deploying, notBefore: 13m}`,
      );
      assert.deepEqual(failures(r), []);
    });

    it('(a cluster relabelled into it) is deployed there too, and leaves the stage it matched before', async () => {
      const r = await runOne(
        'cluster-relabelled',
        `
events:
- {at: 5m, cluster: prod-3, labels: {env: staging}}
expect:
- {at: 6m, stage: staging, phase: CheckingHealth}
- {event: StagePromoted, stage: staging, at: 6m, never: true}
- {event: StagePromoted, stage: staging, at: 7m}
- {event: StageDeployed, stage: production, messageMatches: "^stage production: 2 cluster"}`,
      );
      assert.deepEqual(failures(r), []);
    });
  });

  describe('a cluster that stops being ready', () => {
    it('no longer matches: a stage failing only on it goes on', async () => {
      const r = await runOne(
        'not-ready',
        `
fleetObject:
  defaults: {deployTime: 1m}
  clusters:
  - {name: staging-1, labels: {env: staging}}
  - {name: staging-2, labels: {env: staging}, failures: permanent, failureMessage: "image pull backoff"}
  - {name: "prod-{i}", count: 3, labels: {env: production}, deployTime: 2m}
events:
- {at: 5m, cluster: staging-2, ready: false}
expect:
- {at: 4m, stage: staging, phase: Failed}
- {at: 4m, stage: staging, failureMessageMatches: "staging-2: .*image pull backoff"}
- {event: StageDeployed, stage: staging, at: 5m, messageMatches: 1 cluster}
- {at: 10m, stage: production, phase: Deploying}
- {outcome: Completed, by: 17m}`,
      );
      assert.deepEqual(failures(r), []);
    });

    it('and a cluster removed from the fleet, likewise', async () => {
      const r = await runOne(
        'removed',
        `
fleetObject:
  defaults: {deployTime: 1m}
  clusters:
  - {name: staging-1, labels: {env: staging}}
  - {name: staging-2, labels: {env: staging}, failures: permanent}
  - {name: prod-1, labels: {env: production}}
events:
- {at: 5m, removeCluster: default/staging-2}
expect:
- {at: 4m, stage: staging, phase: Failed}
- {at: 10m, stage: production, phase: Deploying}`,
      );
      assert.deepEqual(failures(r), []);
    });
  });

  it('a cluster whose next deploy fails shows the failure, and the stage goes on when the retry succeeds', async () => {
    const r = await runOne(
      'fail-next-deploy',
      `
events:
- {at: 5m59s, cluster: prod-2, failNextDeploy: true}
expect:
- {event: DeployFailed, cluster: default/prod-2, at: 8m}
- {at: 8m, stage: production, failureMessageMatches: prod-2}
- {event: StageDeployed, stage: production, at: 10m}`,
    );
    assert.deepEqual(failures(r), []);
  });

  describe('restartController', () => {
    // A soak, a window, a manual gate, a failure being retried, an approval: restarts at each.
    const body = (restarts: string) => `
promotionObject:
  apiVersion: config.projectsveltos.io/v1beta1
  kind: ClusterPromotion
  metadata: {name: app}
  spec:
    profileSpec:
      helmCharts:
      - ${CHART_2}
    stages:
    - name: staging
      clusterSelector: {matchLabels: {env: staging}}
      trigger: {auto: {delay: 5m, promotionWindow: {from: "0 14 * * 1-5", to: "0 16 * * 1-5"}}}
    - name: production
      clusterSelector: {matchLabels: {env: production}}
      trigger: {manual: {delay: 10m}}
fleetObject:
  defaults: {deployTime: 1m}
  clusters:
  - {name: "staging-{i}", count: 2, labels: {env: staging}}
  - {name: "prod-{i}", count: 3, labels: {env: production}, deployTime: 2m, failures: 1}
events:
${restarts}
- {at: "2026-12-07T14:30:00Z", approve: production}
expect:
- {outcome: Completed}`;
    const restarts = ['0s', '30s', '1m', '3m', '2h', '4h', '4h1m', '4h2m', '4h3m', '4h10m', '4h20m', '4h30m']
      .map((at) => `- {at: ${at}, restartController: true}`)
      .join('\n');

    function timeline(events: readonly SimulationEvent[]): string[] {
      return events
        .filter((e) => e.type !== 'Scripted')
        .map((e) => `${new Date(e.at).toISOString()} ${e.type} ${e.stage ?? '-'} ${e.cluster ?? '-'} ${e.message}`)
        .map((line) => line.replace(/\([^()]*\.yaml:\d+:\d+\)/, '(where the test says)'));
    }

    it('gives the same timeline as no restart', async () => {
      const [plain] = await read(testYaml('plain', body('- {at: 0s, restartController: true}')));
      const [restarted] = await read(testYaml('restarted', body(restarts)));
      plain!.events = plain!.events.filter((e) => e.kind !== 'restartController');
      const a = await runRolloutTest(plain!);
      const b = await runRolloutTest(restarted!);
      assert.deepEqual(failures(a), []);
      // The window opens at 14:00, production deploys by 14:04 (a retry), soaks 10m, is approved at 14:30.
      assert.equal(a.run.completedAt, Date.parse('2026-12-07T14:30:00Z'));
      assert.deepEqual(timeline(b.run.events), timeline(a.run.events));
      assert.equal(b.run.events.filter((e) => e.type === 'Scripted').length, 12, 'every restart is on the timeline');
    });
  });
});
