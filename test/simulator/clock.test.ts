import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScaledClock, VirtualClock } from '../../simulator/clock.ts';

describe('VirtualClock', () => {
  it('moves only when told to, and never backwards', () => {
    const c = new VirtualClock(new Date('2030-01-01T00:00:00Z'));
    assert.equal(c.now().toISOString(), '2030-01-01T00:00:00.000Z');
    c.advanceTo(Date.parse('2030-01-01T00:05:00Z'));
    assert.equal(c.nowMs(), Date.parse('2030-01-01T00:05:00Z'));
    assert.throws(() => c.advanceTo(Date.parse('2030-01-01T00:04:59Z')), /cannot go back/);
  });
});

describe('ScaledClock', () => {
  const start = Date.parse('2030-01-01T00:00:00Z');
  const fakeReal = () => {
    let t = 1000;
    return { now: () => t, pass: (ms: number) => (t += ms) };
  };

  it('runs virtual time at the chosen speed of the injected real time', () => {
    const real = fakeReal();
    const c = new ScaledClock({ start, speed: 60, realNow: real.now });
    real.pass(1000);
    assert.equal(c.nowMs() - start, 60_000);
  });

  it('stands still while paused and resumes where it stopped', () => {
    const real = fakeReal();
    const c = new ScaledClock({ start, speed: 10, realNow: real.now });
    real.pass(100);
    c.pause();
    real.pass(5000);
    assert.equal(c.nowMs() - start, 1000);
    assert.equal(c.realDelayUntil(start + 2000), null);
    c.resume();
    real.pass(100);
    assert.equal(c.nowMs() - start, 2000);
  });

  it('changes speed without jumping, and says how long real time must pass to reach a moment', () => {
    const real = fakeReal();
    const c = new ScaledClock({ start, speed: 1, realNow: real.now });
    real.pass(500);
    c.setSpeed(100);
    assert.equal(c.nowMs() - start, 500);
    assert.equal(c.realDelayUntil(start + 10_500), 100);
    assert.equal(c.realDelayUntil(start), 0);
    assert.throws(() => c.setSpeed(0), RangeError);
  });

  it('jumps ahead to a moment but not back', () => {
    const real = fakeReal();
    const c = new ScaledClock({ start, speed: 1, realNow: real.now });
    c.jumpTo(start + 60_000);
    assert.equal(c.nowMs(), start + 60_000);
    c.jumpTo(start);
    assert.equal(c.nowMs(), start + 60_000);
  });
});
