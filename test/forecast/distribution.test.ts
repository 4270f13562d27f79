import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cdf,
  distributionProblem,
  exponentialMs,
  normalQuantile,
  quantileMs,
  remainingMs,
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
  it('give the share of draws at most a time: the inverse of the quantile', () => {
    const logNormal = { kind: 'logNormal', p50Ms: 60_000, p90Ms: 200_000 } as const;
    for (const u of [0.05, 0.25, 0.5, 0.75, 0.9, 0.99]) {
      assert.ok(Math.abs(cdf(logNormal, quantileMs(logNormal, u)) - u) < 1e-5, `log-normal at ${u}`);
    }
    assert.equal(cdf(logNormal, 0), 0);
    assert.equal(cdf({ kind: 'uniform', minMs: 1000, maxMs: 3000 }, 1500), 0.25);
    assert.equal(cdf({ kind: 'fixed', ms: 1000 }, 999), 0);
    assert.equal(cdf({ kind: 'fixed', ms: 1000 }, 1000), 1);
  });

  it('draw what remains of a time that has already lasted a while, as the distribution given that', () => {
    // Fixed: what is left of it, and nothing once it has passed.
    assert.equal(remainingMs({ kind: 'fixed', ms: 60_000 }, 45_000, 0.7), 15_000);
    assert.equal(remainingMs({ kind: 'fixed', ms: 60_000 }, 90_000, 0.7), 0);
    // Uniform over 1m..3m, 2m gone: uniform over the last minute.
    const uniform = { kind: 'uniform', minMs: 60_000, maxMs: 180_000 } as const;
    assert.equal(remainingMs(uniform, 120_000, 0), 0);
    assert.equal(remainingMs(uniform, 120_000, 0.5), 30_000);
    // Log-normal: P(T - e <= r | T > e) = (F(e + r) - F(e)) / (1 - F(e)) at each quantile drawn.
    const d = { kind: 'logNormal', p50Ms: 60_000, p90Ms: 200_000 } as const;
    const e = 50_000;
    for (const u of [0.1, 0.5, 0.9]) {
      const r = remainingMs(d, e, u);
      assert.ok(r > 0);
      const given = (cdf(d, e + r) - cdf(d, e)) / (1 - cdf(d, e));
      assert.ok(Math.abs(given - u) < 1e-4, `at ${u}: ${given}`);
    }
    // Not yet begun: the distribution itself.
    assert.equal(remainingMs(d, 0, 0.5), 60_000);
  });
});
