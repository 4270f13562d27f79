import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SourceError, type Finding } from '../../src/api/findings.ts';
import { parseYaml } from '../../src/api/yaml-source.ts';
import { assertNoErrors, loadPromotions, validateObjects } from '../../src/api/validate.ts';
import { UserError } from '../../src/user-error.ts';
import { nestedAll } from '../health/checks.ts';

async function lint(text: string, file = 'promo.yaml'): Promise<Finding[]> {
  const loaded = parseYaml(text, file);
  const r = await validateObjects(loaded.objects, [file]);
  return [...loaded.findings, ...r.findings];
}

/** 1-based line and column of the `nth` occurrence of `needle` (plus `shift` characters). */
function posOf(text: string, needle: string, shift = 0, nth = 1): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `"${needle}" not in the test's YAML`);
  }
  at += shift;
  const before = text.slice(0, at);
  return { line: before.split('\n').length, column: at - before.lastIndexOf('\n') };
}

/** Asserts exactly one finding at `path`, of that severity, at that place, saying that. */
function expectFinding(
  findings: Finding[],
  path: string,
  where: { line: number; column: number },
  message: RegExp,
  severity = 'error',
) {
  const at = findings.filter((f) => f.path === path);
  assert.equal(at.length, 1, `one finding at ${path}; got ${JSON.stringify(findings, null, 1)}`);
  const f = at[0]!;
  assert.equal(f.severity, severity);
  assert.deepEqual({ line: f.line, column: f.column }, where, `position of ${path}: ${f.message}`);
  assert.match(f.message, message);
}

const errors = (fs: Finding[]) => fs.filter((f) => f.severity === 'error');

function promotion(stages: string, profileSpec = '    syncMode: Continuous\n'): string {
  return `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata:
  name: demo
spec:
  profileSpec:
${profileSpec}  stages:
${stages}`;
}

const KYVERNO = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata:
  name: test-kyverno-rollout
spec:
  profileSpec:
    syncMode: Continuous
    helmCharts:
    - repositoryURL: https://kyverno.github.io/kyverno/
      repositoryName: kyverno
      chartName: kyverno/kyverno
      chartVersion: 3.5.2
      releaseName: kyverno-latest
      releaseNamespace: kyverno
      helmChartAction: Install
  stages:
  - name: staging
    clusterSelector:
      matchLabels:
        env: staging
    trigger:
      auto:
        delay: 5m
  - name: production
    clusterSelector:
      matchLabels:
        env: production
    trigger:
      auto:
        delay: 5m
`;

describe('a valid ClusterPromotion', () => {
  it("the documentation's kyverno rollout has no findings", async () => {
    assert.deepEqual(await lint(KYVERNO), []);
  });

  it('takes every trigger option', async () => {
    const text = promotion(`  - name: staging
    clusterSelector:
      matchExpressions:
      - {key: env, operator: In, values: [staging, qa]}
      - {key: broken, operator: DoesNotExist}
    trigger:
      auto:
        delay: 1h30m
        preHealthCheckDeployment:
        - {kind: ConfigMap, namespace: default, name: validation-job}
        postDelayHealthChecks:
        - name: job-done
          featureID: Resources
          group: batch
          version: v1
          kind: Job
          labelFilters:
          - {key: app, operation: Equal, value: validation}
          script: |
            function evaluate()
              return {healthy = obj.status.succeeded == 1, message = "job"}
            end
          evaluateCEL:
          - {name: done, rule: "has(resource.status.succeeded) && resource.status.succeeded == 1"}
        promotionWindow:
          from: CRON_TZ=Europe/Berlin 0 9 * * 1-5
          to: "@daily"
  - name: production
    clusterSelector: {matchLabels: {env: production}}
    trigger:
      manual:
        delay: 300ms
        approved: yes
        automaticReset: false
`);
    assert.deepEqual(await lint(text), []);
  });

  it('lets a stage go without a trigger (it advances right after deploy)', async () => {
    const text = promotion('  - name: only\n    clusterSelector: {matchLabels: {env: a}}\n');
    assert.deepEqual(await lint(text), []);
  });

  it("rejects unknown profileSpec fields, as kubectl's strict field validation does", async () => {
    const text = promotion(
      '  - name: only\n    clusterSelector: {matchLabels: {env: a}}\n',
      '    syncMode: Continuous\n    someFutureField: {deep: [1, 2]}\n    templateResourceRefs: []\n',
    );
    expectFinding(
      await lint(text),
      'spec.profileSpec.someFutureField',
      posOf(text, 'someFutureField'),
      /^unknown field "spec\.profileSpec\.someFutureField"$/,
    );
  });
});

describe('kind and apiVersion', () => {
  it('rejects another apiVersion at its value', async () => {
    const text = KYVERNO.replace('config.projectsveltos.io/v1beta1', 'config.projectsveltos.io/v1alpha1');
    expectFinding(
      await lint(text),
      'apiVersion',
      posOf(text, 'config.'),
      /must be config\.projectsveltos\.io\/v1beta1/,
    );
  });
  it('reports a misspelt kind instead of skipping the object', async () => {
    const text = KYVERNO.replace('kind: ClusterPromotion', 'kind: ClusterPromtion');
    expectFinding(await lint(text), 'kind', posOf(text, 'ClusterPromtion'), /did you mean "ClusterPromotion"/);
  });
  it('reports a file with no ClusterPromotion', async () => {
    const f = await lint('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    assert.deepEqual(f, [
      { severity: 'error', file: 'promo.yaml', path: '', line: 1, column: 1, message: 'no ClusterPromotion found' },
    ]);
  });
  it('reports a promotion name that cannot be a label value', async () => {
    const long = 'a'.repeat(64);
    const text = KYVERNO.replace('test-kyverno-rollout', long);
    expectFinding(await lint(text), 'metadata.name', posOf(text, long), /at most 63/);
  });
  it('reports two promotions with the same name', async () => {
    const text = `${KYVERNO}---\n${KYVERNO}`;
    expectFinding(await lint(text), 'metadata.name', posOf(text, 'test-kyverno-rollout', 0, 2), /also named/);
  });
});

describe('stages', () => {
  it('rejects an empty stage list', async () => {
    const text = promotion('    []\n');
    expectFinding(
      await lint(text),
      'spec.stages',
      posOf(text, 'stages:'),
      /^Invalid value: 0: should have at least 1 items$/,
    );
  });
  it('rejects a missing stage list', async () => {
    const text =
      'apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterPromotion\nmetadata: {name: ' +
      'demo}\nspec:\n  profileSpec: {}\n';
    expectFinding(await lint(text), 'spec.stages', posOf(text, 'spec:'), /^Required value$/);
  });
  it('rejects a duplicate stage name at the second one', async () => {
    const text = promotion(
      '  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n  - name: a\n    clusterSelector: ' +
        '{matchLabels: {env: b}}\n',
    );
    expectFinding(
      await lint(text),
      'spec.stages[1].name',
      posOf(text, 'name: a', 6, 2),
      /^Duplicate value: \{"name":"a"\} \(also spec\.stages\[0\]\)$/,
    );
  });
  it('rejects an empty stage name', async () => {
    const text = promotion('  - name: ""\n    clusterSelector: {matchLabels: {env: a}}\n');
    expectFinding(await lint(text), 'spec.stages[0].name', posOf(text, '""'), /must not be empty/);
  });
  it('rejects a missing stage name at the stage', async () => {
    const text = promotion('  - clusterSelector: {matchLabels: {env: a}}\n');
    expectFinding(await lint(text), 'spec.stages[0].name', posOf(text, 'clusterSelector: {'), /^Required value$/);
  });
  it('rejects a stage name that makes an invalid ClusterProfile name', async () => {
    const text = promotion('  - name: Prod_1\n    clusterSelector: {matchLabels: {env: a}}\n');
    expectFinding(await lint(text), 'spec.stages[0].name', posOf(text, 'Prod_1'), /ClusterProfile name "demo-Prod_1"/);
  });
  it('warns that a stage without clusterSelector, or with an empty one, selects every cluster', async () => {
    const text = promotion('  - name: a\n  - name: b\n    clusterSelector: {}\n');
    const findings = await lint(text);
    expectFinding(
      findings,
      'spec.stages[0]',
      posOf(text, 'name: a'),
      /no clusterSelector, so it selects every/,
      'warning',
    );
    expectFinding(
      findings,
      'spec.stages[1].clusterSelector',
      posOf(text, 'clusterSelector'),
      /is empty, so it selects every cluster/,
      'warning',
    );
  });
  it('rejects unknown stage fields with a suggestion', async () => {
    const text = promotion('  - name: a\n    clusterSelecter: {matchLabels: {env: a}}\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].clusterSelecter',
      posOf(text, 'clusterSelecter'),
      /did you mean "clusterSelector"/,
    );
  });
});

describe('triggers', () => {
  const stage = (trigger: string) =>
    promotion(`  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n    trigger:\n${trigger}`);

  it('rejects both manual and auto, at the trigger', async () => {
    const text = stage('      auto: {delay: 1m}\n      manual: {approved: true}\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger',
      posOf(text, 'trigger:'),
      /^A trigger must have either a 'manual' or 'auto' field, but not both\.$/,
    );
  });
  it('rejects neither (`trigger: {}`)', async () => {
    const text = promotion('  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n    trigger: {}\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger',
      posOf(text, 'trigger:'),
      /^A trigger must have either a 'manual' or 'auto' field, but not both\.$/,
    );
  });
  it('rejects an empty `auto:`, which Kubernetes drops', async () => {
    const text = stage('      auto:\n');
    expectFinding(await lint(text), 'spec.stages[0].trigger.auto', posOf(text, 'auto:'), /auto: \{\}/);
  });
  it('rejects a bad duration at its value', async () => {
    const text = stage('      auto:\n        delay: 5 minutes\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.delay',
      posOf(text, '5 minutes'),
      /invalid duration "5 minutes"/,
    );
  });
  it('rejects a duration written as a number', async () => {
    const text = stage('      manual:\n        delay: 300\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.manual.delay',
      posOf(text, '300'),
      /^Invalid value: 300: must be of type string$/,
    );
  });
  it('rejects a bad cron, naming from or to', async () => {
    const text = stage(
      '      auto:\n        promotionWindow:\n          from: "0 9 * * *"\n          to: "0 25 * * *"\n',
    );
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.promotionWindow.to',
      posOf(text, '"0 25'),
      /bad cron.*25/,
    );
  });
  it('rejects both ends when both are bad', async () => {
    const text = stage('      auto:\n        promotionWindow: {from: "0 0 9 * * *", to: "@every 1h"}\n');
    const f = await lint(text);
    expectFinding(f, 'spec.stages[0].trigger.auto.promotionWindow.from', posOf(text, '"0 0 9'), /6 fields/);
    expectFinding(f, 'spec.stages[0].trigger.auto.promotionWindow.to', posOf(text, '"@every'), /descriptor/);
  });
  it('rejects an unknown CRON_TZ zone', async () => {
    const text = stage(
      '      auto:\n        promotionWindow: {from: "CRON_TZ=Europe/Berlim 0 9 * * *", to: "0 17 * * *"}\n',
    );
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.promotionWindow.from',
      posOf(text, '"CRON_TZ'),
      /Europe\/Berlim/,
    );
  });
  it('rejects a window without `to`', async () => {
    const text = stage('      auto:\n        promotionWindow: {from: "0 9 * * *"}\n');
    // An absent field has no place of its own: the finding points at its parent.
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.promotionWindow.to',
      posOf(text, 'promotionWindow'),
      /^Required value$/,
    );
  });
  it('warns about a window that never closes', async () => {
    const text = stage('      auto:\n        promotionWindow: {from: "@daily", to: "0 0 * * *"}\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.promotionWindow',
      posOf(text, 'promotionWindow'),
      /never closes/,
      'warning',
    );
  });
  it('rejects a string where a boolean is expected', async () => {
    const text = stage('      manual:\n        approved: "true"\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.manual.approved',
      posOf(text, '"true"'),
      /^Invalid value: "true": must be of type boolean$/,
    );
  });
  it('says, as the API server does, that a type error kept the CEL rules from being checked', async () => {
    // Both manual and auto is against a rule; the type error hides that one until it is fixed.
    const text = stage('      manual:\n        approved: "true"\n      auto:\n        delay: 5m\n');
    const findings = await lint(text);
    expectFinding(
      findings,
      'spec',
      posOf(text, 'spec:'),
      /^some validation rules were not checked because the object was invalid; correct the existing errors/,
      'warning',
    );
    assert.deepEqual(
      errors(findings).map((f) => f.path),
      ['spec.stages[0].trigger.manual.approved'],
    );
  });
  it('rejects a field of the other trigger kind', async () => {
    const text = stage('      auto:\n        approved: true\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.approved',
      posOf(text, 'approved'),
      /unknown field "spec\.stages\[0\]\.trigger\.auto\.approved"/,
    );
  });
});

describe('selectors', () => {
  const sel = (selector: string) => promotion(`  - name: a\n    clusterSelector:\n${selector}`);
  it('rejects an unknown operator', async () => {
    const text = sel('      matchExpressions:\n      - {key: env, operator: in, values: [a]}\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].clusterSelector.matchExpressions[0].operator',
      posOf(text, 'in,'),
      /^Unsupported value: "in": supported values: "In", .*; did you mean "In"\?$/,
    );
  });
  it('rejects In without values and Exists with values', async () => {
    const text = sel(
      '      matchExpressions:\n      - {key: env, operator: In}\n      - {key: env, operator: Exists, values: [a]}\n',
    );
    const f = await lint(text);
    expectFinding(
      f,
      'spec.stages[0].clusterSelector.matchExpressions[0].values',
      posOf(text, '{key: env, operator: In'),
      /^Required value: must be specified when `operator` is 'In' or 'NotIn'$/,
    );
    expectFinding(
      f,
      'spec.stages[0].clusterSelector.matchExpressions[1].values',
      posOf(text, 'values: [a]'),
      /^Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'$/,
    );
  });
  it('rejects a label value that is not a string', async () => {
    const text = sel('      matchLabels: {tier: 1}\n');
    expectFinding(
      await lint(text),
      'spec.stages[0].clusterSelector.matchLabels.tier',
      posOf(text, '1}'),
      /^Invalid value: 1: must be of type string$/,
    );
  });
});

describe('health checks', () => {
  const check = (body: string) =>
    promotion(
      `  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n    trigger:\n      auto:\n        ` +
        `postDelayHealthChecks:\n${body}`,
    );

  it('reports Lua that does not parse at its line in the YAML file', async () => {
    const text = check(`        - name: lua
          featureID: Resources
          version: v1
          kind: Pod
          script: |
            function evaluate()
              hs = {}
              hs.healthy = = true
              return hs
            end
`);
    // Lua names the line only, so the finding points at the first character of that line.
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.postDelayHealthChecks[0].script',
      posOf(text, 'hs.healthy = ='),
      /Lua does not parse \(script line 3\)/,
    );
  });
  it('reports CEL that does not compile at its place in the rule', async () => {
    const text = check(`        - name: cel
          featureID: Helm
          version: v1
          kind: Deployment
          evaluateCEL:
          - name: ready
            rule: resource.status.readyReplicas == )
`);
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.postDelayHealthChecks[0].evaluateCEL[0].rule',
      posOf(text, '== )'),
      /CEL does not compile/,
    );
  });
  it('reports Lua that only later Lua versions accept: Sveltos runs Lua 5.1', async () => {
    const text = check(`        - name: lua
          featureID: Resources
          version: v1
          kind: Pod
          script: |
            function evaluate()
              return { healthy = 7 // 2 == 3 }
            end
`);
    expectFinding(
      await lint(text),
      'spec.stages[0].trigger.auto.postDelayHealthChecks[0].script',
      posOf(text, 'return { healthy'),
      /Lua does not parse \(script line 2\): unexpected symbol near '\/'/,
    );
  });
  it('warns about a CEL rule whose estimated cost is over the limit a rehearsal enforces', async () => {
    const rule = nestedAll(6);
    const text = check(`        - name: cel
          featureID: Helm
          version: v1
          kind: Deployment
          evaluateCEL:
          - name: expensive
            rule: '${rule}'
`);
    const f = await lint(text);
    assert.deepEqual(errors(f), []);
    expectFinding(
      f,
      'spec.stages[0].trigger.auto.postDelayHealthChecks[0].evaluateCEL[0].rule',
      posOf(text, "rule: '", 6),
      /^may cost up to \d+ units .* over the rehearsal's limit of 100000: a simulation stops it there/,
      'warning',
    );
  });
  it('knows jobCheck: no kind needed, its reference checked, never with script or evaluateCEL', async () => {
    const good = check(`        - name: smoke
          featureID: Resources
          jobCheck:
            jobRef: {kind: ConfigMap, namespace: default, name: smoke-test}
            timeout: 2m
`);
    assert.deepEqual(errors(await lint(good)), []);
    const text = check(`        - name: smoke
          featureID: Resources
          script: "function evaluate() return {healthy = true} end"
          jobCheck:
            jobRef: {kind: ConfigMap, namespace: default, name: smoke-test}
            timeout: soon
`);
    const f = await lint(text);
    const base = 'spec.stages[0].trigger.auto.postDelayHealthChecks[0].jobCheck';
    // The CRD's rule is on the check itself, and says it in its own words.
    expectFinding(
      f,
      'spec.stages[0].trigger.auto.postDelayHealthChecks[0]',
      posOf(text, 'name: smoke'),
      /^jobCheck cannot be set together with script or evaluateCEL$/,
    );
    expectFinding(f, `${base}.timeout`, posOf(text, 'soon'), /./);
    // An enum value the CRD refuses keeps the API server from running its rules: lint says the same.
    const deployment = text.replace('kind: ConfigMap', 'kind: Deployment');
    expectFinding(await lint(deployment), `${base}.jobRef.kind`, posOf(deployment, 'Deployment'), /ConfigMap/);
  });
  it('requires name and featureID, as the CRD does', async () => {
    const text = check('        - group: apps\n');
    const f = await lint(text);
    const base = 'spec.stages[0].trigger.auto.postDelayHealthChecks[0]';
    for (const k of ['name', 'featureID'])
      expectFinding(f, `${base}.${k}`, posOf(text, 'group: apps'), /^Required value$/);
    assert.equal(f.length, 2, JSON.stringify(f));
  });
  it('warns about a kind without a version', async () => {
    const text = check('        - {name: x, featureID: Resources, kind: Pod}\n');
    const base = 'spec.stages[0].trigger.auto.postDelayHealthChecks[0]';
    expectFinding(await lint(text), `${base}.version`, posOf(text, '{name: x'), /preferred version/, 'warning');
  });
  it('rejects an unknown featureID and label-filter operation', async () => {
    const text = check(
      '        - name: x\n          featureID: Resource\n          version: v1\n          kind: Pod\n       ' +
        '   labelFilters:\n          - {key: a, operation: NotEqual, value: b}\n',
    );
    const f = await lint(text);
    expectFinding(
      f,
      'spec.stages[0].trigger.auto.postDelayHealthChecks[0].featureID',
      posOf(text, 'Resource\n'),
      /did you mean "Resources"/,
    );
    expectFinding(
      f,
      'spec.stages[0].trigger.auto.postDelayHealthChecks[0].labelFilters[0].operation',
      posOf(text, 'NotEqual'),
      /^Unsupported value: "NotEqual": supported values: "Equal", "Different", "Has", "DoesNotHave"$/,
    );
  });
  it('checks the health checks of profileSpec too, unknown fields included', async () => {
    const text = promotion(
      '  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n',
      '    validateHealths:\n    - name: x\n      featureID: Resources\n      version: v1\n      kind: ' +
        'Pod\n      futureField: 1\n      evaluateCEL:\n      - {name: r, rule: "resource.("}\n',
    );
    const f = await lint(text);
    assert.deepEqual(
      f.map((x) => x.path),
      ['spec.profileSpec.validateHealths[0].futureField', 'spec.profileSpec.validateHealths[0].evaluateCEL[0].rule'],
    );
  });
});

describe('profileSpec and policy references', () => {
  it('rejects an unknown syncMode', async () => {
    const text = promotion('  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n', '    syncMode: Continous\n');
    expectFinding(await lint(text), 'spec.profileSpec.syncMode', posOf(text, 'Continous'), /did you mean "Continuous"/);
  });
  it('rejects a bad maxUpdate', async () => {
    const text = promotion('  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n', '    maxUpdate: 150%\n');
    expectFinding(
      await lint(text),
      'spec.profileSpec.maxUpdate',
      posOf(text, '150%'),
      /should match '\^\(\(100\|\[0-9\]\{1,2\}\)%\|\[0-9\]\+\)\$'/,
    );
  });
  it('rejects a clusterSelector in profileSpec, saying that each stage chooses', async () => {
    const text = promotion(
      '  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n',
      '    clusterSelector: {matchLabels: {env: a}}\n',
    );
    expectFinding(
      await lint(text),
      'spec.profileSpec.clusterSelector',
      posOf(text, 'clusterSelector'),
      /^unknown field "spec\.profileSpec\.clusterSelector": in a ClusterPromotion each stage's clusterSelector chooses/,
    );
  });
  it('requires a PolicyRef kind from the enum, and warns without a name', async () => {
    const text = promotion(
      '  - name: a\n    clusterSelector: {matchLabels: {env: a}}\n    trigger:\n      manual:\n        ' +
        'preHealthCheckDeployment:\n        - {kind: ConfigMp, name: x}\n        - {kind: Secret}\n',
    );
    const f = await lint(text);
    expectFinding(
      f,
      'spec.stages[0].trigger.manual.preHealthCheckDeployment[0].kind',
      posOf(text, 'ConfigMp'),
      /did you mean "ConfigMap"/,
    );
    expectFinding(
      f,
      'spec.stages[0].trigger.manual.preHealthCheckDeployment[1].name',
      posOf(text, '{kind: Secret}'),
      /cannot fetch a Secret without a name/,
      'warning',
    );
  });
});

describe('loadPromotions', () => {
  it('returns only the promotions without errors, with every finding', async () => {
    const { Readable } = await import('node:stream');
    const bad = KYVERNO.replace('test-kyverno-rollout', 'broken').replace('delay: 5m', 'delay: soon');
    const r = await loadPromotions(['-'], { stdin: Readable.from([`${KYVERNO}---\n${bad}`]) });
    assert.deepEqual(
      r.promotions.map((p) => p.metadata.name),
      ['test-kyverno-rollout'],
    );
    assert.equal(r.objects[0]!.file, '<stdin>');
    assert.equal(errors(r.findings).length, 1);
    assert.equal(r.findings[0]!.path, 'spec.stages[0].trigger.auto.delay');
  });
  it('throws a UserError naming a missing file', async () => {
    await assert.rejects(
      loadPromotions(['missing.yaml']),
      (e: unknown) => e instanceof UserError && /missing\.yaml/.test(e.message),
    );
  });
});

describe('assertNoErrors', () => {
  it('throws the first error as a one-line SourceError that counts the rest', async () => {
    const text = promotion('  - name: a\n    trigger: {}\n  - name: a\n');
    const f = await lint(text);
    assert.throws(
      () => assertNoErrors(f),
      (e: unknown) =>
        e instanceof SourceError &&
        new RegExp(
          /^promo\.yaml:\d+:\d+ spec\.stages\[0\]\.trigger: A trigger must have either .* \(and /.source +
            /1 more: run kubectl promotion lint/.source,
        ).test(e.message),
    );
  });
  it('lets warnings pass', async () => {
    assertNoErrors(await lint(promotion('  - name: a\n')));
  });
});
