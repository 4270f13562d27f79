// LabelIndex selects exactly what matchesSelector selects, in the items' order, testing only the
// items that carry the selector's rarest label pair.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LabelIndex } from '../../src/api/label-index.ts';
import { matchesSelector } from '../../src/api/selector.ts';
import type { LabelSelector } from '../../src/api/types.ts';

interface Item {
  id: number;
  labels: Record<string, string>;
  ready: boolean;
}

const items: Item[] = Array.from({ length: 200 }, (_, id) => ({
  id,
  labels: { stage: `s${id % 10}`, region: `r${id % 3}`, ...(id % 7 === 0 ? { canary: 'true' } : {}) },
  ready: id % 5 !== 0,
}));

describe('LabelIndex', () => {
  const index = new LabelIndex(items, (i) => i.labels);
  const selectors: (LabelSelector | undefined)[] = [
    undefined,
    {},
    { matchLabels: { stage: 's3' } },
    { matchLabels: { stage: 's3', region: 'r1' } },
    { matchLabels: { stage: 'nowhere' } },
    { matchLabels: { canary: 'true' }, matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['r0'] }] },
    { matchExpressions: [{ key: 'canary', operator: 'Exists' }] },
  ];

  it('selects what matchesSelector selects, in the items’ order', () => {
    for (const selector of selectors) {
      const expected = items.filter((i) => matchesSelector(i.labels, selector)).map((i) => i.id);
      assert.deepEqual(
        index.select(selector).map((i) => i.id),
        expected,
        JSON.stringify(selector),
      );
    }
  });

  it('applies the filter it is given (ready clusters only)', () => {
    const selector = { matchLabels: { stage: 's5' } };
    assert.deepEqual(
      index.select(selector, (i) => i.ready).map((i) => i.id),
      items.filter((i) => i.ready && i.labels.stage === 's5').map((i) => i.id),
    );
  });

  it('tests only the items with the rarest pair of the selector', () => {
    let tested = 0;
    const counting = new LabelIndex(items, (i) => {
      tested++;
      return i.labels;
    });
    counting.select({ matchLabels: { stage: 's1' } });
    tested = 0;
    counting.select({ matchLabels: { stage: 's2', region: 'r0' } });
    assert.ok(tested <= 20, `${tested} items tested`);
  });
});
