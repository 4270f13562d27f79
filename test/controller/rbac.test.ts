// The shipped RBAC is enough, proven by running under it: the built `kubectl promotion controller`
// runs a whole rollout against the built `simulate --serve --no-controller --rbac` given deploy/'s
// ClusterRole and leader-election Role with their bindings, through the kubeconfig held to them.
// A rule missing from deploy/ is a 403 for the controller, and the rollout never completes.
// Virtual time flows at 600x: the rollout takes a few real seconds; the budget is generous for a
// busy machine, and the test polls the controller's log, never sleeping for a rollout.
import assert from 'node:assert/strict';
import { decodeProgress } from '../../src/api/published-progress.ts';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { KUBECTL } from '../apiserver/helpers.ts';
import { skipKubectl } from '../apiserver/clients.ts';
import { BIN, ControllerProcess, ensureBuilt, FAST_LEASE, type LogRecord } from './processes.ts';

const RBAC = [
  'deploy/clusterrole.yaml',
  'deploy/clusterrolebinding.yaml',
  'deploy/leader-election-role.yaml',
  'deploy/leader-election-rolebinding.yaml',
];
const BUDGET_MS = 180_000;

describe('kubectl promotion controller under deploy/’s RBAC', { skip: skipKubectl }, () => {
  let dir: string;
  let sim: ReturnType<typeof spawn>;
  let simOut = '';
  let simErr = '';
  let controller: ControllerProcess | undefined;

  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'controller-rbac-'));
  });

  after(async () => {
    controller?.kill('SIGTERM');
    if (controller) await controller.exited;
    if (sim && sim.exitCode === null) {
      sim.kill('SIGTERM');
      await new Promise((resolve) => sim.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('grants no wildcard: every rule names its verbs, groups and resources', () => {
    for (const file of RBAC) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        for (const rule of (doc.toJS()?.rules ?? []) as Record<string, string[]>[]) {
          for (const key of ['verbs', 'apiGroups', 'resources'])
            assert.ok(!rule[key]!.includes('*'), `${file}: ${key} *`);
        }
      }
    }
  });

  it('runs a rollout to completion as the ServiceAccount, with no request refused', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    sim = spawn(
      process.execPath,
      [
        BIN,
        'simulate',
        '--serve',
        '--no-controller',
        '--rbac',
        RBAC.join(','),
        '--kubeconfig-out',
        kubeconfig,
        '--speed',
        '600',
        '--start',
        '2030-01-01T00:00:00Z',
        '-f',
        'examples/kyverno/promotion.yaml',
        '--fleet',
        'examples/kyverno/fleet.yaml',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    sim.stderr!.on('data', (d: Buffer) => (simErr += d.toString()));
    const restricted = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`simulate --serve printed:\n${simOut}${simErr}`)), 60_000);
      createInterface({ input: sim.stdout! }).on('line', (line) => {
        simOut += `${line}\n`;
        const m = /^Kubeconfig held to --rbac \(context promotion-sim-rbac, user (\S+)\): (\S+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          assert.equal(m[1], 'system:serviceaccount:projectsveltos:kubectl-promotion-controller');
          resolve(m[2]!);
        }
      });
    });
    assert.equal(restricted, `${kubeconfig}-rbac`);

    controller = new ControllerProcess('controller', restricted, ['--log-format=json', ...FAST_LEASE]);
    const refusal = (r: LogRecord) => /forbidden/i.test(JSON.stringify(r));
    // The first refusal ends the wait: a missing rule fails at once, not at the end of the budget.
    await controller.waitFor((r) => r.msg === 'successfully acquired lease' || refusal(r), 'the Lease', BUDGET_MS);
    await controller.waitFor((r) => r.event === 'PromotionCompleted' || refusal(r), 'the rollout', BUDGET_MS);
    assert.deepEqual(controller.records.filter(refusal), [], 'requests the shipped RBAC refused');

    const { stdout } = await promisify(execFile)(KUBECTL, [
      'get',
      'clusterpromotion',
      'test-kyverno-rollout',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'jsonpath={.metadata.finalizers} {.status.currentStageName} {.status.stages[1].currentStatusDescription}|' +
        '{.metadata.annotations.kubectl-promotion\\.dev/progress}',
    ]);
    const [written, progress] = stdout.split('|');
    assert.match(written!, /^\["config\.projectsveltos\.io\/clusterpromotion"\] production Successfully provisioned/);
    // The counts for list, published with the same role (a merge patch of the annotation).
    assert.equal(decodeProgress(progress)?.stage, 'production');
  });
});
