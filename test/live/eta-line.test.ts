// The forecast line of `e` (watch, simulate): times as the clock shows them, and in words what a
// forecast could not tell, never a bare symbol.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEtaLine, type LiveEta } from '../../src/live/eta.ts';

const AT = Date.parse('2030-01-01T10:30:00Z');
const min = (n: number) => AT + n * 60_000;

function eta(over: Partial<LiveEta>): LiveEta {
  return {
    runs: 200,
    seed: 1,
    at: AT,
    deployTimes: { source: 'observed', observed: 6, p50Ms: 60_000, p90Ms: 90_000 },
    stage: { name: 'production', p50: min(12), p90: min(19) },
    completion: { p50: min(35), p90: min(50) },
    completed: 1,
    awaitingApproval: 0,
    ...over,
  };
}

describe('the forecast line', () => {
  it('says the stage and the completion: median as a time and how far, P90 as a time', () => {
    assert.equal(
      formatEtaLine(eta({})),
      'forecast (200 runs): production ~10:42Z in 12m, P90 10:49Z · done ~11:05Z in 35m, P90 11:20Z',
    );
  });

  it('says a rollout that is done is complete', () => {
    assert.equal(formatEtaLine(eta({ stage: null })), 'forecast (200 runs): complete');
  });

  it('says when every run waits for an approval, instead of times no run reached', () => {
    const waiting = eta({
      stage: { name: 'staging', p50: null, p90: null },
      completion: { p50: null, p90: null },
      completed: 0,
      awaitingApproval: 1,
    });
    assert.equal(
      formatEtaLine(waiting),
      'forecast (200 runs): every run waits for an approval nobody has given ' +
        '(the forecast counts only approvals given)',
    );
    assert.match(formatEtaLine({ ...waiting, awaitingApproval: 0.6 }), /: 60% of the runs wait for an approval/);
  });

  it('says a P90 beyond the forecast’s 30 days, and a median no run reached', () => {
    const slow = eta({ completion: { p50: min(35), p90: null }, completed: 0.85 });
    assert.match(formatEtaLine(slow), /done ~11:05Z in 35m, P90 beyond 30 days$/);
    const stalled = eta({ completion: { p50: null, p90: null }, completed: 0.2 });
    assert.match(formatEtaLine(stalled), /· done not within 30 days in most runs$/);
  });
});
