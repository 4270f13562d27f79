// The served API applies the CRDs' schema as kube-apiserver does, judged by clients nobody here
// wrote: kubectl (strict field validation, 422 causes, defaults, explain, get crd) and Debian's
// python3-kubernetes; raw HTTP shows the fieldValidation modes and the Warning header.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { bundledCrds } from '../../src/schema/index.ts';
import { python, skipKubectl, skipPython } from './clients.ts';
import { kubectl, PROMOTIONS, promotion, type TestServer, withServer } from './helpers.ts';

function manifest(s: TestServer, name: string, stages: unknown[], profileSpec: object = { syncMode: 'Continuous' }) {
  const file = join(s.scratch, `${name}.yaml`);
  const obj = promotion(name, stages);
  writeFileSync(file, stringify({ ...obj, spec: { ...(obj.spec as object), profileSpec } }));
  return file;
}

describe('the served API with kubectl, against the CRD schema', { skip: skipKubectl }, () => {
  it('refuses typos with strict decoding, as kubectl asks by default, and stores nothing', () =>
    withServer(async (s) => {
      const file = manifest(s, 'typo', [
        { name: 'qa', clusterSelctor: { matchLabels: { env: 'qa' } } },
        { name: 'prod', trigger: { manual: { aproved: true } } },
      ]);
      const res = await kubectl(s, ['apply', '-f', file]);
      assert.notEqual(res.code, 0);
      assert.match(
        res.stderr,
        new RegExp(
          /strict decoding error: unknown field "spec\.stages\[0\]\.clusterSelctor", unknown /.source +
            /field "spec\.stages\[1\]\.trigger\.manual\.aproved"/.source,
        ),
      );
      assert.equal(s.store.find('clusterpromotions', 'typo'), undefined);
    }));

  it('refuses duplicate fields in a raw body kubectl sends unchanged (create --raw)', () =>
    withServer(async (s) => {
      const file = join(s.scratch, 'dup.json');
      writeFileSync(
        file,
        '{"apiVersion":"config.projectsveltos.io/v1beta1","kind":"ClusterPromotion","metadata":{"name":"dup"},' +
          '"spec":{"profileSpec":{},"stages":[{"name":"qa","name":"prod"}]}}',
      );
      const res = await kubectl(s, ['create', '--raw', `${PROMOTIONS}?fieldValidation=Strict`, '-f', file]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /strict decoding error: duplicate field "spec\.stages\[0\]\.name"/);
      assert.equal(s.store.find('clusterpromotions', 'dup'), undefined);
    }));

  it('refuses wrong types and enum values with the 422 and every cause', () =>
    withServer(async (s) => {
      const file = manifest(s, 'wrong', [{ name: 'qa', trigger: { manual: { approved: 'sure' } } }], {
        syncMode: 'Sometimes',
      });
      const res = await kubectl(s, ['apply', '-f', file]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /The ClusterPromotion "wrong" is invalid:/);
      assert.match(
        res.stderr,
        /spec\.profileSpec\.syncMode: Unsupported value: "Sometimes": supported values: "OneTime", "Continuous"/,
      );
      assert.match(
        res.stderr,
        new RegExp(
          /spec\.stages\[0\]\.trigger\.manual\.approved: Invalid value: "string": /.source +
            /spec\.stages\[0\]\.trigger\.manual\.approved in body must be of type boolean: "string"/.source,
        ),
      );
    }));

  it("refuses what a CEL rule refuses, with the rule's message", () =>
    withServer(async (s) => {
      const file = manifest(s, 'both', [{ name: 'qa', trigger: { manual: {}, auto: { delay: '1m' } } }]);
      const res = await kubectl(s, ['apply', '-f', file]);
      assert.notEqual(res.code, 0);
      assert.match(
        res.stderr,
        new RegExp(
          /spec\.stages\[0\]\.trigger: Invalid value: "object": A trigger must have either a /.source +
            /'manual' or 'auto' field, but not both\./.source,
        ),
      );
    }));

  it("stores the CRD's defaults", () =>
    withServer(async (s) => {
      const file = manifest(s, 'defaults', [{ name: 'prod', trigger: { manual: {} } }], {
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'app' }],
      });
      assert.equal((await kubectl(s, ['apply', '-f', file])).code, 0);
      const res = await kubectl(s, ['get', 'clusterpromotion', 'defaults', '-o', 'json']);
      const spec = JSON.parse(res.stdout).spec;
      assert.deepEqual(spec.stages[0].trigger, { manual: { automaticReset: true } });
      assert.equal(spec.profileSpec.policyRefs[0].tier, 100);
      assert.equal(spec.profileSpec.policyRefs[0].deploymentType, 'Remote');
    }));

  it('explains a nested field from the published OpenAPI v3 schema', () =>
    withServer(async (s) => {
      const res = await kubectl(s, ['explain', 'clusterpromotion.spec.stages.trigger']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /GROUP:\s+config\.projectsveltos\.io/);
      assert.match(res.stdout, /FIELD: trigger <Object>/);
      assert.match(res.stdout, /auto\s+<Object>/);
      assert.match(res.stdout, /manual\s+<Object>/);
      const deep = await kubectl(s, ['explain', 'clusterpromotion.spec.stages.trigger.manual.automaticReset']);
      assert.equal(deep.code, 0, deep.stderr);
      assert.match(deep.stdout, /FIELD: automaticReset <boolean>/);
    }));

  it('explains from the OpenAPI v2 protobuf document too (--output=plaintext-openapiv2)', () =>
    withServer(async (s) => {
      const res = await kubectl(s, ['explain', 'clusterpromotion.spec.stages.trigger', '--output=plaintext-openapiv2']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /KIND:\s+ClusterPromotion/);
      assert.match(res.stdout, /VERSION:\s+config\.projectsveltos\.io\/v1beta1/);
      assert.match(res.stdout, /auto\t<Object>/);
      assert.match(res.stdout, /manual\t<Object>/);
      const deep = await kubectl(s, [
        'explain',
        'clusterpromotion.spec.stages.trigger.manual.automaticReset',
        '--output=plaintext-openapiv2',
      ]);
      assert.equal(deep.code, 0, deep.stderr);
      assert.match(deep.stdout, /FIELD:\s+automaticReset <boolean>/);
      assert.match(deep.stdout, /Defaults to true\./);
      const sveltos = await kubectl(s, ['explain', 'sveltoscluster.spec', '--output=plaintext-openapiv2']);
      assert.match(sveltos.stdout, /consecutiveFailureThreshold\t<integer>/);
    }));

  it('applies again over an existing object (kubectl reads the v2 protobuf then) and still refuses typos', () =>
    withServer(async (s) => {
      const good = manifest(s, 'again', [{ name: 'qa', trigger: { manual: {} } }]);
      assert.equal((await kubectl(s, ['apply', '-f', good])).code, 0);
      const typo = manifest(s, 'again', [{ name: 'qa', trigger: { manual: { aproved: true } } }]);
      const res = await kubectl(s, ['apply', '-f', typo]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /strict decoding error: unknown field "spec\.stages\[0\]\.trigger\.manual\.aproved"/);
    }));

  it('lists and reads the CRDs, and accepts the identical CRD applied again', () =>
    withServer(async (s) => {
      const list = await kubectl(s, ['get', 'crd']);
      assert.equal(list.code, 0, list.stderr);
      const names = list.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/)[0]);
      assert.deepEqual(
        names.sort(),
        bundledCrds()
          .map((c) => c.metadata.name)
          .sort(),
      );
      // As kube-apiserver's default table: CREATED AT is the creation time itself, not an age.
      const [header, ...rows] = list.stdout.trim().split('\n');
      assert.match(header!, /^NAME\s+CREATED AT$/);
      for (const row of rows) {
        const [name, created] = row.split(/\s+/);
        const stored = s.store.get('customresourcedefinitions', name!).metadata.creationTimestamp!;
        assert.equal(created, `${new Date(stored).toISOString().slice(0, 19)}Z`);
      }
      const crd = bundledCrds()[0]!;
      const established = await kubectl(s, ['wait', '--for=condition=established', `crd/${crd.metadata.name}`]);
      assert.equal(established.code, 0, established.stderr);
      const before = s.store.get('customresourcedefinitions', crd.metadata.name);
      const file = join(s.scratch, 'crd.json');
      writeFileSync(file, JSON.stringify(crd));
      const applied = await kubectl(s, ['apply', '-f', file]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.deepEqual(s.store.get('customresourcedefinitions', crd.metadata.name).spec, before.spec);
    }));
});

describe('fieldValidation over HTTP', () => {
  const typo = () => promotion('p', [{ name: 'qa', clusterSelctor: {} }]);

  it('Strict answers 400, Warn stores the pruned object with a Warning header, Ignore says nothing', () =>
    withServer(async (s) => {
      const strict = await s.request('POST', `${PROMOTIONS}?fieldValidation=Strict`, { body: typo() });
      assert.equal(strict.status, 400);
      assert.equal(strict.json.reason, 'BadRequest');
      assert.equal(strict.json.message, 'strict decoding error: unknown field "spec.stages[0].clusterSelctor"');
      const warn = await s.request('POST', `${PROMOTIONS}?fieldValidation=Warn`, { body: typo() });
      assert.equal(warn.status, 201);
      assert.equal(warn.headers.warning, '299 - "unknown field \\"spec.stages[0].clusterSelctor\\""');
      assert.deepEqual(warn.json.spec.stages, [{ name: 'qa' }]);
      const ignored = await s.request('PUT', `${PROMOTIONS}/p?fieldValidation=Ignore`, {
        body: { ...typo(), metadata: { name: 'p', resourceVersion: warn.json.metadata.resourceVersion } },
      });
      assert.equal(ignored.status, 200);
      assert.equal(ignored.headers.warning, undefined);
      const bad = await s.request('POST', `${PROMOTIONS}?fieldValidation=Loose`, { body: typo() });
      assert.equal(bad.status, 422);
      assert.match(bad.json.message, /fieldValidation: Unsupported value: "Loose"/);
    }));

  it('reports duplicate fields as strict decoding does: before unknown ones, refused by Strict, warned by Warn', () =>
    withServer(async (s) => {
      // JSON.parse keeps the last value; the API server's strict decoder names every duplicate.
      const body =
        '{"apiVersion":"config.projectsveltos.io/v1beta1","kind":"ClusterPromotion",' +
        '"metadata":{"name":"p","name":"p"},"spec":{"profileSpec":{"syncMode":"OneTime","syncMode":"Continuous"},' +
        '"stages":[{"name":"qa","clusterSelctor":{},"trigger":{"manual":{"approved":true,"approved":false}}}]}}';
      const strict = await s.request('POST', `${PROMOTIONS}?fieldValidation=Strict`, { body });
      assert.equal(strict.status, 400);
      assert.equal(
        strict.json.message,
        'strict decoding error: duplicate field "metadata.name", duplicate field "spec.profileSpec.syncMode", ' +
          'duplicate field "spec.stages[0].trigger.manual.approved", unknown field "spec.stages[0].clusterSelctor"',
      );
      assert.equal(s.store.find('clusterpromotions', 'p'), undefined);
      const warn = await s.request('POST', `${PROMOTIONS}?fieldValidation=Warn`, { body });
      assert.equal(warn.status, 201);
      assert.deepEqual(String(warn.headers.warning).split(/, (?=299)/), [
        '299 - "duplicate field \\"metadata.name\\""',
        '299 - "duplicate field \\"spec.profileSpec.syncMode\\""',
        '299 - "duplicate field \\"spec.stages[0].trigger.manual.approved\\""',
        '299 - "unknown field \\"spec.stages[0].clusterSelctor\\""',
      ]);
      assert.equal(warn.json.spec.profileSpec.syncMode, 'Continuous', 'the last value wins, as in Go');
      const ignored = await s.request('PUT', `${PROMOTIONS}/p?fieldValidation=Ignore`, {
        body: body.replace(
          '"name":"p","name":"p"',
          `"name":"p","resourceVersion":"${warn.json.metadata.resourceVersion}"`,
        ),
      });
      assert.equal(ignored.status, 200);
      assert.equal(ignored.headers.warning, undefined);
    }));

  it('reports duplicates in a merge patch, and in the operations of a JSON patch', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('p'));
      const merge = await s.request('PATCH', `${PROMOTIONS}/p?fieldValidation=Strict`, {
        contentType: 'application/merge-patch+json',
        body: '{"spec":{"preserveClusterProfilesOnDelete":true,"preserveClusterProfilesOnDelete":false}}',
      });
      assert.equal(merge.status, 400);
      assert.equal(merge.json.message, 'strict decoding error: duplicate field "spec.preserveClusterProfilesOnDelete"');
      const json = await s.request('PATCH', `${PROMOTIONS}/p?fieldValidation=Strict`, {
        contentType: 'application/json-patch+json',
        body: '[{"op":"add","path":"/spec/preserveClusterProfilesOnDelete","path":"/spec/x","value":true}]',
      });
      assert.equal(json.status, 400);
      assert.match(json.json.message, /^strict decoding error: json patch duplicate field "\[0\]\.path"/);
    }));

  it('refuses duplicates in a built-in resource too', () =>
    withServer(async (s) => {
      const res = await s.request('POST', '/api/v1/namespaces?fieldValidation=Strict', {
        body: '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","name":"b"}}',
      });
      assert.equal(res.status, 400);
      assert.equal(res.json.message, 'strict decoding error: duplicate field "metadata.name"');
    }));

  it('warns by default, as kube-apiserver does without the parameter', () =>
    withServer(async (s) => {
      const res = await s.request('POST', PROMOTIONS, { body: typo() });
      assert.equal(res.status, 201);
      assert.match(String(res.headers.warning), /unknown field/);
    }));

  it('prunes status fields the CRD does not declare on the status subresource', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('p'));
      const res = await s.request('PATCH', `${PROMOTIONS}/p/status`, {
        contentType: 'application/merge-patch+json',
        body: { status: { currentStageName: 'qa', engineState: { soakStart: 'x' } } },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.status, { currentStageName: 'qa' });
      assert.match(String(res.headers.warning), /unknown field \\"status\.engineState\\"/);
    }));
});

describe('the served API with python3-kubernetes, against the CRD schema', { skip: skipPython }, () => {
  it('gets the 422 with its causes, and the 400 of strict decoding', () =>
    withServer(async (s) => {
      const run = python(
        s,
        `
api = client.CustomObjectsApi()
body = ${JSON.stringify(promotion('p', [{ name: 'qa', trigger: { manual: { approved: 'yes' } } }]))}
try:
    api.create_cluster_custom_object("config.projectsveltos.io", "v1beta1", "clusterpromotions", body)
except ApiException as e:
    status = json.loads(e.body)
    out(e.status, status["reason"], json.dumps([[c["reason"], c["field"]] for c in status["details"]["causes"]]))
typo = ${JSON.stringify(promotion('q', [{ name: 'qa', clusterSelctor: {} }]))}
try:
    # This client release has no field_validation argument: the query parameter goes as kubectl sends it.
    api.api_client.call_api("/apis/config.projectsveltos.io/v1beta1/clusterpromotions", "POST",
        query_params=[("fieldValidation", "Strict")], body=typo, auth_settings=["BearerToken"],
        response_type="object", header_params={"Content-Type": "application/json", "Accept": "application/json"})
except ApiException as e:
    out(e.status, json.loads(e.body)["message"])
created = api.create_cluster_custom_object(
    "config.projectsveltos.io", "v1beta1", "clusterpromotions", ${JSON.stringify(promotion('r'))})
out(json.dumps(created["spec"]["stages"][1]))
`,
      );
      const result = await run.result();
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.trim().split('\n'), [
        '422 Invalid [["FieldValueTypeInvalid", "spec.stages[0].trigger.manual.approved"], ' +
          '["FieldValueInvalid", "<nil>"]]',
        '400 strict decoding error: unknown field "spec.stages[0].clusterSelctor"',
        '{"name": "prod", "trigger": {"manual": {"automaticReset": true}}}',
      ]);
    }));
});

describe('the CRD list as a Table', () => {
  it("declares Created At a date column and fills it with the RFC 3339 time, as kube-apiserver's default table", () =>
    withServer(async (s) => {
      const res = await s.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      });
      assert.equal(res.status, 200);
      const created = res.json.columnDefinitions.find((c: { name: string }) => c.name === 'Created At');
      assert.equal(created.type, 'date');
      assert.equal(created.format, '');
      for (const row of res.json.rows) assert.match(row.cells[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }));
});

describe('the OpenAPI documents', () => {
  it('publish the CRD schemas: v3 per group/version, marked by kind, with fieldValidation on PATCH; v2 as JSON', () =>
    withServer(async (s) => {
      const index = await s.request('GET', '/openapi/v3');
      assert.equal(index.status, 200);
      const url = index.json.paths['apis/config.projectsveltos.io/v1beta1'].serverRelativeURL as string;
      assert.match(url, /^\/openapi\/v3\/apis\/config\.projectsveltos\.io\/v1beta1\?hash=[0-9A-F]+$/);
      assert.ok(index.json.paths['apis/lib.projectsveltos.io/v1beta1']);
      const doc = (await s.request('GET', url)).json;
      const schema = doc.components.schemas['io.projectsveltos.config.v1beta1.ClusterPromotion'];
      assert.deepEqual(schema['x-kubernetes-group-version-kind'], [
        { group: 'config.projectsveltos.io', kind: 'ClusterPromotion', version: 'v1beta1' },
      ]);
      assert.ok(schema.properties.spec.properties.stages.items.properties.trigger.description);
      const patch = doc.paths['/apis/config.projectsveltos.io/v1beta1/clusterpromotions/{name}'].patch;
      assert.ok(
        patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'),
      );
      const v2 = (await s.request('GET', '/openapi/v2')).json;
      assert.ok(v2.definitions['io.projectsveltos.lib.v1beta1.SveltosCluster'].properties.spec);
      assert.equal((await s.request('GET', '/openapi/v3/apis/nowhere/v1')).status, 404);
    }));
});
