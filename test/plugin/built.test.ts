// The bundled command, run as users run it: a separate process, real streams, real exit codes.
// `npm test` builds dist/ first; when it is missing (a lone run of this file), it is built here.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BAD, GOOD, files } from './helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}dist/kubectl-promotion.mjs`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** One `error: ...` line and nothing that looks like a stack trace. */
function assertCleanError(r: Result, pattern: RegExp) {
  assert.equal(r.code, 1, JSON.stringify(r));
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |node:internal|\.ts:\d+/);
}

describe('the built kubectl-promotion', () => {
  before(async () => {
    if (!existsSync(bin)) await promisify(execFile)(process.execPath, [`${root}build/build.mjs`], { cwd: root });
  });

  it('names a missing file in one line and exits 1', async () => {
    assertCleanError(
      await cli(['lint', '-f', 'no-such-promo.yaml']),
      /^error: cannot read no-such-promo\.yaml: no such file\n$/,
    );
  });

  it('reports bad YAML at its line, with no stack trace, and exits 1', async () => {
    const f = await files({ 'broken.yaml': 'kind: ClusterPromotion\nmetadata: {name: x\n' });
    const r = await cli(['lint', '-f', f['broken.yaml']!]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    const [first, summary] = r.stdout.trimEnd().split('\n');
    assert.match(first!, new RegExp(`^${f['broken.yaml']!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: \\S`));
    assert.equal(summary, '1 error (1 file checked)');
    assert.doesNotMatch(r.stdout, /\n\s+at /);
  });

  it('rejects an unknown flag in one line', async () => {
    assertCleanError(
      await cli(['lint', '-f', 'x.yaml', '--bogus']),
      /^error: unknown flag: --bogus \(see kubectl promotion lint --help\)\n$/,
    );
  });

  it('rejects an unknown command in one line', async () => {
    assertCleanError(await cli(['promote']), /^error: unknown command "promote" for "kubectl promotion"/);
  });

  it('lints: exit 1 and the JSON findings for errors, exit 0 for a clean file', async () => {
    const f = await files({ 'bad.yaml': BAD, 'good.yaml': GOOD });
    const bad = await cli(['lint', '-f', f['bad.yaml']!, '-o', 'json']);
    assert.equal(bad.code, 1);
    const doc = JSON.parse(bad.stdout) as { findings: { path: string; line: number; column: number }[] };
    assert.deepEqual(doc.findings[0] && [doc.findings[0].path, doc.findings[0].line, doc.findings[0].column], [
      'spec.stages[1].trigger',
      15,
      5,
    ]);
    const good = await cli(['lint', '-f', f['good.yaml']!]);
    assert.deepEqual([good.code, good.stdout, good.stderr], [0, 'no problems (1 file checked)\n', '']);
  });

  it('prints its version as JSON, with the commit it was built from when known', async () => {
    const r = await cli(['version', '-o', 'json']);
    assert.equal(r.code, 0);
    const v = JSON.parse(r.stdout) as { version: string; commit: string | null; node: string };
    assert.match(v.version, /^\d+\.\d+\.\d+/);
    assert.ok(v.commit === null || /^[0-9a-f]{7,40}$/.test(v.commit), String(v.commit));
    assert.equal(v.node, process.version);
  });
});
