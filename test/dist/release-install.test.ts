// The release as a user gets it: build the linux/amd64 archive once, install it the way krew
// does, and run it through the real kubectl on a PATH that has no Node.js.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateManifest } from '../../plugin/release/krew-manifest.ts';
import type { KrewPlugin } from '../../plugin/release/krew-manifest.ts';
import { krewInstall } from './krew-install.ts';
import type { Installed } from './krew-install.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TARGET = { os: 'linux', arch: 'amd64' };
const ARCHIVE = 'kubectl-promotion-linux-amd64.tar.gz';
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

function kubectlPath(): string {
  return realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim());
}

describe('the linux/amd64 release installed as krew installs it', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, () => {
  let work: string;
  let out: string;
  let manifestPath: string;
  let installed: Installed;
  let env: NodeJS.ProcessEnv;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'kp-release-'));
    out = join(work, 'release');
    manifestPath = join(out, 'krew-manifest.yaml');
    execFileSync(process.execPath, ['plugin/release.ts', '--target', 'linux-amd64', '--out', out, '--manifest-out', join(work, 'written-manifest.yaml')], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    installed = krewInstall(manifestPath, join(out, ARCHIVE), mkdirRoot(work), TARGET);
    // kubectl alone in a folder, so that nothing else of /usr/bin (node among it) is on PATH.
    const tools = join(work, 'tools');
    mkdirSync(tools);
    symlinkSync(kubectlPath(), join(tools, 'kubectl'));
    env = {
      PATH: `${installed.binDir}:${tools}`,
      HOME: join(work, 'home'),
      KUBECONFIG: join(work, 'no-kubeconfig'),
    };
  }, { timeout: 300_000 });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function mkdirRoot(dir: string): string {
    const root = join(dir, 'krew');
    mkdirSync(root);
    return root;
  }

  function kubectl(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('kubectl', args, { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('writes a manifest krew accepts, with the archive\'s sha256 and this version', () => {
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
    assert.deepEqual([...installed.files].sort(), ['LICENSE', 'README.md', 'kubectl-promotion', 'kubectl_complete-promotion']);
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

  it('shows its help through kubectl', () => {
    const r = kubectl('promotion', '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: kubectl promotion <command>/);
    assert.match(r.stdout, /version/);
  });
});
