// `simulate --serve --rbac FILE`: a second kubeconfig beside the admin one, whose token the served
// API holds to the RBAC manifests given. Judged by the real kubectl (auth can-i under both
// identities) and by `kubectl promotion` through kubectl's plugin dispatch: with a read-only role,
// list and get work and approve fails in one line with the live commands' exit code, as on a cluster.
// The manifests are served (the binding it made for a role without one too), and a binding added with
// the admin kubeconfig lets approve through from the next request.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { Io } from '../../plugin/command.ts';
import { rbacKubeconfigPath, runServe, type ServeArgs } from '../../plugin/commands/simulate/serve.ts';
import { DEADLINE_MS, KUBECTL } from '../apiserver/helpers.ts';
import { skipKubectl } from '../apiserver/clients.ts';
import { rolloutPromotion, smallFleet, T0 } from './helpers.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

const VIEWER = `# Read-only access to promotions, as a team's on-call might have it.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: promotion-viewer
rules:
  - apiGroups: [config.projectsveltos.io]
    resources: [clusterpromotions, clusterprofiles, clustersummaries]
    verbs: [get, list, watch]
  - apiGroups: [lib.projectsveltos.io]
    resources: [sveltosclusters]
    verbs: [get, list, watch]
  - apiGroups: [cluster.x-k8s.io]
    resources: [clusters]
    verbs: [get, list, watch]
  - apiGroups: ['', events.k8s.io]
    resources: [events]
    verbs: [get, list, watch]
`;

describe('simulate --serve --rbac', { skip: skipKubectl }, () => {
  let dir: string;
  let stop!: (signal: string) => void;
  let running: Promise<number>;
  let out = '';
  let env: NodeJS.ProcessEnv;
  const admin = () => join(dir, 'sim.yaml');
  const viewer = () => join(dir, 'sim-rbac.yaml');

  const kubectl = async (kubeconfig: string, args: string[]) => {
    try {
      // kubectl takes no flag before a plugin's name: the kubeconfig goes last.
      const r = await run(KUBECTL, [...args, '--kubeconfig', kubeconfig], { env, timeout: DEADLINE_MS * 3 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  before(async () => {
    if (!existsSync(join(ROOT, 'dist/kubectl-promotion.mjs')))
      await run(process.execPath, ['build/build.mjs'], { cwd: ROOT });
    dir = mkdtempSync(join(tmpdir(), 'serve-rbac-'));
    writeFileSync(join(dir, 'viewer.yaml'), VIEWER);
    const wrapper = join(dir, 'kubectl-promotion');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist/kubectl-promotion.mjs')}" "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    env = { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}`, KUBECONFIG: '' };
    const io: Io = {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true },
      stdin: Readable.from([]),
      env: {},
    };
    const args: ServeArgs = {
      serve: true,
      port: '0',
      controller: true,
      force: false,
      rbac: [join(dir, 'viewer.yaml')],
      'kubeconfig-out': admin(),
    };
    // 6000x: staging's one-minute deploys take a hundredth of a second, then it waits for approval.
    running = runServe(
      { promotions: [rolloutPromotion()], fleet: { clusters: smallFleet() }, start: T0, seed: 1, speed: 6000 },
      args,
      io,
      { stopRequested: () => new Promise((resolve) => (stop = resolve)) },
    );
    const end = Date.now() + DEADLINE_MS;
    while (!out.includes('Ctrl-C stops it.')) {
      assert.ok(Date.now() < end, `simulate --serve printed: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  after(async () => {
    stop?.('SIGTERM');
    await running;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the second kubeconfig beside the first, -rbac before the extension, and says what it holds', () => {
    assert.equal(rbacKubeconfigPath('/x/kubeconfig'), '/x/kubeconfig-rbac');
    assert.equal(rbacKubeconfigPath(admin()), viewer());
    const config = parse(readFileSync(viewer(), 'utf8'));
    assert.equal(config['current-context'], 'promotion-sim-rbac');
    assert.notEqual(config.users[0].user.token, parse(readFileSync(admin(), 'utf8')).users[0].user.token);
    assert.match(
      out,
      new RegExp(
        `^Kubeconfig held to --rbac \\(context promotion-sim-rbac, user promotion-sim-rbac\\): ${viewer()}\n` +
          '  holds ClusterRole promotion-viewer \\(cluster-wide\\)\n',
        'm',
      ),
    );
  });

  it('kubectl auth can-i: yes to everything for the admin, per rule for the --rbac kubeconfig', async () => {
    const answer = async (kubeconfig: string, ...args: string[]) => {
      const r = await kubectl(kubeconfig, ['auth', 'can-i', ...args]);
      return `${r.code} ${r.stdout.trim()}`;
    };
    assert.equal(await answer(admin(), 'patch', 'clusterpromotions/rollout'), '0 yes');
    assert.equal(await answer(viewer(), 'get', 'clusterpromotions/rollout'), '0 yes');
    assert.equal(await answer(viewer(), 'patch', 'clusterpromotions/rollout'), '1 no');
    assert.equal(await answer(viewer(), 'update', 'clusterpromotions', '--subresource=status'), '1 no');
    const list = await kubectl(viewer(), ['auth', 'can-i', '--list']);
    assert.match(list.stdout, /^clusterpromotions\.config\.projectsveltos\.io\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    assert.doesNotMatch(list.stdout, /\[\*\]/);
  });

  it('kubectl promotion list and get work read-only; approve fails in one line, exit 5, changes nothing', async () => {
    const end = Date.now() + DEADLINE_MS * 3;
    for (;;) {
      const r = await kubectl(admin(), ['get', 'clusterpromotion', 'rollout', '-o', 'jsonpath={.status.stages[0]}']);
      if (r.stdout.includes('Awaiting Manual Approval')) break;
      assert.ok(Date.now() < end, `staging never waited for approval: ${r.stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const list = await kubectl(viewer(), ['promotion', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^rollout\s+1\/2 staging\s+AwaitingApproval\s/m);
    const get = await kubectl(viewer(), ['promotion', 'get', 'rollout']);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /staging/);

    const approve = await kubectl(viewer(), ['promotion', 'approve', 'rollout', '--yes']);
    assert.equal(approve.code, 5, approve.stderr);
    assert.equal(approve.stdout, '');
    assert.equal(
      approve.stderr,
      'error: forbidden: user "promotion-sim-rbac" cannot patch clusterpromotions.config.projectsveltos.io/rollout ' +
        `in context "promotion-sim-rbac"; check with: kubectl auth can-i patch ` +
        `clusterpromotions.config.projectsveltos.io/rollout --kubeconfig=${viewer()}\n`,
    );
    const after = await kubectl(admin(), ['get', 'clusterpromotion', 'rollout', '-o', 'jsonpath={.spec.stages[0]}']);
    assert.doesNotMatch(after.stdout, /"approved":true/);
  });

  it('serves the roles and its default binding; a binding added with the admin kubeconfig counts at once', async () => {
    const bindings = await kubectl(admin(), ['get', 'clusterrolebindings', '-o', 'wide']);
    assert.equal(bindings.code, 0, bindings.stderr);
    assert.match(
      bindings.stdout,
      /^promotion-sim-rbac:promotion-viewer\s+ClusterRole\/promotion-viewer\s+\S+\s+promotion-sim-rbac\s*$/m,
    );
    const roles = await kubectl(viewer(), ['get', 'clusterroles']);
    assert.match(roles.stderr, /User "promotion-sim-rbac" cannot list resource "clusterroles"/);

    const can = async () => (await kubectl(viewer(), ['auth', 'can-i', 'patch', 'clusterpromotions/rollout'])).stdout;
    assert.equal(await can(), 'no\n');
    for (const args of [
      ['create', 'clusterrole', 'approver', '--verb=patch', '--resource=clusterpromotions'],
      ['create', 'clusterrolebinding', 'approvers', '--clusterrole=approver', '--user=promotion-sim-rbac'],
    ]) {
      const r = await kubectl(admin(), args);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(await can(), 'yes\n');
    const approve = await kubectl(viewer(), ['promotion', 'approve', 'rollout', '--yes']);
    assert.equal(approve.code, 0, approve.stderr);
    assert.equal((await kubectl(admin(), ['delete', 'clusterrolebinding', 'approvers'])).code, 0);
    assert.equal(await can(), 'no\n');
  });
});
