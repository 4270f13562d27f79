import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labelFilterProblem, matchesLabelFilters, selectObjects, splitApiVersion } from '../../src/health/select.ts';
import { defaultKindExists } from '../../src/health/kinds.ts';
import { deployment, obj } from './objects.ts';

describe('label filters (joined into a label selector, as addon-controller does)', () => {
  const labels = { app: 'web', tier: 'frontend' };

  it('Equal needs the label with exactly that value', () => {
    assert.equal(matchesLabelFilters(labels, [{ key: 'app', operation: 'Equal', value: 'web' }]), true);
    assert.equal(matchesLabelFilters(labels, [{ key: 'app', operation: 'Equal', value: 'api' }]), false);
    assert.equal(matchesLabelFilters({}, [{ key: 'app', operation: 'Equal', value: 'web' }]), false);
  });

  it('Different rejects that value but, like `k!=v`, accepts objects without the label', () => {
    assert.equal(matchesLabelFilters(labels, [{ key: 'app', operation: 'Different', value: 'web' }]), false);
    assert.equal(matchesLabelFilters(labels, [{ key: 'app', operation: 'Different', value: 'api' }]), true);
    assert.equal(matchesLabelFilters({}, [{ key: 'app', operation: 'Different', value: 'web' }]), true);
  });

  it('Has and DoesNotHave look at the key only, whatever the value', () => {
    assert.equal(matchesLabelFilters(labels, [{ key: 'tier', operation: 'Has', value: 'ignored' }]), true);
    assert.equal(matchesLabelFilters(labels, [{ key: 'zone', operation: 'Has' }]), false);
    assert.equal(matchesLabelFilters(labels, [{ key: 'zone', operation: 'DoesNotHave' }]), true);
    assert.equal(matchesLabelFilters(labels, [{ key: 'tier', operation: 'DoesNotHave', value: 'backend' }]), false);
  });

  it('all filters must hold together; no filters select everything', () => {
    const both = [
      { key: 'app', operation: 'Equal', value: 'web' },
      { key: 'tier', operation: 'Different', value: 'frontend' },
    ] as const;
    assert.equal(matchesLabelFilters(labels, [...both]), false);
    assert.equal(matchesLabelFilters({ app: 'web', tier: 'backend' }, [...both]), true);
    assert.equal(matchesLabelFilters(undefined, []), true);
  });

  it('report keys and values a label selector cannot contain', () => {
    assert.equal(labelFilterProblem({ key: 'app.kubernetes.io/name', operation: 'Equal', value: 'web-1' }), null);
    assert.match(labelFilterProblem({ key: 'my app', operation: 'Has' }) ?? '', /"my app" is not a valid label key/);
    assert.match(labelFilterProblem({ key: 'Example.COM/app', operation: 'Has' }) ?? '', /invalid prefix/);
    assert.match(
      labelFilterProblem({ key: 'app', operation: 'Equal', value: 'a,b' }) ?? '',
      /"a,b" is not a valid label value/,
    );
    assert.equal(labelFilterProblem({ key: 'app', operation: 'Has', value: 'a,b' }), null, 'Has ignores the value');
    assert.match(
      labelFilterProblem({ key: 'app', operation: 'In' as never }) ?? '',
      /operation "In" is not one of Equal, Different, Has, DoesNotHave/,
    );
  });
});

describe('selecting the objects of a check', () => {
  const objects = [
    deployment('prod', 'web', 3, 3, { app: 'web' }),
    deployment('dev', 'web', 1, 1, { app: 'web' }),
    deployment('prod', 'api', 2, 2, { app: 'api' }),
    obj('extensions/v1beta1', 'Deployment', 'prod', 'legacy'),
    obj('v1', 'Service', 'prod', 'web'),
    obj('v1', 'Namespace', undefined, 'prod'),
  ];
  const names = (q: Parameters<typeof selectObjects>[0]) =>
    selectObjects(q, objects).map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

  it('match the group and kind of the apiVersion, core group being empty', () => {
    assert.deepEqual(names({ group: 'apps', version: 'v1', kind: 'Deployment' }), ['dev/web', 'prod/api', 'prod/web']);
    assert.deepEqual(names({ group: '', version: 'v1', kind: 'Service' }), ['prod/web']);
    assert.deepEqual(names({ version: 'v1', kind: 'Service' }), ['prod/web'], 'an omitted group is the core group');
    assert.deepEqual(names({ group: '', version: 'v1', kind: 'Deployment' }), []);
    assert.deepEqual(names({ group: 'apps', version: 'v1', kind: 'Service' }), []);
  });

  it('list the objects of a kind at any version the cluster serves for it', () => {
    assert.deepEqual(names({ group: 'apps', version: 'v1beta2', kind: 'Deployment' }), [
      'dev/web',
      'prod/api',
      'prod/web',
    ]);
  });

  it('restrict to the namespace when one is given, all namespaces otherwise', () => {
    assert.deepEqual(names({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod' }), [
      'prod/api',
      'prod/web',
    ]);
    assert.deepEqual(names({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: '' }).length, 3);
    assert.deepEqual(
      names({ version: 'v1', kind: 'Namespace', namespace: 'prod' }),
      [],
      'cluster-scoped objects have no namespace',
    );
    assert.deepEqual(names({ version: 'v1', kind: 'Namespace' }), ['/prod']);
  });

  it('apply the label filters', () => {
    assert.deepEqual(
      names({
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        labelFilters: [{ key: 'app', operation: 'Equal', value: 'web' }],
      }),
      ['dev/web', 'prod/web'],
    );
  });

  it('split apiVersion into group and version', () => {
    assert.deepEqual(splitApiVersion('v1'), { group: '', version: 'v1' });
    assert.deepEqual(splitApiVersion('cert-manager.io/v1'), { group: 'cert-manager.io', version: 'v1' });
  });
});

describe('which kinds a simulated cluster serves', () => {
  const exists = defaultKindExists(
    [obj('cert-manager.io/v1', 'Certificate', 'prod', 'tls')],
    [{ group: 'monitoring.coreos.com', version: 'v1', kind: 'ServiceMonitor' }],
  );

  it('built-in kinds always exist, at their served version only', () => {
    assert.equal(exists('', 'v1', 'Pod'), true);
    assert.equal(exists('apps', 'v1', 'Deployment'), true);
    assert.equal(exists('batch', 'v1', 'CronJob'), true);
    assert.equal(exists('apps', 'v1beta1', 'Deployment'), false);
    assert.equal(exists('apps', '', 'Deployment'), true, 'no version means the preferred one');
    assert.equal(exists('apps', '', 'Widget'), false);
  });

  it('other kinds exist when an object of them is present or the caller lists them', () => {
    assert.equal(exists('cert-manager.io', 'v1', 'Certificate'), true);
    assert.equal(exists('monitoring.coreos.com', 'v1', 'ServiceMonitor'), true);
    assert.equal(exists('kyverno.io', 'v1', 'ClusterPolicy'), false);
  });
});
