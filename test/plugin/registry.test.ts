// The command list that lets `kubectl promotion` load only the command it runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { runLine } from '../../plugin/cli.ts';
import { COMMANDS, loadCommand } from '../../plugin/registry.ts';

describe('the command registry', () => {
  it('names and describes every command exactly as its module does', async () => {
    for (const entry of COMMANDS) {
      const { default: command } = await entry.load();
      assert.equal(command.name, entry.name);
      assert.equal(command.describe, entry.describe, `describe of ${entry.name} drifted from its module`);
    }
  });

  it('loads only the command being run, wherever the global flags are; help of the program loads none', async () => {
    const loaded: string[] = [];
    const io = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      stdin: Readable.from(['']),
      env: {},
    };
    const load = (name: string) => (loaded.push(name), loadCommand(name));
    assert.equal(await runLine(['--no-color', '--kubeconfig', 'kc', 'version', '-o', 'json'], COMMANDS, load, io), 0);
    assert.deepEqual(loaded, ['version']);
    await runLine(['--help'], COMMANDS, load, io);
    await runLine([], COMMANDS, load, io);
    await runLine(['lnt'], COMMANDS, load, io);
    assert.deepEqual(loaded, ['version'], 'help and a typo load no command');
  });
});

describe('the built command', { skip: !existsSync('dist/kubectl-promotion.mjs') && 'run npm run build first' }, () => {
  const run = (...args: string[]) =>
    execFileSync(process.execPath, ['dist/kubectl-promotion.mjs', ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
  it('prints the help, with or without global flags around it', () => {
    assert.equal(run('--help'), run('--no-color', '--help'));
    assert.match(run('-h'), /^Watch, approve and rehearse Sveltos ClusterPromotion rollouts\.\n\nUsage:\n/);
    assert.equal(run(), run('-h'));
  });
  it('prints its version with version, --version and -ojson', () => {
    const json = JSON.parse(run('version', '-ojson'));
    assert.deepEqual(JSON.parse(run('--no-color', 'version', '--output=json')), json);
    assert.equal(json.node, process.version);
    assert.equal(run('--version'), run('version'));
  });
  it('says in one line that an old Node.js is too old', (t) => {
    // The machine's own node (npm scripts run a newer one from node_modules).
    const system = spawnSync('/usr/bin/node', ['dist/kubectl-promotion.mjs', 'version'], { encoding: 'utf8' });
    const major = Number(
      spawnSync('/usr/bin/node', ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout,
    );
    if (system.error || !(major < 22)) return t.skip('no Node.js older than 22 on this machine');
    assert.equal(system.status, 1);
    assert.match(system.stderr, /^error: kubectl-promotion needs Node\.js 22 or newer; this is v\d+/);
    assert.equal(system.stderr.trim().split('\n').length, 1);
  });

  it('completes through the kubectl_complete-promotion entry', () => {
    const out = execFileSync(process.execPath, ['dist/kubectl_complete-promotion.mjs', 'sim'], { encoding: 'utf8' });
    assert.match(out, /^simulate\t/m);
    assert.match(out, /^:\d+$/m);
  });
});
