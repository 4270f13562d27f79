// Redraw discipline and the terminal: at most 10 frames a second, only on change, and the
// terminal always given back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { FrameScheduler, sameView, type FrameTimer } from '../../src/view/frames.ts';
import {
  CLEAR_SCREEN,
  ViewOutput,
  CURSOR_HOME,
  ENTER_ALT_SCREEN,
  FullScreen,
  HIDE_CURSOR,
  LEAVE_ALT_SCREEN,
  SHOW_CURSOR,
  withFullScreen,
} from '../../src/view/terminal.ts';
import { awaitingApproval, soaking } from './scenarios.ts';

/** A timer that only moves when the test says so. */
class ManualTimer implements FrameTimer {
  t = 0;
  #due: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.#id;
    this.#due.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.#due = this.#due.filter((d) => d.id !== h);
  };
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const next = this.#due.filter((d) => d.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.#due = this.#due.filter((d) => d !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

describe('frame scheduler', () => {
  it('draws at most 10 frames a second however often a change is requested', () => {
    const timer = new ManualTimer();
    let value = 0;
    const drawn: number[] = [];
    const at: number[] = [];
    const s = new FrameScheduler({
      timer,
      compute: () => value,
      same: (a, b) => a === b,
      draw: (v) => (drawn.push(v), at.push(timer.t)),
    });
    for (let ms = 0; ms < 1000; ms++) {
      value++;
      s.request();
      timer.advance(1);
    }
    assert.equal(at.filter((t) => t < 1000).length, 10, 'one frame per 100 ms in the first second');
    assert.ok(
      at.every((t, i) => i === 0 || t - at[i - 1]! >= 100),
      `frames at ${at.join(', ')}`,
    );
    timer.advance(200);
    assert.equal(drawn.at(-1), 1000, 'the last change is drawn, not dropped');
  });

  it('draws nothing when the frame did not change', () => {
    const timer = new ManualTimer();
    const s = new FrameScheduler({ timer, compute: () => 'same', same: (a, b) => a === b, draw: () => {} });
    for (let i = 0; i < 30; i++) {
      s.request();
      timer.advance(100);
    }
    assert.equal(s.drawn, 1);
  });

  it('flush draws a changed frame at once (a key press), and stop cancels what is pending', () => {
    const timer = new ManualTimer();
    let value = 1;
    const drawn: number[] = [];
    const s = new FrameScheduler({ timer, compute: () => value, same: (a, b) => a === b, draw: (v) => drawn.push(v) });
    s.request();
    value = 2;
    s.request();
    s.flush();
    assert.deepEqual(drawn, [1, 2]);
    value = 3;
    s.request();
    s.stop();
    timer.advance(1000);
    assert.deepEqual(drawn, [1, 2]);
  });

  it('models equal to the second are the same frame; a changed second or phase is not', () => {
    const a = soaking();
    assert.ok(sameView(a, { ...a, now: a.now + 400 }));
    assert.ok(!sameView(a, { ...a, now: a.now + 1000 }));
    assert.ok(!sameView(a, { ...awaitingApproval(), now: a.now }));
  });
});

class FakeProcess extends EventEmitter {
  pid = 4242;
  killed: string[] = [];
  kill(_pid: number, signal: string) {
    this.killed.push(signal);
  }
}

describe('terminal', () => {
  it('after a resize the next frame is drawn on a cleared screen from the top, once; Ink hears of no resize', () => {
    const writes: string[] = [];
    const real = Object.assign(new EventEmitter(), {
      columns: 60,
      rows: 15,
      isTTY: true,
      write: (s: string) => writes.push(s) > 0,
    }) as unknown as NodeJS.WriteStream;
    const output = new ViewOutput(real);
    let heard = 0;
    output.on('resize', () => heard++);
    output.write('frame 1');
    real.emit('resize');
    output.resized();
    output.write('\u001B[?2026h');
    output.write('frame 2');
    output.write('frame 3');
    assert.deepEqual(writes, ['frame 1', '\u001B[?2026h', `${CLEAR_SCREEN}${CURSOR_HOME}frame 2`, 'frame 3']);
    assert.equal(heard, 0, "Ink's own resize handler would draw the old frame at the new width");
    assert.deepEqual([output.columns, output.rows, output.isTTY], [60, 15, true]);
  });

  it('enters the alternate screen at its top with the cursor hidden, and restores both once', () => {
    let out = '';
    const screen = new FullScreen({ write: (s) => (out += s) }, new FakeProcess());
    screen.enter();
    assert.equal(out, ENTER_ALT_SCREEN + CURSOR_HOME + HIDE_CURSOR);
    screen.leave();
    screen.leave();
    assert.equal(out, ENTER_ALT_SCREEN + CURSOR_HOME + HIDE_CURSOR + SHOW_CURSOR + LEAVE_ALT_SCREEN);
  });

  it('restores the terminal when the body throws, and the error still reaches the caller', async () => {
    let out = '';
    const proc = new FakeProcess();
    await assert.rejects(
      withFullScreen(
        { write: (s) => (out += s) },
        async () => {
          throw new Error('boom');
        },
        proc,
      ),
      /boom/,
    );
    assert.ok(out.endsWith(SHOW_CURSOR + LEAVE_ALT_SCREEN));
    assert.equal(proc.listenerCount('SIGTERM'), 0, 'no handler left behind');
  });

  it('on SIGTERM restores the terminal, then dies of the same signal', () => {
    let out = '';
    const proc = new FakeProcess();
    new FullScreen({ write: (s) => (out += s) }, proc).enter();
    proc.emit('SIGTERM', 'SIGTERM');
    assert.ok(out.endsWith(SHOW_CURSOR + LEAVE_ALT_SCREEN));
    assert.deepEqual(proc.killed, ['SIGTERM']);
    assert.equal(proc.listenerCount('SIGTERM'), 0);
  });

  it('on process exit restores the terminal', () => {
    let out = '';
    const proc = new FakeProcess();
    new FullScreen({ write: (s) => (out += s) }, proc).enter();
    proc.emit('exit', 1);
    assert.ok(out.endsWith(SHOW_CURSOR + LEAVE_ALT_SCREEN));
  });
});
