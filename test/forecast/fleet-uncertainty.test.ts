import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml } from '../../src/api/yaml-source.ts';
import { Simulation } from '../../simulator/driver.ts';
import { fleetFromObjects } from '../../simulator/fleet-file.ts';
import type { FleetSpec } from '../../simulator/fleet-spec.ts';
import { T0, cluster, env, m, promotion } from '../simulator/helpers.ts';

const read = (text: string) => {
  const r = parseYaml(text, 'fleet.yaml');
  assert.deepEqual(r.findings, []);
  return fleetFromObjects(r.objects);
};
const fleetWith = (fields: string) => `apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
clusters:
- name: prod-1
${fields}`;
const error = (text: string) => {
  try {
    read(text);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('the fleet file was accepted');
};

describe('uncertainty in the fleet file', () => {
  it('reads deployTime as a log-normal {p50, p90} or a uniform {min, max}, its median as the deploy time', () => {
    const [a] = read(fleetWith('  deployTime: {p50: 2m, p90: 6m}')).clusters;
    assert.deepEqual(a!.deployTime, { kind: 'logNormal', p50Ms: m(2), p90Ms: m(6) });
    assert.equal(a!.deployTimeMs, m(2));
    const [b] = read(fleetWith('  deployTime: {min: 1m, max: 3m}')).clusters;
    assert.deepEqual(b!.deployTime, { kind: 'uniform', minMs: m(1), maxMs: m(3) });
    assert.equal(b!.deployTimeMs, m(2));
    const [c] = read(fleetWith('  deployTime: 90s')).clusters;
    assert.equal(c!.deployTime, undefined, 'a plain duration stays a fixed time');
  });

  it('reads failureRate, from defaults too, and from an annotation on a cluster object', () => {
    const [a] = read(`apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
defaults: {failureRate: 0.05}
clusters:
- name: prod-1`).clusters;
    assert.equal(a!.failureRate, 0.05);
    const [b] = read(`apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: prod-1
  annotations: {kubectl-promotion.dev/failure-rate: "0.1"}
status: {ready: true}`).clusters;
    assert.equal(b!.failureRate, 0.1);
  });

  it('reads a deploy-time distribution from the annotation of a cluster object, as JSON', () => {
    const object = (value: string) => `apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: prod-1
  annotations: {kubectl-promotion.dev/deploy-time: '${value}'}
status: {ready: true}`;
    const [a] = read(object('{"p50": "2m", "p90": "6m"}')).clusters;
    assert.deepEqual(a!.deployTime, { kind: 'logNormal', p50Ms: m(2), p90Ms: m(6) });
    assert.equal(a!.deployTimeMs, m(2));
    const [b] = read(object('{"min": "1m", "max": "3m"}')).clusters;
    assert.deepEqual(b!.deployTime, { kind: 'uniform', minMs: m(1), maxMs: m(3) });
    const [c] = read(object('90s')).clusters;
    assert.equal(c!.deployTime, undefined, 'a plain duration stays a fixed time');
    assert.equal(c!.deployTimeMs, 90_000);
    assert.equal(
      error(object('{"p50": "6m", "p90": "2m"}')),
      'fleet.yaml:5:52 metadata.annotations["kubectl-promotion.dev/deploy-time"].p90: ' +
        'p90 (2m0s) must not be shorter than p50 (6m0s)',
    );
    assert.match(error(object('{"p50": "2m"')), /deploy-time"\]: must be JSON, e\.g\. '\{"p50": "2m", "p90": "6m"\}'/);
  });

  it('names the file, line and field of a distribution that cannot be', () => {
    assert.equal(
      error(fleetWith('  deployTime: {p50: 6m, p90: 2m}')),
      'fleet.yaml:5:30 clusters[0].deployTime.p90: p90 (2m0s) must not be shorter than p50 (6m0s)',
    );
    assert.match(
      error(fleetWith('  deployTime: {min: 3m, max: 1m}')),
      /deployTime.max: max \(1m0s\) must not be shorter than min/,
    );
    assert.match(
      error(fleetWith('  deployTime: {p50: 2m}')),
      /deployTime: must be a duration \(2m\), or a distribution: \{p50: 2m, p90: 6m\}/,
    );
    assert.match(error(fleetWith('  deployTime: {p50: 2m, p90: 6}')), /deployTime\.p90: a unit is missing/);
  });

  it('refuses a failureRate outside [0, 1): every attempt failing is `failures: permanent`', () => {
    assert.match(
      error(fleetWith('  failureRate: 1')),
      /clusters\[0\]\.failureRate: must be a probability from 0 to below 1/,
    );
    assert.match(error(fleetWith('  failureRate: -0.1')), /failureRate: must be a probability/);
    assert.match(error(fleetWith('  failureRate: lots')), /failureRate: must be a probability .* not lots/);
  });
});

describe('a fleet with uncertainty, rehearsed', () => {
  const plan = promotion([{ name: 'production', clusterSelector: env('production') }]);
  const fleet = (more: Partial<FleetSpec['clusters'][number]>): FleetSpec => ({
    clusters: Array.from({ length: 20 }, (_, i) => cluster(`prod-${i}`, { env: 'production' }, more)),
  });
  const deployedAt = async (f: FleetSpec, seed: number) => {
    const sim = new Simulation({ promotion: plan, fleet: f, start: T0, seed });
    const times = new Map<string, number>();
    sim.on((e) => {
      if (e.type === 'Provisioned' && e.cluster) times.set(e.cluster, e.at - T0);
    });
    await sim.run();
    return times;
  };

  it("draws each cluster's deploy time from its distribution, the same for the same seed", async () => {
    const f = fleet({ deployTimeMs: m(2), deployTime: { kind: 'uniform', minMs: m(1), maxMs: m(3) } });
    const a = await deployedAt(f, 4);
    assert.deepEqual(await deployedAt(f, 4), a);
    assert.notDeepEqual(await deployedAt(f, 5), a);
    for (const t of a.values()) assert.ok(t >= m(1) && t <= m(3), `deploy took ${t} ms`);
    assert.ok(new Set(a.values()).size > 10, 'the clusters differ');
  });

  it('fails attempts by chance with failureRate, and Sveltos retries them', async () => {
    const f = fleet({ deployTimeMs: m(1), failureRate: 0.5 });
    const sim = new Simulation({ promotion: plan, fleet: f, start: T0, seed: 1 });
    let failures = 0;
    sim.on((e) => {
      if (e.type === 'DeployFailed') failures++;
    });
    const r = await sim.run();
    assert.equal(r.outcome, 'Completed');
    assert.ok(failures > 5 && failures < 40, `${failures} failed attempts of about 20 expected`);
  });

  it('without distributions, draws nothing: the timeline does not depend on the seed', async () => {
    const f = fleet({ deployTimeMs: m(1) });
    assert.deepEqual(await deployedAt(f, 1), await deployedAt(f, 2));
  });
});
