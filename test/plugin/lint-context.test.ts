// lint --context reads the ClusterPromotion CRD the cluster has installed, over real HTTP from
// the served API, and checks against it: the same file passes or fails with the Sveltos it meets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/api/types.ts';
import { EXIT_BAD_INPUT, EXIT_OK } from '../../plugin/errors.ts';
import { withServer } from '../apiserver/helpers.ts';
import { files, GOOD, run } from './helpers.ts';

const JOB_CHECK = GOOD.replace(
  '      auto: {delay: 5m}\n',
  '      auto:\n        delay: 5m\n        postDelayHealthChecks:\n        - name: smoke\n          ' +
    'featureID: Resources\n' +
    '          jobCheck: {jobRef: {kind: ConfigMap, namespace: default, name: smoke}}\n',
);
const V1_13_CRD = parse(
  readFileSync(new URL('../fixtures/crds/clusterpromotions-v1.13.0.yaml', import.meta.url), 'utf8'),
) as KubeObject;
const CRD_NAME = 'clusterpromotions.config.projectsveltos.io';

describe('lint --context', () => {
  it("checks against the cluster's CRD and names it in -o json", () =>
    withServer(async (s) => {
      const f = await files({ 'promo.yaml': JOB_CHECK });
      const kubeconfig = s.kubeconfig();
      const current = await run([
        'lint',
        '-f',
        f['promo.yaml']!,
        '--kubeconfig',
        kubeconfig,
        '--context',
        '',
        '-o',
        'json',
      ]);
      assert.equal(current.code, EXIT_OK, current.stderr + current.stdout);
      const doc = JSON.parse(current.stdout) as { crd: Record<string, unknown> };
      assert.equal(doc.crd.from, 'cluster');
      assert.equal(doc.crd.name, CRD_NAME);
      assert.match(String(doc.crd.source), /^https:\/\/127\.0\.0\.1:\d+ \(context "/);

      // The cluster runs v1.13.0's CRD: jobCheck is not in it.
      const installed = s.store.get('customresourcedefinitions', CRD_NAME);
      s.store.update('customresourcedefinitions', {
        ...V1_13_CRD,
        metadata: { ...V1_13_CRD.metadata, resourceVersion: installed.metadata.resourceVersion },
      });
      const old = await run(['lint', '-f', f['promo.yaml']!, '--kubeconfig', kubeconfig]);
      assert.equal(old.code, EXIT_BAD_INPUT);
      assert.match(
        old.stdout,
        /unknown field "spec\.stages\[0\]\.trigger\.auto\.postDelayHealthChecks\[0\]\.jobCheck"/,
      );
      assert.match(
        old.stdout,
        /1 error \(1 file checked against clusterpromotions\.config\.projectsveltos\.io v1beta1 from https/,
      );
    }));

  it('says in one line that the cluster has no ClusterPromotion CRD', () =>
    withServer(async (s) => {
      s.store.delete('customresourcedefinitions', CRD_NAME);
      const f = await files({ 'promo.yaml': GOOD });
      const r = await run(['lint', '-f', f['promo.yaml']!, '--kubeconfig', s.kubeconfig()]);
      assert.equal(r.code, 5);
      assert.match(
        r.stderr,
        new RegExp(
          /^error: context "[^"]*" has no CustomResourceDefinition /.source +
            /clusterpromotions\.config\.projectsveltos\.io: is Sveltos installed\?/.source,
        ),
      );
      assert.equal(r.stderr.split('\n').length, 2);
    }));
});
