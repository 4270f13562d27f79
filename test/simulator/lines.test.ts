// `simulate` where nobody can press a key: a line per transition, then the summary; the same exit
// codes as the headless report.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../plugin/cli.ts';
import { simulateCommand } from '../../plugin/commands/simulate/index.ts';
import { runWithLines } from '../../plugin/commands/simulate/lines.ts';
import { loadPromotions } from '../../src/api/validate.ts';
import { ScaledClock } from '../../simulator/clock.ts';
import { Simulation } from '../../simulator/driver.ts';
import { loadFleet } from '../../simulator/fleet-file.ts';
import { files } from '../plugin/helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const START = '2025-01-01T00:00:00Z';
const kyvernoManual = [
  '-f',
  `${root}examples/kyverno/promotion-manual.yaml`,
  '--fleet',
  `${root}examples/kyverno/fleet.yaml`,
];

/** Runs `simulate` in-process; `tty` makes both standard output and input say they are terminals. */
async function simulate(args: string[], opts: { tty?: boolean; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(Readable.from(['']), opts.tty ? { isTTY: true } : {});
  const code = await runCli(
    ['simulate', '--start', START, ...args],
    [simulateCommand({ now: () => 0, examplesRoot: root })],
    {
      stdout: { write: (t: string) => (stdout += t), isTTY: opts.tty ?? false },
      stderr: { write: (t: string) => (stderr += t) },
      stdin,
      env: opts.env ?? {},
    },
  );
  return { code, stdout, stderr };
}

// The lines of a manual stage approved at 10m and a production cluster that fails once and recovers.
const KYVERNO_MANUAL_APPROVED = readFileSync(new URL('golden/kyverno-manual-approved.txt', import.meta.url), 'utf8');

describe('simulate without a terminal: a line per transition', () => {
  it('prints phase changes, failures and approvals as they happen, then the summary (exit 0 completed)', async () => {
    const r = await simulate([...kyvernoManual, '--approve', 'staging@10m']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, KYVERNO_MANUAL_APPROVED);
  });

  it('exits 3 when the rollout stops at a gate nobody approves', async () => {
    const r = await simulate(kyvernoManual);
    assert.equal(r.code, 3);
    assert.match(r.stdout, /^2025-01-01T00:01:00Z {2}\+1m0s {6}staging {5}AwaitingApproval {4}from Deploying$/m);
    assert.match(r.stdout, /^Promotion test-kyverno-rollout: AwaitingApproval$/m);
  });

  it('--no-tui gives the lines on a terminal too', async () => {
    const r = await simulate([...kyvernoManual, '--approve', 'staging@10m', '--no-tui'], { tty: true });
    assert.equal(r.stdout, KYVERNO_MANUAL_APPROVED);
  });

  it('CI gives the lines even on a terminal (Ink would draw only the last frame there)', async () => {
    const r = await simulate([...kyvernoManual, '--approve', 'staging@10m'], { tty: true, env: { CI: 'true' } });
    assert.equal(r.stdout, KYVERNO_MANUAL_APPROVED);
  });

  it('-o text is still the report with its full timeline', async () => {
    const r = await simulate([...kyvernoManual, '--approve', 'staging@10m', '-o', 'text']);
    assert.match(r.stdout, /^TIMELINE$/m);
    assert.doesNotMatch(r.stdout, /from Pending/);
  });

  it('with no -f rehearses the bundled example without a manual gate, which completes', async () => {
    const r = await simulate([]);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /simulating the bundled example .*examples\/kyverno\/promotion\.yaml/);
    assert.match(r.stdout, /^Promotion test-kyverno-rollout: Completed in 15m0s$/m);
  });

  it('folds a failure of many clusters at one moment into one line', async () => {
    const f = await files({
      'fleet.yaml': `apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
defaults: {deployTime: 1m}
clusters:
- name: staging-1
  labels: {env: staging}
- name: production-{i}
  count: 5
  labels: {env: production}
  failures: 1
  failureMessage: registry unreachable
`,
    });
    const r = await simulate(['-f', `${root}examples/kyverno/promotion.yaml`, '--fleet', f['fleet.yaml']!]);
    assert.equal(r.code, 0, r.stderr);
    const failed = r.stdout.split('\n').filter((l) => l.includes('DeployFailed'));
    assert.deepEqual(failed, [
      '2025-01-01T00:07:00Z  +7m0s      production  DeployFailed        5 clusters (default/production-1 ' +
        '... default/production-5): registry unreachable',
    ]);
  });

  it('rejects a --speed out of bounds in one line', async () => {
    const r = await simulate([...kyvernoManual, '--speed', '0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: --speed 0: expected a number from 1 to 1000000/);
  });
});

describe('simulate without a terminal, paced by --speed', () => {
  it('waits between transitions as long as the speed says, in real time', async () => {
    const { promotions } = await loadPromotions([`${root}examples/kyverno/promotion.yaml`], { stdin: process.stdin });
    const fleet = await loadFleet([`${root}examples/kyverno/fleet.yaml`], { stdin: process.stdin });
    const start = Date.parse(START);
    const sim = new Simulation({ promotion: promotions[0]!, fleet, start });
    let real = 0;
    const log: string[] = [];
    await runWithLines(
      sim,
      (t) =>
        log.push(
          ...t
            .trimEnd()
            .split('\n')
            .map((l) => l.slice(0, 60).trimEnd()),
        ),
      {
        clock: new ScaledClock({ start, speed: 60, realNow: () => real }),
        sleep: async (ms) => {
          log.push(`(${ms} ms)`);
          real += ms;
        },
      },
    );
    assert.deepEqual(log.slice(0, 13), [
      '2025-01-01T00:00:00Z  +0s        staging     Deploying',
      '(1000 ms)',
      '2025-01-01T00:01:00Z  +1m0s      staging     Soaking',
      '(5000 ms)',
      '2025-01-01T00:06:00Z  +6m0s      staging     Promoted',
      '2025-01-01T00:06:00Z  +6m0s      production  Deploying',
      '(2000 ms)',
      '2025-01-01T00:08:00Z  +8m0s      production  DeployFailed',
      '2025-01-01T00:08:00Z  +8m0s      production  StageFailing',
      '(2000 ms)',
      '2025-01-01T00:10:00Z  +10m0s     production  StageRecovered',
      '2025-01-01T00:10:00Z  +10m0s     production  Soaking',
      '(5000 ms)',
    ]);
    assert.equal(real, 15_000, '15 virtual minutes at 60 times real time');
  });
});
