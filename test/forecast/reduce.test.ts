import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { noWaiting, type RunFigures } from '../../simulator/forecast/figures.ts';
import { toForecastJson } from '../../simulator/forecast/json.ts';
import { ForecastAccumulator } from '../../simulator/forecast/reduce.ts';

const T0 = Date.parse('2030-01-06T00:00:00Z');
const MIN = 60_000;

/** A completed two-stage run: staging from 0 to `a` minutes, production from `a` to `b`. */
function completed(a: number, b: number, approvalMin = 0): RunFigures {
  return {
    outcome: 'Completed',
    completedMs: b * MIN,
    stages: [
      {
        deployStartedMs: 0,
        deployedMs: MIN,
        promotedMs: a * MIN,
        waitingMs: { ...noWaiting(), deploy: MIN, soak: (a - 1) * MIN },
      },
      {
        deployStartedMs: a * MIN,
        deployedMs: (a + 2) * MIN,
        promotedMs: b * MIN,
        waitingMs: { ...noWaiting(), deploy: 2 * MIN, approval: approvalMin * MIN },
      },
    ],
  };
}

const failedInStaging: RunFigures = {
  outcome: 'Failed',
  completedMs: null,
  stages: [
    { deployStartedMs: 0, deployedMs: null, promotedMs: null, waitingMs: { ...noWaiting(), deploy: 30 * MIN } },
    { deployStartedMs: null, deployedMs: null, promotedMs: null, waitingMs: noWaiting() },
  ],
};

function forecastOf(runs: RunFigures[], deadlineMs?: number) {
  const acc = new ForecastAccumulator(['staging', 'production'], runs.length);
  for (const r of runs) acc.add(r);
  return acc.result({ promotion: 'p', seed: 7, startedAt: T0, ...(deadlineMs === undefined ? {} : { deadlineMs }) });
}

describe('a forecast reduced from runs', () => {
  const runs = [...Array.from({ length: 9 }, (_, i) => completed(6, 10 + i, i * 10)), failedInStaging];

  it('gives each outcome as a share of all runs', () => {
    const f = forecastOf(runs);
    assert.deepEqual(f.outcomes, { Completed: 0.9, Failed: 0.1, AwaitingApproval: 0, Stalled: 0 });
  });

  it('takes completion percentiles over the completed runs only, by nearest rank', () => {
    const f = forecastOf(runs);
    // Completed at 10..18 minutes: P10 is rank ceil(0.9) = 1, P50 rank 5, P90 rank ceil(8.1) = 9.
    assert.deepEqual(f.completion, { p10: 10 * MIN, p50: 14 * MIN, p90: 18 * MIN, mean: 14 * MIN });
    assert.deepEqual(
      [...f.completions],
      Array.from({ length: 9 }, (_, i) => (10 + i) * MIN),
    );
  });

  it('times each stage over the runs that reached that point, null where none did', () => {
    const f = forecastOf(runs);
    assert.deepEqual(f.stages[0]!.deployStarted, { p10: 0, p50: 0, p90: 0 });
    assert.equal(f.stages[0]!.reached, 10);
    assert.equal(f.stages[1]!.reached, 9);
    assert.deepEqual(f.stages[1]!.promoted, { p10: 10 * MIN, p50: 14 * MIN, p90: 18 * MIN });
    const none = forecastOf([failedInStaging, failedInStaging]);
    assert.deepEqual(none.stages[1]!.deployStarted, { p10: null, p50: null, p90: null });
    assert.deepEqual(none.completion, { p10: null, p50: null, p90: null, mean: null });
  });

  it('averages the time in each gate over the runs that reached the stage', () => {
    const f = forecastOf(runs);
    // Staging: nine runs deployed in 1m, the failed one spent 30m deploying.
    assert.equal(f.stages[0]!.waiting.deploy, (9 * MIN + 30 * MIN) / 10);
    assert.equal(f.stages[0]!.waiting.soak, (9 * 5 * MIN) / 10);
    // Production: approvals of 0, 10, ..., 80 minutes in the nine runs that got there.
    assert.equal(f.stages[1]!.waiting.approval, 40 * MIN);
    assert.equal(f.stages[1]!.waiting.window, 0);
  });

  it('gives the chance of completing by a deadline over all runs', () => {
    assert.equal(forecastOf(runs, T0 + 12 * MIN).deadline?.probability, 0.3);
    assert.equal(forecastOf(runs, T0 + 60 * MIN).deadline?.probability, 0.9);
    assert.equal(forecastOf(runs, T0 - MIN).deadline?.probability, 0);
    assert.equal(forecastOf(runs).deadline, undefined);
  });

  it('does not depend on the order the runs finish in', () => {
    const a = forecastOf(runs, T0 + 12 * MIN);
    const b = forecastOf([...runs].reverse(), T0 + 12 * MIN);
    assert.deepEqual(toForecastJson(a), toForecastJson(b));
  });

  it('refuses more runs than it was sized for', () => {
    const acc = new ForecastAccumulator(['staging', 'production'], 1);
    acc.add(failedInStaging);
    assert.throws(() => acc.add(failedInStaging), /more than the 1 runs announced/);
  });
});

describe('the forecast as JSON', () => {
  it('has exactly the documented fields, times in seconds from the start', () => {
    const json = toForecastJson(forecastOf([completed(6, 10), completed(6, 20)], Date.parse('2030-01-06T00:15:00Z')));
    assert.deepEqual(json, {
      promotion: 'p',
      runs: 2,
      seed: 7,
      startedAt: '2030-01-06T00:00:00Z',
      outcomes: { Completed: 1, Failed: 0, AwaitingApproval: 0, Stalled: 0 },
      completion: { p10: 600, p50: 600, p90: 1200, mean: 900 },
      deadline: { at: '2030-01-06T00:15:00Z', probability: 0.5 },
      stages: [
        {
          name: 'staging',
          deployStarted: { p10: 0, p50: 0, p90: 0 },
          deployed: { p10: 60, p50: 60, p90: 60 },
          promoted: { p10: 360, p50: 360, p90: 360 },
          waiting: { deploy: 60, soak: 300, checks: 0, window: 0, approval: 0 },
        },
        {
          name: 'production',
          deployStarted: { p10: 360, p50: 360, p90: 360 },
          deployed: { p10: 480, p50: 480, p90: 480 },
          promoted: { p10: 600, p50: 600, p90: 1200 },
          waiting: { deploy: 120, soak: 0, checks: 0, window: 0, approval: 0 },
        },
      ],
    });
  });
});
