// What `simulate --serve` may expose and overwrite: it serves loopback unless --address says
// otherwise, and then warns loudly that the token is the only protection; --kubeconfig-out replaces
// only a kubeconfig it wrote itself, never follows a symbolic link, and writes atomically (0600).
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Io } from '../../plugin/command.ts';
import { isLoopback, runServe, type ServeArgs } from '../../plugin/commands/simulate/serve.ts';
import { KubeconfigRefused, writeKubeconfig } from '../../simulator/apiserver/kubeconfig.ts';
import { rolloutPromotion, smallFleet, T0 } from './helpers.ts';

const ARGS: ServeArgs = { serve: true, port: '0', controller: true, force: false, rbac: [] };
const INPUT = { promotions: [rolloutPromotion()], fleet: { clusters: smallFleet() }, start: T0, seed: 1, speed: 1 };
const KUBECONFIG = { server: 'https://127.0.0.1:1', ca: 'CA', token: 'secret' };

const dir = mkdtempSync(join(tmpdir(), 'serve-exposure-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(dir, String(++n));
  mkdirSync(d);
  return d;
};

const USER_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: https://prod.example:6443}
- name: promotion-sim
  cluster: {server: https://127.0.0.1:1}
contexts:
- name: prod
  context: {cluster: prod, user: prod}
users:
- name: prod
  user: {token: do-not-lose-me}
current-context: prod
`;

/** Runs --serve until it has printed its kubeconfig, then stops it; what it printed and wrote. */
async function serveOnce(args: Partial<ServeArgs>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const io: Io = {
    stdout: {
      write: (t: string) => {
        out += t;
        if (/^Ctrl-C stops it\.$/m.test(out)) stop('SIGTERM');
      },
    },
    stderr: { write: (t: string) => (err += t) },
    stdin: Readable.from([]),
    env: {},
  };
  const code = await runServe(INPUT, { ...ARGS, ...args }, io, { stopRequested: () => stopped });
  return { code, out, err };
}

async function refusal(args: Partial<ServeArgs>): Promise<string> {
  let message = '';
  await assert.rejects(serveOnce(args), (e: Error) => {
    assert.equal(e.name, 'UserError');
    message = e.message;
    return true;
  });
  return message;
}

function serverOf(kubeconfig: string): string {
  return parse(readFileSync(kubeconfig, 'utf8')).clusters[0].cluster.server;
}

describe('simulate --serve --address', () => {
  it('serves loopback only when --address is not given, without a warning', async () => {
    const out = join(fresh(), 'kubeconfig');
    const r = await serveOnce({ 'kubeconfig-out': out });
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
    assert.match(serverOf(out), /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('warns loudly on stderr that the token is the only protection when it listens on every interface', async () => {
    const r = await serveOnce({ address: '0.0.0.0' });
    assert.equal(r.code, 0);
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.err);
    assert.match(
      lines[0]!,
      new RegExp(
        String.raw`^WARNING: --address 0\.0\.0\.0: the rehearsal API listens on every network interface ` +
          String.raw`of this machine \(port \d+\), not only on loopback\.$`,
      ),
    );
    assert.match(
      lines[1]!,
      /^WARNING: anyone who can reach it and has the token .* the token is the only protection\./,
    );
  });

  it('does not warn for another loopback address', async () => {
    const r = await serveOnce({ address: '127.0.0.2' });
    assert.equal(r.err, '');
  });

  it('refuses an empty --address, which would listen everywhere', async () => {
    await assert.rejects(serveOnce({ address: ' ' }), /^UsageError: --address: give an address/);
  });

  it('knows loopback addresses', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(ip), ip);
    for (const ip of ['0.0.0.0', '::', '192.168.1.5', '::ffff:10.0.0.1', 'fe80::1']) assert.ok(!isLoopback(ip), ip);
  });
});

describe('simulate --serve --kubeconfig-out', () => {
  it('refuses a file it did not write, in one line naming it and --force, before serving anything', async () => {
    const out = join(fresh(), 'config');
    writeFileSync(out, USER_KUBECONFIG);
    assert.equal(
      await refusal({ 'kubeconfig-out': out }),
      `--kubeconfig-out ${out} exists and is not a kubeconfig that simulate --serve wrote; give another path, ` +
        'or --force to replace it',
    );
    assert.equal(readFileSync(out, 'utf8'), USER_KUBECONFIG);
  });

  it('refuses an empty file and a file of any other kind too', async () => {
    const d = fresh();
    writeFileSync(join(d, 'empty'), '');
    writeFileSync(join(d, 'notes.txt'), 'my notes\n');
    for (const f of ['empty', 'notes.txt']) {
      assert.match(await refusal({ 'kubeconfig-out': join(d, f) }), /exists and is not a kubeconfig .*--force/);
    }
  });

  it('replaces the kubeconfig of an earlier run, whole, readable by its owner only', async () => {
    const d = fresh();
    const out = join(d, 'kubeconfig');
    await serveOnce({ 'kubeconfig-out': out });
    const first = readFileSync(out, 'utf8');
    assert.match(first, /^# Written by kubectl promotion simulate --serve/);
    await serveOnce({ 'kubeconfig-out': out });
    assert.notEqual(readFileSync(out, 'utf8'), first, 'a new token and port');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(d), ['kubeconfig'], 'no temporary file left behind');
  });

  it('still recognises its kubeconfig after kubectl rewrote it without the comment', async () => {
    const out = join(fresh(), 'kubeconfig');
    await serveOnce({ 'kubeconfig-out': out });
    writeFileSync(out, readFileSync(out, 'utf8').replace(/^#.*\n/gm, ''));
    assert.equal((await serveOnce({ 'kubeconfig-out': out })).code, 0);
  });

  it('replaces a file it did not write with --force', async () => {
    const out = join(fresh(), 'config');
    writeFileSync(out, USER_KUBECONFIG, { mode: 0o644 });
    assert.equal((await serveOnce({ 'kubeconfig-out': out, force: true })).code, 0);
    assert.match(serverOf(out), /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
  });

  it('never follows a symbolic link: refused; with --force the link is replaced, its target untouched', async () => {
    const d = fresh();
    const target = join(d, 'real-config');
    writeFileSync(target, USER_KUBECONFIG);
    const link = join(d, 'link');
    symlinkSync(target, link);
    assert.equal(
      await refusal({ 'kubeconfig-out': link }),
      `--kubeconfig-out ${link} is a symbolic link (to ${target}), and links are never written through; give ` +
        'another path, or --force to replace it (the link, not what it points to)',
    );
    assert.equal((await serveOnce({ 'kubeconfig-out': link, force: true })).code, 0);
    assert.equal(readFileSync(target, 'utf8'), USER_KUBECONFIG);
    assert.ok(lstatSync(link).isFile());
  });

  it('refuses a dangling symbolic link, which would create its target', async () => {
    const d = fresh();
    const link = join(d, 'link');
    symlinkSync(join(d, 'nowhere'), link);
    assert.match(await refusal({ 'kubeconfig-out': link }), /is a symbolic link/);
    assert.equal(existsSync(join(d, 'nowhere')), false);
  });

  it('refuses a directory even with --force', async () => {
    const d = fresh();
    assert.equal(
      await refusal({ 'kubeconfig-out': d, force: true }),
      `--kubeconfig-out ${d} is a directory; give the path of a file`,
    );
  });

  it('the writer refuses what is not its own whoever calls it', () => {
    const out = join(fresh(), 'config');
    writeFileSync(out, USER_KUBECONFIG);
    assert.throws(() => writeKubeconfig(out, KUBECONFIG), KubeconfigRefused);
    writeKubeconfig(out, KUBECONFIG, { force: true });
    writeKubeconfig(out, { ...KUBECONFIG, token: 'another' });
    assert.equal(parse(readFileSync(out, 'utf8')).users[0].user.token, 'another');
  });
});
