// Lint and the schema agree with the CRD Sveltos users run: documents the current CRD accepts
// (the upstream sample, the kinds of documents Sveltos's own tests apply, metric-only and Job
// checks, fields new since v1.13.0) lint without an error, and documents it refuses are refused
// by lint at the field, with the API server's words. Each verdict is also the served API's
// (the same schema's admission), so the two cannot drift apart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../../src/api/findings.ts';
import { parseYaml } from '../../src/api/yaml-source.ts';
import { validateObjects } from '../../src/api/validate.ts';
import { bundledSchema, RULES_NOT_CHECKED } from '../../src/schema/index.ts';

const HEAD = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata:
  name: rollout
spec:
`;

const STAGES = `  stages:
  - name: staging
    clusterSelector:
      matchLabels: {env: staging}
    trigger:
      auto:
        delay: 5m
  - name: production
    clusterSelector:
      matchLabels: {env: production}
    trigger:
      manual: {}
`;

function doc(profileSpec: string, stages = STAGES): string {
  return `${HEAD}  profileSpec:\n${profileSpec}${stages}`;
}

function withCheck(check: string): string {
  return doc(
    '    syncMode: Continuous\n',
    `  stages:
  - name: staging
    clusterSelector:
      matchLabels: {env: staging}
    trigger:
      auto:
        delay: 5m
        postDelayHealthChecks:
${check}`,
  );
}

const ACCEPTED: Record<string, string> = {
  'the upstream sample (helm chart with values, two auto stages)': doc(`    syncMode: Continuous
    helmCharts:
    - repositoryURL: https://kyverno.github.io/kyverno/
      repositoryName: kyverno
      chartName: kyverno/kyverno
      chartVersion: 3.8.2
      releaseName: kyverno-latest
      releaseNamespace: kyverno
      helmChartAction: Install
      values: |
        admissionController:
          replicas: 3
`),
  'a Lua check without kind (the CRD requires only name and featureID)': withCheck(`        - name: script-only
          featureID: Helm
          script: |
            function evaluate() return {healthy = true} end
`),
  'a Job check (new in v1.14)': withCheck(`        - name: smoke-test
          featureID: Resources
          jobCheck:
            jobRef: {kind: ConfigMap, namespace: default, name: smoke}
            timeout: 10m
`),
  'a metrics-only check': withCheck(`        - name: error-rate
          featureID: Helm
          metricSource:
            url: http://prometheus.monitoring:9090
            secretRef: {name: prom, namespace: monitoring}
          metricQueries:
          - {name: errors, query: 'sum(rate(http_requests_total{code=~"5.."}[5m])) < 1'}
`),
  'fields new in profileSpec since v1.13.0': doc(`    policyRefs:
    - deploymentType: Remote
      remoteURL:
        url: https://example.com/policies.tar.gz
        insecureSkipTLSVerify: false
        plainHTTP: false
    helmCharts:
    - repositoryURL: oci://registry.example.com/charts
      repositoryName: example
      chartName: app
      chartVersion: 1.0.0
      releaseName: app
      releaseNamespace: app
      registryCredentialsConfig: {plainHTTP: true, insecureSkipTLSVerify: true}
`),
  'every trigger option, a window, and preserveClusterProfilesOnDelete': `${HEAD}  preserveClusterProfilesOnDelete: true
  profileSpec:
    syncMode: ContinuousWithDriftDetection
    maxUpdate: 30%
    tier: 50
  stages:
  - name: canary
    clusterSelector:
      matchExpressions:
      - {key: env, operator: In, values: [canary]}
    trigger:
      auto:
        delay: 1h
        promotionWindow: {from: "0 9 * * 1-5", to: "0 17 * * 1-5"}
        preHealthCheckDeployment:
        - {kind: ConfigMap, namespace: default, name: verify}
  - name: production
    clusterSelector: {matchLabels: {env: production}}
    trigger:
      manual: {approved: false, automaticReset: false}
`,
};

const REFUSED: Record<string, [string, string, RegExp]> = {
  'a misspelt clusterSelector': [
    STAGES.replace('clusterSelector:', 'clusterSelctor:'),
    'spec.stages[0].clusterSelctor',
    /^unknown field "spec\.stages\[0\]\.clusterSelctor"; did you mean "clusterSelector"\?$/,
  ],
  'a misspelt approved': [
    STAGES.replace('manual: {}', 'manual: {aproved: true}'),
    'spec.stages[1].trigger.manual.aproved',
    /^unknown field "spec\.stages\[1\]\.trigger\.manual\.aproved"; did you mean "approved"\?$/,
  ],
  'approved: "yes"': [
    STAGES.replace('manual: {}', 'manual: {approved: "yes"}'),
    'spec.stages[1].trigger.manual.approved',
    /^Invalid value: "yes": must be of type boolean$/,
  ],
  'a trigger with both auto and manual': [
    STAGES.replace('manual: {}', 'manual: {}\n      auto: {}'),
    'spec.stages[1].trigger',
    /^A trigger must have either a 'manual' or 'auto' field, but not both\.$/,
  ],
  'a stage without name': [STAGES.replace('- name: staging\n    ', '- '), 'spec.stages[0].name', /^Required value$/],
};

const REFUSED_PROFILES: Record<string, [string, string, RegExp]> = {
  'syncMode: Sometimes': [
    '    syncMode: Sometimes\n',
    'spec.profileSpec.syncMode',
    new RegExp(
      /^Unsupported value: "Sometimes": supported values: "OneTime", "Continuous", /.source +
        /"ContinuousWithDriftDetection", "DryRun"$/.source,
    ),
  ],
  'a Job check with a script too': [
    '    validateHealths:\n    - name: x\n      featureID: Helm\n      script: "function evaluate() end"\n  ' +
      '    jobCheck: {jobRef: {kind: Secret, namespace: a, name: b}}\n',
    'spec.profileSpec.validateHealths[0]',
    /^jobCheck cannot be set together with script or evaluateCEL$/,
  ],
  'a Job check naming a Deployment': [
    '    validateHealths:\n    - name: x\n      featureID: Helm\n      jobCheck: {jobRef: {kind: ' +
      'Deployment, namespace: a, name: b}}\n',
    'spec.profileSpec.validateHealths[0].jobCheck.jobRef.kind',
    /^Unsupported value: "Deployment": supported values: "Secret", "ConfigMap"$/,
  ],
  'a policyRef with both kind and remoteURL': [
    '    policyRefs:\n    - {kind: ConfigMap, name: a, remoteURL: {url: "https://x"}}\n',
    'spec.profileSpec.policyRefs[0]',
    /^either remoteURL or kind must be set, but not both$/,
  ],
  'an unknown profileSpec field': [
    '    syncMode: Continuous\n    sincMode: OneTime\n',
    'spec.profileSpec.sincMode',
    /^unknown field "spec\.profileSpec\.sincMode"; did you mean "syncMode"\?$/,
  ],
};

async function lint(text: string): Promise<Finding[]> {
  const loaded = parseYaml(text, 'promo.yaml');
  assert.deepEqual(loaded.findings, []);
  return (await validateObjects(loaded.objects, ['promo.yaml'])).findings;
}

function admitted(text: string): { unknown: string[]; errors: string[] } {
  const loaded = parseYaml(text, 'promo.yaml');
  const { unknownFields, errors } = bundledSchema('ClusterPromotion').admit(loaded.objects[0]!.value);
  // Type and enum errors keep the server from running the CEL rules; it says so in an error of
  // its own, at no field.
  return { unknown: unknownFields, errors: errors.filter((e) => e.detail !== RULES_NOT_CHECKED).map((e) => e.field) };
}

describe('documents the current CRD accepts', () => {
  for (const [what, text] of Object.entries(ACCEPTED)) {
    it(`lint without an error: ${what}`, async () => {
      assert.deepEqual(
        (await lint(text)).filter((f) => f.severity === 'error'),
        [],
      );
      assert.deepEqual(admitted(text), { unknown: [], errors: [] });
    });
  }
});

describe('documents the current CRD refuses', () => {
  const cases = [
    ...Object.entries(REFUSED).map(
      ([what, [stages, path, message]]) => [what, doc('    syncMode: Continuous\n', stages), path, message] as const,
    ),
    ...Object.entries(REFUSED_PROFILES).map(
      ([what, [profile, path, message]]) => [what, doc(profile), path, message] as const,
    ),
  ];
  for (const [what, text, path, message] of cases) {
    it(`are refused at the field: ${what}`, async () => {
      const errors = (await lint(text)).filter((f) => f.severity === 'error');
      assert.deepEqual(
        errors.map((f) => f.path),
        [path],
        JSON.stringify(errors),
      );
      assert.match(errors[0]!.message, message);
      const { unknown, errors: served } = admitted(text);
      assert.deepEqual([...unknown, ...served], [path]);
    });
  }
});
