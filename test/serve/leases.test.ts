// Leader election against the rehearsal: coordination.k8s.io/v1 Leases, namespaced, in the
// namespace Sveltos's controllers use, with the resourceVersion semantics a lock relies on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { KUBECTL, kubectl } from '../apiserver/helpers.ts';
import { withServed } from './helpers.ts';

const missing = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).error !== undefined;
const skip = missing && process.env.CI === undefined ? `${KUBECTL} is not installed` : false;

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/projectsveltos/leases';

function lease(holder: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'kubectl-promotion-controller', namespace: 'projectsveltos' },
    spec: { holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: '2030-01-01T00:00:00.000000Z', ...extra },
  };
}

describe('Leases in the served API', () => {
  it('holds a projectsveltos namespace, as a Sveltos management cluster does', () =>
    withServed(async ({ server }) => {
      const res = await server.request('GET', '/api/v1/namespaces/projectsveltos');
      assert.equal(res.status, 200);
      assert.equal((res.json as { status?: { phase?: string } }).status?.phase, 'Active');
    }));

  it('creates a Lease once: a second candidate creating it gets 409 AlreadyExists', () =>
    withServed(async ({ server }) => {
      const first = await server.request('POST', LEASES, { body: lease('a') });
      assert.equal(first.status, 201, first.text);
      const second = await server.request('POST', LEASES, { body: lease('b') });
      assert.equal(second.status, 409);
      assert.equal((second.json as { reason: string }).reason, 'AlreadyExists');
      assert.match(
        (second.json as { message: string }).message,
        /leases\.coordination\.k8s\.io "kubectl-promotion-controller" already exists/,
      );
    }));

  it('takes over only from the version read: an update with a stale resourceVersion is a 409 Conflict', () =>
    withServed(async ({ server }) => {
      const created = (await server.request('POST', LEASES, { body: lease('a') })).json as ReturnType<typeof lease> & {
        metadata: { resourceVersion: string };
      };
      const renewed = await server.request('PUT', `${LEASES}/kubectl-promotion-controller`, {
        body: { ...created, spec: { ...created.spec, renewTime: '2030-01-01T00:00:02.000000Z' } },
      });
      assert.equal(renewed.status, 200, renewed.text);
      const stale = await server.request('PUT', `${LEASES}/kubectl-promotion-controller`, {
        body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } },
      });
      assert.equal(stale.status, 409);
      assert.equal((stale.json as { reason: string }).reason, 'Conflict');
    }));

  it('refuses a lease duration that is not positive, naming the field', () =>
    withServed(async ({ server }) => {
      const res = await server.request('POST', LEASES, { body: lease('a', { leaseDurationSeconds: 0 }) });
      assert.equal(res.status, 422);
      assert.match(
        (res.json as { message: string }).message,
        /spec\.leaseDurationSeconds: Invalid value: 0: must be greater than 0/,
      );
    }));

  it('kubectl lists leases with their holder and reads one in a namespace', { skip }, () =>
    withServed(async ({ server }) => {
      await server.request('POST', LEASES, { body: lease('controller-0_1a2b') });
      const res = await kubectl(server, ['get', 'leases', '-n', 'projectsveltos']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^NAME\s+HOLDER\s+AGE\n/);
      assert.match(res.stdout, /^kubectl-promotion-controller\s+controller-0_1a2b\s+\d+s$/m);
      const other = await kubectl(server, ['get', 'leases', '-n', 'default']);
      assert.equal(other.code, 0, other.stderr);
      assert.match(other.stderr, /No resources found in default namespace/);
    }),
  );
});
