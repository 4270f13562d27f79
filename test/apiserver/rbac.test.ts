// RBAC as kube-apiserver enforces it, for a token held to RBAC manifests (simulate --serve --rbac):
// rules matched per verb, group, resource, subresource, name, namespace and non-resource path;
// 403 Forbidden with the apiserver's message and details; `kubectl auth can-i` (sent as protobuf),
// `--list` and `kubectl auth whoami` answered by the self reviews, which discovery lists; and the
// Python client's ApiException for a denial.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceError } from '../../src/api/findings.ts';
import { loadFilesStrict } from '../../src/api/source-files.ts';
import { parseYaml } from '../../src/api/yaml-source.ts';
import { authorize, type Identity } from '../../simulator/apiserver/rbac.ts';
import { policyFromObjects } from '../../simulator/apiserver/rbac-policy.ts';
import { storedGrants, storeRbacObjects } from '../../simulator/apiserver/rbac-store.ts';
import { python, skipKubectl, skipPython } from './clients.ts';
import { kubectlAs, newStore, PROMOTIONS, promotion, type TestServer, tokenKubeconfig, withServer } from './helpers.ts';

const TOKEN = 'restricted-token';

function policy(yaml: string) {
  const loaded = parseYaml(yaml, 'rbac.yaml');
  assert.deepEqual(loaded.findings, []);
  return policyFromObjects(loaded.objects, 'rbac.yaml');
}

const READ_ONLY = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: promotion-viewer}
rules:
  - apiGroups: [config.projectsveltos.io]
    resources: [clusterpromotions, clusterprofiles]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-views}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: promotion-viewer}
subjects: [{kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: leases, namespace: projectsveltos}
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [get, update]
    resourceNames: [kubectl-promotion-controller]
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-leases, namespace: projectsveltos}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leases}
subjects: [{kind: User, name: alice}]
`;

/** The identity the manifests bind, with what a store holding them grants it. */
function heldBy(yaml: string): Identity {
  const p = policy(yaml);
  const { store } = newStore();
  storeRbacObjects(store, p.objects);
  return { ...p.identity, grants: storedGrants(store, p.identity.user, p.identity.groups) };
}

/** A server whose store holds the manifests' objects, and a token that is their subject. */
function withRbac(run: (s: TestServer) => Promise<void>, yaml = READ_ONLY): Promise<void> {
  const p = policy(yaml);
  return withServer(
    async (s) => {
      storeRbacObjects(s.store, p.objects);
      await run(s);
    },
    { restricted: [{ ...p.identity, token: TOKEN }] },
  );
}

const restrictedKubeconfig = (s: TestServer) => tokenKubeconfig(s, TOKEN);

describe('RBAC rules, as the authorizer matches them', () => {
  const alice = heldBy(READ_ONLY);
  const promotions = { group: 'config.projectsveltos.io', resource: 'clusterpromotions' };
  const lease = { group: 'coordination.k8s.io', resource: 'leases', namespace: 'projectsveltos' };

  it('grants a ClusterRoleBinding’s rules everywhere, and says which binding allowed', () => {
    assert.deepEqual(authorize(alice, { ...promotions, verb: 'list' }), {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "alice-views" of ClusterRole "promotion-viewer" to User "alice"',
    });
    assert.equal(authorize(alice, { ...promotions, verb: 'get', name: 'x', namespace: 'any' }).allowed, true);
    assert.equal(authorize(alice, { ...promotions, verb: 'patch', name: 'x' }).allowed, false);
    // A subresource is a resource of its own: clusterpromotions does not grant clusterpromotions/status.
    assert.equal(authorize(alice, { ...promotions, verb: 'get', subresource: 'status' }).allowed, false);
  });

  it('grants a RoleBinding’s rules in its namespace only, resourceNames to those names only', () => {
    assert.equal(authorize(alice, { ...lease, verb: 'get', name: 'kubectl-promotion-controller' }).allowed, true);
    assert.equal(authorize(alice, { ...lease, verb: 'get', name: 'other' }).allowed, false);
    assert.equal(authorize(alice, { ...lease, verb: 'list' }).allowed, false, 'a list names no resource');
    assert.equal(authorize(alice, { ...lease, verb: 'create' }).allowed, true);
    assert.equal(authorize(alice, { ...lease, verb: 'create', namespace: 'default' }).allowed, false);
    assert.equal(authorize(alice, { ...lease, verb: 'create', namespace: undefined }).allowed, false);
  });

  it('matches *, */status and non-resource URLs with a trailing *', () => {
    const identity = heldBy(`
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
  - {apiGroups: ['*'], resources: ['*/status'], verbs: [update]}
  - {nonResourceURLs: ['/metrics', '/logs/*'], verbs: [get]}
`);
    assert.equal(identity.user, 'promotion-sim-rbac');
    assert.equal(authorize(identity, { ...promotions, verb: 'update', subresource: 'status' }).allowed, true);
    assert.equal(authorize(identity, { ...promotions, verb: 'update' }).allowed, false);
    assert.equal(authorize(identity, { verb: 'get', path: '/metrics' }).allowed, true);
    assert.equal(authorize(identity, { verb: 'get', path: '/logs/kube.log' }).allowed, true);
    assert.equal(authorize(identity, { verb: 'get', path: '/metrics/x' }).allowed, false);
    // Every authenticated user may read discovery and ask about themself (system:discovery, system:basic-user).
    assert.equal(authorize(identity, { verb: 'get', path: '/apis/config.projectsveltos.io' }).allowed, true);
    assert.equal(
      authorize(identity, { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' })
        .allowed,
      true,
    );
  });

  it('reads deploy/ whole: the controller’s ServiceAccount, its ClusterRole and its Role', async () => {
    const files = [
      'clusterrole',
      'clusterrolebinding',
      'deployment',
      'leader-election-role',
      'leader-election-rolebinding',
      'kustomization',
    ].map((f) => `deploy/${f}.yaml`);
    const p = policyFromObjects(await loadFilesStrict(files), files.join(', '));
    assert.equal(p.identity.user, 'system:serviceaccount:projectsveltos:kubectl-promotion-controller');
    assert.deepEqual(p.identity.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:projectsveltos',
      'system:authenticated',
    ]);
    assert.deepEqual(p.holds, [
      'ClusterRole kubectl-promotion-controller (cluster-wide)',
      'Role projectsveltos/kubectl-promotion-leader-election (namespace projectsveltos)',
    ]);
    assert.deepEqual(p.unbound, []);
  });

  it('refuses manifests it cannot hold a token to, naming the file, line and field', () => {
    const refused = (yaml: string) => {
      try {
        policy(yaml);
      } catch (err) {
        assert.ok(err instanceof SourceError);
        return err.message;
      }
      assert.fail('accepted');
    };
    assert.equal(
      refused('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n'),
      'rbac.yaml:1:1: no ClusterRole or Role (rbac.authorization.k8s.io/v1) in it: --rbac needs the rules to hold ' +
        'the token to',
    );
    assert.equal(
      refused(
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\n' +
          'rules:\n  - resources: [a]\n    apiGroups: [""]\n',
      ),
      'rbac.yaml:5:5 rules[0].verbs: required: the verbs the rule allows',
    );
    assert.match(
      refused(`${READ_ONLY}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: missing}
subjects: [{kind: User, name: alice}]
`),
      /^rbac\.yaml:\d+:\d+ roleRef\.name: ClusterRole "missing" is in none of the --rbac files$/,
    );
  });
});

describe('a restricted token over HTTP', () => {
  it('gets what its rules grant and 403 Forbidden with the apiserver’s message and details for the rest', () =>
    withRbac(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      assert.equal((await s.request('GET', `${PROMOTIONS}/rollout`, { token: TOKEN })).status, 200);
      assert.equal((await s.request('GET', PROMOTIONS, { token: TOKEN })).status, 200);
      const patch = await s.request('PATCH', `${PROMOTIONS}/rollout`, {
        token: TOKEN,
        body: { metadata: { labels: { a: 'b' } } },
        contentType: 'application/merge-patch+json',
      });
      assert.equal(patch.status, 403);
      assert.deepEqual(patch.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'clusterpromotions.config.projectsveltos.io "rollout" is forbidden: User "alice" cannot patch resource ' +
          '"clusterpromotions" in API group "config.projectsveltos.io" at the cluster scope',
        reason: 'Forbidden',
        details: { name: 'rollout', group: 'config.projectsveltos.io', kind: 'clusterpromotions' },
        code: 403,
      });
      const status = await s.request('PUT', `${PROMOTIONS}/rollout/status`, {
        token: TOKEN,
        body: promotion('rollout'),
      });
      assert.equal(
        status.json.message,
        'clusterpromotions.config.projectsveltos.io "rollout" is forbidden: User "alice" cannot update resource ' +
          '"clusterpromotions/status" in API group "config.projectsveltos.io" at the cluster scope',
      );
      const events = await s.request('GET', '/api/v1/namespaces/default/events', { token: TOKEN });
      assert.equal(
        events.json.message,
        'events is forbidden: User "alice" cannot list resource "events" in API group "" in the namespace "default"',
      );
      assert.deepEqual(events.json.details, { group: '', kind: 'events' });
      const path = await s.request('GET', '/metrics', { token: TOKEN });
      assert.equal(path.status, 403);
      assert.equal(path.json.message, 'forbidden: User "alice" cannot get path "/metrics"');
      // Discovery stays open to every authenticated user.
      assert.equal((await s.request('GET', '/apis', { token: TOKEN })).status, 200);
      assert.equal(s.store.get('clusterpromotions', 'rollout').metadata.labels, undefined);
    }));

  it('is refused a resource that does not exist as one that does: which exist is not for it to learn', () =>
    withRbac(async (s) => {
      const unknown = await s.request('GET', '/apis/example.com/v1/widgets', { token: TOKEN });
      assert.equal(unknown.status, 403);
      assert.equal(
        unknown.json.message,
        'widgets.example.com is forbidden: User "alice" cannot list resource "widgets" in API group ' +
          '"example.com" at the cluster scope',
      );
      const subresource = await s.request('GET', `${PROMOTIONS}/rollout/scale`, { token: TOKEN });
      assert.equal(subresource.status, 403);
      // Whoever may ask gets the 404 a missing resource is.
      assert.equal((await s.request('GET', '/apis/example.com/v1/widgets')).status, 404);
      assert.equal((await s.request('GET', `${PROMOTIONS}/rollout/scale`)).status, 404);
    }));

  it('answers a SelfSubjectAccessReview sent as JSON, and lists the reviews in discovery', () =>
    withRbac(async (s) => {
      const review = (token: string | undefined, resourceAttributes: object) =>
        s.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          ...(token === undefined ? {} : { token }),
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes },
          },
        });
      const yes = await review(TOKEN, {
        verb: 'watch',
        group: 'config.projectsveltos.io',
        resource: 'clusterprofiles',
      });
      assert.equal(yes.status, 201);
      assert.deepEqual(yes.json.status, {
        allowed: true,
        reason: 'RBAC: allowed by ClusterRoleBinding "alice-views" of ClusterRole "promotion-viewer" to User "alice"',
      });
      const no = await review(TOKEN, {
        verb: 'delete',
        group: 'config.projectsveltos.io',
        resource: 'clusterprofiles',
      });
      assert.deepEqual(no.json.status, { allowed: false });
      assert.equal((await review(undefined, { verb: 'delete', resource: 'anything' })).json.status.allowed, true);
      const groups = await s.request('GET', '/apis');
      assert.ok(groups.json.groups.some((g: { name: string }) => g.name === 'authorization.k8s.io'));
      const list = await s.request('GET', '/apis/authorization.k8s.io/v1');
      assert.deepEqual(
        list.json.resources.map((r: { name: string; verbs: string[] }) => `${r.name} ${r.verbs}`),
        ['selfsubjectaccessreviews create', 'selfsubjectrulesreviews create'],
      );
      const aggregated = await s.request('GET', '/apis', {
        accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      });
      const authz = aggregated.json.items.find(
        (i: { metadata: { name: string } }) => i.metadata.name === 'authorization.k8s.io',
      );
      assert.deepEqual(
        authz.versions[0].resources.map((r: { resource: string }) => r.resource),
        ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      );
    }));
});

describe('kubectl auth can-i and whoami', { skip: skipKubectl }, () => {
  it('answers yes to the admin and per rule to the restricted token (kubectl sends protobuf)', () =>
    withRbac(async (s) => {
      const admin = await kubectlAs(s, s.kubeconfig(), ['auth', 'can-i', 'delete', 'clusterpromotions']);
      assert.equal(`${admin.status} ${admin.stdout.trim()}`, '0 yes', admin.stderr);
      const kc = restrictedKubeconfig(s);
      const can = async (...args: string[]) => {
        const r = await kubectlAs(s, kc, ['auth', 'can-i', ...args]);
        // kubectl warns of a cluster-scoped resource asked about in a namespace, as against any cluster.
        const errors = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Warning: '));
        return `${r.status} ${r.stdout.trim()}${errors.length === 0 ? '' : ` (${errors.join('; ')})`}`;
      };
      assert.equal(await can('get', 'clusterpromotions'), '0 yes');
      assert.equal(await can('watch', 'clusterpromotions.config.projectsveltos.io/rollout'), '0 yes');
      assert.equal(await can('patch', 'clusterpromotions/rollout'), '1 no');
      assert.equal(await can('update', 'clusterpromotions', '--subresource=status'), '1 no');
      assert.equal(await can('get', 'leases/kubectl-promotion-controller', '-n', 'projectsveltos'), '0 yes');
      assert.equal(await can('get', 'leases/other', '-n', 'projectsveltos'), '1 no');
      assert.equal(await can('create', 'leases', '-n', 'default'), '1 no');
      assert.equal(await can('get', '/version'), '0 yes');
      assert.equal(await can('get', '/metrics'), '1 no');
    }));

  it('--list prints the rules that apply in the namespace; whoami names the identity', () =>
    withRbac(async (s) => {
      const kc = restrictedKubeconfig(s);
      const list = await kubectlAs(s, kc, ['auth', 'can-i', '--list', '-n', 'projectsveltos']);
      assert.equal(list.status, 0, list.stderr);
      const rows = list.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
      assert.deepEqual(rows[0], ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
      const row = (name: string) => rows.filter((r) => r[0] === name).map((r) => r.slice(1).join(' | '));
      assert.deepEqual(row('clusterpromotions.config.projectsveltos.io'), ['[] | [] | [get list watch]']);
      assert.deepEqual(row('leases.coordination.k8s.io'), [
        '[] | [] | [create]',
        '[] | [kubectl-promotion-controller] | [get update]',
      ]);
      assert.deepEqual(row('selfsubjectaccessreviews.authorization.k8s.io'), ['[] | [] | [create]']);
      assert.match(list.stdout, /^ +\[\/version\] +\[\] +\[get\]$/m);
      const elsewhere = await kubectlAs(s, kc, ['auth', 'can-i', '--list', '-n', 'default']);
      assert.doesNotMatch(elsewhere.stdout, /leases/);
      const admin = await kubectlAs(s, s.kubeconfig(), ['auth', 'can-i', '--list']);
      assert.match(admin.stdout, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);

      const whoami = await kubectlAs(s, kc, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
      assert.equal(`${whoami.status} ${whoami.stdout}`, '0 alice', whoami.stderr);
      const adminWho = await kubectlAs(s, s.kubeconfig(), ['auth', 'whoami', '-o', 'json']);
      assert.deepEqual(JSON.parse(adminWho.stdout).status.userInfo, {
        username: 'kubernetes-admin',
        groups: ['system:masters', 'system:authenticated'],
      });
    }));

  it('kubectl patch under the read-only role fails with the Forbidden message and changes nothing', () =>
    withRbac(async (s) => {
      const stored = s.store.create('clusterpromotions', promotion('rollout'));
      const res = await kubectlAs(s, restrictedKubeconfig(s), [
        'patch',
        'clusterpromotion',
        'rollout',
        '--type=merge',
        '-p',
        '{"metadata":{"labels":{"a":"b"}}}',
      ]);
      assert.equal(res.status, 1);
      assert.equal(
        res.stderr.trim(),
        'Error from server (Forbidden): clusterpromotions.config.projectsveltos.io "rollout" is forbidden: User ' +
          '"alice" cannot patch resource "clusterpromotions" in API group "config.projectsveltos.io" at the ' +
          'cluster scope',
      );
      assert.equal(
        s.store.get('clusterpromotions', 'rollout').metadata.resourceVersion,
        stored.metadata.resourceVersion,
      );
      const api = await kubectlAs(s, restrictedKubeconfig(s), ['api-resources', '--api-group=authorization.k8s.io']);
      assert.match(
        api.stdout,
        /^selfsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectAccessReview$/m,
      );
    }));
});

describe('a restricted token with the Python client', { skip: skipPython }, () => {
  it('gets ApiException 403 Forbidden for a patch the role does not grant, and reviews itself', () =>
    withRbac(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const run = await python(
        s,
        `
api = client.CustomObjectsApi()
promotion = api.get_cluster_custom_object("config.projectsveltos.io", "v1beta1", "clusterpromotions", "rollout")
out(promotion["metadata"]["name"])
try:
    api.patch_cluster_custom_object("config.projectsveltos.io", "v1beta1", "clusterpromotions", "rollout",
                                    {"metadata": {"labels": {"a": "b"}}})
except ApiException as e:
    body = json.loads(e.body)
    out(e.status, e.reason, body["reason"], body["details"]["name"])
review = client.AuthorizationV1Api().create_self_subject_access_review(client.V1SelfSubjectAccessReview(
    spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=client.V1ResourceAttributes(
        verb="list", group="config.projectsveltos.io", resource="clusterpromotions"))))
out(review.status.allowed)
`,
        TOKEN,
      ).result();
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split('\n'), ['rollout', '403 Forbidden Forbidden rollout', 'True']);
    }));
});
