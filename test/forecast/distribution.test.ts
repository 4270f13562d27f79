import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  distributionProblem,
  exponentialMs,
  normalQuantile,
  quantileMs,
} from '../../simulator/forecast/distribution.ts';

describe('deploy-time distributions', () => {
  it("put a log-normal's median at p50 and its 90th percentile at p90", () => {
    const d = { kind: 'logNormal', p50Ms: 120_000, p90Ms: 360_000 } as const;
    assert.equal(quantileMs(d, 0.5), 120_000);
    assert.equal(quantileMs(d, 0.9), 360_000);
    assert.ok(quantileMs(d, 0.1) < 120_000 && quantileMs(d, 0.1) > 0);
    assert.ok(quantileMs(d, 0) > 0, 'a log-normal time is never 0');
  });

  it('draw a uniform time between min and max', () => {
    const d = { kind: 'uniform', minMs: 60_000, maxMs: 180_000 } as const;
    assert.equal(quantileMs(d, 0), 60_000);
    assert.equal(quantileMs(d, 0.5), 120_000);
    assert.ok(quantileMs(d, 0.999999) <= 180_000);
  });

  it('give a log-normal with p90 = p50 as that one time', () => {
    assert.equal(quantileMs({ kind: 'logNormal', p50Ms: 5000, p90Ms: 5000 }, 0.99), 5000);
  });

  it('name what is wrong: p90 shorter than p50, max shorter than min, a zero median', () => {
    assert.match(
      distributionProblem({ kind: 'logNormal', p50Ms: 120_000, p90Ms: 60_000 })!,
      /p90 \(1m0s\) must not be shorter than p50 \(2m0s\)/,
    );
    assert.match(
      distributionProblem({ kind: 'uniform', minMs: 2000, maxMs: 1000 })!,
      /max .* must not be shorter than min/,
    );
    assert.match(distributionProblem({ kind: 'logNormal', p50Ms: 0, p90Ms: 1000 })!, /p50 must be longer than 0s/);
    assert.equal(distributionProblem({ kind: 'logNormal', p50Ms: 1000, p90Ms: 1000 }), null);
  });

  it('draw an exponential wait with the mean asked for', () => {
    assert.equal(exponentialMs(3_600_000, 0), 0);
    assert.equal(exponentialMs(3_600_000, 1 - Math.exp(-1)), 3_600_000);
    let sum = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) sum += exponentialMs(1000, (i + 0.5) / n);
    assert.ok(Math.abs(sum / n - 1000) < 10, `mean ${sum / n}`);
  });

  it('use a normal quantile accurate at the usual points', () => {
    assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-8);
    assert.ok(Math.abs(normalQuantile(0.01) + 2.3263478740408408) < 1e-8);
    assert.equal(normalQuantile(0.5), 0);
  });
});
