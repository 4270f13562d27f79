import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationResult } from '../../simulator/driver.ts';
import { formatText, toReportJson } from '../../simulator/report.ts';
import { rfc3339Millis } from '../../src/rfc3339.ts';
import { T0, m } from './helpers.ts';

const result: SimulationResult = {
  promotion: 'rollout',
  startedAt: T0,
  completedAt: T0 + m(6),
  endedAt: T0 + m(6),
  outcome: 'Completed',
  reason: 'promotion completed after 6m0s',
  stages: [
    {
      name: 'staging',
      clusters: ['default/a'],
      phase: 'Completed',
      deployStartedAt: T0,
      deployedAt: T0 + m(1),
      promotedAt: T0 + m(6),
      failureMessage: null,
    },
  ],
  events: [
    {
      at: T0,
      type: 'PipelineStarted',
      stage: null,
      cluster: null,
      message: 'promotion rollout started with 1 stage(s)',
    },
    ...['a', 'b', 'c', 'd', 'e'].map((c) => ({
      at: T0,
      type: 'Deploying' as const,
      stage: 'staging',
      cluster: `default/${c}`,
      message: 'deploying rollout-staging',
    })),
    {
      at: T0 + m(1),
      type: 'Provisioned',
      stage: 'staging',
      cluster: 'default/a',
      message: 'rollout-staging provisioned',
    },
    {
      at: T0 + m(6) + 250,
      type: 'PromotionCompleted',
      stage: null,
      cluster: null,
      message: 'promotion rollout completed',
    },
  ],
};

describe('the simulation report', () => {
  it('writes UTC RFC 3339 times with Z, with milliseconds only when there are some', () => {
    assert.equal(rfc3339Millis(T0), '2030-01-01T00:00:00Z');
    assert.equal(rfc3339Millis(T0 + 250), '2030-01-01T00:00:00.250Z');
  });

  it('keeps the public JSON field names', () => {
    const json = toReportJson(result);
    assert.deepEqual(Object.keys(json), [
      'promotion',
      'startedAt',
      'completedAt',
      'durationSeconds',
      'outcome',
      'stages',
      'events',
    ]);
    assert.deepEqual(json.stages[0], {
      name: 'staging',
      clusters: ['default/a'],
      phase: 'Completed',
      deployStartedAt: '2030-01-01T00:00:00Z',
      deployedAt: '2030-01-01T00:01:00Z',
      promotedAt: '2030-01-01T00:06:00Z',
      failureMessage: null,
    });
    assert.equal(json.durationSeconds, 360);
    assert.deepEqual(Object.keys(json.events[0]!), ['at', 'stage', 'cluster', 'type', 'message']);
    assert.equal(toReportJson({ ...result, completedAt: null, outcome: 'Stalled' }).durationSeconds, null);
  });

  it('prints a timeline for people with offsets and absolute times, folding many clusters doing the same thing', () => {
    const text = formatText(result);
    assert.match(text, /^Promotion rollout: Completed in 6m0s\n/);
    assert.match(text, /staging\s+1\s+Completed\s+\+0s\s+\+1m0s\s+\+6m0s/);
    assert.match(
      text,
      new RegExp(
        /\+0s\s+2030-01-01T00:00:00Z\s+staging\s+Deploying\s+5 clusters \(default\/a \.\.\. /.source +
          /default\/e\): deploying rollout-staging/.source,
      ),
    );
    assert.match(
      text,
      /\+1m0s\s+2030-01-01T00:01:00Z\s+staging\s+Provisioned\s+default\/a: rollout-staging provisioned/,
    );
    assert.match(text, /\+6m0\.25s\s+2030-01-01T00:06:00\.250Z\s+-\s+PromotionCompleted/);
  });
});
