import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml } from '../../src/api/yaml-source.ts';
import { fleetFromObjects } from '../../simulator/fleet-file.ts';

const read = (text: string) => {
  const r = parseYaml(text, 'fleet.yaml');
  assert.deepEqual(r.findings, []);
  return fleetFromObjects(r.objects);
};
const fails = (text: string, message: RegExp) =>
  assert.throws(
    () => read(text),
    (e: Error) => {
      assert.match(e.message, message);
      return true;
    },
  );

describe('the fleet file', () => {
  describe('as a Fleet', () => {
    it('makes clusters from defaults, counts with {i}, and per-cluster behaviour', () => {
      const fleet = read(`apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
defaults:
  deployTime: 45s
  labels: {team: payments}
clusters:
- name: prod-{i}
  count: 3
  labels: {env: production}
  jitter: 10s
- name: canary
  namespace: edge
  type: Capi
  labels: {env: canary, team: edge}
  deployTime: 2m
  checkTime: 15s
  failures: 2
  failureMessage: boom
- name: broken
  ready: false
  failures: permanent
`);
      assert.deepEqual(
        fleet.clusters.map((c) => [
          c.namespace,
          c.name,
          c.type,
          c.ready,
          c.deployTimeMs,
          c.checkTimeMs,
          c.jitterMs,
          c.failures,
        ]),
        [
          ['default', 'prod-1', 'Sveltos', true, 45_000, 0, 10_000, 0],
          ['default', 'prod-2', 'Sveltos', true, 45_000, 0, 10_000, 0],
          ['default', 'prod-3', 'Sveltos', true, 45_000, 0, 10_000, 0],
          ['edge', 'canary', 'Capi', true, 120_000, 15_000, 0, 2],
          ['default', 'broken', 'Sveltos', false, 45_000, 0, 0, 'permanent'],
        ],
      );
      assert.deepEqual(fleet.clusters[0]?.labels, { team: 'payments', env: 'production' });
      assert.deepEqual(fleet.clusters[3]?.labels, { team: 'edge', env: 'canary' });
      assert.equal(fleet.clusters[3]?.failureMessage, 'boom');
    });

    it('reads plain objects, objects created by a policyRef with a timeline, and extra kinds', () => {
      const fleet = read(`apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
defaults:
  objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: app, namespace: apps}
  - object:
      apiVersion: batch/v1
      kind: Job
      metadata: {name: check, namespace: default}
    createdBy: {kind: ConfigMap, namespace: projectsveltos, name: check-job}
    timeline:
    - after: 60s
      merge: {status: {succeeded: 1}}
    - after: 5m
      delete: true
  kinds:
  - {group: kyverno.io, version: v1, kind: ClusterPolicy}
clusters:
- name: a-{i}
  count: 2
`);
      const [a, b] = fleet.clusters;
      assert.equal(a?.objects.length, 1);
      assert.equal(a?.objects, b?.objects, 'clusters sharing defaults share one array (one health evaluation)');
      assert.deepEqual(a?.dynamicObjects[0]?.createdBy, {
        kind: 'ConfigMap',
        namespace: 'projectsveltos',
        name: 'check-job',
      });
      assert.deepEqual(a?.dynamicObjects[0]?.timeline, [
        { afterMs: 60_000, merge: { status: { succeeded: 1 } } },
        { afterMs: 300_000, delete: true },
      ]);
      assert.deepEqual(a?.kinds, [{ group: 'kyverno.io', version: 'v1', kind: 'ClusterPolicy' }]);
    });

    it('names the file, line, column and field of every mistake', () => {
      const head = 'apiVersion: kubectl-promotion.dev/v1alpha1\nkind: Fleet\nclusters:\n';
      fails(
        `${head}- name: a\n  deployTime: 5\n`,
        /^fleet\.yaml:5:15 clusters\[0\]\.deployTime: a unit is missing: write 5s, 5m or 5h$/,
      );
      fails(
        `${head}- name: a\n  failures: often\n`,
        /^fleet\.yaml:5:13 clusters\[0\]\.failures: must be a number of failing attempts \(0 or more\) or "permanent"/,
      );
      fails(`${head}- name: a\n  type: Kind\n`, /fleet\.yaml:5:9 clusters\[0\]\.type: must be one of Sveltos, Capi/);
      fails(
        `${head}- name: prod\n  count: 3\n`,
        /fleet\.yaml:4:9 clusters\[0\]\.name: must contain \{i\} when count is set/,
      );
      fails(
        `${head}- name: a\n- name: a\n`,
        /fleet\.yaml:5:9 clusters\[1\]\.name: cluster default\/a is already defined at fleet\.yaml:4:9/,
      );
      fails(`${head}- name: a\n  lables: {}\n`, /fleet\.yaml:5:3 clusters\[0\]\.lables: unknown field/);
      fails(
        `${head}- name: a\n  labels: {tier: 1}\n`,
        /clusters\[0\]\.labels\.tier: must be a string \(quote it: "1"\)/,
      );
      fails(`${head}- name: Big_Name\n`, /clusters\[0\]\.name: "Big_Name" is not a valid Kubernetes name/);
      fails(
        `${head}- name: a\n  objects:\n  - {kind: Job, metadata: {name: j}}\n`,
        /fleet\.yaml:6:5 clusters\[0\]\.objects\[0\]\.apiVersion: is required/,
      );
      fails(
        `${head}- name: a\n  objects:\n  - object: {apiVersion: v1, kind: Pod, metadata: {name: p}}\n    ` +
          `timeline:\n    - after: 1m\n`,
        new RegExp(
          /fleet\.yaml:8:7 clusters\[0\]\.objects\[0\]\.timeline\[0\]: needs merge \(a JSON /.source +
            /merge patch\) or delete: true/.source,
        ),
      );
      fails(
        `${head}- name: a\n  objects:\n  - object: {apiVersion: v1, kind: Pod, metadata: {name: p}}\n    ` +
          `createdBy: {kind: HelmChart, name: x}\n`,
        /clusters\[0\]\.objects\[0\]\.createdBy\.kind: must be ConfigMap or Secret/,
      );
      fails(
        'apiVersion: v1\nkind: Fleet\nclusters: []\n',
        /fleet\.yaml:1:13 apiVersion: must be kubectl-promotion\.dev\/v1alpha1/,
      );
      fails(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
        /fleet\.yaml:2:7 kind: a fleet file holds a Fleet/,
      );
    });
  });

  describe('as a copy of a real fleet', () => {
    it(
      'reads SveltosCluster and Cluster objects from a List: only ready ones match, behaviour from ' + 'annotations',
      () => {
        const fleet = read(`apiVersion: v1
kind: List
items:
- apiVersion: lib.projectsveltos.io/v1beta1
  kind: SveltosCluster
  metadata:
    name: edge-1
    namespace: fleet
    labels: {env: production}
    annotations:
      kubectl-promotion.dev/deploy-time: 3m
      kubectl-promotion.dev/failures: "1"
  status: {ready: true}
- apiVersion: lib.projectsveltos.io/v1beta1
  kind: SveltosCluster
  metadata: {name: edge-2, namespace: fleet}
  status: {ready: false}
- apiVersion: cluster.x-k8s.io/v1beta1
  kind: Cluster
  metadata: {name: capi-1, namespace: capi}
  status: {controlPlaneReady: true}
- apiVersion: cluster.x-k8s.io/v1beta2
  kind: Cluster
  metadata: {name: capi-2, namespace: capi, annotations: {kubectl-promotion.dev/failures: permanent}}
  status: {initialization: {controlPlaneInitialized: true}}
- apiVersion: cluster.x-k8s.io/v1beta2
  kind: Cluster
  metadata: {name: capi-3, namespace: capi}
  status: {initialization: {controlPlaneInitialized: false}}
`);
        assert.deepEqual(
          fleet.clusters.map((c) => [`${c.namespace}/${c.name}`, c.type, c.ready, c.deployTimeMs, c.failures]),
          [
            ['fleet/edge-1', 'Sveltos', true, 180_000, 1],
            ['fleet/edge-2', 'Sveltos', false, 30_000, 0],
            ['capi/capi-1', 'Capi', true, 30_000, 0],
            ['capi/capi-2', 'Capi', true, 30_000, 'permanent'],
            ['capi/capi-3', 'Capi', false, 30_000, 0],
          ],
        );
        assert.deepEqual(fleet.clusters[0]?.labels, { env: 'production' });
      },
    );

    it('reads one object per document too, and points at a bad annotation', () => {
      const two = read(`apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata: {name: a}
status: {ready: true}
---
apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata: {name: b}
`);
      assert.deepEqual(
        two.clusters.map((c) => c.name),
        ['a', 'b'],
      );
      fails(
        `apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: a
  annotations:
    kubectl-promotion.dev/deploy-time: soon
`,
        /fleet\.yaml:6:40 metadata\.annotations\["kubectl-promotion\.dev\/deploy-time"\]: invalid duration "soon"/,
      );
    });
  });

  describe('metrics and jobCheck Jobs', () => {
    it('reads metrics as constants or steps and jobs by jobRef name, defaults included', () => {
      const fleet = read(`apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
defaults:
  metrics: {up: 1}
clusters:
- name: prod-1
  metrics:
    up: 1
    error_rate: [{after: 0s, value: 0.002}, {after: 3m, value: 0.2}]
  jobs:
    smoke-test: {duration: 2m, outcome: Failed}
    warm-up: {}
- name: prod-2
`);
      assert.deepEqual(fleet.clusters[0]!.metrics, {
        up: 1,
        error_rate: [
          { afterMs: 0, value: 0.002 },
          { afterMs: 180_000, value: 0.2 },
        ],
      });
      assert.deepEqual(fleet.clusters[0]!.jobs, {
        'smoke-test': { durationMs: 120_000, outcome: 'Failed' },
        'warm-up': { durationMs: 30_000, outcome: 'Complete' },
      });
      assert.deepEqual(fleet.clusters[1]!.metrics, { up: 1 });
    });

    it('names the field of a bad step or Job', () => {
      const base = 'apiVersion: kubectl-promotion.dev/v1alpha1\nkind: Fleet\nclusters:\n- name: a\n';
      fails(`${base}  metrics: {x: [{after: 3m}]}\n`, /clusters\[0\]\.metrics\.x\[0\]\.value: is required/);
      fails(
        `${base}  metrics: {x: [{after: 3m, value: 1}, {after: 1m, value: 2}]}\n`,
        /metrics\.x\[1\]\.after: steps must be listed in time order/,
      );
      fails(`${base}  metrics: {x: high}\n`, /metrics\.x: must be a number, or a list of steps/);
      fails(`${base}  jobs: {smoke: {outcome: Done}}\n`, /jobs\.smoke\.outcome: must be Complete or Failed/);
    });

    it(
      'reads them from annotations (JSON) on SveltosCluster objects, as a copied real fleet has no such ' + 'fields',
      () => {
        const fleet = read(`apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: prod-1
  namespace: fleet
  annotations:
    kubectl-promotion.dev/metrics: '{"error_rate": [{"after": "0s", "value": 0.002}, {"after": "3m", "value": 0.2}]}'
    kubectl-promotion.dev/jobs: '{"smoke-test": {"duration": "2m", "outcome": "Complete"}}'
status: {ready: true}
`);
        assert.deepEqual(fleet.clusters[0]!.metrics, {
          error_rate: [
            { afterMs: 0, value: 0.002 },
            { afterMs: 180_000, value: 0.2 },
          ],
        });
        assert.deepEqual(fleet.clusters[0]!.jobs, { 'smoke-test': { durationMs: 120_000, outcome: 'Complete' } });
        fails(
          `apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata: {name: a, annotations: {kubectl-promotion.dev/metrics: "{oops"}}
`,
          /kubectl-promotion\.dev\/metrics"\]: must be JSON/,
        );
      },
    );
  });
});
