// The pulse: a server that stops answering while its streams stay open is noticed within a bound,
// and one that answers again is known within about a second. Fake timers and a probe the test
// answers (or not): no network, no waiting on the wall clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerPulse } from '../../src/kube/pulse.ts';
import { FakeTimers } from './fake-timers.ts';

/** A probe the test controls: the server answers, refuses, or keeps quiet (never settles). */
function probe(timers: FakeTimers) {
  const state = { server: 'answers' as 'answers' | 'refuses' | 'frozen', asked: [] as number[] };
  const ask = (signal: AbortSignal) => {
    state.asked.push(timers.now());
    if (state.server === 'answers') return Promise.resolve();
    if (state.server === 'refuses') return Promise.reject(new Error('connect ECONNREFUSED'));
    return new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  };
  return { state, ask };
}

/** Lets the probe's promise settle (one turn of the event loop), then moves fake time on. */
async function advance(timers: FakeTimers, ms: number, step = 100): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    timers.advance(step);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function pulse(timers: FakeTimers, ask: (signal: AbortSignal) => Promise<void>) {
  const p = new ServerPulse({ timers, probe: ask, quietMs: 5000, answerWithinMs: 5000, retryMs: 1000 });
  const events: string[] = [];
  p.subscribe({
    silent: (since) => events.push(`silent since +${since - T0}`),
    answered: (wasSilent) => events.push(`answered${wasSilent ? ' after silence' : ''} at +${timers.now() - T0}`),
  });
  return { p, events };
}

const T0 = Date.parse('2026-03-01T10:00:00Z');

describe('the server pulse', () => {
  it('asks only after 5 s without a word from the server; anything heard puts the question off', async () => {
    const timers = new FakeTimers(T0);
    const { state, ask } = probe(timers);
    const { p, events } = pulse(timers, ask);
    p.start();
    await advance(timers, 3000);
    p.heard();
    await advance(timers, 4000);
    assert.deepEqual(state.asked, [], 'a bookmark at +3s: still not quiet for 5s at +7s');
    await advance(timers, 1000);
    assert.deepEqual(
      state.asked.map((t) => t - T0),
      [8000],
    );
    assert.equal(p.silentSince, null);
    await advance(timers, 4900);
    assert.equal(state.asked.length, 1, 'answered at +8s: the next question 5s later');
    await advance(timers, 200);
    assert.equal(state.asked.length, 2);
    assert.deepEqual(events, [], 'nothing to report while the server answers');
    p.stop();
  });

  it('a frozen server (streams open, no answer within 5 s) is silent since it was last heard', async () => {
    const timers = new FakeTimers(T0);
    const { state, ask } = probe(timers);
    const { p, events } = pulse(timers, ask);
    p.start();
    await advance(timers, 2000);
    p.heard();
    state.server = 'frozen';
    await advance(timers, 11_000);
    assert.deepEqual(events, ['silent since +2000'], 'asked at +7s, no answer by +12s');
    assert.equal(p.silentSince, T0 + 2000);
    p.heard();
    assert.equal(p.silentSince, T0 + 2000, 'bytes of an old stream are not an answer: still silent since +2s');
    const asked = state.asked.length;
    await advance(timers, 12_000);
    assert.equal(state.asked.length, asked + 2, 'while silent: an ask 1s after the last one gave up (5s each)');
    p.stop();
  });

  it('after a silence, the first answer is reported within a second, and the data is current again', async () => {
    const timers = new FakeTimers(T0);
    const { state, ask } = probe(timers);
    const { p, events } = pulse(timers, ask);
    p.start();
    state.server = 'refuses';
    await advance(timers, 5100);
    assert.deepEqual(events, ['silent since +0']);
    await advance(timers, 20_000);
    assert.ok(state.asked.length >= 20, `asked every second while silent (${state.asked.length})`);
    state.server = 'answers';
    const back = timers.now();
    await advance(timers, 1100);
    assert.equal(events.length, 2);
    assert.match(events[1]!, /^answered after silence at \+\d+$/);
    const at = Number(events[1]!.split('+')[1]) + T0;
    assert.ok(at - back <= 1000, `answered ${at - back} ms after the server came back`);
    assert.equal(p.silentSince, null);
    p.stop();
  });

  it('watched closely (a stream is down), it asks every second and reports the first answer', async () => {
    const timers = new FakeTimers(T0);
    const { state, ask } = probe(timers);
    const { p, events } = pulse(timers, ask);
    p.start();
    p.heard();
    p.watchClosely(true);
    await advance(timers, 1000);
    assert.deepEqual(
      state.asked.map((t) => t - T0),
      [0],
      'asked at once',
    );
    assert.deepEqual(events, ['answered at +100'], 'the server answers (settled on the next step): retry now');
    await advance(timers, 2000);
    assert.equal(state.asked.length, 3, 'and again every second while watched closely');
    p.watchClosely(false);
    await advance(timers, 3000);
    assert.equal(state.asked.length, 3, 'back to asking only when quiet');
    p.stop();
  });

  it('stop ends the asking; an answer after stop reports nothing', async () => {
    const timers = new FakeTimers(T0);
    const { state, ask } = probe(timers);
    const { p, events } = pulse(timers, ask);
    state.server = 'frozen';
    p.start();
    await advance(timers, 6000);
    p.stop();
    await advance(timers, 20_000);
    assert.equal(state.asked.length, 1);
    assert.deepEqual(events, []);
    assert.deepEqual(timers.pending, [], 'no timer left behind');
  });
});
