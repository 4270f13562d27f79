import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../plugin/cli.ts';
import { simulateCommand } from '../../plugin/commands/simulate/index.ts';
import { parseApproval, parseLongDuration } from '../../plugin/commands/simulate/args.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function run(args: string[], now: number) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, [simulateCommand({ now: () => now, examplesRoot: root })], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: Readable.from(['']),
    env: {},
  });
  return { code, stdout, stderr };
}

describe('simulate flags', () => {
  it('starts at the injected now, to the second, when --start is not given', async () => {
    const r = await run(['simulate', '-o', 'json'], Date.parse('2031-05-06T07:08:09.876Z'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).startedAt, '2031-05-06T07:08:09Z');
  });

  it('reads --approve in its three forms', () => {
    assert.deepEqual(parseApproval('prod'), { stage: 'prod', when: { kind: 'whenWaiting' }, source: 'prod' });
    assert.deepEqual(parseApproval('prod@1h30m').when, { kind: 'afterWaiting', ms: 5_400_000 });
    assert.deepEqual(parseApproval('prod@2025-01-01T10:00:00+01:00').when, {
      kind: 'at',
      at: Date.parse('2025-01-01T09:00:00Z'),
    });
    assert.throws(() => parseApproval('@10m'), /give the stage name/);
    assert.throws(() => parseApproval('prod@2025-13-01T00:00:00Z'), /expected an RFC 3339 time/);
  });

  it('simulates the longest delay lint accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'longest-'));
    const promotion = (await readFile(`${root}examples/kyverno/promotion.yaml`, 'utf8')).replace(
      /delay: \S+/,
      'delay: 2562047h47m16s',
    );
    assert.match(promotion, /delay: 2562047h47m16s/);
    await writeFile(join(dir, 'p.yaml'), promotion);
    const r = await run(
      ['simulate', '-f', join(dir, 'p.yaml'), '--fleet', `${root}examples/kyverno/fleet.yaml`, '-o', 'json'],
      Date.parse('2030-01-01T00:00:00Z'),
    );
    assert.equal(r.code, 3, r.stderr);
    assert.equal(JSON.parse(r.stdout).outcome, 'Stalled');
  });

  it('-o text shows escape sequences from the files instead of obeying them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'escapes-'));
    const fleet = (await readFile(`${root}examples/kyverno/fleet.yaml`, 'utf8'))
      .replace('failures: 1', 'failures: permanent')
      .replace(/failureMessage: ".*"/, 'failureMessage: "helm \\e[2J\\e]0;owned\\a failed\\r"');
    await writeFile(join(dir, 'fleet.yaml'), fleet);
    const r = await run(
      ['simulate', '-f', `${root}examples/kyverno/promotion.yaml`, '--fleet', join(dir, 'fleet.yaml'), '-o', 'text'],
      Date.parse('2030-01-01T00:00:00Z'),
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /helm \^\[\[2J\^\[\]0;owned\^G failed\\r/);
    assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('refuses the served rehearsal’s flags without --serve, instead of ignoring them', async () => {
    for (const [flag, args] of [
      ['--address', ['--address', '0.0.0.0']],
      ['--kubeconfig-out', ['--kubeconfig-out', '/tmp/x']],
      ['--force', ['--force']],
    ] as const) {
      const r = await run(['simulate', '-o', 'json', ...args], 0);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^error: ${flag} is for the served rehearsal: add --serve`));
    }
  });

  it('reads a horizon in days as well as Go durations', () => {
    assert.equal(parseLongDuration('30d', '--horizon'), 30 * 86_400_000);
    assert.equal(parseLongDuration('1d12h', '--horizon'), 36 * 3_600_000);
    assert.equal(parseLongDuration('90m', '--horizon'), 5_400_000);
    assert.throws(() => parseLongDuration('1w', '--horizon'), /--horizon 1w: unknown unit/);
  });

  it('asks which promotion to rehearse when the file holds several', async () => {
    const r = await run(
      [
        'simulate',
        '-f',
        `${root}examples/kyverno/promotion.yaml`,
        '-f',
        `${root}test/examples/second-promotion.yaml`,
        '--fleet',
        `${root}examples/kyverno/fleet.yaml`,
      ],
      0,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /holds 2 ClusterPromotions \(test-kyverno-rollout, other\): pick one with --promotion NAME/);
    const picked = await run(
      [
        'simulate',
        '-f',
        `${root}examples/kyverno/promotion.yaml`,
        '-f',
        `${root}test/examples/second-promotion.yaml`,
        '--fleet',
        `${root}examples/kyverno/fleet.yaml`,
        '--promotion',
        'other',
        '-o',
        'json',
      ],
      0,
    );
    assert.equal(JSON.parse(picked.stdout).promotion, 'other');
  });
});
