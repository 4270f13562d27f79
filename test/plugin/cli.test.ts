import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pkg from '../../package.json' with { type: 'json' };
import { BAD, FLEET, GOOD, files, run } from './helpers.ts';
import { joinStdinValues } from '../../plugin/cli.ts';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, ExitError, reportError } from '../../plugin/errors.ts';
import { UserError } from '../../src/user-error.ts';

const ESC = '\u001b[';

const BUNDLED = {
  name: 'clusterpromotions.config.projectsveltos.io',
  version: 'v1beta1',
  from: 'bundled',
  source: 'projectsveltos/addon-controller after v1.14.0 (60c63580)',
};
const V1_13_CRD = new URL('../fixtures/crds/clusterpromotions-v1.13.0.yaml', import.meta.url).pathname;
const JOB_CHECK = GOOD.replace(
  '      auto: {delay: 5m}\n',
  '      auto:\n        delay: 5m\n        postDelayHealthChecks:\n        - name: smoke\n          featureID: Resources\n' +
    '          jobCheck: {jobRef: {kind: ConfigMap, namespace: default, name: smoke}}\n',
);

describe('lint --crd', () => {
  it('checks against another CRD version and names it: a Job check is new since v1.13.0', async () => {
    const f = await files({ 'promo.yaml': JOB_CHECK });
    assert.ok(JOB_CHECK.includes('jobCheck'));
    assert.equal((await run(['lint', '-f', f['promo.yaml']!])).code, EXIT_OK);
    const r = await run(['lint', '-f', f['promo.yaml']!, '--crd', V1_13_CRD, '-o', 'json']);
    assert.equal(r.code, EXIT_BAD_INPUT, r.stderr);
    const doc = JSON.parse(r.stdout) as { crd: Record<string, unknown>; findings: { path: string; message: string }[] };
    assert.deepEqual(doc.crd, { ...BUNDLED, from: 'file', source: V1_13_CRD });
    assert.deepEqual(
      doc.findings.map((x) => [x.path, x.message]),
      [
        [
          'spec.stages[0].trigger.auto.postDelayHealthChecks[0].jobCheck',
          'unknown field "spec.stages[0].trigger.auto.postDelayHealthChecks[0].jobCheck"',
        ],
      ],
    );
    const text = await run(['lint', '-f', f['promo.yaml']!, '--crd', V1_13_CRD]);
    assert.match(
      text.stdout,
      new RegExp(
        `1 error \\(1 file checked against clusterpromotions\\.config\\.projectsveltos\\.io v1beta1 from ${V1_13_CRD}\\)`,
      ),
    );
  });

  it('says in one line that a file is not a CRD, or the CRD of another kind', async () => {
    const f = await files({ 'promo.yaml': GOOD, 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    const notCrd = await run(['lint', '-f', f['promo.yaml']!, '--crd', f['cm.yaml']!]);
    assert.deepEqual([notCrd.code, notCrd.stdout], [EXIT_BAD_INPUT, '']);
    assert.equal(notCrd.stderr, `error: ${f['cm.yaml']} is a ConfigMap, not a CustomResourceDefinition\n`);
    const missing = await run(['lint', '-f', f['promo.yaml']!, '--crd', 'no-such-crd.yaml']);
    assert.equal(missing.stderr, 'error: --crd no-such-crd.yaml: no such file\n');
  });

  it('refuses --crd together with a connection flag', async () => {
    const r = await run(['lint', '-f', 'x.yaml', '--crd', 'c.yaml', '--context', 'prod']);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(r.stderr, /--crd and the connection flags .* both name a CRD/);
  });
});

describe('lint -o json', () => {
  it('prints {"crd":...,"findings":[...]} with 1-based lines and columns, and exits 1 on errors', async () => {
    const f = await files({ 'promo.yaml': BAD });
    const r = await run(['lint', '-f', f['promo.yaml']!, '-o', 'json']);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.equal(r.stderr, '');
    const doc = JSON.parse(r.stdout) as { crd: Record<string, unknown>; findings: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(doc), ['crd', 'findings']);
    assert.deepEqual(doc.crd, BUNDLED);
    assert.deepEqual(doc.findings, [
      {
        severity: 'error',
        file: f['promo.yaml'],
        path: 'spec.stages[1].trigger',
        line: 15,
        column: 5,
        message: "A trigger must have either a 'manual' or 'auto' field, but not both.",
      },
      {
        severity: 'error',
        file: f['promo.yaml'],
        path: 'spec.stages[1].trigger.auto.delay',
        line: 16,
        column: 21,
        message: 'invalid duration "5 min": unknown unit in "5 min" (use ns, us, ms, s, m or h, e.g. 90s, 5m, 1h30m)',
      },
    ]);
  });

  it('prints an empty list and exits 0 for a clean file', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    const r = await run(['lint', '-f', f['promo.yaml']!, '-o', 'json']);
    assert.deepEqual([r.code, JSON.parse(r.stdout)], [EXIT_OK, { crd: BUNDLED, findings: [] }]);
  });
});

describe('lint text output', () => {
  it('prints one file:line:col path: message line per finding, then a summary', async () => {
    const f = await files({ 'promo.yaml': BAD });
    const r = await run(['lint', '-f', f['promo.yaml']!]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(
      lines[0],
      `${f['promo.yaml']}:15:5 spec.stages[1].trigger: A trigger must have either a 'manual' or 'auto' field, but not both.`,
    );
    assert.match(lines[1]!, /:16:21 spec\.stages\[1\]\.trigger\.auto\.delay: invalid duration/);
    assert.equal(lines[2], '2 errors (1 file checked)');
    assert.equal(lines.length, 3);
  });

  it('says so when there is nothing to report', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    assert.deepEqual(await run(['lint', '-f', f['promo.yaml']!]), {
      code: 0,
      stdout: 'no problems (1 file checked)\n',
      stderr: '',
    });
  });

  it('reads -f - from standard input', async () => {
    const r = await run(['lint', '-f', '-', '-o', 'json'], { stdin: BAD });
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.equal((JSON.parse(r.stdout) as { findings: { file: string }[] }).findings[0]!.file, '<stdin>');
  });

  it('reports YAML syntax errors as findings at their line', async () => {
    const f = await files({ 'bad.yaml': 'kind: ClusterPromotion\nspec: [1,\n' });
    const r = await run(['lint', '-f', f['bad.yaml']!, '-o', 'json']);
    assert.equal(r.code, EXIT_BAD_INPUT);
    const [first] = (JSON.parse(r.stdout) as { findings: { line: number; path: string; severity: string }[] }).findings;
    assert.equal(first?.severity, 'error');
    assert.equal(first?.path, '');
    assert.ok(first!.line >= 2);
  });
});

describe('lint --fleet', () => {
  it('adds warnings about coverage and still exits 0 without errors', async () => {
    const f = await files({ 'promo.yaml': GOOD.replace('{env: production}', '{env: nowhere}'), 'fleet.yaml': FLEET });
    const r = await run(['lint', '-f', f['promo.yaml']!, '--fleet', f['fleet.yaml']!, '-o', 'json']);
    assert.equal(r.code, EXIT_OK);
    const found = (JSON.parse(r.stdout) as { findings: { severity: string; path: string; message: string }[] })
      .findings;
    assert.ok(found.every((x) => x.severity === 'warning'));
    assert.deepEqual(
      found.map((x) => x.path),
      ['spec.stages', 'spec.stages[1].clusterSelector'],
    );
    assert.match(found[0]!.message, /no stage reaches 4 clusters/);
    assert.match(found[1]!.message, /stage "production" matches no ready cluster/);
  });

  it('marks warnings in the text output', async () => {
    const f = await files({ 'promo.yaml': GOOD, 'fleet.yaml': FLEET });
    const r = await run(['lint', '-f', f['promo.yaml']!, '--fleet', f['fleet.yaml']!]);
    assert.match(
      r.stdout,
      /:8:3 spec\.stages: warning: no stage reaches 1 cluster of .*fleet\.yaml: default\/forgotten\n1 warning, no errors/,
    );
  });

  it('rejects a bad fleet file in one line', async () => {
    const f = await files({ 'promo.yaml': GOOD, 'fleet.yaml': 'kind: Fleet\nclusters: [{name: a, bogus: 1}]\n' });
    const r = await run(['lint', '-f', f['promo.yaml']!, '--fleet', f['fleet.yaml']!]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(r.stderr, /^error: .*fleet\.yaml:\d+:\d+ /);
    assert.equal(r.stderr.split('\n').length, 2);
  });
});

describe('command-line mistakes: one line on stderr, exit 1', () => {
  const oneLine = (r: { code: number; stderr: string; stdout: string }, pattern: RegExp) => {
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  };
  it('a missing file is named', async () => {
    oneLine(await run(['lint', '-f', 'no-such.yaml']), /^error: cannot read no-such\.yaml: no such file\n$/);
  });
  it('an unknown command', async () => oneLine(await run(['deploy']), /^error: Unknown argument: deploy/));
  it('a misspelt command gets a suggestion', async () =>
    oneLine(await run(['lnt']), /unknown command "lnt"\. Did you mean lint\?/));
  it('an unknown flag', async () =>
    oneLine(await run(['lint', '-f', 'x.yaml', '--frobnicate']), /Unknown argument: frobnicate/));
  it('a bad output format', async () =>
    oneLine(await run(['version', '-o', 'yaml']), /Invalid values: Argument: output, Given: "yaml"/));
  it('lint without files', async () => oneLine(await run(['lint']), /give the files to check with -f FILE/));
  it('-f without a value', async () => oneLine(await run(['lint', '-f']), /give the files to check with -f FILE/));
  it('no command', async () => oneLine(await run([]), /give a command \(lint, version\)/));
});

describe('help', () => {
  it('lists the commands on stdout and exits 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, EXIT_OK);
    assert.match(r.stdout, /kubectl promotion lint/);
    assert.match(r.stdout, /kubectl promotion version/);
  });
});

describe('version', () => {
  it('prints the package version, the commit (unknown from source) and Node.js', async () => {
    const r = await run(['version']);
    assert.equal(r.stdout, `kubectl-promotion ${pkg.version}\ncommit: unknown\nnode: ${process.version}\n`);
  });
  it('-o json', async () => {
    const r = await run(['version', '-o', 'json']);
    assert.deepEqual(JSON.parse(r.stdout), { version: pkg.version, commit: null, node: process.version });
  });
});

describe('color', () => {
  it('colors on a terminal', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    assert.ok((await run(['lint', '-f', f['promo.yaml']!], { tty: true })).stdout.includes(ESC));
  });
  it('not with --no-color', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    assert.ok(!(await run(['lint', '-f', f['promo.yaml']!, '--no-color'], { tty: true })).stdout.includes(ESC));
  });
  it('not with NO_COLOR set', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    assert.ok(
      !(await run(['lint', '-f', f['promo.yaml']!], { tty: true, env: { NO_COLOR: '1' } })).stdout.includes(ESC),
    );
  });
  it('not into a pipe', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    assert.ok(!(await run(['lint', '-f', f['promo.yaml']!])).stdout.includes(ESC));
  });
});

describe('the error handler', () => {
  const capture = () => {
    let text = '';
    return { sink: { write: (t: string) => (text += t) }, text: () => text };
  };
  it('prints a user error as one line and exits 1', () => {
    const c = capture();
    assert.equal(reportError(new UserError('cannot read a.yaml: no such file'), c.sink, {}), EXIT_BAD_INPUT);
    assert.equal(c.text(), 'error: cannot read a.yaml: no such file\n');
  });
  it('uses the exit code an ExitError carries', () => {
    const c = capture();
    assert.equal(reportError(new ExitError('stopped', 3), c.sink, {}), 3);
  });
  it('reports a bug as an internal error, without a stack unless debugging', () => {
    const c = capture();
    assert.equal(reportError(new TypeError('x is undefined'), c.sink, {}), EXIT_INTERNAL);
    assert.match(c.text(), /^error: internal error: x is undefined \(run again with KUBECTL_PROMOTION_DEBUG=1/);
    assert.equal(c.text().split('\n').length, 2);
  });
  it('shows the stack with KUBECTL_PROMOTION_DEBUG=1', () => {
    const c = capture();
    reportError(new UserError('bad'), c.sink, { KUBECTL_PROMOTION_DEBUG: '1' });
    assert.match(c.text(), /^error: bad\nUserError: bad\n\s+at /);
  });
  it('stays quiet when the reader of the output went away', () => {
    const c = capture();
    assert.equal(reportError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), c.sink, {}), EXIT_OK);
    assert.equal(c.text(), '');
  });
});

describe('joinStdinValues', () => {
  it('keeps "-" as the value of the option before it', () => {
    assert.deepEqual(joinStdinValues(['lint', '-f', '-', '--fleet', '-', '-o', 'json']), [
      'lint',
      '-f=-',
      '--fleet=-',
      '-o',
      'json',
    ]);
  });
});
