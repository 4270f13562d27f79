// `kubectl --as` against the served API, as against a kube-apiserver: the admin may become anyone
// and then holds only what that user's bindings grant; a restricted token may impersonate only what
// it is allowed to (`impersonate` on users, groups, serviceaccounts), else the apiserver's 403.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipKubectl } from './clients.ts';
import { kubectl, kubectlAs, kubectlOk, type TestServer, withBob } from './helpers.ts';

/** `kubectl auth can-i` (exit 1 for no): `yes` or `no`. */
async function can(s: TestServer, ...args: string[]): Promise<string> {
  return (await kubectl(s, ['auth', 'can-i', ...args])).stdout.trim();
}

describe('impersonation (kubectl --as)', { skip: skipKubectl }, () => {
  it('the admin becomes the user it names, with that user’s grants and no more', () =>
    withBob(async (s) => {
      const whoami = await kubectlOk(s, ['auth', 'whoami', '--as=alice', '--as-group=auditors', '-o', 'json']);
      const info = JSON.parse(whoami).status.userInfo;
      assert.equal(info.username, 'alice');
      assert.deepEqual(info.groups, ['auditors', 'system:authenticated']);

      assert.equal(await can(s, 'list', 'leases', '-n', 'team', '--as=alice'), 'no');
      const refused = await kubectl(s, ['get', 'leases', '-n', 'team', '--as=alice']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /User "alice" cannot list resource "leases" in API group "coordination\.k8s\.io"/);

      await kubectlOk(s, ['create', 'role', 'lease-reader', '-n', 'team', '--verb=get,list', '--resource=leases']);
      await kubectlOk(s, [
        'create',
        'rolebinding',
        'auditors-read',
        '-n',
        'team',
        '--role=lease-reader',
        '--group=auditors',
      ]);
      assert.equal(
        await can(s, 'list', 'leases', '-n', 'team', '--as=alice'),
        'no',
        'the group is not hers unless asked for',
      );
      const asAuditor = ['--as=alice', '--as-group=auditors'];
      assert.equal(await can(s, 'list', 'leases', '-n', 'team', ...asAuditor), 'yes');
      assert.equal((await kubectl(s, ['get', 'leases', '-n', 'team', ...asAuditor])).code, 0);
    }));

  it('a ServiceAccount impersonated is in its namespace’s groups', () =>
    withBob(async (s) => {
      const whoami = await kubectlOk(s, ['auth', 'whoami', '--as=system:serviceaccount:team:robot', '-o', 'json']);
      assert.deepEqual(JSON.parse(whoami).status.userInfo.groups, [
        'system:serviceaccounts',
        'system:serviceaccounts:team',
        'system:authenticated',
      ]);
    }));

  it('a restricted token may not impersonate until a role lets it, in the apiserver’s words', () =>
    withBob(async (s, bob) => {
      // kubectl's discovery fails first and says only "Forbidden: unknown", as against a real server;
      // a raw request shows the apiserver's message.
      const refused = await kubectlAs(s, bob, ['get', '--raw', '/api/v1/namespaces', '--as=alice']);
      assert.equal(
        refused.stderr.trim(),
        'Error from server (Forbidden): users "alice" is forbidden: User "bob" cannot impersonate resource ' +
          '"users" in API group "" at the cluster scope',
      );
      await kubectlOk(s, ['create', 'clusterrole', 'impersonator', '--verb=impersonate', '--resource=users']);
      await kubectlOk(s, [
        'create',
        'clusterrolebinding',
        'bob-impersonates',
        '--clusterrole=impersonator',
        '--user=bob',
      ]);
      const whoami = await kubectlAs(s, bob, [
        'auth',
        'whoami',
        '--as=alice',
        '-o',
        'jsonpath={.status.userInfo.username}',
      ]);
      assert.equal(whoami.stdout, 'alice');
      const group = await kubectlAs(s, bob, ['get', '--raw', '/version', '--as=alice', '--as-group=system:masters']);
      assert.match(
        group.stderr,
        /groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups"/,
      );
    }));
});
