import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectlAge } from '../../src/duration.ts';
import { formatObjects, objectName, parseOutputFormat } from '../../src/live/output.ts';
import { formatTable } from '../../src/text-table.ts';
import { promotionObject } from './served.ts';

describe('output as kubectl prints it', () => {
  it("ages like kubectl's AGE column", () => {
    const s = 1000;
    const cases: [number, string][] = [
      [-5 * s, '<invalid>'],
      [59 * s, '59s'],
      [119 * s, '119s'],
      [150 * s, '2m30s'],
      [600 * s, '10m'],
      [179 * 60 * s, '179m'],
      [(3 * 60 + 5) * 60 * s, '3h5m'],
      [47 * 3600 * s, '47h'],
      [(3 * 24 + 4) * 3600 * s, '3d4h'],
      [400 * 86400 * s, '400d'],
      [(3 * 365 + 10) * 86400 * s, '3y10d'],
    ];
    for (const [ms, age] of cases) assert.equal(kubectlAge(ms), age, `${ms}ms`);
  });

  it('-o json: keys sorted, 4-space indent; several objects in a List', () => {
    const p = promotionObject('a', []);
    const single = formatObjects([p], 'json', true);
    assert.ok(
      single.startsWith(
        '{\n    "apiVersion": "config.projectsveltos.io/v1beta1",\n    "kind": "ClusterPromotion",\n    "metadata": {',
      ),
    );
    const list = JSON.parse(formatObjects([p, promotionObject('b', [])], 'json', false)) as {
      kind: string;
      apiVersion: string;
      items: unknown[];
    };
    assert.deepEqual([list.apiVersion, list.kind, list.items.length], ['v1', 'List', 2]);
  });

  it('-o name: kind.group/name', () => {
    assert.equal(objectName(promotionObject('checkout', [])), 'clusterpromotion.config.projectsveltos.io/checkout');
  });

  it('tables: left-aligned columns three spaces apart', () => {
    assert.equal(
      formatTable(
        ['NAME', 'AGE'],
        [
          ['a', '1m'],
          ['longer', '2d'],
        ],
      ),
      'NAME     AGE\na        1m\nlonger   2d\n',
    );
  });

  it('an unknown -o names the formats there are', () => {
    assert.throws(
      () => parseOutputFormat('table'),
      /-o table: unknown output format; use one of json, yaml, name, wide/,
    );
  });
});
