// The vendored CRDs applied as kube-apiserver applies them: unknown fields found and pruned,
// defaults filled in, and every schema and CEL-rule problem reported in the server's words.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUNDLED_SOURCES,
  bundledCrds,
  bundledSchema,
  causeReason,
  fieldErrorText,
  RULES_NOT_CHECKED,
} from '../../src/schema/index.ts';

const promotions = bundledSchema('ClusterPromotion');

function promotion(spec: Record<string, unknown>, status?: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name: 'rollout', labels: { team: 'platform' } },
    spec,
    ...(status === undefined ? {} : { status }),
  };
}

const STAGES = [
  { name: 'staging', clusterSelector: { matchLabels: { env: 'staging' } }, trigger: { auto: { delay: '5m' } } },
  { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } }, trigger: { manual: {} } },
];

function errorsOf(obj: unknown, old?: unknown): string[] {
  return promotions.admit(obj, old).errors.map(fieldErrorText);
}

describe('the bundled CRDs', () => {
  it('are the four Sveltos CRDs, each with the commit it was vendored from', () => {
    assert.deepEqual(
      bundledCrds().map((c) => c.spec.names.kind),
      ['ClusterPromotion', 'ClusterProfile', 'ClusterSummary', 'SveltosCluster'],
    );
    for (const source of BUNDLED_SOURCES) assert.match(source.commit, /^[0-9a-f]{7,40}$/);
  });

  it('say how server-side apply merges each list: stages by name, policyRefs whole', () => {
    assert.deepEqual(promotions.listAt(['spec', 'stages']), { listType: 'map', keys: ['name'] });
    assert.deepEqual(promotions.listAt(['status', 'stages']), { listType: 'atomic', keys: [] });
    assert.equal(promotions.listAt(['spec', 'profileSpec', 'policyRefs']).listType, 'atomic');
  });

  it('have the printer columns of the CRD, or the API server default Age when it declares none', () => {
    assert.deepEqual(
      promotions.printerColumns.map((c) => c.name),
      ['Age'],
    );
    assert.deepEqual(
      bundledSchema('SveltosCluster').printerColumns.map((c) => c.name),
      ['Ready', 'ConnectionStatus', 'Version', 'Age', 'Shard'],
    );
  });
});

describe('admitting a ClusterPromotion', () => {
  it('finds and prunes unknown fields, keeping apiVersion, kind and metadata', () => {
    const typo = promotion({
      profileSpec: { syncMode: 'Continuous', fancy: 1 },
      stages: [{ name: 'a', clusterSelctor: {}, trigger: { manual: { aproved: true } } }],
    });
    const { object, unknownFields, errors } = promotions.admit(typo);
    assert.deepEqual(unknownFields, [
      'spec.profileSpec.fancy',
      'spec.stages[0].clusterSelctor',
      'spec.stages[0].trigger.manual.aproved',
    ]);
    assert.deepEqual(errors, []);
    assert.deepEqual((object.metadata as { labels: unknown }).labels, { team: 'platform' });
    assert.deepEqual((object.spec as { stages: unknown[] }).stages[0], {
      name: 'a',
      trigger: { manual: { automaticReset: true } },
    });
    assert.equal(
      (typo.spec as { stages: { clusterSelctor?: unknown }[] }).stages[0]!.clusterSelctor !== undefined,
      true,
    );
  });

  it('applies the defaults of the CRD: automaticReset, a policyRef tier and deploymentType', () => {
    const { object } = promotions.admit(
      promotion({
        profileSpec: { policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'app' }] },
        stages: STAGES,
      }),
    );
    const spec = object.spec as { profileSpec: { policyRefs: object[]; syncMode?: string }; stages: object[] };
    assert.deepEqual(spec.profileSpec.policyRefs[0], {
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'app',
      deploymentType: 'Remote',
      force: false,
      optional: false,
      skipNamespaceCreation: false,
      tier: 100,
    });
    assert.deepEqual(spec.stages[1], { ...STAGES[1], trigger: { manual: { automaticReset: true } } });
  });

  it('drops a null the schema does not allow instead of storing it', () => {
    const { object, errors } = promotions.admit(
      promotion({ profileSpec: {}, stages: [{ name: 'a', trigger: { manual: { approved: null } } }] }),
    );
    assert.deepEqual(errors, []);
    assert.deepEqual((object.spec as { stages: unknown[] }).stages[0], {
      name: 'a',
      trigger: { manual: { automaticReset: true } },
    });
  });

  it('reports wrong types and enum values as kube-apiserver does, and then leaves the CEL rules unchecked', () => {
    const obj = promotion({
      profileSpec: { syncMode: 'Sometimes' },
      stages: [
        { name: 'a', trigger: { manual: { approved: 'yes' } } },
        { name: 'b', trigger: {} },
      ],
    });
    const errors = promotions.admit(obj).errors;
    assert.deepEqual(errors.map(fieldErrorText), [
      'spec.profileSpec.syncMode: Unsupported value: "Sometimes": supported values: "OneTime", "Continuous", ' +
        '"ContinuousWithDriftDetection", "DryRun"',
      'spec.stages[0].trigger.manual.approved: Invalid value: "string": ' +
        'spec.stages[0].trigger.manual.approved in body must be of type boolean: "string"',
      `Invalid value: "null": ${RULES_NOT_CHECKED}`,
    ]);
    assert.deepEqual(errors.map(causeReason), ['FieldValueNotSupported', 'FieldValueTypeInvalid', 'FieldValueInvalid']);
  });

  it('evaluates the x-kubernetes-validations rules with their messages', () => {
    assert.deepEqual(
      errorsOf(
        promotion({
          profileSpec: {
            validateHealths: [
              {
                name: 'job',
                featureID: 'Helm',
                script: 'function evaluate() end',
                jobCheck: { jobRef: { kind: 'Secret', namespace: 'ns', name: 'j' } },
              },
            ],
            policyRefs: [{ namespace: 'default', name: 'app' }],
          },
          stages: [
            { name: 'a', trigger: {} },
            { name: 'b', trigger: { manual: {}, auto: {} } },
          ],
        }),
      ),
      [
        'spec.profileSpec.validateHealths[0]: Invalid value: "object": jobCheck cannot be set together with script ' +
          'or evaluateCEL',
        'spec.profileSpec.policyRefs[0]: Invalid value: "object": either remoteURL or kind must be set, but not both',
        `spec.stages[0].trigger: Invalid value: "object": A trigger must have either a 'manual' or 'auto' ` +
          `field, but not both.`,
        `spec.stages[1].trigger: Invalid value: "object": A trigger must have either a 'manual' or 'auto' ` +
          `field, but not both.`,
      ],
    );
  });

  it('requires spec and stage names, and names a duplicate stage by its key', () => {
    assert.deepEqual(errorsOf({ ...promotion({}), spec: undefined }), ['spec: Required value']);
    assert.deepEqual(errorsOf(promotion({ profileSpec: {} })), ['spec.stages: Required value']);
    assert.deepEqual(
      errorsOf(promotion({ profileSpec: {}, stages: [{ trigger: { manual: {} } }, { name: 'a' }, { name: 'a' }] })),
      ['spec.stages[0].name: Required value', 'spec.stages[2]: Duplicate value: {"name":"a"}'],
    );
  });

  it('checks patterns, minimum values and int-or-string', () => {
    assert.deepEqual(errorsOf(promotion({ profileSpec: { maxUpdate: '150%', tier: 0 }, stages: STAGES })), [
      `spec.profileSpec.maxUpdate: Invalid value: "150%": spec.profileSpec.maxUpdate in body should match ` +
        `'^((100|[0-9]{1,2})%|[0-9]+)$'`,
      'spec.profileSpec.tier: Invalid value: 0: spec.profileSpec.tier in body should be greater than or equal to 1',
    ]);
    assert.deepEqual(errorsOf(promotion({ profileSpec: { maxUpdate: 3 }, stages: STAGES })), []);
    assert.deepEqual(errorsOf(promotion({ profileSpec: { maxUpdate: true }, stages: STAGES })), [
      'spec.profileSpec.maxUpdate: Invalid value: "boolean": spec.profileSpec.maxUpdate in body must be of type ' +
        'integer,string: "boolean"',
      `Invalid value: "null": ${RULES_NOT_CHECKED}`,
    ]);
  });

  it('refuses a status hash that is not base64, as the []byte field it is', () => {
    assert.deepEqual(errorsOf(promotion({ profileSpec: {}, stages: STAGES }, { stagesHash: 'not base64!' })), [
      'status.stagesHash: Invalid value: "not base64!": status.stagesHash in body must be of type byte: "not base64!"',
    ]);
  });

  it('prunes status fields the CRD does not declare (what a controller keeps there is lost)', () => {
    const obj = promotion(
      { profileSpec: {}, stages: STAGES },
      { currentStageName: 'prod', engine: { phase: 'x' }, stages: [{ name: 'prod', soakStartedAt: 'now' }] },
    );
    assert.deepEqual(promotions.prune(obj), ['status.engine', 'status.stages[0].soakStartedAt']);
    assert.deepEqual(obj.status, { currentStageName: 'prod', stages: [{ name: 'prod' }] });
  });
});

describe('transition rules (oldSelf)', () => {
  const clusters = bundledSchema('SveltosCluster');
  const immutable = Object.entries(clusters.root.properties?.spec?.properties ?? {}).find(([, s]) =>
    s['x-kubernetes-validations']?.some((r) => r.rule === 'self == oldSelf'),
  );

  it('run on update only, comparing with the old value', { skip: immutable === undefined }, () => {
    const [field] = immutable!;
    const sample = clusters.root.properties!.spec!.properties![field]!;
    const values: Record<string, (n: number) => unknown> = { string: (n) => `v${n}`, boolean: (n) => n === 1 };
    const value = (n: number) => values[sample.type ?? '']?.(n) ?? n;
    const cluster = (n: number) => ({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      metadata: { name: 'c', namespace: 'ns' },
      spec: { [field]: value(n) },
    });
    const check = (obj: unknown, old?: unknown) =>
      clusters
        .admit(obj, old)
        .errors.filter((e) => e.rule === 'self == oldSelf')
        .map(fieldErrorText);
    assert.deepEqual(check(cluster(1)), []);
    assert.deepEqual(check(cluster(1), cluster(1)), []);
    assert.deepEqual(check(cluster(2), cluster(1)), [
      `spec.${field}: Invalid value: "${sample.type}": Value is immutable`,
    ]);
  });
});
