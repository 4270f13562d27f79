// Server-side apply against the served API, judged by clients nobody here wrote: kubectl
// (`apply --server-side`, `--field-manager`, `--force-conflicts`, `--show-managed-fields`),
// @kubernetes/client-node's KubernetesObjectApi.patch with PatchStrategy.ServerSideApply, and
// Debian's python3-kubernetes (its dynamic client's server_side_apply). Each asserts what kube-apiserver
// answers: the status, reason and message of a conflict, and the object and its managedFields after.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../src/api/types.ts';
import { python, skipKubectl, skipPython } from './clients.ts';
import { kubectl, PROMOTIONS, type TestServer, withServer } from './helpers.ts';

const API_VERSION = 'config.projectsveltos.io/v1beta1';

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

function manifest(
  options: { approved?: boolean; delay?: string; canary?: boolean; team?: boolean } = {},
): KubeObject & { spec: Record<string, unknown> } {
  const stages: unknown[] = [
    {
      name: 'staging',
      clusterSelector: { matchLabels: { env: 'staging' } },
      trigger: { manual: { approved: options.approved ?? false } },
    },
  ];
  if (options.canary !== false) {
    stages.push({ name: 'canary', clusterSelector: { matchLabels: { env: 'canary' } } });
  }
  stages.push({
    name: 'production',
    clusterSelector: { matchLabels: { env: 'production' } },
    trigger: { auto: { delay: options.delay ?? '10m' } },
  });
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterPromotion',
    metadata: { name: 'rollout', labels: options.team === false ? { app: 'web' } : { app: 'web', team: 'payments' } },
    spec: { profileSpec: { syncMode: 'Continuous' }, stages },
  };
}

function write(s: TestServer, name: string, obj: unknown): string {
  const file = join(s.scratch, name);
  writeFileSync(file, JSON.stringify(obj));
  return file;
}

async function managedFields(s: TestServer): Promise<Entry[]> {
  const res = await kubectl(s, ['get', 'clusterpromotion', 'rollout', '-o', 'yaml', '--show-managed-fields']);
  assert.equal(res.code, 0, res.stderr);
  return (parseYaml(res.stdout) as { metadata: { managedFields: Entry[] } }).metadata.managedFields;
}

function stored(s: TestServer): KubeObject & { spec: { stages: Record<string, unknown>[] } } {
  return s.store.get('clusterpromotions', 'rollout') as KubeObject & { spec: { stages: Record<string, unknown>[] } };
}

function stageNamed(s: TestServer, name: string): Record<string, unknown> | undefined {
  return stored(s).spec.stages.find((st) => st.name === name);
}

const APPROVED = '.spec.stages[name="staging"].trigger.manual.approved';

describe('server-side apply with kubectl', { skip: skipKubectl }, () => {
  it('records the applier in managedFields, FieldsV1 keyed by the CRD’s list-map keys', () =>
    withServer(async (s) => {
      const applied = await kubectl(s, ['apply', '--server-side', '-f', write(s, 'p.json', manifest())]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /clusterpromotion.config.projectsveltos.io\/rollout serverside-applied/);
      const [entry, ...rest] = await managedFields(s);
      assert.deepEqual(rest, []);
      assert.equal(entry!.manager, 'kubectl');
      assert.equal(entry!.operation, 'Apply');
      assert.equal(entry!.apiVersion, API_VERSION);
      assert.equal(entry!.fieldsType, 'FieldsV1');
      assert.equal(entry!.time, '2025-03-01T12:00:00Z');
      assert.deepEqual(entry!.fieldsV1, {
        'f:metadata': { 'f:labels': { 'f:app': {}, 'f:team': {} } },
        'f:spec': {
          'f:profileSpec': { 'f:syncMode': {} },
          'f:stages': {
            'k:{"name":"canary"}': { '.': {}, 'f:clusterSelector': {}, 'f:name': {} },
            'k:{"name":"production"}': {
              '.': {},
              'f:clusterSelector': {},
              'f:name': {},
              'f:trigger': { 'f:auto': { 'f:delay': {} } },
            },
            'k:{"name":"staging"}': {
              '.': {},
              'f:clusterSelector': {},
              'f:name': {},
              'f:trigger': { 'f:manual': { 'f:approved': {} } },
            },
          },
        },
      });
      // Without --show-managed-fields kubectl hides them, as against a real server.
      const plain = await kubectl(s, ['get', 'clusterpromotion', 'rollout', '-o', 'yaml']);
      assert.doesNotMatch(plain.stdout, /managedFields/);
    }));

  it('a second manager changing an applied field gets the 409 conflict; --force-conflicts takes it over', () =>
    withServer(async (s) => {
      assert.equal((await kubectl(s, ['apply', '--server-side', '-f', write(s, 'p.json', manifest())])).code, 0);
      const approve = write(s, 'approve.json', manifest({ approved: true }));
      const refused = await kubectl(s, ['apply', '--server-side', '--field-manager=approver', '-f', approve]);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        new RegExp(`error: Apply failed with 1 conflict: conflict with "kubectl": ${escapeRegExp(APPROVED)}\n`),
      );
      assert.match(refused.stderr, /Please review the fields above--they currently have other managers/);
      assert.equal((stageNamed(s, 'staging')!.trigger as { manual: { approved: boolean } }).manual.approved, false);

      // The same values from another manager are no conflict: both own them.
      const same = await kubectl(s, [
        'apply',
        '--server-side',
        '--field-manager=approver',
        '-f',
        write(s, 'same.json', manifest()),
      ]);
      assert.equal(same.code, 0, same.stderr);

      const forced = await kubectl(s, [
        'apply',
        '--server-side',
        '--field-manager=approver',
        '--force-conflicts',
        '-f',
        approve,
      ]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal((stageNamed(s, 'staging')!.trigger as { manual: { approved: boolean } }).manual.approved, true);
      const entries = await managedFields(s);
      const owns = (e: Entry | undefined) => JSON.stringify(e?.fieldsV1).includes('"f:manual":{"f:approved":{}}');
      assert.equal(owns(entries.find((e) => e.manager === 'approver')), true);
      assert.equal(owns(entries.find((e) => e.manager === 'kubectl')), false, 'kubectl lost the field');

      // Now kubectl's own manifest (approved: false) is the one in conflict, with the new owner named.
      const back = await kubectl(s, ['apply', '--server-side', '-f', write(s, 'p.json', manifest())]);
      assert.equal(back.code, 1);
      assert.match(back.stderr, new RegExp(`conflict with "approver": ${escapeRegExp(APPROVED)}`));
    }));

  it('a field set with kubectl patch is that Update manager’s: the conflict names it and its version', () =>
    withServer(async (s) => {
      assert.equal((await kubectl(s, ['apply', '--server-side', '-f', write(s, 'p.json', manifest())])).code, 0);
      const patch = {
        spec: {
          stages: [
            ...stored(s).spec.stages.map((st) =>
              st.name === 'production' ? { ...st, trigger: { auto: { delay: '30m' } } } : st,
            ),
          ],
        },
      };
      const patched = await kubectl(s, [
        'patch',
        'clusterpromotion',
        'rollout',
        '--type=merge',
        '-p',
        JSON.stringify(patch),
      ]);
      assert.equal(patched.code, 0, patched.stderr);
      const entries = await managedFields(s);
      const update = entries.find((e) => e.manager === 'kubectl-patch');
      assert.equal(update?.operation, 'Update');
      assert.equal(update?.apiVersion, API_VERSION);
      // The stages list is keyed by name: a merge patch replacing it takes only what changed.
      assert.deepEqual(update?.fieldsV1, {
        'f:spec': { 'f:stages': { 'k:{"name":"production"}': { 'f:trigger': { 'f:auto': { 'f:delay': {} } } } } },
      });

      const again = await kubectl(s, ['apply', '--server-side', '-f', write(s, 'p.json', manifest())]);
      assert.equal(again.code, 1);
      assert.match(
        again.stderr,
        new RegExp(
          `Apply failed with 1 conflict: conflict with "kubectl-patch" using ${escapeRegExp(API_VERSION)}: ` +
            `${escapeRegExp('.spec.stages[name="production"].trigger.auto.delay')}`,
        ),
      );
    }));

  it('fields the applier no longer sends are removed, unless another manager owns them too', () =>
    withServer(async (s) => {
      assert.equal((await kubectl(s, ['apply', '--server-side', '-f', write(s, 'p.json', manifest())])).code, 0);
      // Another manager co-owns the team label (same value: shared, no conflict).
      const label = await kubectl(s, ['label', 'clusterpromotion', 'rollout', 'owner=sre']);
      assert.equal(label.code, 0, label.stderr);
      const shared = {
        apiVersion: API_VERSION,
        kind: 'ClusterPromotion',
        metadata: { name: 'rollout', labels: { team: 'payments' } },
      };
      const co = await kubectl(s, [
        'apply',
        '--server-side',
        '--field-manager=platform',
        '-f',
        write(s, 'team.json', shared),
      ]);
      assert.equal(co.code, 0, co.stderr);

      const smaller = manifest({ canary: false, team: false });
      const dropped = await kubectl(s, ['apply', '--server-side', '-f', write(s, 'p.json', smaller)]);
      assert.equal(dropped.code, 0, dropped.stderr);
      const after = stored(s);
      assert.deepEqual(
        after.spec.stages.map((st) => st.name),
        ['staging', 'production'],
        'the canary stage kubectl alone applied is gone',
      );
      assert.deepEqual(after.metadata.labels, { app: 'web', team: 'payments', owner: 'sre' });
      const entries = await managedFields(s);
      assert.doesNotMatch(JSON.stringify(entries.find((e) => e.manager === 'kubectl')), /canary|team/);
      assert.match(JSON.stringify(entries.find((e) => e.manager === 'platform')), /f:team/);
      assert.match(JSON.stringify(entries.find((e) => e.manager === 'kubectl-label')), /f:owner/);
    }));

  it('--dry-run=server computes the apply and stores nothing; apply creates what does not exist', () =>
    withServer(async (s) => {
      const file = write(s, 'p.json', manifest());
      const dry = await kubectl(s, [
        'apply',
        '--server-side',
        '--dry-run=server',
        '-f',
        file,
        '-o',
        'json',
        '--show-managed-fields',
      ]);
      assert.equal(dry.code, 0, dry.stderr);
      const shown = JSON.parse(dry.stdout) as KubeObject & { metadata: { managedFields: Entry[] } };
      assert.equal(shown.metadata.managedFields[0]!.manager, 'kubectl');
      assert.equal(s.store.find('clusterpromotions', 'rollout'), undefined);
      const real = await kubectl(s, ['apply', '--server-side', '-f', file]);
      assert.equal(real.code, 0, real.stderr);
      // Defaults the schema adds are the server's, owned by nobody; the applier owns what it sent.
      const production = stageNamed(s, 'production') as { trigger: { auto: Record<string, unknown> } };
      assert.equal(production.trigger.auto.delay, '10m');
    }));

  it('kubectl edit, label and client-side apply each record their own Update manager', () =>
    withServer(async (s) => {
      const file = write(s, 'p.json', manifest());
      assert.equal((await kubectl(s, ['create', '-f', file])).code, 0);
      assert.equal((await kubectl(s, ['label', 'clusterpromotion', 'rollout', 'tier=1'])).code, 0);
      const entries = await managedFields(s);
      assert.deepEqual(
        entries.map((e) => [e.manager, e.operation]),
        [
          ['kubectl-create', 'Update'],
          ['kubectl-label', 'Update'],
        ],
      );
      // A create owns what it set, defaults included, with `.` where it made a map.
      const created = entries[0]!.fieldsV1 as { 'f:spec': Record<string, unknown>; 'f:metadata': unknown };
      assert.deepEqual(created['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {}, 'f:team': {} } });
      assert.deepEqual(Object.keys(created['f:spec']).slice(0, 1), ['.']);
      assert.deepEqual(entries[1]!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
    }));
});

describe('server-side apply over HTTP, as kube-apiserver checks it', () => {
  const apply = (s: TestServer, path: string, body: unknown) =>
    s.request('PATCH', path, { body, contentType: 'application/apply-patch+yaml' });

  it('an apply must name a field manager, its apiVersion and its kind; force is only for applies', () =>
    withServer(async (s) => {
      const missing = await apply(s, `${PROMOTIONS}/rollout`, manifest());
      assert.equal(missing.status, 422);
      assert.equal(missing.json.reason, 'Invalid');
      assert.equal(
        missing.json.message,
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
      const wrongVersion = await apply(s, `${PROMOTIONS}/rollout?fieldManager=t`, {
        ...manifest(),
        apiVersion: 'config.projectsveltos.io/v1alpha1',
      });
      assert.equal(wrongVersion.status, 400);
      assert.equal(
        wrongVersion.json.message,
        'Incorrect version specified in apply patch. Specified patch version: config.projectsveltos.io/v1alpha1, ' +
          'expected: config.projectsveltos.io/v1beta1',
      );
      const otherName = await apply(s, `${PROMOTIONS}/other?fieldManager=t`, manifest());
      assert.equal(otherName.status, 400);
      assert.equal(
        otherName.json.message,
        'the name of the object (rollout) does not match the name on the URL (other)',
      );
      const withFields = await apply(s, `${PROMOTIONS}/rollout?fieldManager=t`, {
        ...manifest(),
        metadata: { name: 'rollout', managedFields: [{ manager: 'x' }] },
      });
      assert.equal(withFields.status, 400);
      assert.equal(withFields.json.message, 'metadata.managedFields must be nil');
      const forcedMerge = await s.request('PATCH', `${PROMOTIONS}/rollout?force=true`, {
        body: {},
        contentType: 'application/merge-patch+json',
      });
      assert.equal(forcedMerge.status, 422);
      assert.equal(
        forcedMerge.json.message,
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      );
      assert.equal(s.store.find('clusterpromotions', 'rollout'), undefined);
    }));

  it('a conflict carries one FieldManagerConflict cause per field; the schema still validates the result', () =>
    withServer(async (s) => {
      assert.equal((await apply(s, `${PROMOTIONS}/rollout?fieldManager=a`, manifest())).status, 201);
      const two = await apply(s, `${PROMOTIONS}/rollout?fieldManager=b`, manifest({ approved: true, delay: '1h' }));
      assert.equal(two.status, 409);
      assert.equal(two.json.reason, 'Conflict');
      assert.equal(
        two.json.message,
        'Apply failed with 2 conflicts: conflicts with "a":\n' +
          '- .spec.stages[name="production"].trigger.auto.delay\n' +
          `- ${APPROVED}`,
      );
      assert.deepEqual(two.json.details, {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "a"',
            field: '.spec.stages[name="production"].trigger.auto.delay',
          },
          { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: APPROVED },
        ],
      });
      const invalid = await apply(s, `${PROMOTIONS}/rollout?fieldManager=a`, {
        ...manifest(),
        spec: { ...manifest().spec, stages: [] },
      });
      assert.equal(invalid.status, 422);
      assert.equal(invalid.json.reason, 'Invalid');
    }));

  it('an apply through /status owns status fields under the status subresource', () =>
    withServer(async (s) => {
      assert.equal((await apply(s, `${PROMOTIONS}/rollout?fieldManager=a`, manifest())).status, 201);
      const status = { apiVersion: API_VERSION, kind: 'ClusterPromotion', metadata: { name: 'rollout' } };
      const res = await apply(s, `${PROMOTIONS}/rollout/status?fieldManager=engine`, {
        ...status,
        status: { currentStageName: 'staging' },
      });
      assert.equal(res.status, 200, res.text);
      const entry = (res.json.metadata.managedFields as Entry[]).find((e) => e.manager === 'engine');
      assert.equal(entry?.subresource, 'status');
      assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:currentStageName': {} } });
      const other = await apply(s, `${PROMOTIONS}/rollout/status?fieldManager=enterprise`, {
        ...status,
        status: { currentStageName: 'production' },
      });
      assert.equal(other.status, 409);
      assert.equal(
        other.json.message,
        'Apply failed with 1 conflict: conflict with "engine" with subresource "status": .status.currentStageName',
      );
    }));
});

describe('server-side apply with @kubernetes/client-node', () => {
  it('KubernetesObjectApi.patch with PatchStrategy.ServerSideApply creates, conflicts (409) and forces', () =>
    withServer(async (s) => {
      const kc = new KubeConfig();
      kc.loadFromFile(s.kubeconfig());
      const api = KubernetesObjectApi.makeApiClient(kc);
      const created = await api.patch(
        asNode(manifest()),
        undefined,
        undefined,
        'node-app',
        false,
        PatchStrategy.ServerSideApply,
      );
      assert.equal(created.metadata?.managedFields?.[0]?.manager, 'node-app');
      await assert.rejects(
        api.patch(
          asNode(manifest({ delay: '1h' })),
          undefined,
          undefined,
          'node-other',
          false,
          PatchStrategy.ServerSideApply,
        ),
        (err: { code?: number; body?: string }) => {
          assert.equal(err.code, 409);
          const status = JSON.parse(String(err.body)) as { reason: string; message: string };
          assert.equal(status.reason, 'Conflict');
          assert.equal(
            status.message,
            'Apply failed with 1 conflict: conflict with "node-app": ' +
              '.spec.stages[name="production"].trigger.auto.delay',
          );
          return true;
        },
      );
      const forced = await api.patch(
        asNode(manifest({ delay: '1h' })),
        undefined,
        undefined,
        'node-other',
        true,
        PatchStrategy.ServerSideApply,
      );
      const production = (
        forced as unknown as { spec: { stages: { name: string; trigger?: { auto?: { delay?: string } } }[] } }
      ).spec.stages.find((st) => st.name === 'production');
      assert.equal(production?.trigger?.auto?.delay, '1h');
      assert.deepEqual(
        forced.metadata?.managedFields?.map((e) => e.manager),
        ['node-app', 'node-other'],
      );
    }));
});

describe('server-side apply with python3-kubernetes', { skip: skipPython }, () => {
  it('the dynamic client’s server_side_apply: created, then a 409 Conflict, then forced', () =>
    withServer(async (s) => {
      const body = JSON.stringify(manifest());
      const changed = JSON.stringify(manifest({ approved: true }));
      const script = `
from kubernetes import dynamic
dyn = dynamic.DynamicClient(client.ApiClient())
res = dyn.resources.get(api_version="config.projectsveltos.io/v1beta1", kind="ClusterPromotion")
# This client's REST layer sends a non-JSON content type only for a body given as text.
made = dyn.server_side_apply(res, body=${JSON.stringify(body)}, name="rollout", field_manager="py-app")
out("created", made.metadata.managedFields[0].manager, made.metadata.managedFields[0].operation)
try:
    dyn.server_side_apply(res, body=${JSON.stringify(changed)}, name="rollout", field_manager="py-approver")
    out("no conflict")
except dynamic.exceptions.ApiException as e:
    status = json.loads(e.body)
    out("status", e.status, status["reason"], type(e).__name__)
    out("message", status["message"])
forced = dyn.server_side_apply(res, body=${JSON.stringify(changed)}, name="rollout", field_manager="py-approver",
                               force_conflicts=True)
out("approved", forced.spec.stages[0].trigger.manual.approved)
`;
      const r = await python(s, script).result();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), [
        'created py-app Apply',
        'status 409 Conflict ConflictError',
        `message Apply failed with 1 conflict: conflict with "py-app": ${APPROVED}`,
        'approved True',
      ]);
      assert.equal((stageNamed(s, 'staging')!.trigger as { manual: { approved: boolean } }).manual.approved, true);
    }));
});

function asNode(obj: KubeObject): KubernetesObject {
  return obj as unknown as KubernetesObject;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
