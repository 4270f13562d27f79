// The interactive rehearsal, keys and all: the view drawn by ink-testing-library over a real
// Simulation of the kyverno examples, the compressed clock driven by fake timers (no sleeping).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { render } from 'ink-testing-library';
import { loadPromotions } from '../../src/api/validate.ts';
import { Simulation } from '../../simulator/driver.ts';
import { loadFleet } from '../../simulator/fleet-file.ts';
import { RehearsalApp } from '../../plugin/commands/simulate/interactive.tsx';
import { Rehearsal, SPEED_MAX, SPEED_MIN, TICK_MS, nextSpeed } from '../../plugin/commands/simulate/rehearsal.ts';
import { fleetDeployTime, forecastLive } from '../../simulator/forecast/live.ts';
import { FakeTimers } from '../kube/fake-timers.ts';
import { KEY } from '../view/render.tsx';

const root = fileURLToPath(new URL('../../', import.meta.url));
const T0 = Date.parse('2025-01-01T00:00:00Z');
const min = (n: number) => T0 + n * 60_000;

async function kyverno(variant: 'promotion' | 'promotion-manual', horizonMs?: number) {
  const { promotions } = await loadPromotions([`${root}examples/kyverno/${variant}.yaml`], { stdin: process.stdin });
  const fleet = await loadFleet([`${root}examples/kyverno/fleet.yaml`], { stdin: process.stdin });
  const sim = new Simulation({ promotion: promotions[0]!, fleet, start: T0, ...(horizonMs ? { horizonMs } : {}) });
  return { sim, fleet };
}

/**
 * A rehearsal (speed 60 unless told) on fake timers, drawn 100x24 without colour; with `forecast`,
 * `e` forecasts as simulate wires it, on this thread and with fewer runs.
 */
async function rehearse(
  variant: 'promotion' | 'promotion-manual',
  opts: { horizonMs?: number; speed?: number; forecast?: boolean } = {},
) {
  const timers = new FakeTimers(0);
  const { sim, fleet } = await kyverno(variant, opts.horizonMs);
  const deployTime = fleetDeployTime(fleet.clusters);
  // Forecasts are held until the test lets them end, so that it sees the frames meanwhile.
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const rehearsal = new Rehearsal({
    sim,
    speed: opts.speed ?? 60,
    timer: timers,
    size: { rows: 24, columns: 100 },
    ...(opts.forecast
      ? {
          forecast: async (at: Simulation, now: number) => {
            const eta = forecastLive(at.promotion(), at.world, now, {
              runs: 20,
              seed: 1,
              threads: 1,
              ...(deployTime ? { deployTime } : {}),
            });
            await released;
            return eta;
          },
        }
      : {}),
  });
  const ink = render(<RehearsalApp rehearsal={rehearsal} color={false} unicode={true} />);
  // Ink and React take a turn of the event loop to handle a key or a new frame.
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const settle = async () => {
    await rehearsal.idle();
    await turn();
  };
  rehearsal.start();
  await settle();
  return {
    sim,
    rehearsal,
    releaseForecasts: () => release(),
    frame: () => ink.lastFrame() ?? '',
    /** Moves real time on by `ms`, a tick's worth at a time, letting each simulation step finish. */
    async wait(ms: number) {
      for (let left = ms; left > 0; left -= TICK_MS) {
        timers.advance(Math.min(TICK_MS, left));
        await settle();
      }
    },
    /** Moves real time on by `ms` in one go, as when the machine was too busy to tick. */
    async jump(ms: number) {
      timers.advance(ms);
      await settle();
    },
    async press(...keys: string[]) {
      for (const k of keys) {
        ink.stdin.write(k);
        await turn();
        await settle();
      }
    },
    unmount() {
      rehearsal.stop();
      ink.unmount();
    },
  };
}

const eventsOf = (sim: Simulation, type: string) => sim.events().filter((e) => e.type === type);

describe('the interactive rehearsal: the clock', () => {
  it('runs virtual time at --speed times real time: 60 turns a real second into a virtual minute', async () => {
    const r = await rehearse('promotion');
    assert.match(r.frame(), /simulated {2}2025-01-01 00:00:00Z {2}· {2}speed ×60/);
    await r.wait(9_000);
    assert.equal(r.sim.nowMs(), min(9));
    assert.match(r.frame(), /simulated {2}2025-01-01 00:09:00Z/);
    assert.match(r.frame(), /production\s+Deploying/, 'staging: 1m to deploy, 5m soak; production from 00:06');
    r.unmount();
  });

  it('ends where a headless run ends, at the moment it completed, and stays until q', async () => {
    const r = await rehearse('promotion');
    await r.wait(20_000);
    assert.equal(r.rehearsal.result?.outcome, 'Completed');
    assert.equal(r.rehearsal.result?.endedAt, min(15), 'not at the tick after');
    assert.match(r.frame(), /rollout ended, q to quit/);
    assert.match(r.frame(), /Completed: promotion completed after 15m0s/);
    await r.press('q');
    assert.equal(await r.rehearsal.quitted, 'quit');
    assert.equal((await r.rehearsal.close()).outcome, 'Completed');
    r.unmount();
  });

  it('ends at the moment it completed even when a tick comes late (the machine was busy)', async () => {
    const r = await rehearse('promotion');
    await r.wait(100);
    await r.jump(25_000);
    assert.equal(r.rehearsal.result?.outcome, 'Completed');
    assert.equal(r.rehearsal.result?.endedAt, min(15));
    assert.equal(r.sim.nowMs(), min(15));
    r.unmount();
  });

  it('space pauses virtual time and resumes it where it stood', async () => {
    const r = await rehearse('promotion');
    await r.wait(2_000);
    await r.press(' ');
    assert.match(r.frame(), /PAUSED/);
    await r.wait(10_000);
    assert.equal(r.sim.nowMs(), min(2), 'no virtual time passes while paused');
    await r.press(' ');
    assert.doesNotMatch(r.frame(), /PAUSED/);
    await r.wait(1_000);
    assert.equal(r.sim.nowMs(), min(3));
    r.unmount();
  });

  it('+ doubles and - halves the speed, and virtual time follows', async () => {
    const r = await rehearse('promotion');
    await r.press('+');
    assert.match(r.frame(), /speed ×120/);
    await r.wait(1_000);
    assert.equal(r.sim.nowMs(), min(2));
    await r.press('-', '-');
    assert.match(r.frame(), /speed ×30/);
    await r.wait(2_000);
    assert.equal(r.sim.nowMs(), min(3));
    r.unmount();
  });

  it('keeps the speed between 1 and a million times real time', () => {
    assert.equal(nextSpeed(60, 1), 120);
    assert.equal(nextSpeed(60, -1), 30);
    assert.equal(nextSpeed(1.5, -1), SPEED_MIN);
    assert.equal(nextSpeed(SPEED_MAX, 1), SPEED_MAX);
  });
});

describe('the interactive rehearsal: approving a manual gate', () => {
  it('a asks, y approves at that virtual moment, and the rollout goes on to complete', async () => {
    const r = await rehearse('promotion-manual');
    await r.wait(2_000);
    assert.match(r.frame(), /staging\s+AwaitingApproval .* waiting for approval for 1m \(a to approve\)/);
    await r.press('a');
    assert.match(r.frame(), /Approve stage staging\? \(y\/n\)/);
    assert.deepEqual(eventsOf(r.sim, 'Approved'), [], 'nothing before the answer');
    await r.press('y');
    assert.deepEqual(
      eventsOf(r.sim, 'Approved').map((e) => e.at),
      [min(2)],
    );
    await r.wait(10_000);
    const result = r.rehearsal.result;
    assert.equal(result?.outcome, 'Completed');
    assert.equal(result?.completedAt, min(11), 'production: 4m to deploy (one retry), 5m soak');
    r.unmount();
  });

  it('n cancels; the stage keeps waiting with the clock running, so the wait shows how long', async () => {
    const r = await rehearse('promotion-manual');
    await r.wait(2_000);
    await r.press('a', 'n');
    assert.match(r.frame(), /approval cancelled/);
    await r.wait(60_000);
    assert.deepEqual(eventsOf(r.sim, 'Approved'), []);
    assert.equal(r.rehearsal.result, null, 'waiting for a person is no end while a person is there');
    assert.match(r.frame(), /waiting for approval for 1h1m/, 'since 00:01, and it is 01:02');
    r.unmount();
  });

  it('waiting for approval ends only at the horizon', async () => {
    const r = await rehearse('promotion-manual', { horizonMs: 10 * 60_000 });
    await r.wait(20_000);
    assert.equal(r.rehearsal.result?.outcome, 'AwaitingApproval');
    assert.equal(r.rehearsal.result?.endedAt, min(10));
    assert.match(r.frame(), /rollout ended, q to quit/);
    r.unmount();
  });

  it('q before the end stops the rehearsal there, and the result says so', async () => {
    const r = await rehearse('promotion-manual');
    await r.wait(3_000);
    await r.press('q');
    assert.equal(await r.rehearsal.quitted, 'quit');
    const result = await r.rehearsal.close();
    assert.equal(result.outcome, 'AwaitingApproval');
    assert.equal(result.endedAt, min(3));
    assert.equal(result.reason, 'stopped by the user while stage staging waits for manual approval');
    r.unmount();
  });

  it('q in the middle of a soak ends it Stalled (exit 3), stopped by the user', async () => {
    const r = await rehearse('promotion');
    await r.wait(3_000);
    await r.press('q');
    const result = await r.rehearsal.close();
    assert.equal(result.outcome, 'Stalled');
    assert.match(
      result.reason,
      /^stopped by the user at 2025-01-01T00:03:00Z while stage staging is Soaking \(Delayed: /,
    );
    r.unmount();
  });

  it('Ctrl-C quits as an interruption', async () => {
    const r = await rehearse('promotion-manual');
    await r.press(KEY.ctrlC);
    assert.equal(await r.rehearsal.quitted, 'interrupt');
    r.unmount();
  });
});

describe('the interactive rehearsal: failing a cluster', () => {
  it("f makes the cursor cluster's attempt in flight fail; Sveltos retries it", async () => {
    const r = await rehearse('promotion');
    await r.press('j', 'k', 'f');
    assert.match(r.frame(), /the next deploy attempt on default\/staging-1 will fail/);
    await r.wait(3_000);
    assert.deepEqual(
      eventsOf(r.sim, 'DeployFailed').map((e) => [e.cluster, e.at]),
      [['default/staging-1', min(1)]],
    );
    assert.deepEqual(
      eventsOf(r.sim, 'StageDeployed').map((e) => [e.stage, e.at]),
      [['staging', min(2)]],
      'one more minute for the retry',
    );
    r.unmount();
  });

  it('f after the end explains instead of acting', async () => {
    const r = await rehearse('promotion');
    await r.wait(20_000);
    await r.press('f');
    assert.match(r.frame(), /the rehearsal has ended; no attempt is left to fail/);
    r.unmount();
  });
});

describe('the interactive rehearsal: the forecast (e)', () => {
  it('e shows when the stage and the rollout are done, from where the rehearsal stands, and hides it', async () => {
    const r = await rehearse('promotion', { forecast: true });
    // At 100 columns the key line has no room for it (the least used key); the help lists it.
    await r.press('?');
    assert.match(r.frame(), /show or hide the forecast: median and P90/);
    await r.press('?');
    await r.wait(2_000);
    await r.press(' ');
    await r.press('e');
    assert.match(r.frame(), /^forecast: computing…$/m);
    // Worker threads in the command; here the runs end on this thread when the test lets them.
    r.releaseForecasts();
    await r.wait(100);
    // staging deployed at 00:01 and soaks 5m: 00:06; production deploys in 2m (the fleet file's, as
    // the rehearsal has shown fewer than five deploys) and soaks 5m: 00:13.
    assert.match(
      r.frame(),
      /^forecast \(20 runs\): staging ~00:06Z in 4m, P90 00:06Z · done ~00:13Z in 11m, P90 00:13Z$/m,
    );
    assert.ok(r.frame().split('\n').length <= 24, 'the line takes a row from the view, not one more');
    await r.press('e');
    assert.doesNotMatch(r.frame(), /forecast/);
    r.unmount();
  });

  it('without a forecast to run, e is not offered', async () => {
    const r = await rehearse('promotion');
    await r.press('?');
    assert.doesNotMatch(r.frame(), /forecast/);
    r.unmount();
  });
});

describe('the interactive rehearsal: drawing', () => {
  it('draws a frame a virtual second while the clock runs, and none while nothing changes', async () => {
    const r = await rehearse('promotion', { speed: 1 });
    let frames = 0;
    const off = r.rehearsal.subscribe(() => frames++);
    await r.wait(3_000);
    assert.equal(frames, 3, 'the clock is shown to the second');
    await r.press(' ');
    frames = 0;
    await r.wait(5_000);
    assert.equal(frames, 0, 'paused: the same frame is not drawn again');
    off();
    r.unmount();
  });

  it('never draws taller than it was given, and follows a resize', async () => {
    const r = await rehearse('promotion');
    r.rehearsal.resize({ rows: 5, columns: 60 });
    await r.wait(100);
    const lines = r.frame().split('\n');
    assert.ok(lines.length <= 5, r.frame());
    assert.ok(
      lines.every((l) => l.length <= 60),
      r.frame(),
    );
    r.unmount();
  });
});
