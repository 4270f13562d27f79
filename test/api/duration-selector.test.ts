import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDuration, humanDuration, DurationError } from '../../src/duration.ts';
import { matchesSelector, selectorQuery } from '../../src/api/selector.ts';
import type { LabelSelector } from '../../src/api/types.ts';
import { labelMatcher, parseLabelSelector } from '../../simulator/apiserver/selectors.ts';
import { printable } from '../../src/printable.ts';

describe('Go durations', () => {
  it('accept the forms metav1.Duration accepts', () => {
    assert.equal(parseDuration('300ms'), 300);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('1500us'), 1.5);
  });
  it('reject a number without a unit, unknown units, days and negatives, saying how to fix it', () => {
    assert.throws(
      () => parseDuration('5'),
      (e: unknown) => e instanceof DurationError && /unit is missing/.test(e.message),
    );
    assert.throws(() => parseDuration('1d'), /unknown unit in "1d"/);
    assert.throws(() => parseDuration('5 m'), DurationError);
    assert.throws(() => parseDuration(''), DurationError);
    assert.throws(() => parseDuration('-5m'), /negative/);
  });
  it("hold what Go's time.Duration holds, and name the range beyond it", () => {
    assert.ok(Math.abs(parseDuration('2562047h47m16.854775807s') - 9_223_372_036_854.775) < 0.01);
    for (const text of ['2562048h', '2562047h48m', '99999999999999h'])
      assert.throws(
        () => parseDuration(text),
        (e: unknown) =>
          e instanceof DurationError &&
          e.message ===
            `invalid duration "${text}": out of range; the longest is 2562047h47m16.854775807s (about 292 years)`,
      );
  });
  it('format like Go and for people', () => {
    assert.equal(formatDuration(5_400_000), '1h30m0s');
    assert.equal(formatDuration(300), '300ms');
    assert.equal(formatDuration(65_000), '1m5s');
    assert.equal(humanDuration(252_000), '4m12s');
    assert.equal(humanDuration(90_061_000), '1d1h');
  });
});

describe('label selectors', () => {
  const labels = { env: 'prod', region: 'eu' };
  it('need every matchLabels pair', () => {
    assert.ok(matchesSelector(labels, { matchLabels: { env: 'prod' } }));
    assert.ok(!matchesSelector(labels, { matchLabels: { env: 'prod', tier: 'gold' } }));
  });
  it('apply In, NotIn, Exists and DoesNotExist as apimachinery does', () => {
    assert.ok(matchesSelector(labels, { matchExpressions: [{ key: 'region', operator: 'In', values: ['eu', 'us'] }] }));
    assert.ok(!matchesSelector(labels, { matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['eu'] }] }));
    assert.ok(matchesSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }));
    assert.ok(!matchesSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] }));
    assert.ok(matchesSelector(labels, { matchExpressions: [{ key: 'env', operator: 'Exists' }] }));
    assert.ok(!matchesSelector(labels, { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }));
  });

  it('are sent as a labelSelector query that selects on the server exactly what they select here', () => {
    const selectors: LabelSelector[] = [
      {},
      { matchLabels: { env: 'prod', 'topology.kubernetes.io/region': 'eu' } },
      {
        matchLabels: { env: 'prod' },
        matchExpressions: [
          { key: 'region', operator: 'In', values: ['eu', 'us'] },
          { key: 'tier', operator: 'NotIn', values: ['gold'] },
          { key: 'team', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      },
    ];
    const fleet: Record<string, string>[] = [
      {},
      { env: 'prod' },
      { env: 'prod', region: 'eu', team: 'a' },
      { env: 'prod', region: 'us', team: 'a', tier: 'gold' },
      { env: 'prod', region: 'eu', team: 'a', legacy: 'yes' },
      { env: 'prod', 'topology.kubernetes.io/region': 'eu' },
    ];
    for (const selector of selectors) {
      const query = selectorQuery(selector);
      assert.notEqual(query, null, JSON.stringify(selector));
      const server = labelMatcher(parseLabelSelector(query!));
      for (const labels of fleet) {
        const object = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x', labels } };
        assert.equal(server(object), matchesSelector(labels, selector), `${query} on ${JSON.stringify(labels)}`);
      }
    }
  });

  it('have no query form when the API would refuse it, and are then selected here', () => {
    assert.equal(selectorQuery({ matchExpressions: [{ key: 'env', operator: 'In', values: [] }] }), null);
    assert.equal(selectorQuery({ matchLabels: { env: 'a,b' } }), null);
    assert.equal(selectorQuery({ matchLabels: { 'bad key!': 'x' } }), null);
    const unknown = { matchExpressions: [{ key: 'env', operator: 'Gt' as 'In', values: ['1'] }] };
    assert.equal(selectorQuery(unknown), null);
  });
});

describe('printable: text from files and clusters on a terminal', () => {
  it('shows ESC as ^[ and CR as \\r as kubectl does, other controls in caret notation, C1 as \\u escapes', () => {
    assert.equal(printable('plain text, tabs\tand\nnewlines'), 'plain text, tabs\tand\nnewlines');
    assert.equal(printable('\u001b[31mred\u001b[0m'), '^[[31mred^[[0m');
    assert.equal(printable('a\rb\u0007c\u0000d\u007fe\u009bf'), 'a\\rb^Gc^@d^?e\\u009bf');
  });
});
