// The release as a user gets it: build the linux/amd64 archive once, install it the way krew
// does, and run it through the real kubectl on a PATH that has no Node.js.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { validateManifest } from '../../build/release/krew-manifest.ts';
import { COMMANDS } from '../../plugin/registry.ts';
import type { KrewPlugin } from '../../build/release/krew-manifest.ts';
import { krewInstall } from './krew-install.ts';
import type { Installed } from './krew-install.ts';
import { kubectlOnlyFolder, pluginCompletionSkip } from './kubectl.ts';
import { autoStage, manualStage, promotionObject, putPromotion, serve, stageEntry } from '../live/served.ts';
import { buildImageRootfs, IMAGE_EXECUTABLE, IMAGE_USER } from '../../build/image-rootfs.ts';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { startServedSimulation } from '../../simulator/serve.ts';
import { rolloutPromotion, smallFleet, T0 } from '../serve/helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TARGET = { os: 'linux', arch: 'amd64' };
const ARCHIVE = 'kubectl-promotion-linux-amd64.tar.gz';
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('the linux/amd64 release installed as krew installs it', {
  skip: process.platform !== 'linux' || process.arch !== 'x64',
}, () => {
  let work: string;
  let out: string;
  let manifestPath: string;
  let installed: Installed;
  let env: NodeJS.ProcessEnv;

  before(
    () => {
      work = mkdtempSync(join(tmpdir(), 'kp-release-'));
      out = join(work, 'release');
      manifestPath = join(out, 'krew-manifest.yaml');
      execFileSync(
        process.execPath,
        [
          'build/release.ts',
          '--target',
          'linux-amd64',
          '--out',
          out,
          '--manifest-out',
          join(work, 'written-manifest.yaml'),
        ],
        {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      installed = krewInstall(manifestPath, join(out, ARCHIVE), mkdirRoot(work), TARGET);
      env = {
        // kubectl alone in its folder, so that nothing else of /usr/bin (node among it) is on PATH.
        PATH: `${installed.binDir}:${kubectlOnlyFolder(work)}`,
        HOME: join(work, 'home'),
        KUBECONFIG: join(work, 'no-kubeconfig'),
      };
    },
    { timeout: 300_000 },
  );

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function mkdirRoot(dir: string): string {
    const root = join(dir, 'krew');
    mkdirSync(root);
    return root;
  }

  function kubectl(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('kubectl', args, { env, cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("writes a manifest krew accepts, with the archive's sha256 and this version", () => {
    const m = parse(readFileSync(manifestPath, 'utf8')) as KrewPlugin;
    assert.deepEqual(validateManifest(m, 'promotion'), []);
    assert.equal(m.spec.version, `v${pkg.version}`);
    const sum = readFileSync(join(out, `${ARCHIVE}.sha256`), 'utf8').split(' ')[0];
    assert.equal(m.spec.platforms[0]?.sha256, sum);
    assert.equal(readFileSync(join(work, 'written-manifest.yaml'), 'utf8'), readFileSync(manifestPath, 'utf8'));
  });

  it('is refused by the install when the archive is not the one the manifest names', () => {
    const tampered = join(work, 'tampered.tar.gz');
    copyFileSync(join(out, ARCHIVE), tampered);
    const bytes = readFileSync(tampered);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(tampered, bytes);
    const root = join(work, 'krew-tampered');
    mkdirSync(root);
    assert.throws(() => krewInstall(manifestPath, tampered, root, TARGET), /checksum does not match/);
  });

  it('installs the LICENSE, the completion helper and the executable, linked as kubectl-promotion', () => {
    assert.deepEqual([...installed.files].sort(), [
      'LICENSE',
      'README.md',
      'kubectl-promotion',
      'kubectl_complete-promotion',
    ]);
    assert.ok(existsSync(join(installed.binDir, 'kubectl-promotion')));
  });

  it('finds no node on the PATH the plugin runs with', () => {
    const r = spawnSync('sh', ['-c', 'command -v node'], { env, encoding: 'utf8' });
    assert.notEqual(r.status, 0, `node is on PATH at ${r.stdout}`);
  });

  it('runs `kubectl promotion version` through kubectl, reporting version, commit and Node.js', () => {
    const r = kubectl('promotion', 'version', '-o', 'json');
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { version: string; commit: string | null; node: string };
    assert.equal(info.version, pkg.version);
    assert.equal(info.node, process.version);
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    assert.equal(info.commit, head);
  });

  it('shows its help through kubectl, every command listed, as the parser itself prints it', () => {
    const r = kubectl('promotion', '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\nUsage:\n {2}kubectl promotion COMMAND \[flags\]\n/);
    for (const { name } of COMMANDS) {
      assert.match(r.stdout, new RegExp(`^  ${name} {2,}\\S`, 'm'));
    }
    // Global flags before --help change nothing.
    const parsed = kubectl('promotion', '--no-color', '--help');
    assert.equal(parsed.status, 0, parsed.stderr);
    assert.equal(r.stdout, parsed.stdout);
  });

  interface SimulationReport {
    outcome: string;
    completedAt: string;
    stages: { name: string; phase: string; deployStartedAt: string; deployedAt: string; promotedAt: string }[];
    events: { type: string; stage: string | null; message: string }[];
  }

  function simulate(promotion: string, fleet: string): SimulationReport {
    const r = kubectl(
      'promotion',
      'simulate',
      '-f',
      promotion,
      '--fleet',
      fleet,
      '-o',
      'json',
      '--start',
      '2026-01-01T00:00:00Z',
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as SimulationReport;
  }

  const timeline = (report: SimulationReport) =>
    report.stages.map((s) => [s.name, s.phase, s.deployStartedAt, s.deployedAt, s.promotedAt].join(' '));

  it('simulates the kyverno example headless through kubectl: completed, each stage at its time', () => {
    const report = simulate('examples/kyverno/promotion.yaml', 'examples/kyverno/fleet.yaml');
    assert.equal(report.outcome, 'Completed');
    assert.equal(report.completedAt, '2026-01-01T00:15:00Z');
    // staging: deployed in 1m, soaks 5m; production: production-3 fails once and is retried
    // (2m + 2m), then soaks 5m.
    assert.deepEqual(timeline(report), [
      'staging Promoted 2026-01-01T00:00:00Z 2026-01-01T00:01:00Z 2026-01-01T00:06:00Z',
      'production Completed 2026-01-01T00:06:00Z 2026-01-01T00:10:00Z 2026-01-01T00:15:00Z',
    ]);
  });

  it('rehearses the example it carries when given no files, wherever it runs from', () => {
    // No examples/ is installed beside the executable: the default comes from inside it.
    const r = kubectl('promotion', 'simulate', '-o', 'json', '--start', '2026-01-01T00:00:00Z');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /simulating the bundled example examples\/kyverno\/promotion\.yaml/);
    const report = JSON.parse(r.stdout) as SimulationReport;
    assert.equal(report.outcome, 'Completed');
    assert.equal(report.completedAt, '2026-01-01T00:15:00Z');
  });

  it('runs a Lua health check in the Lua VM it carries (its WebAssembly inside the executable)', () => {
    const dir = join(work, 'lua-check');
    mkdirSync(dir);
    writeFileSync(join(dir, 'promotion.yaml'), LUA_PROMOTION);
    writeFileSync(join(dir, 'fleet.yaml'), LUA_FLEET);
    const report = simulate(join(dir, 'promotion.yaml'), join(dir, 'fleet.yaml'));
    assert.equal(report.outcome, 'Completed');
    // The check runs after the 1m soak and fails with the script's own message until the
    // Deployment is available at 10m.
    assert.ok(
      report.events.some((e) => e.type === 'HealthCheckFailed' && e.message.includes('web is not available yet')),
      JSON.stringify(report.events.filter((e) => e.stage === 'staging')),
    );
    assert.deepEqual(timeline(report), [
      'staging Promoted 2026-01-01T00:00:00Z 2026-01-01T00:01:00Z 2026-01-01T00:10:00Z',
      'production Completed 2026-01-01T00:10:00Z 2026-01-01T00:11:00Z 2026-01-01T00:11:00Z',
    ]);
  });

  it('reads a cluster through kubectl: list with what each waits for, -o yaml, and get', async () => {
    // The deferred parts of the bundle (YAML output, cron for a promotionWindow) are inside it too.
    const served = await serve();
    try {
      putPromotion(served.store, promotionObject('checkout', [manualStage('staging', { env: 'staging' })]), {
        currentStageName: 'staging',
        stages: [stageEntry('staging', 'Paused: Awaiting Manual Approval')],
      });
      const nightly = promotionObject('nightly', [autoStage('staging', { env: 'staging' })]);
      nightly.spec.stages[0]!.trigger = { auto: { promotionWindow: { from: '0 2 * * *', to: '0 4 * * *' } } };
      putPromotion(served.store, nightly, {
        currentStageName: 'staging',
        stages: [stageEntry('staging', 'Window Closed: Waiting for Next Schedule (2099-01-01T02:00:00Z).')],
      });
      const run = async (...args: string[]) =>
        (
          await promisify(execFile)('kubectl', ['promotion', ...args, '--kubeconfig', served.kubeconfig], {
            env,
            cwd: ROOT,
          })
        ).stdout;
      const table = (await run('list')).split('\n');
      assert.match(table[0]!, /^NAME\s+STAGE\s+PHASE\s+CLUSTERS\s+WAITING-FOR\s+AGE$/);
      assert.match(table[1]!, /^checkout\s+1\/1 staging\s+AwaitingApproval\s+0\/0\s+approval/);
      assert.match(table[2]!, /^nightly\s+1\/1 staging\s+AwaitingWindow\s+0\/0\s+window \d/);
      assert.match(
        await run('list', '-o', 'yaml'),
        /^apiVersion: v1\nitems:\n {2}- apiVersion: config\.projectsveltos\.io\/v1beta1\n/,
      );
      assert.match(await run('get', 'checkout'), /staging .*AwaitingApproval/);
    } finally {
      await served.close();
    }
  });

  it('runs the controller from the container image (deploy/Dockerfile): no Node.js, no shell, uid 65532', {
    skip: process.getuid?.() !== 0 ? 'chroot needs root' : false,
  }, async () => {
    const rootfs = join(work, 'image-rootfs');
    const files = buildImageRootfs(join(installed.installDir, 'kubectl-promotion'), rootfs);
    assert.ok(files.includes(IMAGE_EXECUTABLE));
    assert.deepEqual(
      files.filter((f) => /(^|\/)(sh|bash|dash|node)$/.test(f)),
      [],
      'no shell and no Node.js in the image',
    );
    // The Dockerfile ships this directory as the whole image, with this entrypoint and user.
    const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    assert.match(
      dockerfile,
      /^FROM scratch\nCOPY --from=build \/rootfs\/ \/\nUSER 65532:65532\nENTRYPOINT \["\/kubectl-promotion"\]$/m,
    );

    const served = await startServedSimulation({
      promotions: [rolloutPromotion()],
      fleet: { clusters: smallFleet() },
      start: T0,
      controller: false,
      paused: true,
    });
    const kubeconfig = join(rootfs, 'home/nonroot/kubeconfig');
    served.writeKubeconfig(kubeconfig);
    chmodSync(kubeconfig, 0o644);
    // The controller gets an empty environment (HOME aside); chroot itself is found here.
    const chroot = ['/usr/sbin/chroot', '/usr/bin/chroot', '/sbin/chroot'].find((p) => existsSync(p)) ?? 'chroot';
    const child = spawn(
      chroot,
      [
        `--userspec=${IMAGE_USER.uid}:${IMAGE_USER.gid}`,
        rootfs,
        IMAGE_EXECUTABLE,
        'controller',
        '--kubeconfig=/home/nonroot/kubeconfig',
        '--metrics-bind-address=127.0.0.1:0',
        '--health-probe-bind-address=127.0.0.1:0',
      ],
      { env: { HOME: '/home/nonroot' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      const stage = () => served.store.find<ClusterPromotion>('clusterpromotions', 'rollout')?.status?.currentStageName;
      while (stage() !== 'staging') {
        assert.ok(
          Date.now() < deadline && child.exitCode === null,
          `the controller in the image did not start the rollout:\n${log}`,
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(log, /"msg":"successfully acquired lease"/);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, log);
    } finally {
      child.kill('SIGKILL');
      await served.close();
    }
  });

  it('completes through kubectl once kubectl_complete-promotion is put beside it, as the caveats say', {
    skip: pluginCompletionSkip(),
  }, () => {
    // krew links only `bin`; the manifest's caveats have users copy the helper next to it.
    const helper = join(installed.binDir, 'kubectl_complete-promotion');
    copyFileSync(join(installed.installDir, 'kubectl_complete-promotion'), helper);
    chmodSync(helper, 0o755);
    const commands = kubectl('__complete', 'promotion', '');
    assert.equal(commands.status, 0, commands.stderr);
    assert.match(commands.stdout, /^simulate\tRehearse a promotion/m);
    assert.match(commands.stdout, /\n:4\n$/);
    const flags = kubectl('__complete', 'promotion', 'simulate', '--fl');
    assert.equal(
      flags.stdout,
      `--fleet\tFleet file: a Fleet, or SveltosCluster and Cluster objects (repeatable; see examples/)\n:4\n`,
    );
  });
});

// A promotion whose first stage waits for a Lua health check, and a fleet on which the checked
// Deployment becomes available 10 minutes in.
const LUA_PROMOTION = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata:
  name: web-rollout
spec:
  profileSpec:
    syncMode: Continuous
    policyRefs:
    - {kind: ConfigMap, namespace: default, name: web}
  stages:
  - name: staging
    clusterSelector:
      matchLabels: {env: staging}
    trigger:
      auto:
        delay: 1m
        postDelayHealthChecks:
        - name: web-available
          featureID: Resources
          group: apps
          version: v1
          kind: Deployment
          namespace: apps
          script: |
            function evaluate()
              local hs = { healthy = false, message = "web is not available yet" }
              if obj.status.availableReplicas == obj.spec.replicas then
                hs.healthy = true
              end
              return hs
            end
  - name: production
    clusterSelector:
      matchLabels: {env: production}
    trigger:
      auto: {}
`;

const LUA_FLEET = `apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
defaults:
  deployTime: 1m
clusters:
- name: staging-1
  labels: {env: staging}
  objects:
  - object:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: apps}
      spec: {replicas: 2}
      status: {availableReplicas: 0}
    timeline:
    - after: 10m
      merge:
        status: {availableReplicas: 2}
- name: production-1
  labels: {env: production}
`;
