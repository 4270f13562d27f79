// The uncertainty a fleet file may state, and how one value is drawn from it. Every draw takes a
// uniform number u in [0, 1) and maps it through the distribution's quantile function, so that a
// value depends only on u: the same seed gives the same value whatever else a run does, and the
// quantiles a user wrote are exactly where they said (u = 0.5 is the p50, u = 0.9 the p90).
import { formatDuration } from '../../src/duration.ts';

/** How long a deploy attempt takes: a fixed time, log-normal through a median and a P90, or uniform. */
export type DurationDistribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'logNormal'; p50Ms: number; p90Ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number };

/** The standard normal quantile at 0.9: a log-normal's P90 is its median times exp(sigma * Z90). */
const Z90 = 1.2815515655446004;

/** Why a distribution cannot be used, or null when it can (the fleet file names the field). */
export function distributionProblem(d: DurationDistribution): string | null {
  switch (d.kind) {
    case 'fixed':
      return null;
    case 'logNormal':
      if (d.p50Ms <= 0) return `p50 must be longer than 0s (log-normal times are positive)`;
      if (d.p90Ms < d.p50Ms)
        return `p90 (${formatDuration(d.p90Ms)}) must not be shorter than p50 (${formatDuration(d.p50Ms)})`;
      return null;
    case 'uniform':
      if (d.maxMs < d.minMs)
        return `max (${formatDuration(d.maxMs)}) must not be shorter than min (${formatDuration(d.minMs)})`;
      return null;
  }
}

/** Whether the distribution can give more than one value (a fixed time draws nothing). */
export function isUncertain(d: DurationDistribution): boolean {
  return d.kind === 'logNormal' ? d.p90Ms > d.p50Ms : d.kind === 'uniform' ? d.maxMs > d.minMs : false;
}

/** The value at the distribution's quantile u (0 <= u < 1), in whole milliseconds. */
export function quantileMs(d: DurationDistribution, u: number): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return Math.round(d.minMs + u * (d.maxMs - d.minMs));
    case 'logNormal': {
      if (d.p90Ms === d.p50Ms) return d.p50Ms;
      const sigma = Math.log(d.p90Ms / d.p50Ms) / Z90;
      // u = 0 would be the log-normal's 0: a deploy takes at least a millisecond.
      return Math.max(1, Math.round(d.p50Ms * Math.exp(sigma * normalQuantile(Math.max(u, Number.MIN_VALUE)))));
    }
  }
}

/** The share of draws that take at most `ms`: the distribution function, quantileMs's inverse. */
export function cdf(d: DurationDistribution, ms: number): number {
  switch (d.kind) {
    case 'fixed':
      return ms >= d.ms ? 1 : 0;
    case 'uniform':
      if (d.maxMs === d.minMs) return ms >= d.minMs ? 1 : 0;
      return Math.min(1, Math.max(0, (ms - d.minMs) / (d.maxMs - d.minMs)));
    case 'logNormal': {
      if (ms <= 0) return 0;
      if (d.p90Ms === d.p50Ms) return ms >= d.p50Ms ? 1 : 0;
      const sigma = Math.log(d.p90Ms / d.p50Ms) / Z90;
      return normalCdf(Math.log(ms / d.p50Ms) / sigma);
    }
  }
}

/**
 * How much longer a draw that has already lasted `elapsedMs` goes on, at quantile u of what remains:
 * the distribution conditioned on lasting longer than that. A deploy a live forecast finds under way
 * is neither restarted (it would finish late) nor assumed to be done (early). One that has outlasted
 * every draw the distribution makes (a fixed time passed) finishes now.
 */
export function remainingMs(d: DurationDistribution, elapsedMs: number, u: number): number {
  if (elapsedMs <= 0) return quantileMs(d, u);
  const done = cdf(d, elapsedMs);
  const q = done + u * (1 - done);
  if (q >= 1) return 0;
  return Math.max(0, quantileMs(d, q) - elapsedMs);
}

/** The median: what a fleet reports as the cluster's deploy time when one number is wanted. */
export function medianMs(d: DurationDistribution): number {
  return d.kind === 'fixed' ? d.ms : d.kind === 'logNormal' ? d.p50Ms : Math.round((d.minMs + d.maxMs) / 2);
}

/** An exponential wait with this mean at quantile u (an approver who answers at a steady rate). */
export function exponentialMs(meanMs: number, u: number): number {
  return Math.round(-meanMs * Math.log1p(-u));
}

/**
 * The standard normal distribution function, from the complementary error function's Chebyshev
 * fit (fractional error below 1.2e-7: a millisecond's worth on a deploy of hours).
 */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(-x * x + poly);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * The standard normal quantile function (Acklam's rational approximation, relative error below
 * 1.2e-9, far finer than the millisecond a deploy time is rounded to).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    throw new RangeError(`normalQuantile: ${p} is not a probability`);
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}
