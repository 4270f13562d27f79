// The TypeScript types of src/api/types.ts against the vendored ClusterPromotion CRD: every field
// the CRD declares has a typed counterpart and the types declare nothing the CRD does not, so a
// refreshed CRD that adds, renames or drops a field fails here until the types follow it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AutoTrigger,
  type CELRule,
  type ClusterPromotionSpec,
  type ClusterPromotionStatus,
  FEATURE_IDS,
  type JobCheck,
  LABEL_FILTER_OPERATIONS,
  type LabelFilter,
  type LabelSelector,
  type LabelSelectorRequirement,
  type ManualTrigger,
  type MetricQuery,
  type MetricSource,
  type ProfileSpec,
  SELECTOR_OPERATORS,
  type Stage,
  type StageStatus,
  SYNC_MODES,
  type TimeWindow,
  type Trigger,
  type ValidateHealth,
} from '../../src/api/types.ts';
import { bundledSchema, type PathSegment } from '../../src/schema/index.ts';

/** Every key of T, no more and no fewer: the compiler checks this side, the test the other. */
type Keys<T> = { [K in keyof Required<T>]: true };
const keys = <T>(record: Keys<T>): string[] => Object.keys(record).sort();

/** The keys T does not mark optional, no more and no fewer. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
const required = <T>(record: { [K in RequiredKeys<T>]: true }): string[] => Object.keys(record).sort();

const schema = bundledSchema('ClusterPromotion');

function declared(path: PathSegment[]): string[] {
  const at = schema.at(path);
  assert.ok(at?.properties, `the CRD declares no properties at ${path.join('.')}`);
  return Object.keys(at.properties).sort();
}

const STAGE = ['spec', 'stages', 0];
const AUTO = [...STAGE, 'trigger', 'auto'];
const MANUAL = [...STAGE, 'trigger', 'manual'];
const CHECK = [...AUTO, 'postDelayHealthChecks', 0];

const EXACT: [string, PathSegment[], string[]][] = [
  [
    'ClusterPromotionSpec',
    ['spec'],
    keys<ClusterPromotionSpec>({ profileSpec: true, stages: true, preserveClusterProfilesOnDelete: true }),
  ],
  ['Stage', STAGE, keys<Stage>({ name: true, clusterSelector: true, trigger: true })],
  ['Trigger', [...STAGE, 'trigger'], keys<Trigger>({ auto: true, manual: true })],
  [
    'AutoTrigger',
    AUTO,
    keys<AutoTrigger>({
      delay: true,
      preHealthCheckDeployment: true,
      postDelayHealthChecks: true,
      promotionWindow: true,
    }),
  ],
  [
    'ManualTrigger',
    MANUAL,
    keys<ManualTrigger>({
      delay: true,
      preHealthCheckDeployment: true,
      postDelayHealthChecks: true,
      approved: true,
      automaticReset: true,
    }),
  ],
  ['TimeWindow', [...AUTO, 'promotionWindow'], keys<TimeWindow>({ from: true, to: true })],
  ['LabelSelector', [...STAGE, 'clusterSelector'], keys<LabelSelector>({ matchLabels: true, matchExpressions: true })],
  [
    'LabelSelectorRequirement',
    [...STAGE, 'clusterSelector', 'matchExpressions', 0],
    keys<LabelSelectorRequirement>({ key: true, operator: true, values: true }),
  ],
  [
    'ValidateHealth',
    CHECK,
    keys<ValidateHealth>({
      name: true,
      featureID: true,
      group: true,
      version: true,
      kind: true,
      namespace: true,
      labelFilters: true,
      script: true,
      evaluateCEL: true,
      metricQueries: true,
      metricSource: true,
      jobCheck: true,
    }),
  ],
  ['LabelFilter', [...CHECK, 'labelFilters', 0], keys<LabelFilter>({ key: true, operation: true, value: true })],
  ['CELRule', [...CHECK, 'evaluateCEL', 0], keys<CELRule>({ name: true, rule: true })],
  ['MetricQuery', [...CHECK, 'metricQueries', 0], keys<MetricQuery>({ name: true, query: true })],
  ['MetricSource', [...CHECK, 'metricSource'], keys<MetricSource>({ url: true, path: true, secretRef: true })],
  ['JobCheck', [...CHECK, 'jobCheck'], keys<JobCheck>({ jobRef: true, timeout: true })],
  [
    'ClusterPromotionStatus',
    ['status'],
    keys<ClusterPromotionStatus>({
      stages: true,
      profileSpecHash: true,
      stagesHash: true,
      currentStageName: true,
      lastPromotionTime: true,
    }),
  ],
  [
    'StageStatus',
    ['status', 'stages', 0],
    keys<StageStatus>({
      name: true,
      lastUpdateReconciledTime: true,
      lastSuccessfulAppliedTime: true,
      lastStatusCheckTime: true,
      failureMessage: true,
      currentStatusDescription: true,
    }),
  ],
];

// The fields each type requires (not `?`), checked against the CRD's `required` lists.
const REQUIRED: [string, PathSegment[], string[]][] = [
  ['Stage', STAGE, required<Stage>({ name: true })],
  ['ValidateHealth', CHECK, required<ValidateHealth>({ name: true, featureID: true })],
  ['LabelFilter', [...CHECK, 'labelFilters', 0], required<LabelFilter>({ key: true, operation: true })],
  ['CELRule', [...CHECK, 'evaluateCEL', 0], required<CELRule>({ name: true, rule: true })],
  ['MetricQuery', [...CHECK, 'metricQueries', 0], required<MetricQuery>({ name: true, query: true })],
  ['MetricSource', [...CHECK, 'metricSource'], required<MetricSource>({ url: true })],
  ['JobCheck', [...CHECK, 'jobCheck'], required<JobCheck>({ jobRef: true })],
  ['TimeWindow', [...AUTO, 'promotionWindow'], required<TimeWindow>({ from: true, to: true })],
  ['StageStatus', ['status', 'stages', 0], required<StageStatus>({ name: true })],
];

describe('the TypeScript types and the vendored CRD', () => {
  for (const [type, path, fields] of REQUIRED) {
    it(`agree on which fields of ${type} are required`, () =>
      assert.deepEqual(fields, [...(schema.at(path)?.required ?? [])].sort()));
  }

  for (const [type, path, fields] of EXACT) {
    it(`agree on the fields of ${type}`, () => assert.deepEqual(fields, declared(path)));
  }

  it('agree on the fields of ProfileSpec the engine types (the rest passes through to ClusterProfiles)', () => {
    const typed: (keyof ProfileSpec & string)[] = [
      'syncMode',
      'tier',
      'continueOnConflict',
      'continueOnError',
      'maxUpdate',
      'maxConsecutiveFailures',
      'policyRefs',
      'helmCharts',
      'kustomizationRefs',
      'validateHealths',
    ];
    const inCrd = declared(['spec', 'profileSpec']);
    assert.deepEqual(
      typed.filter((k) => !inCrd.includes(k)),
      [],
    );
  });

  it('agree on the enumerations', () => {
    const enumAt = (path: PathSegment[]) => schema.at(path)?.enum;
    assert.deepEqual(enumAt(['spec', 'profileSpec', 'syncMode']), [...SYNC_MODES]);
    assert.deepEqual(enumAt([...CHECK, 'featureID']), [...FEATURE_IDS]);
    assert.deepEqual(enumAt([...CHECK, 'labelFilters', 0, 'operation']), [...LABEL_FILTER_OPERATIONS]);
    // metav1.LabelSelector's operator is a plain string in the CRD; the values are Kubernetes'.
    assert.equal(enumAt([...STAGE, 'clusterSelector', 'matchExpressions', 0, 'operator']), undefined);
    assert.deepEqual([...SELECTOR_OPERATORS], ['In', 'NotIn', 'Exists', 'DoesNotExist']);
  });
});
