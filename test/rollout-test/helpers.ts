// RolloutTests written as their users write them (YAML, inline promotion and fleet), read and run.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRolloutTests } from '../../simulator/rollout-test/load.ts';
import type { RolloutTest } from '../../simulator/rollout-test/model.ts';
import { runRolloutTest, type TestResult } from '../../simulator/rollout-test/run.ts';

export const START = '2026-12-07T10:00:00Z';

/**
 * staging (2 clusters, 1m deploys, 5m soak), then production (3 clusters, 2m deploys, 5m soak), or
 * production behind a manual gate with `manual`.
 */
export const PROMOTION = `
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
      trigger: {auto: {delay: 5m}}
`;

export const FLEET = `
fleetObject:
  defaults: {deployTime: 1m}
  clusters:
  - {name: "staging-{i}", count: 2, labels: {env: staging}}
  - {name: "prod-{i}", count: 3, labels: {env: production}, deployTime: 2m}
`;

/** A whole RolloutTest document: the default promotion and fleet unless `body` brings its own. */
export function testYaml(name: string, body: string): string {
  const own = (field: string) => new RegExp(`^${field}:`, 'm').test(body);
  return [
    'apiVersion: kubectl-promotion.dev/v1alpha1',
    'kind: RolloutTest',
    `metadata: {name: ${name}}`,
    `start: "${START}"`,
    own('promotion(Object)?') ? '' : PROMOTION.trim(),
    own('fleet(Object)?') ? '' : FLEET.trim(),
    body.trim(),
  ]
    .filter(Boolean)
    .join('\n');
}

/** Writes the files into a fresh directory; returns its path. */
export async function directory(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rollout-test-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Reads one test file's tests; fails the calling test on any finding. */
export async function read(yaml: string): Promise<RolloutTest[]> {
  const dir = await directory({ 'test.yaml': yaml });
  const r = await loadRolloutTests([join(dir, 'test.yaml')]);
  if (r.findings.length > 0)
    throw new Error(r.findings.map((f) => `${f.line}:${f.column} ${f.path}: ${f.message}`).join('\n'));
  return r.tests;
}

/** Reads and runs one test. */
export async function runOne(name: string, body: string): Promise<TestResult> {
  const [test] = await read(testYaml(name, body));
  return runRolloutTest(test!);
}

/** The failed expectations as `line: expected / seen`, for assertion messages. */
export function failures(r: TestResult): string[] {
  return r.expectations.filter((e) => !e.passed).map((e) => `${e.expectation.where.line}: ${e.expected} / ${e.seen}`);
}
