// The 422s a patch can get, worded as kube-apiserver words them: a JSON Patch sent with the merge
// patch content type (the whole document is replaced by an array, which cannot be decoded), and a
// JSON Patch whose `test` fails (a generic 422 without causes: the apiserver builds it with
// NewGenericServerResponse, which keeps the json-patch library's reason out of the Status).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { python, skipKubectl, skipPython } from './clients.ts';
import { kubectl, PROMOTIONS, promotion, withServer } from './helpers.ts';

const ADD_LABEL = [{ op: 'add', path: '/metadata/labels', value: { team: 'payments' } }];
const DECODE_ERROR =
  "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct " +
  '{ APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

describe('a JSON Patch sent as a merge patch', () => {
  it('answers 422 Invalid with a patch cause and leaves the object alone', () =>
    withServer(async (s) => {
      const stored = s.store.create('clusterpromotions', promotion('rollout'));
      const res = await s.request('PATCH', `${PROMOTIONS}/rollout`, {
        body: ADD_LABEL,
        contentType: 'application/merge-patch+json',
      });
      const cause =
        `Invalid value: ` +
        `${JSON.stringify('[{"op":"add","path":"/metadata/labels","value":{"team":"payments"}}]')}: ${DECODE_ERROR}`;
      assert.equal(res.status, 422);
      assert.deepEqual(res.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: ` "" is invalid: patch: ${cause}`,
        reason: 'Invalid',
        details: { causes: [{ reason: 'FieldValueInvalid', message: cause, field: 'patch' }] },
        code: 422,
      });
      assert.equal(
        s.store.get('clusterpromotions', 'rollout').metadata.resourceVersion,
        stored.metadata.resourceVersion,
      );
    }));

  it('a null merge patch is a 400 Invalid JSON Patch', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const res = await s.request('PATCH', `${PROMOTIONS}/rollout`, {
        body: 'null',
        contentType: 'application/merge-patch+json',
      });
      assert.equal(res.status, 400);
      assert.equal(res.json.message, 'Invalid JSON Patch');
    }));

  it('kubectl patch --type=merge with a JSON Patch prints the apiserver message', { skip: skipKubectl }, () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const res = await kubectl(s, [
        'patch',
        'clusterpromotion',
        'rollout',
        '--type=merge',
        '-p',
        JSON.stringify(ADD_LABEL),
      ]);
      assert.equal(res.code, 1);
      assert.match(
        res.stderr,
        /^The request is invalid: patch: Invalid value: ".*": couldn't get version\/kind; json parse/,
      );
      assert.equal(s.store.get('clusterpromotions', 'rollout').metadata.labels, undefined);
    }),
  );
});

describe('a JSON Patch whose test fails', { skip: skipPython }, () => {
  it('gives the Python client a 422 Invalid with the generic message and no causes', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const run = await python(
        s,
        `
api = client.CustomObjectsApi()
patch = [{"op": "test", "path": "/spec/stages/0/name", "value": "staging"},
         {"op": "replace", "path": "/spec/stages/0/name", "value": "canary"}]
try:
    api.api_client.set_default_header("Content-Type", "application/json-patch+json")
    api.patch_cluster_custom_object("config.projectsveltos.io", "v1beta1", "clusterpromotions", "rollout", patch)
    out("patched")
except ApiException as e:
    out(e.status, json.dumps(json.loads(e.body), sort_keys=True))
`,
      ).result();
      assert.equal(run.code, 0, run.stderr);
      const [status, body] = [run.stdout.slice(0, 3), JSON.parse(run.stdout.slice(4))];
      assert.equal(status, '422');
      assert.deepEqual(body, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server rejected our request due to an error in our request',
        reason: 'Invalid',
        details: {},
        code: 422,
      });
      const stages = (s.store.get('clusterpromotions', 'rollout').spec as { stages: { name: string }[] }).stages;
      assert.equal(stages[0]!.name, 'qa');
    }));
});
