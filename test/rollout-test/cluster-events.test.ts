// A cluster's own behaviour under scripted events: a metric set from a moment on is what its health
// checks read from then (and a failing check reading it is evaluated again at that very moment), and
// a cluster that joins mid-run is its fleet entry in full: objects with timelines, metrics, Jobs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation, type SimulationEvent } from '../../simulator/driver.ts';
import { scheduleEvents } from '../../simulator/rollout-test/script.ts';
import { failures, read, runOne, testYaml } from './helpers.ts';

/**
 * staging (2 clusters, 1m deploys, 5m soak), then production (3 clusters, 2m deploys, 5m soak, then
 * an error-rate check against a 5% budget).
 */
const GUARDED = `
promotionObject:
  apiVersion: config.projectsveltos.io/v1beta1
  kind: ClusterPromotion
  metadata: {name: app}
  spec:
    profileSpec:
      syncMode: Continuous
      helmCharts:
      - {repositoryURL: "https://charts.example.com", repositoryName: example, chartName: example/app,
         chartVersion: 1.0.0, releaseName: app, releaseNamespace: apps, helmChartAction: Install}
    stages:
    - name: staging
      clusterSelector: {matchLabels: {env: staging}}
      trigger: {auto: {delay: 5m}}
    - name: production
      clusterSelector: {matchLabels: {env: production}}
      trigger:
        auto:
          delay: 5m
          postDelayHealthChecks:
          - name: error-rate
            featureID: Helm
            metricSource: {url: "http://prometheus.monitoring:9090"}
            metricQueries:
            - {name: error_rate, query: "sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m]))"}
            script: |
              function evaluate()
                if metrics.error_rate > 0.05 then
                  local pct = metrics.error_rate * 100
                  return {healthy = false, message = string.format("error rate %.0f%% over the 5%% budget", pct)}
                end
                return {healthy = true, message = "error rate within budget"}
              end`;

const FLEET = `
fleetObject:
  defaults: {deployTime: 1m, metrics: {error_rate: 0.01}}
  clusters:
  - {name: "staging-{i}", count: 2, labels: {env: staging}}
  - {name: "prod-{i}", count: 3, labels: {env: production}, deployTime: 2m}`;

describe('a metric event', () => {
  it('rising on a production cluster mid-soak holds the stage with the script’s message', async () => {
    const r = await runOne(
      'error-rate-rises',
      `${GUARDED}
${FLEET}
events:
- {at: 10m, cluster: prod-2, metric: {error_rate: 0.2}}
expect:
- {at: 10m, stage: production, phase: Soaking}
- {at: 13m, stage: production, phase: CheckingHealth}
- {at: 13m, stage: production, failureMessageMatches: "prod-2.*error rate 20% over the 5% budget"}
- {event: HealthCheckFailed, cluster: prod-2, at: 13m, messageMatches: "error rate 20%"}
- {event: HealthCheckFailed, cluster: prod-1, never: true}
- {outcome: Stalled}`,
    );
    assert.deepEqual(failures(r), []);
  });

  it('undisturbed, the same plan completes at 13m', async () => {
    const r = await runOne('error-rate-steady', `${GUARDED}\n${FLEET}\nexpect:\n- {outcome: Completed, by: 13m}`);
    assert.deepEqual(failures(r), []);
  });

  it('is read by the failing check at the exact moment it changes: the stage goes on then', async () => {
    const r = await runOne(
      'error-rate-recovers',
      `${GUARDED}
${FLEET}
events:
- {at: 10m, cluster: prod-2, metric: {error_rate: 0.2}}
- {at: 21m17s, cluster: prod-2, metric: {error_rate: 0.03}}
expect:
- {at: 21m16s, stage: production, phase: CheckingHealth}
- {at: 21m16s, stage: production, failureMessageMatches: "error rate 20%"}
- {event: HealthChecksPassed, cluster: prod-2, at: 21m17s}
- {outcome: Completed, by: 21m17s}
- {event: PromotionCompleted, at: 21m17s}`,
    );
    assert.deepEqual(failures(r), []);
  });

  it('answers a query the cluster had no data for (the check fails with no data until then)', async () => {
    const r = await runOne(
      'error-rate-appears',
      `${GUARDED}
fleetObject:
  defaults: {deployTime: 1m}
  clusters:
  - {name: "staging-{i}", count: 2, labels: {env: staging}}
  - {name: "prod-{i}", count: 3, labels: {env: production}, deployTime: 2m, metrics: {error_rate: 0.01}}
  - {name: prod-4, labels: {env: production}, deployTime: 2m}
events:
- {at: 15m, cluster: prod-4, metric: {error_rate: 0.02}}
expect:
- {at: 13m, stage: production, failureMessageMatches: "prod-4.*returned no data"}
- {event: PromotionCompleted, at: 15m}`,
    );
    assert.deepEqual(failures(r), []);
  });

  it('gives way to a later step of the cluster’s own series', async () => {
    const r = await runOne(
      'error-rate-steps',
      `${GUARDED}
fleetObject:
  defaults: {deployTime: 1m, metrics: {error_rate: 0.01}}
  clusters:
  - {name: "staging-{i}", count: 2, labels: {env: staging}}
  - name: "prod-{i}"
    count: 3
    labels: {env: production}
    deployTime: 2m
    metrics: {error_rate: [{after: 0s, value: 0.01}, {after: 20m, value: 0.01}]}
events:
- {at: 7m, cluster: prod-1, metric: {error_rate: 0.5}}
expect:
- {at: 13m, stage: production, failureMessageMatches: "prod-1.*error rate 50%"}
- {event: PromotionCompleted, at: 26m}`,
    );
    assert.deepEqual(failures(r), []);
  });
});

/** staging checks, after its soak, that the app's Deployment is Available, its error rate and a smoke test. */
const CHECKED_STAGING = `
promotionObject:
  apiVersion: config.projectsveltos.io/v1beta1
  kind: ClusterPromotion
  metadata: {name: app}
  spec:
    profileSpec:
      syncMode: Continuous
      helmCharts:
      - {repositoryURL: "https://charts.example.com", repositoryName: example, chartName: example/app,
         chartVersion: 1.0.0, releaseName: app, releaseNamespace: apps, helmChartAction: Install}
    stages:
    - name: staging
      clusterSelector: {matchLabels: {env: staging}}
      trigger:
        auto:
          delay: 5m
          postDelayHealthChecks:
          - name: available
            featureID: Helm
            group: apps
            version: v1
            kind: Deployment
            namespace: apps
            script: |
              function evaluate()
                for _, c in ipairs(obj.status.conditions or {}) do
                  if c.type == "Available" and c.status == "True" then
                    return {healthy = true, message = "available"}
                  end
                end
                return {healthy = false, message = obj.metadata.name .. " is not available"}
              end
          - name: error-rate
            featureID: Helm
            metricSource: {url: "http://prometheus.monitoring:9090"}
            metricQueries: [{name: error_rate, query: "job:errors:ratio5m"}]
            script: |
              function evaluate()
                return {healthy = metrics.error_rate < 0.05, message = "error rate " .. metrics.error_rate}
              end
          - name: smoke
            featureID: Helm
            jobCheck: {jobRef: {kind: ConfigMap, namespace: default, name: smoke-test}, timeout: 10m}
    - name: production
      clusterSelector: {matchLabels: {env: production}}`;

/** A fleet entry with everything a cluster can have: objects with a timeline, metric steps, a Job, failures. */
const JOINER = `{name: staging-9, labels: {env: staging}, deployTime: {min: 1m, max: 3m}, failures: 1,
    metrics: {error_rate: [{after: 0s, value: 0.2}, {after: 9m, value: 0.01}]},
    jobs: {smoke-test: {duration: 4m}},
    objects: [{object: {apiVersion: apps/v1, kind: Deployment, metadata: {name: app, namespace: apps},
                        status: {conditions: [{type: Available, status: "False"}]}},
               timeline: [{after: 8m, merge: {status: {conditions: [{type: Available, status: "True"}]}}}]}]}`;

const OTHERS = `
  - name: "staging-{i}"
    count: 2
    labels: {env: staging}
    metrics: {error_rate: 0.01}
    objects: [{apiVersion: apps/v1, kind: Deployment, metadata: {name: app, namespace: apps},
               status: {conditions: [{type: Available, status: "True"}]}}]
  - {name: "prod-{i}", count: 2, labels: {env: production}}`;

function timeline(events: readonly SimulationEvent[]): string[] {
  return events
    .filter((e) => e.type !== 'Scripted')
    .map((e) => `${new Date(e.at).toISOString()} ${e.type} ${e.stage ?? '-'} ${e.cluster ?? '-'} ${e.message}`);
}

async function rehearse(yaml: string) {
  const [test] = await read(yaml);
  const sim = new Simulation({ promotion: test!.promotion, fleet: test!.fleet, start: test!.start, seed: 7 });
  scheduleEvents(sim, test!.events);
  return sim.run();
}

describe('a cluster joining the fleet', () => {
  it('behaves as the same entry in the fleet file (deploy times, failures, objects, metrics, Jobs)', async () => {
    const inFile = await rehearse(
      testYaml(
        'in-file',
        `${CHECKED_STAGING}\nfleetObject:\n  clusters:${OTHERS}\n  - ${JOINER}\nexpect: [{outcome: Completed}]`,
      ),
    );
    const joined = await rehearse(
      testYaml(
        'joins',
        `${CHECKED_STAGING}\nfleetObject:\n  clusters:${OTHERS}\n` +
          `events:\n- at: 0s\n  addCluster: ${JOINER}\nexpect: [{outcome: Completed}]`,
      ),
    );
    assert.equal(inFile.outcome, 'Completed');
    assert.deepEqual(timeline(joined.events), timeline(inFile.events));
    // What made it late, each in turn: a failed first attempt, its Deployment, its error rate, its Job.
    const own = timeline(inFile.events).filter((l) => l.includes('staging-9'));
    for (const what of [/DeployFailed/, /ObjectUpdated.*Deployment/, /Job .*smoke-test.* completed/]) {
      assert.ok(
        own.some((l) => what.test(l)),
        `${what} on staging-9:\n${own.join('\n')}`,
      );
    }
  });

  it(
    'during the stage’s soak: is deployed, and its objects’ timelines start then; the stage passes its ' +
      'readiness re-check only once its checks pass there (its Deployment at 13m, then the 30s smoke test)',
    async () => {
      const r = await runOne(
        'joins-mid-soak',
        `${CHECKED_STAGING}
fleetObject:
  clusters:${OTHERS}
events:
- at: 3m
  addCluster: {name: staging-9, labels: {env: staging}, deployTime: 1m,
    metrics: {error_rate: 0.01},
    objects: [{object: {apiVersion: apps/v1, kind: Deployment, metadata: {name: app, namespace: apps},
                        status: {conditions: [{type: Available, status: "False"}]}},
               timeline: [{after: 10m, merge: {status: {conditions: [{type: Available, status: "True"}]}}}]}]}
expect:
- {at: 5m, stage: staging, phase: Soaking}
- {event: Provisioned, cluster: staging-9, at: 4m}
- {at: 12m59s, stage: staging, failureMessageMatches: "staging-9.*app is not available"}
- {event: StagePromoted, stage: staging, at: 13m30s}
- {stage: production, phase: Deploying, notBefore: 13m30s}`,
      );
      assert.deepEqual(failures(r), []);
    },
  );
});
