// Leader election as client-go does it, on fake timers and an in-memory Lease with the API
// server's optimistic concurrency: who may write, and when, is what keeps two replicas from both
// advancing a promotion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaderElector, checkLeaseTiming, type Lease, type LeaseStore } from '../../src/controller/leader-election.ts';
import { FakeTimers } from '../kube/fake-timers.ts';

class MemoryLease implements LeaseStore {
  lease: Lease | null = null;
  version = 0;
  /** While true, every request fails as an unreachable API server would. */
  down = false;
  async get() {
    if (this.down) throw new Error('connection refused');
    return this.lease === null ? null : structuredClone(this.lease);
  }
  async create(lease: Lease) {
    if (this.down) throw new Error('connection refused');
    if (this.lease !== null) throw new Error('409 AlreadyExists');
    this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.lease);
  }
  async update(lease: Lease) {
    if (this.down) throw new Error('connection refused');
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new Error('409 Conflict');
    this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.lease);
  }
}

const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function candidate(id: string, store: LeaseStore, timers: FakeTimers) {
  const log: string[] = [];
  const elector = new LeaderElector(
    { namespace: 'projectsveltos', name: 'kubectl-promotion-controller', identity: id, ...TIMING },
    store,
    timers,
    { started: () => log.push('started'), stopped: (why) => log.push(`stopped: ${why}`) },
  );
  return { elector, log };
}

/** Moves fake time on in small steps, letting each attempt's promises settle. */
async function run(timers: FakeTimers, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    timers.advance(step);
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

describe('leader election on a Lease', () => {
  it('one of two candidates leads; the other waits and may not write', async () => {
    const timers = new FakeTimers();
    const store = new MemoryLease();
    const a = candidate('a', store, timers);
    const b = candidate('b', store, timers);
    a.elector.start();
    await run(timers, 100);
    b.elector.start();
    await run(timers, 10_000);
    assert.equal(a.elector.canWrite(), true);
    assert.equal(b.elector.canWrite(), false);
    assert.equal(store.lease?.spec.holderIdentity, 'a');
    assert.equal(store.lease?.spec.leaseDurationSeconds, 15);
    assert.match(store.lease?.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime');
  });

  it('a leader that cannot renew stops writing at the renew deadline, before another may take over', async () => {
    const timers = new FakeTimers();
    const store = new MemoryLease();
    const a = candidate('a', store, timers);
    a.elector.start();
    await run(timers, 500);
    const renewed = timers.now();
    store.down = true;
    await run(timers, 9_000);
    assert.equal(a.elector.canWrite(), true, 'still within the renew deadline');
    await run(timers, 1_200);
    assert.equal(a.elector.canWrite(), false);
    assert.ok(timers.now() - renewed < TIMING.leaseDurationMs, 'stopped before the lease could expire');
    assert.match(a.log.at(-1) ?? '', /^stopped: could not renew the lease within 10s/);
  });

  it('a killed leader is replaced once its record has not changed for the lease duration', async () => {
    const timers = new FakeTimers();
    const store = new MemoryLease();
    // SIGKILL: the process's timers never fire again, and nothing is released.
    let killed = false;
    const aTimers = {
      now: () => timers.now(),
      setTimeout: (fn: () => void, ms: number) => timers.setTimeout(() => killed || fn(), ms),
      clearTimeout: (h: unknown) => timers.clearTimeout(h),
    };
    const a = candidate('a', store, aTimers as FakeTimers);
    const b = candidate('b', store, timers);
    a.elector.start();
    await run(timers, 100);
    b.elector.start();
    await run(timers, 4_000);
    killed = true;
    const lastRenewal = Date.parse(store.lease!.spec.renewTime!);
    await run(timers, 14_000);
    assert.equal(store.lease?.spec.holderIdentity, 'a', 'not before the lease duration has passed');
    await run(timers, 3_000);
    assert.equal(store.lease?.spec.holderIdentity, 'b');
    const takenAt = Date.parse(store.lease!.spec.acquireTime!);
    assert.ok(takenAt - lastRenewal >= 15_000 && takenAt - lastRenewal <= 15_000 + 2_000, `${takenAt - lastRenewal}ms`);
    assert.deepEqual(b.log, ['started']);
  });

  it('on shutdown the leader releases the Lease and the other candidate takes it at its next try', async () => {
    const timers = new FakeTimers();
    const store = new MemoryLease();
    const a = candidate('a', store, timers);
    const b = candidate('b', store, timers);
    a.elector.start();
    await run(timers, 100);
    b.elector.start();
    await run(timers, 3_000);
    const stopping = a.elector.stop();
    await run(timers, 100);
    await stopping;
    assert.equal(store.lease?.spec.holderIdentity, '');
    assert.equal(a.elector.canWrite(), false);
    await run(timers, 2_100);
    assert.equal(store.lease?.spec.holderIdentity, 'b');
    assert.equal(b.elector.canWrite(), true);
    assert.equal(store.lease?.spec.leaseTransitions, 1);
    assert.deepEqual(a.log, ['started', 'stopped: released the lease on shutdown']);
  });

  it('refuses timings client-go refuses, naming the flags', () => {
    assert.equal(checkLeaseTiming(TIMING), null);
    assert.match(
      checkLeaseTiming({ ...TIMING, renewDeadlineMs: 15_000 }) ?? '',
      /--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline/,
    );
    assert.match(
      checkLeaseTiming({ ...TIMING, retryPeriodMs: 9_000 }) ?? '',
      /--leader-elect-renew-deadline must be greater than 1.2 x --leader-elect-retry-period/,
    );
  });
});
