// deploy/ as `kubectl apply -k deploy/` applies it: rendered by kubectl's own kustomize, the
// Deployment as an operator expects it, and RBAC rules that are exactly what the controller does:
// every request the controller makes through a whole promotion's life (start, a removed finalizer
// added back, deletion) is allowed by them, and every rule is used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../plugin/cli.ts';
import { controllerCommand } from '../../plugin/commands/controller/index.ts';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { realTimers } from '../../src/timers.ts';
import { startServedSimulation } from '../../simulator/serve.ts';
import { KUBECTL } from '../apiserver/helpers.ts';
import { rolloutPromotion, smallFleet, T0 } from '../serve/helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const missing = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).error !== undefined;
const skip = missing && process.env.CI === undefined ? `${KUBECTL} is not installed` : false;

type Obj = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

function rendered(): Obj[] {
  const r = spawnSync(KUBECTL, ['kustomize', join(root, 'deploy')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return parseAllDocuments(r.stdout).map((d) => d.toJSON() as Obj);
}

/** A request as RBAC sees it: verb, API group, resource (with subresource), namespace. */
function access(method: string, url: string): { verb: string; group: string; resource: string; namespace?: string } {
  const u = new URL(url, 'https://x');
  const parts = u.pathname.split('/').filter(Boolean);
  const group = parts[0] === 'api' ? '' : parts[1]!;
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, sub] = rest;
  const resource = sub ? `${plural}/${sub}` : plural!;
  const watching = ['true', '1'].includes(u.searchParams.get('watch') ?? '');
  const verb =
    method === 'GET'
      ? watching
        ? 'watch'
        : name
          ? 'get'
          : 'list'
      : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method]!;
  return { verb, group, resource, ...(namespace ? { namespace } : {}) };
}

describe('deploy/ (kubectl apply -k)', { skip }, () => {
  it('runs 2 replicas with probes, requests, a non-root read-only container, and a PDB', () => {
    const objects = rendered();
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Namespace',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    const d = objects.find((o) => o.kind === 'Deployment') as unknown as {
      metadata: { namespace: string };
      spec: { replicas: number; template: { spec: Record<string, any> } };
    };
    assert.equal(d.metadata.namespace, 'projectsveltos');
    assert.equal(d.spec.replicas, 2);
    const pod = d.spec.template.spec;
    assert.equal(pod.serviceAccountName, 'kubectl-promotion-controller');
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const c = pod.containers[0];
    assert.equal(c.image, 'ghcr.io/kubectl-promotion/kubectl-promotion:0.1.0');
    assert.equal(c.args[0], 'controller');
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget') as unknown as { spec: { minAvailable: number } };
    assert.equal(pdb.spec.minAvailable, 1);
  });

  it('grants exactly the requests the controller makes over a promotion’s whole life', async () => {
    const objects = rendered();
    const clusterRules = (objects.find((o) => o.kind === 'ClusterRole') as unknown as { rules: Rule[] }).rules;
    const role = objects.find((o) => o.kind === 'Role') as unknown as {
      metadata: { namespace: string };
      rules: Rule[];
    };
    const requests: string[] = [];
    const served = await startServedSimulation({
      promotions: [rolloutPromotion()],
      fleet: { clusters: smallFleet() },
      start: T0,
      controller: false,
      paused: true,
      log: (line) => requests.push(line),
    });
    const dir = mkdtempSync(join(tmpdir(), 'controller-rbac-'));
    const kubeconfig = join(dir, 'kubeconfig');
    served.writeKubeconfig(kubeconfig);
    const stop = new AbortController();
    let stderr = '';
    const exited = runCli(
      ['controller', '--kubeconfig', kubeconfig, '--metrics-bind-address=0', '--health-probe-bind-address=0'],
      [controllerCommand({ timers: realTimers, interrupted: () => stop.signal })],
      {
        stdout: { write: () => true },
        stderr: { write: (t: string) => (stderr += t) },
        stdin: Readable.from([]),
        env: {},
      },
    );
    const promotion = () => served.store.find<ClusterPromotion>('clusterpromotions', 'rollout');
    const eventually = async (what: string, check: () => boolean) => {
      const end = Date.now() + 10_000;
      while (!check()) {
        assert.ok(Date.now() < end, `${what}; the controller logged:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await eventually('the rollout started', () => promotion()?.status?.currentStageName === 'staging');
      // Someone removes the finalizer: it comes back, and the repeated Event is counted (a patch).
      const p = promotion()!;
      served.store.update('clusterpromotions', { ...p, metadata: { ...p.metadata, finalizers: [] } });
      await eventually('the finalizer back', () => (promotion()?.metadata.finalizers ?? []).length === 1);
      await eventually('the Event counted twice', () =>
        (served.store.all('events') as unknown as { reason: string; count: number }[]).some(
          (e) => e.reason === 'FinalizerAdded' && e.count === 2,
        ),
      );
      // Staging deploys and waits for approval; approved, it is promoted and the approval reset (a patch).
      await served.advanceTo(T0 + 3 * 60_000);
      await eventually('staging waits for approval', () =>
        /Awaiting Manual Approval/.test(promotion()?.status?.stages?.[0]?.currentStatusDescription ?? ''),
      );
      served.store.patch('clusterpromotions', 'rollout', 'json', [
        { op: 'test', path: '/spec/stages/0/name', value: 'staging' },
        { op: 'add', path: '/spec/stages/0/trigger/manual/approved', value: true },
      ]);
      await eventually('production started', () => promotion()?.status?.currentStageName === 'production');
      await eventually('the approval reset', () => promotion()?.spec.stages[0]?.trigger?.manual?.approved !== true);
      // A new chart version restarts the pipeline: the staging profile is updated in place.
      const q = promotion()!;
      const spec = structuredClone(q.spec);
      spec.profileSpec.helmCharts![0]!.chartVersion = '2.0.0';
      served.store.update('clusterpromotions', { ...q, spec });
      await eventually('the staging profile updated', () =>
        JSON.stringify(served.store.find('clusterprofiles', 'rollout-staging')).includes('"chartVersion":"2.0.0"'),
      );
      // Deleting the promotion: its profiles go, then the finalizer.
      served.store.delete('clusterpromotions', 'rollout');
      await eventually('the promotion gone', () => promotion() === undefined);
      assert.deepEqual(served.store.all('clusterprofiles'), []);
    } finally {
      stop.abort();
      await exited;
      await served.close();
      rmSync(dir, { recursive: true, force: true });
    }

    const used = new Set<string>();
    for (const line of requests) {
      const [method, url, status] = line.split(' ');
      const a = access(method!, url!);
      const rules =
        a.resource === 'leases' ? (a.namespace === role.metadata.namespace ? role.rules : []) : clusterRules;
      const rule = rules.findIndex(
        (r) => r.apiGroups.includes(a.group) && r.resources.includes(a.resource) && r.verbs.includes(a.verb),
      );
      assert.ok(rule >= 0, `${line}: ${a.verb} ${a.resource}.${a.group} is not granted by deploy/ (status ${status})`);
      used.add(`${a.resource === 'leases' ? 'role' : 'cluster'}:${rule}:${a.verb}`);
    }
    const granted = [
      ...clusterRules.flatMap((r, i) => r.verbs.map((v) => `cluster:${i}:${v}`)),
      ...role.rules.flatMap((r, i) => r.verbs.map((v) => `role:${i}:${v}`)),
    ];
    assert.deepEqual(
      granted.filter((g) => !used.has(g)),
      [],
      'granted but never used',
    );
  });
});
