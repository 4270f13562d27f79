// `kubectl promotion test` as CI runs it: a line per expectation, the exit code, JSON and JUnit XML
// (read back by Python's XML parser, as CI systems read it), and bad input as one line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../plugin/cli.ts';
import type { Io } from '../../plugin/command.ts';
import testCommand from '../../plugin/commands/test/index.ts';
import type { TestReportJson } from '../../plugin/commands/test/report.ts';
import { directory, testYaml } from './helpers.ts';

async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: Readable.from(['']),
    env,
  };
  const code = await runCli(args, [testCommand], io);
  return { code, stdout, stderr };
}

const PASSING = testYaml(
  'staging-first',
  `
expect:
- {at: 30s, stage: staging, phase: Deploying}
- {outcome: Completed, by: 13m}`,
);

// Someone shortened staging's soak: production now starts at 2m, before the 6m the team relies on.
const FAILING = testYaml(
  'production-waits-for-the-soak',
  `
events:
- at: 1m
  patch:
    spec:
      stages:
      - {name: staging, clusterSelector: {matchLabels: {env: staging}}, trigger: {auto: {delay: 1m}}}
      - {name: production, clusterSelector: {matchLabels: {env: production}}, trigger: {auto: {delay: 5m}}}
expect:
- {stage: production, phase: Deploying, notBefore: 6m}
- {at: 5m, stage: production, phase: Pending}
- {outcome: Completed}`,
);

describe('kubectl promotion test', () => {
  it('passes: a line per expectation, a summary, exit 0', async () => {
    const dir = await directory({ 'plan.yaml': PASSING });
    const r = await run(['test', '-f', dir]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines, [
      `ok    ${dir}/plan.yaml:28:3 staging-first: stage staging is Deploying at +30s (2026-12-07T10:00:30Z)`,
      `ok    ${dir}/plan.yaml:29:3 staging-first: the run ends Completed by +13m0s (2026-12-07T10:13:00Z)`,
      '1 test, 2 expectations: all passed',
    ]);
  });

  it('fails with what was seen instead and when, exit 1', async () => {
    const dir = await directory({ 'plan.yaml': `${PASSING}\n---\n${FAILING}` });
    const r = await run(['test', '-f', join(dir, 'plan.yaml')]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(
      lines[2],
      `FAIL  ${dir}/plan.yaml:65:3 production-waits-for-the-soak: stage production is Deploying not before ` +
        `+6m0s (2026-12-07T10:06:00Z); instead it was Deploying at +2m0s (2026-12-07T10:02:00Z)`,
    );
    assert.equal(
      lines[3],
      `FAIL  ${dir}/plan.yaml:66:3 production-waits-for-the-soak: stage production is Pending at +5m0s ` +
        `(2026-12-07T10:05:00Z); instead it was Soaking since +4m0s (2026-12-07T10:04:00Z)`,
    );
    assert.match(lines[4]!, /^ok {4}.*the run ends Completed$/);
    assert.equal(lines[5], '2 tests, 5 expectations: 2 failed, in 1 test (production-waits-for-the-soak)');
    assert.equal(r.stdout.includes('\u001b['), false, 'no color off a terminal');
  });

  it('colors ok and FAIL only when asked on a terminal', async () => {
    const dir = await directory({ 'plan.yaml': FAILING });
    const r = await run(['test', '-f', dir, '--color']);
    assert.match(r.stdout, /\u001b\[31mFAIL\u001b\[0m/);
    const plain = await run(['test', '-f', dir, '--no-color']);
    assert.equal(plain.stdout.includes('\u001b['), false);
  });

  it('prints JSON for tools', async () => {
    const dir = await directory({ 'plan.yaml': `${PASSING}\n---\n${FAILING}` });
    const r = await run(['test', '-f', dir, '-o', 'json']);
    assert.equal(r.code, 1);
    const json = JSON.parse(r.stdout) as TestReportJson;
    assert.equal(json.passed, false);
    assert.deepEqual(json.summary, { tests: 2, failedTests: 1, expectations: 5, failedExpectations: 2 });
    const failed = json.tests[1]!;
    assert.equal(failed.name, 'production-waits-for-the-soak');
    assert.equal(failed.outcome, 'Completed');
    assert.deepEqual(failed.expectations[0], {
      file: join(dir, 'plan.yaml'),
      line: 65,
      passed: false,
      expected: 'stage production is Deploying not before +6m0s (2026-12-07T10:06:00Z)',
      seen: 'it was Deploying at +2m0s (2026-12-07T10:02:00Z)',
      seenAt: '2026-12-07T10:02:00Z',
    });
  });

  it(
    'writes JUnit XML that an XML parser reads: a suite per test, a case per expectation, failures with ' +
      'the reason',
    async () => {
      const dir = await directory({ 'plan.yaml': `${PASSING}\n---\n${FAILING}` });
      const junit = join(dir, 'reports', 'rollout-tests.xml');
      const r = await run(['test', '-f', dir, '--junit', junit]);
      assert.equal(r.code, 1);
      const xml = await readFile(junit, 'utf8');
      const summary = execFileSync(
        'python3',
        [
          '-c',
          `import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(root.tag, root.get('tests'), root.get('failures'))
for s in root:
    print(s.tag, s.get('name'), s.get('tests'), s.get('failures'))
    for c in s.findall('testcase'):
        f = c.find('failure')
        print(' ', c.get('line'), 'FAIL ' + f.get('message') if f is not None else 'ok')`,
          junit,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(
        summary,
        [
          'testsuites 5 2',
          'testsuite staging-first 2 0',
          '  28 ok',
          '  29 ok',
          'testsuite production-waits-for-the-soak 3 2',
          '  65 FAIL it was Deploying at +2m0s (2026-12-07T10:02:00Z)',
          '  66 FAIL it was Soaking since +4m0s (2026-12-07T10:04:00Z)',
          '  67 ok',
          '',
        ].join('\n'),
      );
      assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites/);
    },
  );

  it('says in one line where the input is wrong, exit 1, and runs nothing', async () => {
    const dir = await directory({
      'plan.yaml': testYaml('x', 'expect: [{at: 1m, stage: staging, phase: Deployed}, {outcome: Done}]'),
    });
    const r = await run(['test', '-f', dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `error: ${dir}/plan.yaml:27:42 expect[0].phase: unknown value "Deployed": must be Pending, Deploying, ` +
        `Soaking, Verifying, CheckingHealth, AwaitingWindow, AwaitingApproval, Promoted, Completed or ` +
        `Failed; did you mean "Deploying"? (and 1 more)\n`,
    );
  });

  it('names a path that is not there', async () => {
    const r = await run(['test', '-f', '/nonexistent/tests.yaml']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: cannot read /nonexistent/tests.yaml: no such file\n');
  });

  it('asks for -f', async () => {
    const r = await run(['test']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /test needs the tests to run: -f FILE or -f DIRECTORY/);
  });

  it('runs the bundled examples, and they pass', async () => {
    const r = await run([
      'test',
      '-f',
      'examples/kyverno',
      '-f',
      'examples/core-payment-processor',
      '-f',
      'examples/validation-job',
    ]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^7 tests, \d+ expectations: all passed$/m);
  });

  it('reads the folders inside a folder with -R, as kubectl -f does, and says so without it', async () => {
    const r = await run(['test', '-f', 'examples/']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'error: examples/: the directory has no .yaml or .yml files (-R reads the folders inside it)\n',
    );
    const all = await run(['test', '-R', '-f', 'examples/']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^7 tests, \d+ expectations: all passed$/m);
  });
});
