import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../plugin/cli.ts';
import { simulateCommand } from '../../plugin/commands/simulate/index.ts';
import { parseApproval } from '../../plugin/commands/simulate/args.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FORECAST = ['-f', `${root}examples/forecast/promotion.yaml`, '--fleet', `${root}examples/forecast/fleet.yaml`];
const KYVERNO = ['-f', `${root}examples/kyverno/promotion.yaml`, '--fleet', `${root}examples/kyverno/fleet.yaml`];
// A Friday afternoon: the regional stage's Monday-to-Friday window costs some runs a weekend.
const FRIDAY = ['--start', '2025-06-06T15:00:00Z'];

async function run(args: string[], opts: { tty?: boolean; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    [simulateCommand({ now: () => Date.parse('2025-06-06T15:00:00Z'), examplesRoot: root, forecastThreads: 1 })],
    {
      stdout: { write: (t: string) => (stdout += t), isTTY: opts.tty ?? false, columns: 100 } as never,
      stderr: { write: (t: string) => (stderr += t) },
      stdin: Readable.from(['']),
      env: opts.env ?? {},
    },
  );
  return { code, stdout, stderr };
}

describe('simulate --runs', () => {
  it('prints the forecast as JSON in the documented shape, the same for the same seed', async () => {
    const args = ['simulate', ...FORECAST, ...FRIDAY, '--runs', '12', '--approve', 'production@~2h', '-o', 'json'];
    const a = await run([...args, '--deadline', '2025-06-09T09:00:00Z']);
    assert.equal(a.code, 0, a.stderr);
    const json = JSON.parse(a.stdout);
    assert.deepEqual(Object.keys(json), [
      'promotion',
      'runs',
      'seed',
      'startedAt',
      'outcomes',
      'completion',
      'deadline',
      'stages',
    ]);
    assert.equal(json.runs, 12);
    assert.equal(json.seed, 1);
    assert.equal(json.startedAt, '2025-06-06T15:00:00Z');
    assert.deepEqual(Object.keys(json.outcomes), ['Completed', 'Failed', 'AwaitingApproval', 'Stalled']);
    assert.deepEqual(Object.keys(json.completion), ['p10', 'p50', 'p90', 'mean']);
    assert.equal(json.deadline.at, '2025-06-09T09:00:00Z');
    assert.deepEqual(
      json.stages.map((s: { name: string }) => s.name),
      ['canary', 'regional', 'production'],
    );
    for (const s of json.stages) {
      assert.deepEqual(Object.keys(s), ['name', 'deployStarted', 'deployed', 'promoted', 'waiting']);
      assert.deepEqual(Object.keys(s.waiting), ['deploy', 'soak', 'checks', 'window', 'approval']);
    }
    // The window closes at 17:00 on Friday: some runs wait the weekend, and the chance shows it.
    assert.ok(json.stages[1].waiting.window > 0);
    assert.ok(json.deadline.probability > 0 && json.deadline.probability < 1, String(json.deadline.probability));
    assert.ok(json.completion.p10 <= json.completion.p50 && json.completion.p50 <= json.completion.p90);
    const again = await run([...args, '--deadline', '2025-06-09T09:00:00Z']);
    assert.equal(again.stdout, a.stdout);
    const other = await run([...args, '--deadline', '2025-06-09T09:00:00Z', '--seed', '2']);
    assert.notEqual(other.stdout, a.stdout);
  });

  it('takes the deadline as a duration after the start too', async () => {
    const r = await run([
      'simulate',
      ...KYVERNO,
      '--start',
      '2025-06-06T15:00:00Z',
      '--runs',
      '2',
      '-o',
      'json',
      '--deadline',
      '14m',
    ]);
    assert.equal(r.code, 0, r.stderr);
    // The kyverno example takes 15 minutes exactly: none makes 14.
    assert.deepEqual(JSON.parse(r.stdout).deadline, { at: '2025-06-06T15:14:00Z', probability: 0 });
  });

  it('prints a table and a Gantt chart, plain ASCII without colour where the terminal allows neither', async () => {
    const r = await run(['simulate', ...KYVERNO, '--runs', '5', '--deadline', '14m']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Forecast of test-kyverno-rollout: 5 runs, seed 1, from 2025-06-06T15:00:00Z$/m);
    assert.match(r.stdout, /^ {2}completion {2}P10 \+15m, P50 \+15m, P90 \+15m, mean \+15m$/m);
    assert.match(
      r.stdout,
      /^STAGE +REACHED +STARTS P50 +PROMOTED P10 +P50 +P90 +DEPLOY +SOAK +CHECKS +WINDOW +APPROVAL$/m,
    );
    assert.match(r.stdout, /^staging +100% +\+0s +\+6m +\+6m +\+6m +1m +5m +- +- +-$/m);
    assert.match(r.stdout, /^staging {5}=+\|/m, 'the bar and its median, in ASCII');
    assert.match(r.stdout, /!/, 'the deadline line');
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour off a terminal');
    assert.doesNotMatch(r.stdout, /[^\x00-\x7f]/, 'ASCII only without a UTF-8 locale');
  });

  it('colours the chart on a terminal that allows it, in Unicode where the locale is UTF-8', async () => {
    const r = await run(['simulate', ...KYVERNO, '--runs', '3'], { tty: true, env: { LANG: 'en_US.UTF-8' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\x1b\[36m█+\x1b\[0m/);
    const plain = await run(['simulate', ...KYVERNO, '--runs', '3', '--no-color'], {
      tty: true,
      env: { LANG: 'C.UTF-8' },
    });
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    assert.match(plain.stdout, /█/);
    const noColor = await run(['simulate', ...KYVERNO, '--runs', '3'], {
      tty: true,
      env: { NO_COLOR: '1', LANG: 'C.UTF-8' },
    });
    assert.doesNotMatch(noColor.stdout, /\x1b\[/);
  });

  it('writes a self-contained HTML report to --output-file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forecast-'));
    try {
      const file = join(dir, 'report.html');
      const r = await run(
        ['simulate', ...FORECAST, ...FRIDAY, '--runs', '6', '-o', 'html', '--output-file', file, '--deadline', '3d'],
        { tty: true },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /forecast of 6 runs written to .*report\.html/);
      const html = readFileSync(file, 'utf8');
      assert.match(html, /^<!DOCTYPE html>/);
      assert.match(html, /<svg /);
      assert.match(html, /class="deadline"/);
      assert.doesNotMatch(html, /<script|<link|\bsrc=|url\(/i, 'nothing to fetch, nothing to run');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad input with one line each', async () => {
    const cases: [string[], RegExp, { tty?: boolean }?][] = [
      [
        ['--runs', '0'],
        /^error: --runs 0: expected a whole number from 2 to 1000000 \(without --runs, simulate rehearses once\)\n$/,
      ],
      [['--runs', 'many'], /^error: --runs many: expected a whole number/],
      [
        ['--runs', '5', '-o', 'html'],
        /^error: -o html writes a page for a browser: give --output-file report\.html/,
        { tty: true },
      ],
      [['--deadline', '2025-06-09T09:00:00Z'], /^error: --deadline is for a forecast: add --runs N/],
      [['--runs', '5', '--deadline', 'monday'], /^error: --deadline monday: expected an RFC 3339 time/],
      [
        ['--runs', '5', '--approve', 'staging@~soon'],
        /^error: --approve staging@~soon: after @~ give the approver's mean wait/,
      ],
    ];
    for (const [args, message, opts] of cases) {
      const r = await run(['simulate', ...KYVERNO, ...args], opts);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    }
  });

  it('reads --approve STAGE@~DURATION as an approver with that mean wait', () => {
    assert.deepEqual(parseApproval('production@~1h').when, { kind: 'afterRandomWait', meanMs: 3_600_000 });
    assert.throws(() => parseApproval('production@~0s'), /mean wait, longer than 0s/);
  });

  it('rehearses once without --runs, drawing from the distributions with --seed', async () => {
    const args = ['simulate', ...FORECAST, ...FRIDAY, '--approve', 'production@~2h', '-o', 'json'];
    const a = JSON.parse((await run(args)).stdout);
    const b = JSON.parse((await run(args)).stdout);
    const c = JSON.parse((await run([...args, '--seed', '2'])).stdout);
    assert.equal(a.completedAt, b.completedAt);
    assert.notEqual(a.completedAt, c.completedAt);
  });
});
