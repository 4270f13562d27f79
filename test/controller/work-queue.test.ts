// The controller loop with several workers, as the live controller runs it: a work queue, not a
// sequence of passes. What a promotion waits for is a free worker, never another promotion's writes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterPromotion } from '../../src/api/types.ts';
import {
  PromotionController,
  UNCHANGED,
  WRITTEN,
  type WriteResult,
} from '../../src/controller/promotion-controller.ts';
import { worldOf } from '../../src/engine/index.ts';
import { T0, cluster, env, promotion } from '../engine/fake-sveltos.ts';

/** Promotions whose status writes can be held until the test lets them through. */
class SlowApi {
  readonly promotions = new Map<string, ClusterPromotion>();
  readonly held = new Map<string, () => void>();
  readonly log: string[] = [];
  readonly #holding = new Set<string>();
  readonly controller: PromotionController;

  constructor(names: string[], workers: number) {
    for (const name of names) {
      const p = promotion([{ name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '5m' } } }]);
      this.promotions.set(name, { ...p, metadata: { ...p.metadata, name, resourceVersion: '1' } });
    }
    const world = worldOf({ clusters: [cluster('s1', { env: 'staging' })], profiles: [], summaries: [] });
    this.controller = new PromotionController({
      finalizer: false,
      concurrency: workers,
      ports: {
        promotion: (name) => this.promotions.get(name),
        world: () => world,
        applyProfile: () => UNCHANGED,
        deleteProfile: () => UNCHANGED,
        writeStatus: (read, status) => this.#write(read, status),
        patchSpec: () => UNCHANGED,
        setFinalizers: () => UNCHANGED,
        profileExists: () => false,
      },
    });
    this.controller.observe({
      starting: (name) => this.log.push(`start ${name}`),
      finished: (name) => this.log.push(`end ${name}`),
    });
  }

  /** The next status write of `name` waits until release(name). */
  hold(name: string): void {
    this.#holding.add(name);
  }

  release(name: string): void {
    this.#holding.delete(name);
    this.held.get(name)?.();
    this.held.delete(name);
  }

  async #write(read: ClusterPromotion, status: ClusterPromotion['status']): Promise<WriteResult> {
    const name = read.metadata.name;
    if (this.#holding.has(name)) await new Promise<void>((go) => this.held.set(name, go));
    const rv = String(Number(read.metadata.resourceVersion) + 1);
    this.promotions.set(name, { ...read, metadata: { ...read.metadata, resourceVersion: rv }, status });
    return WRITTEN;
  }
}

const turn = () => new Promise<void>((r) => setImmediate(r));
async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !ok(); i++) await turn();
  assert.ok(ok(), what);
}

describe('the controller loop with several workers', () => {
  it('reconciles a promotion that becomes due while another waits on its write, without waiting for it', async () => {
    const api = new SlowApi(['a', 'b'], 4);
    api.hold('a');
    api.controller.markDue('a');
    const pass = api.controller.reconcileDue(T0.getTime());
    await until('a is writing', () => api.held.has('a'));
    api.controller.markDue('b');
    await until('b is reconciled to the end', () => api.promotions.get('b')!.status?.currentStageName === 'staging');
    assert.equal(api.promotions.get('a')!.status, undefined, "a's write is still held");
    api.release('a');
    await pass;
    assert.equal(api.promotions.get('a')!.status?.currentStageName, 'staging');
  });

  it('never reconciles one promotion in two workers at once: due again while in flight, it goes after', async () => {
    const api = new SlowApi(['a'], 4);
    api.hold('a');
    api.controller.markDue('a');
    const pass = api.controller.reconcileDue(T0.getTime());
    await until('a is writing', () => api.held.has('a'));
    api.controller.markDue('a');
    for (let i = 0; i < 20; i++) await turn();
    assert.deepEqual(api.log, ['start a'], 'the second look waits for the first to finish');
    api.release('a');
    await pass;
    assert.deepEqual(api.log.slice(0, 3), ['start a', 'end a', 'start a']);
    assert.equal(api.log.at(-1), 'end a');
    assert.equal(api.controller.hasDue(T0.getTime()), false, 'the pass ends with nothing left due');
  });

  it('with one worker, reconciles what is due once each, in name order', async () => {
    const api = new SlowApi(['b', 'a', 'c'], 1);
    for (const name of ['c', 'a', 'b']) api.controller.markDue(name);
    await api.controller.reconcileDue(T0.getTime());
    assert.deepEqual(api.log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
