// `watch` in a real terminal against a served API in a process of its own: tmux runs the built
// command in a pane, the test resizes the pane, types keys, freezes the server (SIGSTOP) and makes
// it refuse connections (its fault switch), and reads the pane. The pane is polled with generous
// deadlines, waiting on what it shows; only the server's silence and its outage take real seconds,
// because they are what is tested (the pulse's bounds, from its defaults).
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../src/kube/client.ts';
import { resolveConnection } from '../../src/kube/kubeconfig.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}dist/kubectl-promotion.mjs`;
// A socket of our own: the test never sees nor touches anyone's tmux sessions.
const SOCKET = `kubectl-promotion-watch-test-${process.pid}`;
const SESSION = 'watch';
const DEADLINE_MS = 60_000;
const POLL_MS = 50;

function findTmux(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const tmuxPath = findTmux();

function tmux(...args: string[]): string {
  return execFileSync(tmuxPath!, ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

const pane = () => tmux('capture-pane', '-p', '-t', SESSION);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ready` holds for the pane's text; fails with the last screen at the deadline. */
async function waitFor(what: string, ready: (screen: string) => boolean, deadlineMs = DEADLINE_MS): Promise<string> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const screen = pane();
    if (ready(screen)) return screen;
    if (Date.now() > deadline) assert.fail(`waited ${deadlineMs / 1000}s for ${what}; the pane shows:\n${screen}`);
    await sleep(POLL_MS);
  }
}

/** The pane's rows without the blank ones at the bottom. */
const rowsOf = (screen: string) => screen.replace(/\s+$/, '').split('\n');

/** The age the header gives the data, in seconds (`data 1m5s old`, `data 10m old`, `data 1h2m old`). */
function dataAge(screen: string): number | null {
  const m = /data (?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)? old/.exec(screen);
  if (!m || m[0] === 'data  old') return null;
  const [d, h, min, sec] = m.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number];
  return ((d * 24 + h) * 60 + min) * 60 + sec;
}

let scratch = '';
let server: ChildProcess | null = null;
let kubeconfig = '';
let port = 0;

/** True once something listens on the served API's port again. */
function listening(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('watch in a real terminal (tmux), against a served API in its own process', {
  skip: tmuxPath === null ? 'tmux is not installed (.ci/run installs it)' : false,
  timeout: 300_000,
}, () => {
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'kubectl-promotion-watch-tmux-'));
    if (!existsSync(bin)) await promisify(execFile)(process.execPath, [`${root}build/build.mjs`], { cwd: root });
    kubeconfig = join(scratch, 'kubeconfig');
    server = spawn(
      process.execPath,
      [
        bin,
        'simulate',
        '-f',
        'examples/kyverno/promotion-manual.yaml',
        '--fleet',
        'examples/kyverno/fleet.yaml',
        '--serve',
        '--kubeconfig-out',
        kubeconfig,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let said = '';
    server.stdout!.on('data', (d) => (said += String(d)));
    server.stderr!.on('data', (d) => (said += String(d)));
    const deadline = Date.now() + DEADLINE_MS;
    while (!/Serving .* at https:\/\/127\.0\.0\.1:(\d+)/.test(said) || !existsSync(kubeconfig)) {
      if (Date.now() > deadline || server.exitCode !== null) assert.fail(`the served API did not start:\n${said}`);
      await sleep(POLL_MS);
    }
    port = Number(/at https:\/\/127\.0\.0\.1:(\d+)/.exec(said)![1]);

    // In CI Ink draws only the last frame, so the command runs without CI's variables.
    const command = [
      'env -u CI -u CONTINUOUS_INTEGRATION LANG=C.UTF-8',
      `'${process.execPath}' '${bin}' watch test-kyverno-rollout --kubeconfig '${kubeconfig}'`,
      '; echo "[exit status $?]"; exec sleep 600',
    ].join(' ');
    tmux('new-session', '-d', '-s', SESSION, '-x', '80', '-y', '24', '-c', root, command);
    await waitFor('the view', (s) => /^live {2}/m.test(s) && /q quit/.test(s));
  });

  after(() => {
    try {
      const socket = tmux('display-message', '-p', '#{socket_path}').trim();
      tmux('kill-server');
      rmSync(socket, { force: true });
    } catch {
      // Never started, or already gone.
    }
    if (server && server.exitCode === null) {
      server.kill('SIGCONT');
      server.kill('SIGTERM');
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('redraws cleanly on every resize (80x24, 60x15, 40x10, back to 80x24): one header, no fragments', async () => {
    for (const [columns, rows] of [
      [80, 24],
      [60, 15],
      [40, 10],
      [80, 24],
    ] as const) {
      tmux('resize-window', '-t', SESSION, '-x', String(columns), '-y', String(rows));
      const clean = (s: string) => {
        const lines = rowsOf(s);
        return (
          /^\S+ test-kyverno-rollout {2}/.test(lines[0] ?? '') &&
          /q quit$/.test(lines.at(-1) ?? '') &&
          lines.filter((l) => l.includes('test-kyverno-rollout')).length === 1
        );
      };
      const screen = await waitFor(`a clean frame at ${columns}x${rows}`, clean);
      const lines = rowsOf(screen);
      assert.ok(lines.length < rows, `${lines.length} rows drawn in a pane of ${rows}`);
      for (const l of lines) assert.ok([...l].length <= columns, `wider than ${columns}: ${l}`);
      assert.equal(lines.filter((l) => /^live {2}/.test(l)).length, 1, `the clock line once:\n${screen}`);
      assert.equal(lines.filter((l) => /staging {2,}\S/.test(l)).length, 1, `the staging row once:\n${screen}`);
    }
  });

  it('handles every key of a chunk: a and n typed together ask, then cancel', async () => {
    tmux('send-keys', '-t', SESSION, '-l', 'an');
    await waitFor('the approval cancelled', (s) => /approval cancelled/.test(s));
  });

  it(
    'a frozen server (SIGSTOP): says it does not answer, the age of the data grows, nothing counts on ' +
      'it; back once it runs again',
    async () => {
      await waitFor('fresh data', (s) => dataAge(s) === 0 && !/no answer/.test(s));
      server!.kill('SIGSTOP');
      try {
        const silent = await waitFor('the silence noticed', (s) => /no answer from the API server for \d+/.test(s));
        const first = dataAge(silent)!;
        // The rehearsal's clock runs at 60x: 5 s quiet, then 5 s for an answer, are 10 of its minutes.
        assert.ok(first >= 5 * 60, `data ${first}s old when the silence is noticed`);
        assert.match(silent, /waiting for approval since /, 'no time counted up on stale data');
        await waitFor('the data ageing', (s) => (dataAge(s) ?? 0) >= first + 3);
      } finally {
        server!.kill('SIGCONT');
      }
      const back = await waitFor('fresh data again', (s) => dataAge(s) === 0 && !/no answer/.test(s));
      assert.match(back, /waiting for approval for \d/);
    },
  );

  it('after 20 s of refused connections, follows the server again within seconds of its return', async () => {
    await waitFor('fresh data', (s) => dataAge(s) === 0 && !/no answer|reconnecting/.test(s));
    const client = new KubeClient(resolveConnection({ kubeconfig }));
    await client.request('POST', '/admin/faults/refuse-connections', { query: { seconds: 20 } });
    await waitFor('the outage noticed', (s) => /reconnecting to the API server|no answer from the API server/.test(s));
    while (!(await listening())) await sleep(POLL_MS);
    const back = Date.now();
    await waitFor('fresh data again', (s) => dataAge(s) === 0 && !/no answer|reconnecting/.test(s));
    const took = Date.now() - back;
    // About a second (the pulse asks every second); the margin is for a loaded machine.
    assert.ok(took <= 6000, `live again ${took} ms after the server came back`);
  });
});
