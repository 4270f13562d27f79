// `simulate --events FILE`: a RolloutTest's events played as a rehearsal people watch, headless
// here (the terminal view and the lines share the simulation and its scheduled events).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../plugin/cli.ts';
import { simulateCommand } from '../../plugin/commands/simulate/index.ts';
import type { SimulationReportJson } from '../../simulator/report.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const KYVERNO_TESTS = `${root}examples/kyverno/rollout-test.yaml`;

async function simulate(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['simulate', ...args], [simulateCommand({ now: () => 0, examplesRoot: root })], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: Readable.from(['']),
    env: {},
  });
  return { code, stdout, stderr };
}

describe('simulate --events', () => {
  it("plays the test's events on its promotion, fleet and start", async () => {
    const r = await simulate([
      '--events',
      `${KYVERNO_TESTS}#editing-the-chart-mid-rollout-restarts-from-staging`,
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as SimulationReportJson;
    assert.equal(report.startedAt, '2026-12-07T10:00:00Z');
    assert.equal(report.completedAt, '2026-12-07T10:20:00Z', 'the edit at 7m restarted the pipeline');
    const scripted = report.events.filter((e) => e.type === 'Scripted');
    assert.deepEqual(
      scripted.map((e) => [e.at, e.message.replace(root, '')]),
      [
        [
          '2026-12-07T10:07:00Z',
          'the promotion is edited (merge patch of spec.profileSpec) (examples/kyverno/rollout-test.yaml:26:3)',
        ],
      ],
    );
  });

  it('prints each event as a line among the transitions', async () => {
    const r = await simulate([
      '--events',
      `${KYVERNO_TESTS}#losing-the-controller-mid-soak-changes-nothing`,
      '--no-tui',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^2026-12-07T10:03:00Z {2}\+3m0s {6}- {11}Scripted {12}the controller restarts/m);
  });

  it('takes --start and --fleet over the test', async () => {
    const r = await simulate([
      '--events',
      `${root}examples/core-payment-processor/rollout-test.yaml#production-starts-when-approved`,
      '--fleet',
      `${root}examples/core-payment-processor/fleet.yaml`,
      '--start',
      '2026-12-07T10:30:00Z',
      '-o',
      'json',
    ]);
    const report = JSON.parse(r.stdout) as SimulationReportJson;
    assert.equal(report.startedAt, '2026-12-07T10:30:00Z');
    assert.equal(report.outcome, 'Completed');
    const approved = report.events.find((e) => e.type === 'Approved' && e.at === '2026-12-07T12:00:00Z');
    assert.ok(approved, 'the approval written for 11:30 moved with the start, to 12:00');
  });

  it('asks which test when the file holds several, and names them', async () => {
    const r = await simulate(['--events', KYVERNO_TESTS]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /holds 3 RolloutTests \(production-starts-5m-after-staging-is-deployed, .*\): pick one with --events .*#NAME/,
    );
    const missing = await simulate(['--events', `${KYVERNO_TESTS}#nope`]);
    assert.match(missing.stderr, /has no RolloutTest named "nope"/);
  });
});
