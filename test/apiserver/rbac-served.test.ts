// rbac.authorization.k8s.io/v1 served as kube-apiserver serves it, judged by the real kubectl and
// the Python client: ClusterRoles, Roles and their bindings in discovery, printed with the
// apiserver's own columns, created (kubectl sends them as protobuf), patched, applied, watched and
// deleted; validated in the apiserver's words; read by the authorizer on every request, so that a
// binding made, edited or deleted with the admin kubeconfig flips `kubectl auth can-i` for the
// restricted one at once; and a restricted user kept from granting what it does not hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { python, skipKubectl, skipPython } from './clients.ts';
import { BOB_TOKEN, kubectl, kubectlAs, kubectlOk, KubectlStream, type TestServer, withBob } from './helpers.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** kubectl's table, each line's columns one space apart. */
function columns(table: string): string[] {
  return table.split('\n').map((l) => l.split(/\s{2,}/).join(' '));
}

/** `kubectl auth can-i` as bob: `yes` or `no`. */
async function bobCan(s: TestServer, bob: string, ...args: string[]): Promise<string> {
  const r = await kubectlAs(s, bob, ['auth', 'can-i', ...args]);
  return r.stdout.trim();
}

describe('RBAC objects through kubectl', { skip: skipKubectl }, () => {
  it('lists the four kinds in discovery and prints them with the apiserver’s columns', () =>
    withBob(async (s) => {
      const resources = await kubectlOk(s, ['api-resources', '--api-group=rbac.authorization.k8s.io', '--no-headers']);
      assert.deepEqual(
        resources
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/).join(' ')),
        [
          'clusterrolebindings rbac.authorization.k8s.io/v1 false ClusterRoleBinding',
          'clusterroles rbac.authorization.k8s.io/v1 false ClusterRole',
          'rolebindings rbac.authorization.k8s.io/v1 true RoleBinding',
          'roles rbac.authorization.k8s.io/v1 true Role',
        ],
      );
      await kubectlOk(s, ['create', 'clusterrole', 'system:promotion-viewer', '--verb=get,list', '--resource=leases']);
      await kubectlOk(s, [
        'create',
        'clusterrolebinding',
        'viewers',
        '--clusterrole=system:promotion-viewer',
        '--group=g',
      ]);
      await kubectlOk(s, ['create', 'role', 'lease-editor', '-n', 'team', '--verb=update', '--resource=leases']);
      await kubectlOk(s, [
        'create',
        'rolebinding',
        'edit-leases',
        '-n',
        'team',
        '--role=lease-editor',
        '--user=bob',
        '--user=carol',
        '--group=developers',
        '--serviceaccount=team:ci',
      ]);
      // Beside the apiserver's bootstrap roles and bindings, as on any cluster.
      assert.deepEqual(columns(await kubectlOk(s, ['get', 'clusterroles,clusterrolebindings'])), [
        'NAME CREATED AT',
        'clusterrole.rbac.authorization.k8s.io/cluster-admin 2025-03-01T12:00:00Z',
        'clusterrole.rbac.authorization.k8s.io/system:basic-user 2025-03-01T12:00:00Z',
        'clusterrole.rbac.authorization.k8s.io/system:discovery 2025-03-01T12:00:00Z',
        'clusterrole.rbac.authorization.k8s.io/system:promotion-viewer 2025-03-01T12:00:00Z',
        'clusterrole.rbac.authorization.k8s.io/system:public-info-viewer 2025-03-01T12:00:00Z',
        '',
        'NAME ROLE AGE',
        'clusterrolebinding.rbac.authorization.k8s.io/cluster-admin ClusterRole/cluster-admin 0s',
        'clusterrolebinding.rbac.authorization.k8s.io/system:basic-user ClusterRole/system:basic-user 0s',
        'clusterrolebinding.rbac.authorization.k8s.io/system:discovery ClusterRole/system:discovery 0s',
        'clusterrolebinding.rbac.authorization.k8s.io/system:public-info-viewer ' +
          'ClusterRole/system:public-info-viewer 0s',
        'clusterrolebinding.rbac.authorization.k8s.io/viewers ClusterRole/system:promotion-viewer 0s',
        '',
      ]);
      assert.equal(
        await kubectlOk(s, ['get', 'rolebindings', '-n', 'team', '-o', 'wide']),
        [
          'NAME          ROLE                AGE   USERS        GROUPS       SERVICEACCOUNTS',
          'edit-leases   Role/lease-editor   0s    bob, carol   developers   team/ci',
          '',
        ].join('\n'),
      );
      // As the apiserver defaults them: the subjects' and the role reference's API groups.
      const stored = JSON.parse(await kubectlOk(s, ['get', 'rolebinding', 'edit-leases', '-n', 'team', '-o', 'json']));
      assert.deepEqual(stored.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lease-editor' });
      assert.deepEqual(
        stored.subjects.map((x: { kind: string; apiGroup: string }) => `${x.kind} ${x.apiGroup}`),
        [
          'User rbac.authorization.k8s.io',
          'User rbac.authorization.k8s.io',
          'Group rbac.authorization.k8s.io',
          'ServiceAccount ',
        ],
      );
      const aggregated = await s.request('GET', '/apis', {
        accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      });
      const group = aggregated.json.items.find(
        (i: { metadata: { name: string } }) => i.metadata.name === 'rbac.authorization.k8s.io',
      );
      assert.deepEqual(
        group.versions[0].resources.map((r: { resource: string; scope: string }) => `${r.resource} ${r.scope}`),
        ['clusterroles Cluster', 'clusterrolebindings Cluster', 'roles Namespaced', 'rolebindings Namespaced'],
      );
    }));

  it('a RoleBinding made with the admin kubeconfig lets the restricted one in at once; deleting it shuts it out', () =>
    withBob(async (s, bob) => {
      await kubectlOk(s, ['create', 'role', 'lease-reader', '-n', 'team', '--verb=get,list', '--resource=leases']);
      assert.equal(await bobCan(s, bob, 'list', 'leases', '-n', 'team'), 'no');
      await kubectlOk(s, ['create', 'rolebinding', 'bob-reads', '-n', 'team', '--role=lease-reader', '--user=bob']);
      assert.equal(await bobCan(s, bob, 'list', 'leases', '-n', 'team'), 'yes');
      assert.equal(
        await bobCan(s, bob, 'list', 'leases', '-n', 'default'),
        'no',
        'a RoleBinding stays in its namespace',
      );
      const list = await kubectlAs(s, bob, ['auth', 'can-i', '--list', '-n', 'team']);
      assert.match(list.stdout, /^leases\.coordination\.k8s\.io\s+\[\]\s+\[\]\s+\[get list\]$/m);
      assert.equal((await kubectlAs(s, bob, ['get', 'leases', '-n', 'team'])).status, 0);

      // The role's rules are read live too: a verb added to it is held from the next request.
      assert.equal(await bobCan(s, bob, 'delete', 'leases', '-n', 'team'), 'no');
      await kubectlOk(s, [
        'patch',
        'role',
        'lease-reader',
        '-n',
        'team',
        '-p',
        '{"rules":[{"apiGroups":["coordination.k8s.io"],"resources":["leases"],"verbs":["get","list","delete"]}]}',
      ]);
      assert.equal(await bobCan(s, bob, 'delete', 'leases', '-n', 'team'), 'yes');

      await kubectlOk(s, ['delete', 'rolebinding', 'bob-reads', '-n', 'team']);
      assert.equal(await bobCan(s, bob, 'list', 'leases', '-n', 'team'), 'no');
      const refused = await kubectlAs(s, bob, ['get', 'leases', '-n', 'team']);
      assert.equal(
        refused.stderr.trim(),
        'Error from server (Forbidden): leases.coordination.k8s.io is forbidden: User "bob" cannot list resource ' +
          '"leases" in API group "coordination.k8s.io" in the namespace "team"',
      );
    }));

  it('a ClusterRoleBinding to one of the user’s groups grants cluster-wide, and names itself in the review', () =>
    withBob(async (s, bob) => {
      await kubectlOk(s, ['create', 'clusterrole', 'promotion-reader', '--verb=get', '--resource=clusterpromotions']);
      await kubectlOk(s, [
        'create',
        'clusterrolebinding',
        'devs-read',
        '--clusterrole=promotion-reader',
        '--group=developers',
      ]);
      const review = await s.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        token: BOB_TOKEN,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: { verb: 'get', group: 'config.projectsveltos.io', resource: 'clusterpromotions' },
          },
        },
      });
      assert.deepEqual(review.json.status, {
        allowed: true,
        reason:
          'RBAC: allowed by ClusterRoleBinding "devs-read" of ClusterRole "promotion-reader" to Group "developers"',
      });
      // A binding whose role is gone grants nothing.
      await kubectlOk(s, ['delete', 'clusterrole', 'promotion-reader']);
      assert.equal(await bobCan(s, bob, 'get', 'clusterpromotions'), 'no');
    }));

  it('the bootstrap bindings give discovery; binding cluster-admin, as on any cluster, gives everything', () =>
    withBob(async (s, bob) => {
      const wide = await kubectlOk(s, ['get', 'clusterrolebinding', 'cluster-admin', 'system:discovery', '-o', 'wide']);
      assert.match(wide, /^cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters\s*$/m);
      assert.match(wide, /^system:discovery\s+ClusterRole\/system:discovery\s+\S+\s+system:authenticated\s*$/m);
      assert.equal(await bobCan(s, bob, 'get', '/apis'), 'yes');
      assert.equal(await bobCan(s, bob, 'delete', 'clusterpromotions'), 'no');
      await kubectlOk(s, ['create', 'clusterrolebinding', 'bob-admin', '--clusterrole=cluster-admin', '--user=bob']);
      assert.equal(await bobCan(s, bob, 'delete', 'clusterpromotions'), 'yes');
      assert.equal(await bobCan(s, bob, 'get', '/metrics'), 'yes');
      // Deleting a bootstrap binding takes its rules away, as on a cluster until the apiserver restarts.
      await kubectlOk(s, ['delete', 'clusterrolebinding', 'bob-admin', 'system:discovery']);
      assert.equal((await s.request('GET', '/apis', { token: BOB_TOKEN })).status, 403);
    }));

  it('an aggregated ClusterRole gathers the rules of the roles it selects, as the aggregation controller does', () =>
    withBob(async (s, bob) => {
      await kubectlOk(s, [
        'create',
        'clusterrole',
        'monitoring',
        '--aggregation-rule=example.com/aggregate-to-monitoring=true',
      ]);
      await kubectlOk(s, ['create', 'clusterrolebinding', 'bob-monitors', '--clusterrole=monitoring', '--user=bob']);
      assert.equal(await bobCan(s, bob, 'list', 'leases', '-A'), 'no');
      await kubectlOk(s, ['create', 'clusterrole', 'lease-reader', '--verb=get,list', '--resource=leases']);
      await kubectlOk(s, ['label', 'clusterrole', 'lease-reader', 'example.com/aggregate-to-monitoring=true']);
      assert.equal(await bobCan(s, bob, 'list', 'leases', '-A'), 'yes');
      const monitoring = JSON.parse(
        await kubectlOk(s, ['get', 'clusterrole', 'monitoring', '-o', 'json', '--show-managed-fields']),
      );
      assert.deepEqual(monitoring.rules, [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list'] },
      ]);
      assert.ok(
        monitoring.metadata.managedFields.some(
          (f: { manager: string; operation: string }) =>
            f.manager === 'clusterrole-aggregation-controller' && f.operation === 'Apply',
        ),
      );
      await kubectlOk(s, ['label', 'clusterrole', 'lease-reader', 'example.com/aggregate-to-monitoring-']);
      assert.equal(await bobCan(s, bob, 'list', 'leases', '-A'), 'no');
    }));

  it('a watch sees bindings come, change and go', () =>
    withBob(async (s) => {
      await kubectlOk(s, ['create', 'role', 'r', '-n', 'team', '--verb=get', '--resource=leases']);
      await kubectlOk(s, ['create', 'rolebinding', 'b', '-n', 'team', '--role=r', '--user=bob']);
      const watch = new KubectlStream(s, [
        'get',
        'rolebindings',
        '-n',
        'team',
        '-w',
        '--output-watch-events',
        '-o',
        'custom-columns=EVENT:.type,NAME:.object.metadata.name,USERS:.object.subjects[*].name',
      ]);
      try {
        await watch.waitForLine((l) => l.startsWith('ADDED'));
        await kubectlOk(s, ['set', 'subject', 'rolebinding', 'b', '-n', 'team', '--user=carol']);
        await kubectlOk(s, ['delete', 'rolebinding', 'b', '-n', 'team']);
        const lines = await watch.waitForLine((l) => l.startsWith('DELETED'));
        assert.deepEqual(
          lines.map((l) => l.split(/\s+/).join(' ')),
          ['EVENT NAME USERS', 'ADDED b bob', 'MODIFIED b bob,carol', 'DELETED b bob,carol'],
        );
      } finally {
        await watch.stop();
      }
    }));

  it('kubectl create namespace and kubectl auth reconcile, which send protobuf, create and update', () =>
    withBob(async (s) => {
      await kubectlOk(s, ['create', 'namespace', 'ops']);
      await kubectlOk(s, [
        'create',
        'role',
        'r',
        '-n',
        'ops',
        '--verb=get',
        '--resource=leases',
        '--resource-name=lock',
      ]);
      const reconciled = await kubectlOk(
        s,
        ['auth', 'reconcile', '-f', '-'],
        `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: ops}
rules:
  - {apiGroups: [""], resources: [events], verbs: [get]}
`,
      );
      assert.equal(reconciled, 'role.rbac.authorization.k8s.io/r reconciled\n');
      // Reconcile adds the missing rule and keeps the others, with an update sent as protobuf.
      assert.deepEqual(s.store.get('roles', 'r', 'ops').rules, [
        { apiGroups: ['coordination.k8s.io'], resourceNames: ['lock'], resources: ['leases'], verbs: ['get'] },
        { apiGroups: [''], resources: ['events'], verbs: ['get'] },
      ]);
    }));

  it('kubectl explain reads the fields from the published OpenAPI', () =>
    withBob(async (s) => {
      const explained = await kubectlOk(s, ['explain', 'rolebinding.roleRef']);
      assert.match(explained, /^KIND:\s+RoleBinding$/m);
      assert.match(explained, /^ {2}kind\t<string> -required-$/m);
    }));

  it('server-side apply creates and updates a ClusterRole, its rules replaced whole', () =>
    withBob(async (s) => {
      const role = (verbs: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: applied}
rules:
  - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [${verbs}]}
`;
      assert.match(await kubectlOk(s, ['apply', '--server-side', '-f', '-'], role('get, list')), /serverside-applied/);
      await kubectlOk(s, ['apply', '--server-side', '-f', '-'], role('watch'));
      const stored = JSON.parse(
        await kubectlOk(s, ['get', 'clusterrole', 'applied', '-o', 'json', '--show-managed-fields']),
      );
      assert.deepEqual(stored.rules[0].verbs, ['watch']);
      assert.deepEqual(
        stored.metadata.managedFields.map((f: { manager: string; operation: string }) => `${f.manager} ${f.operation}`),
        ['kubectl Apply'],
      );
    }));

  it('refuses what kube-apiserver’s validation refuses, in its words', () =>
    withBob(async (s) => {
      await kubectlOk(s, ['create', 'clusterrole', 'view-leases', '--verb=get', '--resource=leases']);
      await kubectlOk(s, ['create', 'clusterrolebinding', 'b', '--clusterrole=view-leases', '--user=bob']);
      const changed = await kubectl(s, ['patch', 'clusterrolebinding', 'b', '-p', '{"roleRef":{"name":"other"}}']);
      assert.equal(changed.code, 1);
      assert.equal(
        changed.stderr.trim(),
        'The ClusterRoleBinding "b" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:' +
          '"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"other"}: cannot change roleRef',
      );

      const noVerbs = await s.request('POST', `${RBAC}/clusterroles`, {
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'x' },
          rules: [
            { apiGroups: [''], resources: ['pods'] },
            { nonResourceURLs: ['/metrics'], resources: ['pods'], verbs: ['get'] },
          ],
        },
      });
      assert.equal(noVerbs.status, 422);
      assert.equal(
        noVerbs.json.message,
        'ClusterRole.rbac.authorization.k8s.io "x" is invalid: [rules[0].verbs: Required value: verbs must contain ' +
          'at least one value, rules[1].nonResourceURLs: Invalid value: []string{"/metrics"}: rules cannot apply to ' +
          'both regular resources and non-resource URLs]',
      );
      assert.deepEqual(
        noVerbs.json.details.causes.map((c: { reason: string; field: string }) => `${c.reason} ${c.field}`),
        ['FieldValueRequired rules[0].verbs', 'FieldValueInvalid rules[1].nonResourceURLs'],
      );

      const binding = await s.request('POST', `${RBAC}/namespaces/team/rolebindings`, {
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'y' },
          subjects: [{ kind: 'Robot', name: 'r2' }],
        },
      });
      assert.equal(
        binding.json.message,
        'RoleBinding.rbac.authorization.k8s.io "y" is invalid: [roleRef.kind: Unsupported value: "": supported ' +
          'values: "Role", "ClusterRole", roleRef.name: Required value, subjects[0].kind: Unsupported value: ' +
          '"Robot": supported values: "ServiceAccount", "User", "Group"]',
      );
      // kubectl's strict field validation: a misspelt field is refused, not stored.
      const typo = await kubectl(
        s,
        ['create', '-f', '-'],
        `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: typo, namespace: team}
rules:
  - {apiGroups: [""], resources: [events], verbs: [get], resourceName: [x]}
`,
      );
      assert.equal(
        typo.stderr.trim(),
        'Error from server (BadRequest): error when creating "STDIN": strict decoding error: unknown field ' +
          '"rules[0].resourceName"',
      );
      const slash = await kubectl(s, ['create', 'role', 'a/b', '-n', 'team', '--verb=get', '--resource=leases']);
      assert.match(slash.stderr, /metadata\.name: Invalid value: "a\/b": may not contain '\/'/);
    }));
});

describe('escalation, for a restricted user who may write roles and bindings', { skip: skipKubectl }, () => {
  /** bob may manage roles and bindings in team (`extraVerbs` on roles and cluster roles), and read leases there. */
  async function delegate(s: TestServer, extraVerbs: string[] = []): Promise<void> {
    await kubectlOk(
      s,
      ['apply', '-f', '-'],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rbac-manager, namespace: team}
rules:
  - {apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [create, update, patch, get]}
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [roles, clusterroles]
    verbs: [${['list', ...extraVerbs].join(', ')}]
`,
    );
    await kubectlOk(s, ['create', 'role', 'lease-reader', '-n', 'team', '--verb=get,list', '--resource=leases']);
    for (const role of ['rbac-manager', 'lease-reader'])
      await kubectlOk(s, ['create', 'rolebinding', `bob-${role}`, '-n', 'team', `--role=${role}`, '--user=bob']);
  }

  it('may grant what it holds, and is refused more, with the apiserver’s 403 listing what it lacks', () =>
    withBob(async (s, bob) => {
      await delegate(s);
      const held = await kubectlAs(s, bob, [
        'create',
        'role',
        'reader',
        '-n',
        'team',
        '--verb=get',
        '--resource=leases',
      ]);
      assert.equal(held.status, 0, held.stderr);
      const more = await kubectlAs(s, bob, [
        'create',
        'role',
        'deleter',
        '-n',
        'team',
        '--verb=get,delete,deletecollection',
        '--resource=leases,events',
      ]);
      assert.equal(more.status, 1);
      assert.equal(
        more.stderr.trim(),
        'Error from server (Forbidden): roles.rbac.authorization.k8s.io "deleter" is forbidden: user "bob" ' +
          '(groups=["developers" "system:authenticated"]) is attempting to grant RBAC permissions not currently ' +
          'held:\n' +
          '{APIGroups:[""], Resources:["events"], Verbs:["get" "delete" "deletecollection"]}\n' +
          '{APIGroups:["coordination.k8s.io"], Resources:["leases"], Verbs:["delete" "deletecollection"]}',
      );
      assert.equal((await kubectl(s, ['get', 'role', 'deleter', '-n', 'team'])).code, 1, 'nothing stored');

      // Binding a role it holds all of is allowed; one with more is not, and nor is a role that is not there.
      await kubectlOk(s, ['create', 'clusterrole', 'event-reader', '--verb=get', '--resource=events']);
      const bound = await kubectlAs(s, bob, ['create', 'rolebinding', 'r', '-n', 'team', '--role=reader', '--user=x']);
      assert.equal(bound.status, 0, bound.stderr);
      const events = await s.request('POST', `${RBAC}/namespaces/team/rolebindings`, {
        token: BOB_TOKEN,
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 's' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'event-reader' },
          subjects: [{ kind: 'User', name: 'bob' }],
        },
      });
      assert.equal(events.status, 403);
      assert.deepEqual(events.json.details, { name: 's', group: 'rbac.authorization.k8s.io', kind: 'rolebindings' });
      assert.equal(
        events.json.message,
        'rolebindings.rbac.authorization.k8s.io "s" is forbidden: user "bob" (groups=["developers" ' +
          '"system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
          '{APIGroups:[""], Resources:["events"], Verbs:["get"]}',
      );
      const missing = await kubectlAs(s, bob, ['create', 'rolebinding', 'm', '-n', 'team', '--role=nope', '--user=x']);
      assert.match(missing.stderr, /roles\.rbac\.authorization\.k8s\.io "nope" not found/);
      // Editing its own role to hold more is escalating too.
      const widen = await kubectlAs(s, bob, [
        'patch',
        'role',
        'reader',
        '-n',
        'team',
        '--type=json',
        '-p',
        '[{"op":"add","path":"/rules/0/verbs/-","value":"delete"}]',
      ]);
      assert.match(widen.stderr, /is attempting to grant RBAC permissions not currently held:\n\{APIGroups/);
    }));

  it('escalate on roles and bind on a role let it past the check, as on a cluster', () =>
    withBob(async (s, bob) => {
      await delegate(s, ['escalate', 'bind']);
      const escalated = await kubectlAs(s, bob, [
        'create',
        'role',
        'big',
        '-n',
        'team',
        '--verb=*',
        '--resource=events',
      ]);
      assert.equal(escalated.status, 0, escalated.stderr);
      await kubectlOk(s, ['create', 'clusterrole', 'event-reader', '--verb=get', '--resource=events']);
      const bound = await kubectlAs(s, bob, [
        'create',
        'rolebinding',
        'events',
        '-n',
        'team',
        '--clusterrole=event-reader',
        '--user=bob',
      ]);
      assert.equal(bound.status, 0, bound.stderr);
      // And the binding it made holds it to the new rules at once.
      assert.equal(await bobCan(s, bob, 'get', 'events', '-n', 'team'), 'yes');
    }));
});

describe('RBAC objects through the Python client', { skip: skipPython }, () => {
  it('creates, lists and deletes bindings with RbacAuthorizationV1Api, and the restricted token follows', () =>
    withBob(async (s) => {
      const admin = await python(
        s,
        `
rbac = client.RbacAuthorizationV1Api()
rbac.create_cluster_role(client.V1ClusterRole(
    metadata=client.V1ObjectMeta(name="reader"),
    rules=[client.V1PolicyRule(api_groups=["coordination.k8s.io"], resources=["leases"], verbs=["list"])]))
rbac.create_cluster_role_binding(client.V1ClusterRoleBinding(
    metadata=client.V1ObjectMeta(name="bob-reads"),
    role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="reader"),
    subjects=[client.V1Subject(kind="User", name="bob", api_group="rbac.authorization.k8s.io")]))
out([b.metadata.name for b in rbac.list_cluster_role_binding().items if b.metadata.name.startswith("bob")])
try:
    rbac.patch_cluster_role_binding("bob-reads", {"roleRef": {"name": "other"}})
except ApiException as e:
    out(e.status, json.loads(e.body)["details"]["causes"][0]["message"])
`,
      ).result();
      assert.equal(admin.code, 0, admin.stderr);
      assert.deepEqual(admin.stdout.trim().split('\n'), [
        "['bob-reads']",
        '422 Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"other"}: ' +
          'cannot change roleRef',
      ]);
      const asBob = `
out(len(client.CoordinationV1Api().list_lease_for_all_namespaces().items) >= 0)
`;
      assert.equal((await python(s, asBob, BOB_TOKEN).result()).stdout.trim(), 'True');
      s.store.delete('clusterrolebindings', 'bob-reads');
      const refused = await python(s, asBob, BOB_TOKEN).result();
      assert.match(refused.stderr, /403/);
    }));
});
