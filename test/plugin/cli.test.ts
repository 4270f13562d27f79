import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pkg from '../../package.json' with { type: 'json' };
import { BAD, FLEET, GOOD, files, run } from './helpers.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, ExitError, reportError } from '../../plugin/errors.ts';
import { UserError } from '../../src/user-error.ts';
import { parse } from 'yaml';

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
  '      auto:\n        delay: 5m\n        postDelayHealthChecks:\n        - name: smoke\n          ' +
    'featureID: Resources\n' +
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
        `1 error \\(1 file checked against clusterpromotions\\.config\\.projectsveltos\\.io v1beta1 from ` +
          `${V1_13_CRD}\\)`,
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
      `${f['promo.yaml']}:15:5 spec.stages[1].trigger: A trigger must have either a 'manual' or 'auto' ` +
        `field, but not both.`,
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

describe('lint: what it accepts simulates', () => {
  it('refuses a duration longer than Go holds, naming the range', async () => {
    const f = await files({ 'promo.yaml': GOOD.replace('delay: 5m', 'delay: 99999999999999h') });
    const r = await run(['lint', '-f', f['promo.yaml']!]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(
      r.stdout,
      new RegExp(
        /:13:21 spec\.stages\[0\]\.trigger\.auto\.delay: invalid duration "99999999999999h": /.source +
          /out of range; the longest is 2562047h47m16\.854775807s \(about 292 years\)\n/.source,
      ),
    );
  });
});

describe('text from the files on a terminal', () => {
  it("lint shows a name's escape sequences instead of obeying them, as kubectl does", async () => {
    const f = await files({ 'promo.yaml': GOOD.replace('name: staging', 'name: "st\\e[2J\\e]0;x\\aging"') });
    const r = await run(['lint', '-f', f['promo.yaml']!], { tty: true, env: { NO_COLOR: '1' } });
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(r.stdout, /st\^\[\[2J\^\[\]0;x\^Gging/);
    assert.doesNotMatch(r.stdout, /\u001b|\u0007/);
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
      new RegExp(
        /:8:3 spec\.stages: warning: no stage reaches 1 cluster of .*fleet\.yaml: /.source +
          /default\/forgotten\n1 warning, no errors/.source,
      ),
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

describe("command-line mistakes: one line on stderr in kubectl's words, exit 1", () => {
  const oneLine = (r: { code: number; stderr: string; stdout: string }, expected: string | RegExp) => {
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.equal(r.stdout, '');
    if (typeof expected === 'string') assert.equal(r.stderr, `error: ${expected}\n`);
    else assert.match(r.stderr, expected);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  };
  it('a missing file is named', async () => {
    oneLine(await run(['lint', '-f', 'no-such.yaml']), /^error: cannot read no-such\.yaml: no such file\n$/);
  });
  it('an unknown command', async () =>
    oneLine(await run(['deploy']), 'unknown command "deploy" for "kubectl promotion" (see kubectl promotion --help)'));
  it('a misspelt command gets a suggestion', async () =>
    oneLine(
      await run(['lnt']),
      'unknown command "lnt" for "kubectl promotion"; did you mean "lint"? (see kubectl promotion --help)',
    ));
  it('an unknown flag, and a misspelt one with a suggestion', async () => {
    oneLine(
      await run(['lint', '-f', 'x.yaml', '--frobnicate']),
      'unknown flag: --frobnicate (see kubectl promotion lint --help)',
    );
    oneLine(
      await run(['lint', '-f', 'x.yaml', '--flet', 'f.yaml']),
      'unknown flag: --flet; did you mean --fleet? (see kubectl promotion lint --help)',
    );
    oneLine(await run(['lint', '-x']), "unknown shorthand flag: 'x' in -x (see kubectl promotion lint --help)");
  });
  it("a command's own flag before the command", async () =>
    oneLine(
      await run(['-o', 'json', 'version']),
      "unknown flag: -o (a command's own flags go after its name: kubectl promotion COMMAND -o ...)",
    ));
  it('version --client, typed from kubectl habit, is taken: there is only a client', async () => {
    const r = await run(['version', '--client']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kubectl-promotion /);
  });
  it('a bad choice', async () =>
    oneLine(
      await run(['version', '-o', 'wide']),
      'invalid argument "wide" for "-o, --output" flag: must be one of text, json, yaml (see kubectl promotion ' +
        'version --help)',
    ));
  it('a bad boolean', async () =>
    oneLine(
      await run(['version', '--color=maybe']),
      'invalid argument "maybe" for "--color" flag: must be true or false (see kubectl promotion version --help)',
    ));
  it('lint without files', async () =>
    oneLine(
      await run(['lint']),
      'lint needs the files to check: -f FILE, or -f - for standard input (see kubectl promotion lint --help)',
    ));
  it('-f without a value', async () => {
    oneLine(await run(['lint', '-f']), 'flag needs an argument: -f (see kubectl promotion lint --help)');
    oneLine(
      await run(['lint', '-f', '--fleet', 'x']),
      'flag needs an argument: -f (see kubectl promotion lint --help)',
    );
  });
  it('words a command does not take', async () =>
    oneLine(
      await run(['version', 'extra']),
      'unexpected argument "extra": version takes no arguments (see kubectl promotion version --help)',
    ));
  it("never in yargs's words", async () => {
    for (const args of [[], ['deploy'], ['lint'], ['lint', '-f'], ['version', '-o', 'wide'], ['version', 'x', 'y']]) {
      const r = await run(args);
      assert.doesNotMatch(r.stderr, /Unknown argument|non-option arguments|Missing required argument|Invalid values/);
    }
  });
});

describe('flags as kubectl takes them', () => {
  it('global flags before the command as well as after it', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    for (const args of [
      ['--no-color', 'lint', '-f', f['promo.yaml']!],
      ['-n', 'default', 'lint', '-f', f['promo.yaml']!],
      ['lint', '-f', f['promo.yaml']!, '--as', 'jane', '--as-group', 'a', '--as-group', 'b', '-A'],
    ]) {
      const r = await run(args, { tty: true });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout.includes('no problems (1 file checked)'), true, args.join(' '));
    }
  });
  it('short flags glued to their value or to each other: -ojson, -o=json, -Rf', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    for (const o of [['-ojson'], ['-o=json'], ['--output=json'], ['--output', 'json']]) {
      const r = await run(['lint', '-f', f['promo.yaml']!, ...o]);
      assert.deepEqual([r.code, JSON.parse(r.stdout).findings], [EXIT_OK, []], o.join(' '));
    }
    const r = await run(['lint', `-Rf${f['promo.yaml']!}`, '-ojson']);
    assert.deepEqual([r.code, JSON.parse(r.stdout).findings], [EXIT_OK, []]);
  });
  it('a value that looks like a flag is still the value: -f -, --fleet -', async () => {
    const r = await run(['lint', '-f', '-', '-o', 'json'], { stdin: GOOD });
    assert.deepEqual([r.code, JSON.parse(r.stdout).findings], [EXIT_OK, []]);
  });
  it('booleans: --color=false, --no-color, --color', async () => {
    const f = await files({ 'promo.yaml': GOOD });
    const colored = async (...flags: string[]) =>
      (await run(['lint', '-f', f['promo.yaml']!, ...flags], { tty: true })).stdout.includes(ESC);
    assert.deepEqual(
      [await colored(), await colored('--color=false'), await colored('--no-color'), await colored('--color=true')],
      [true, false, false, true],
    );
    assert.equal((await run(['lint', '-f', f['promo.yaml']!, '--color'])).stdout.includes(ESC), true);
  });
  it('-- ends the flags', async () => {
    const r = await run(['version', '--', '-o']);
    assert.equal(
      r.stderr,
      'error: unexpected argument "-o": version takes no arguments (see kubectl promotion version --help)\n',
    );
  });
});

describe('-f as kubectl takes it', () => {
  it('several files separated by commas, or -f repeated', async () => {
    const f = await files({ 'a.yaml': GOOD, 'b.yaml': GOOD.replace('name: demo', 'name: other') });
    for (const args of [
      ['-f', `${f['a.yaml']},${f['b.yaml']}`],
      ['-f', f['a.yaml']!, '-f', f['b.yaml']!],
      [`--filename=${f['a.yaml']},${f['b.yaml']}`],
    ]) {
      const r = await run(['lint', ...args]);
      assert.deepEqual([r.code, r.stdout], [EXIT_OK, 'no problems (2 files checked)\n'], args.join(' '));
    }
  });
  it("a folder: its .yaml, .yml and .json files in name order; -R: its folders' too", async () => {
    const f = await files({ 'a.yaml': GOOD, 'notes.txt': 'not YAML: [' });
    const dir = dirname(f['a.yaml']!);
    await mkdir(join(dir, 'more'));
    await writeFile(join(dir, 'b.yml'), BAD.replace('name: demo', 'name: broken'));
    await writeFile(join(dir, 'more', 'c.json'), JSON.stringify({ kind: 'ClusterPromotion' }));
    const flat = await run(['lint', '-f', `${dir}/`, '-o', 'json']);
    const filesOf = (r: { stdout: string }) => [
      ...new Set((JSON.parse(r.stdout) as { findings: { file: string }[] }).findings.map((x) => x.file)),
    ];
    assert.deepEqual(filesOf(flat), [join(dir, 'b.yml')]);
    const text = await run(['lint', '-f', dir]);
    assert.match(text.stdout, /2 errors \(2 files checked\)\n$/);
    const deep = await run(['lint', '-R', '-f', dir, '-o', 'json']);
    assert.deepEqual(filesOf(deep), [join(dir, 'b.yml'), join(dir, 'more', 'c.json')]);
  });
  it('a folder with no manifest says so, and that -R reads the folders inside', async () => {
    const f = await files({ 'notes.txt': 'x' });
    const dir = dirname(f['notes.txt']!);
    await mkdir(join(dir, 'inner'));
    const r = await run(['lint', '-f', dir]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.equal(
      r.stderr,
      `error: ${dir}: no .yaml, .yml or .json file in this folder (-R reads the folders inside it)\n`,
    );
  });
});

describe('help', () => {
  it('lists the commands on stdout and exits 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, EXIT_OK);
    assert.match(r.stdout, /^Watch, approve and rehearse Sveltos ClusterPromotion rollouts\.\n\nUsage:\n/);
    assert.match(r.stdout, /\n {2}lint {2,}Check ClusterPromotion files/);
    assert.match(r.stdout, /\n {2}version {2,}Print the version/);
    assert.match(r.stdout, /\n {6}--kubeconfig FILE {2,}Path to the kubeconfig file/);
  });
  it('a bare command line prints the help once, and so do -h and help', async () => {
    const bare = await run([]);
    assert.equal(bare.code, EXIT_OK);
    assert.equal(bare.stdout.split('Usage:').length, 2);
    assert.equal(bare.stderr, '');
    assert.equal((await run(['-h'])).stdout, bare.stdout);
    assert.equal((await run(['help'])).stdout, bare.stdout);
  });
  it("a command's help: usage, examples, its flags and the global ones, wherever --help is", async () => {
    const r = await run(['lint', '--help']);
    assert.equal(r.code, EXIT_OK);
    assert.match(
      r.stdout,
      new RegExp(
        /^Check ClusterPromotion files: errors exit 1, warnings alone exit /.source +
          /0\n\nUsage:\n {2}kubectl promotion lint \[flags\]\n/.source,
      ),
    );
    assert.match(
      r.stdout,
      /\nExamples:\n {2}# check a file against the bundled CRD\n {2}kubectl promotion lint -f promotion\.yaml\n/,
    );
    assert.match(r.stdout, /\n {2}-f, --filename FILE {2,}Files with ClusterPromotions/);
    assert.match(r.stdout, /\n {2}-o, --output text\|json {2,}Output format \(default "text"\)\n/);
    assert.match(r.stdout, /\nGlobal flags:\n/);
    for (const args of [
      ['--help', 'lint'],
      ['help', 'lint'],
      ['lint', '-f', 'x', '-h'],
      ['lint', '--bogus', '--help'],
    ])
      assert.equal((await run(args)).stdout, r.stdout, args.join(' '));
  });
  it('is laid out for the terminal, up to 100 columns (example command lines are never broken)', async () => {
    const widest = (text: string) =>
      Math.max(
        ...text
          .split('\n')
          .filter((l) => !l.startsWith('  kubectl promotion '))
          .map((l) => l.length),
      );
    const narrow = await run(['lint', '--help'], { tty: true, columns: 60 });
    assert.ok(widest(narrow.stdout) <= 60, narrow.stdout);
    assert.ok(widest((await run(['lint', '--help'], { tty: true, columns: 200 })).stdout) <= 100);
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
  it('-o yaml, as kubectl version -o yaml', async () => {
    const r = await run(['version', '-o', 'yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parse(r.stdout), { version: pkg.version, commit: null, node: process.version });
  });
  it('--version, anywhere on the line, as the version command', async () => {
    const r = await run(['--version']);
    assert.equal(r.stdout, (await run(['version'])).stdout);
    assert.equal((await run(['--no-color', '--version'])).stdout, r.stdout);
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

describe('YAML as Kubernetes reads it', () => {
  it('an unquoted e1 is a string, in a selector and as a fleet cluster name', async () => {
    const f = await files({
      'promo.yaml': GOOD.replace('{env: staging}', '{env: e1}'),
      'fleet.yaml': FLEET.replace('name: staging-1\n  labels: {env: staging}', 'name: e1\n  labels: {env: e1}'),
    });
    const r = await run(['lint', '-f', f['promo.yaml']!, '--fleet', f['fleet.yaml']!, '-o', 'json']);
    assert.equal(r.stderr, '');
    const messages = (JSON.parse(r.stdout) as { findings: { message: string }[] }).findings.map((x) => x.message);
    // e1 is selected by the first stage: only the cluster no stage selects is left over.
    assert.deepEqual(messages, [`no stage reaches 1 cluster of ${f['fleet.yaml']}: default/forgotten`]);
  });
  it('.inf is refused at its line', async () => {
    const f = await files({ 'promo.yaml': GOOD.replace('delay: 5m', 'delay: .inf') });
    const r = await run(['lint', '-f', f['promo.yaml']!]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(
      r.stdout,
      /:13:21 spec\.stages\[0\]\.trigger\.auto\.delay: \.inf is not a number JSON can hold, and Kubernetes refuses it/,
    );
  });
});
