import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countAtOrBelow, mean, nearestRank, sortedPresent } from '../../simulator/forecast/percentiles.ts';

describe('nearest-rank percentiles', () => {
  const ten = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  it('are the smallest value with at least P% of the values at or below it', () => {
    assert.equal(nearestRank(ten, 10), 1);
    assert.equal(nearestRank(ten, 50), 5);
    assert.equal(nearestRank(ten, 90), 9);
    assert.equal(nearestRank(ten, 100), 10);
    assert.equal(nearestRank(ten, 11), 2);
  });

  it('are always one of the values, never an interpolation', () => {
    const odd = [10, 20, 30, 40];
    assert.equal(nearestRank(odd, 50), 20);
    assert.equal(nearestRank(odd, 90), 40);
    assert.equal(nearestRank([7], 10), 7);
  });

  it('are null over no values', () => {
    assert.equal(nearestRank([], 50), null);
    assert.equal(mean([]), null);
  });

  it('take the rank on paper, not the float product (0.9 * 10 is rank 9)', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    assert.equal(nearestRank(values, 10), 100);
    assert.equal(nearestRank(values, 90), 900);
  });

  it('refuse a percentile outside (0, 100]', () => {
    assert.throws(() => nearestRank(ten, 0), RangeError);
    assert.throws(() => nearestRank(ten, 101), RangeError);
  });

  it('sort the values that happened, leaving out NaN ("never")', () => {
    assert.deepEqual([...sortedPresent([3, Number.NaN, 1, 2])], [1, 2, 3]);
  });

  it('count the values at or below a time', () => {
    assert.equal(countAtOrBelow(ten, 0), 0);
    assert.equal(countAtOrBelow(ten, 5), 5);
    assert.equal(countAtOrBelow(ten, 5.5), 5);
    assert.equal(countAtOrBelow(ten, 99), 10);
    assert.equal(mean(ten), 5.5);
  });
});
