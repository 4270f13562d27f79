import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml } from '../../src/api/yaml-source.ts';
import { coverageFindings } from '../../src/api/coverage.ts';
import type { ClusterPromotion, ClusterRef } from '../../src/api/types.ts';

const TEXT = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata: {name: demo}
spec:
  profileSpec: {}
  stages:
  - name: staging
    clusterSelector: {matchLabels: {env: staging}}
  - name: wide
    clusterSelector:
      matchExpressions: [{key: env, operator: In, values: [staging, production]}]
  - name: nowhere
    clusterSelector: {matchLabels: {env: nowhere}}
`;

const cluster = (name: string, env: string, ready = true): ClusterRef => ({
  namespace: 'default',
  name,
  type: 'Sveltos',
  labels: { env },
  ready,
});

function run(fleet: ClusterRef[]) {
  const obj = parseYaml(TEXT, 'promo.yaml').objects[0]!;
  return coverageFindings(obj.value as unknown as ClusterPromotion, obj, fleet, 'fleet.yaml');
}

describe('coverage of a fleet by the stages', () => {
  it('warns about a stage that matches no ready cluster, at its selector', () => {
    const f = run([cluster('s1', 'staging'), cluster('p1', 'production')]).filter(
      (x) => x.path === 'spec.stages[2].clusterSelector',
    );
    assert.deepEqual(
      f.map((x) => [x.severity, x.line, x.column, x.message]),
      [['warning', 13, 5, 'stage "nowhere" matches no ready cluster in fleet.yaml']],
    );
  });

  it('says when the clusters a stage selects are not ready (only ready clusters match)', () => {
    const f = run([cluster('s1', 'staging'), cluster('n1', 'nowhere', false)]).find(
      (x) => x.path === 'spec.stages[2].clusterSelector',
    );
    assert.equal(
      f?.message,
      'stage "nowhere" matches no ready cluster in fleet.yaml (1 cluster it selects is not ready)',
    );
  });

  it('warns about clusters that an earlier stage also selects, naming them', () => {
    const f = run([cluster('s1', 'staging'), cluster('s2', 'staging'), cluster('p1', 'production')]).find(
      (x) => x.path === 'spec.stages[1].clusterSelector',
    );
    assert.equal(f?.message, 'stage "wide" also selects 2 clusters of stage "staging": default/s1, default/s2');
    assert.equal(f?.line, 10);
  });

  it('warns about ready clusters no stage reaches, at the stage list', () => {
    const fleet = [
      cluster('s1', 'staging'),
      ...['a', 'b', 'c', 'd'].map((n) => cluster(n, 'qa')),
      cluster('x', 'qa', false),
    ];
    const f = run(fleet).find((x) => x.path === 'spec.stages');
    assert.equal(f?.message, 'no stage reaches 4 clusters of fleet.yaml: default/a, default/b, default/c and 1 more');
    assert.deepEqual([f?.line, f?.column], [6, 3]);
  });

  it('says nothing when every stage has its own clusters and all are reached', () => {
    const obj = parseYaml(TEXT.replace(/ {2}- name: wide[\s\S]*/, ''), 'promo.yaml').objects[0]!;
    assert.deepEqual(
      coverageFindings(obj.value as unknown as ClusterPromotion, obj, [cluster('s1', 'staging')], 'fleet.yaml'),
      [],
    );
  });
});
