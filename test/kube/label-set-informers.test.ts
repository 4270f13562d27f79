// Informers over a changing set of label values, on a source that answers by selector in memory:
// when they count as synced, and how a failed first list is reported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/types.ts';
import type { ListWatch } from '../../src/kube/informer.ts';
import { LabelSetInformers } from '../../src/kube/label-set-informers.ts';
import { FakeTimers } from './fake-timers.ts';

/** A source whose lists wait for the test to answer them, recording the selector of each. */
function source() {
  const asked: { selector: string; answer: (items: KubeObject[]) => void; fail: (e: Error) => void }[] = [];
  const of = (selector: string): ListWatch<KubeObject> => ({
    list: (signal) =>
      new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        asked.push({
          selector,
          answer: (items) => resolve({ items, resourceVersion: '1' }),
          fail: reject,
        });
      }),
    watch: async (_rv, signal) =>
      (async function* () {
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      })(),
  });
  return { asked, of };
}

async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; !done(); turn++) {
    if (turn > 10_000) assert.fail('never happened');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function settled(p: Promise<void>): () => 'pending' | 'resolved' | 'rejected' {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  return () => state;
}

describe('informers over a set of label values', () => {
  it('with no values: nothing is asked for, and they are synced at once', async () => {
    const s = source();
    const set = new LabelSetInformers(s.of, 'k', [], { timers: new FakeTimers() });
    set.start();
    await set.whenSynced();
    assert.equal(s.asked.length, 0);
    set.stop();
  });

  it('synced only when the parts whose values changed have listed again', async () => {
    const s = source();
    const set = new LabelSetInformers(s.of, 'k', ['a'], { timers: new FakeTimers() });
    set.start();
    await until(() => s.asked.length === 1);
    s.asked[0]!.answer([]);
    await set.whenSynced();

    set.select(new Set(['a', 'b']));
    const synced = settled(set.whenSynced());
    await until(() => s.asked.length === 2);
    assert.equal(synced(), 'pending');
    assert.equal(s.asked[1]!.selector, 'k in (a,b)');
    s.asked[1]!.answer([]);
    await until(() => synced() !== 'pending');
    assert.equal(synced(), 'resolved');
    set.stop();
  });

  it("rejects whenSynced with a part's first failure to list (a denied list)", async () => {
    const s = source();
    const set = new LabelSetInformers(s.of, 'k', ['a'], { timers: new FakeTimers() });
    set.start();
    const synced = set.whenSynced();
    await until(() => s.asked.length === 1);
    s.asked[0]!.fail(new Error('forbidden'));
    await assert.rejects(synced, /forbidden/);
    set.stop();
  });
});
