// `get NAME`'s tree, printed once: what watch shows, without anything to press.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTree } from '../../src/live/tree.tsx';
import { bigStage } from '../view/scenarios.ts';

describe('the tree get prints', () => {
  it('counts the clusters it leaves out without offering the keys (j/k) of the terminal view', () => {
    const model = bigStage(200);
    const text = renderTree(model, { columns: 100, color: false, unicode: true, receivedAt: model.now });
    assert.match(text, /└─ ↓ 1\d\d more clusters$/m);
    assert.doesNotMatch(text, /j\/k/);
  });
});
