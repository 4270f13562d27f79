// One real terminal: tmux runs the built command in a pane of fixed size, the test types keys as a
// person would (approve the manual gate, quit) and reads the pane: the rollout completed, and the
// terminal was given back (normal screen, cursor shown, the summary printed there, exit 0).
// What the command wrote is also recorded (pipe-pane), for what the pane's state cannot tell.
// The pane is polled with a deadline: waiting on what it shows, never on a fixed delay.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}dist/kubectl-promotion.mjs`;
// A socket of our own: the test never sees nor touches anyone's tmux sessions.
const SOCKET = `kubectl-promotion-test-${process.pid}`;
const SESSION = 'rehearsal';
const DEADLINE_MS = 30_000;
const POLL_MS = 50;
let scratch = '';

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
const paneFormat = (format: string) => tmux('display-message', '-p', '-t', SESSION, format).trim();

/** Polls until `ready` holds for the pane's text; fails with the last screen at the deadline. */
async function waitFor(what: string, ready: (screen: string) => boolean): Promise<string> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const screen = pane();
    if (ready(screen)) return screen;
    if (Date.now() > deadline) assert.fail(`waited ${DEADLINE_MS / 1000}s for ${what}; the pane shows:\n${screen}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('the rehearsal in a real terminal (tmux)', {
  skip: tmuxPath === null ? 'tmux is not installed (.ci/run installs it)' : false,
}, () => {
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'kubectl-promotion-tmux-'));
    if (!existsSync(bin)) await promisify(execFile)(process.execPath, [`${root}build/build.mjs`], { cwd: root });
  });

  after(() => {
    try {
      // A killed server leaves its socket file behind.
      const socket = tmux('display-message', '-p', '#{socket_path}').trim();
      tmux('kill-server');
      rmSync(socket, { force: true });
    } catch {
      // Never started, or already gone.
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it(
    'approves the manual gate with a then y, completes, and on q gives the terminal back with the ' + 'summary',
    async () => {
      // In CI Ink draws only the last frame (and simulate prints lines instead), so the command runs
      // without CI's variables; 3000 times real time turns the 9 minutes after the gate into a fifth
      // of a second.
      const command = [
        // Lines above, as a shell prompt leaves them: the view must still start at the top.
        'printf "one\\ntwo\\n";',
        'env -u CI -u CONTINUOUS_INTEGRATION LANG=C.UTF-8',
        `'${process.execPath}' '${bin}' simulate`,
        '-f examples/kyverno/promotion-manual.yaml --fleet examples/kyverno/fleet.yaml',
        '--start 2025-01-01T00:00:00Z --speed 3000',
        // The shell reaps the command and says how it exited (tmux, as a parent, sometimes misses
        // the death of a child), then keeps the pane open for reading.
        '; echo "[exit status $?]"; exec sleep 600',
      ].join(' ');
      const written = join(scratch, 'pane.out');
      tmux(
        'new-session',
        '-d',
        '-s',
        SESSION,
        '-x',
        '100',
        '-y',
        '30',
        '-c',
        root,
        command,
        ';',
        'pipe-pane',
        '-t',
        SESSION,
        '-o',
        `cat >> '${written}'`,
      );

      const waiting = await waitFor('the manual gate', (s) => /staging\s+AwaitingApproval .*\(a to approve\)/.test(s));
      assert.match(waiting, /simulated {2}2025-01-01 \d\d:\d\d:\d\dZ {2}· {2}speed ×3000/);
      assert.equal(paneFormat('#{alternate_on}'), '1', 'the view is on the alternate screen');
      assert.ok(waiting.trimEnd().split('\n').length <= 30);
      assert.match(waiting.split('\n')[0]!, /^\S+ test-kyverno-rollout {2}Paused {2}/, 'drawn from the top row');

      tmux('send-keys', '-t', SESSION, 'a');
      await waitFor('the y/n question', (s) => s.includes('Approve stage staging? (y/n)'));
      tmux('send-keys', '-t', SESSION, 'y');
      const done = await waitFor('the end of the rollout', (s) => s.includes('rollout ended, q to quit'));
      assert.match(done, /Completed/);
      assert.match(done, /production\s+Completed/);

      tmux('send-keys', '-t', SESSION, 'q');
      const exited = await waitFor('the command to exit', (s) => /\[exit status \d+\]/.test(s));
      assert.match(exited, /\[exit status 0\]/, 'exit 0: completed');
      assert.equal(paneFormat('#{alternate_on}'), '0', 'back on the normal screen');
      assert.equal(paneFormat('#{cursor_flag}'), '1', 'the cursor is shown again');
      const modes = [...readFileSync(written, 'latin1').matchAll(/\u001B\[\?(25|1049)([hl])/g)].map(
        (m) => `${m[1]}${m[2]}`,
      );
      assert.equal(modes.filter((m) => m.startsWith('25')).at(-1), '25h', 'the last cursor mode written is "shown"');
      assert.equal(
        modes.filter((m) => m.startsWith('1049')).join(' '),
        '1049h 1049l',
        'the alternate screen entered once and left',
      );
      // The whole timeline is longer than the pane: read its scrollback too.
      const after = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', SESSION);
      assert.match(
        after,
        /^Promotion test-kyverno-rollout: Completed in /m,
        'the summary is printed on the normal screen',
      );
      assert.match(after, /staging\s+Approved\s+stage staging approved by the user/);
      assert.doesNotMatch(after, /rollout ended, q to quit/, "nothing of the view is left on the person's screen");
    },
  );
});
