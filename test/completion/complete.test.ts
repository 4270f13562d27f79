import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineCommand } from '../../plugin/command.ts';
import completionCommand from '../../plugin/commands/completion/index.ts';
import version from '../../plugin/commands/version/index.ts';
import { describeCommands, globalFlags } from '../../plugin/completion/commands.ts';
import { complete, Directive, formatCompletion } from '../../plugin/completion/complete.ts';
import type { PromotionSource } from '../../plugin/completion/complete.ts';
import { runComplete } from '../../plugin/completion/run.ts';
import { loadAll } from '../../plugin/registry.ts';

// A command shaped like the live ones: a promotion positional and a stage.
const approve = defineCommand({
  name: 'approve',
  describe: 'Approve a manual stage',
  cluster: true,
  positionals: [
    { name: 'promotion', required: true, complete: { kind: 'promotion' }, describe: 'The promotion' },
    { name: 'stage', complete: { kind: 'stage' }, describe: 'The stage' },
  ],
  options: {
    output: { type: 'string', short: 'o', choices: ['text', 'json'], describe: 'Output format' },
    yes: { type: 'boolean', short: 'y', describe: 'Do not ask' },
  },
  async run() {
    return 0;
  },
});
const watch = defineCommand({
  name: 'watch',
  describe: 'Watch a promotion',
  cluster: true,
  options: {
    promotion: { type: 'string', complete: { kind: 'promotion' }, describe: 'Which promotion' },
    stage: { type: 'string', complete: { kind: 'stage' }, describe: 'Which stage' },
  },
  async run() {
    return 0;
  },
});

const COMMANDS = describeCommands([approve, completionCommand, version, watch]);
// The program's own commands, as the registry loads them.
const REAL = describeCommands(await loadAll());
const GLOBALS = globalFlags();
const promotions: PromotionSource = async () => [
  { name: 'kyverno', stages: ['staging', 'production'] },
  { name: 'payments', stages: ['development', 'uat', 'production'] },
];
const values = async (...words: string[]) =>
  (await complete(words, COMMANDS, GLOBALS, promotions)).candidates.map((c) => c.value);

describe('completion', () => {
  it('offers the commands, with their descriptions, for the first word', async () => {
    const r = await complete([''], COMMANDS, GLOBALS, promotions);
    assert.deepEqual(
      r.candidates.map((c) => c.value),
      ['approve', 'completion', 'version', 'watch'],
    );
    assert.equal(r.candidates[0]?.description, 'Approve a manual stage');
    assert.equal(r.directive, Directive.NoFileComp);
    assert.deepEqual(await values('v'), ['version']);
  });

  it("offers a command's flags and the global ones, long and short, after a dash", async () => {
    const cluster = ['--kubeconfig', '--context', '--cluster', '--user', '--server', '--token', '--as', '--as-group'];
    const all = await values('approve', '--');
    assert.deepEqual(all.slice(0, 5), ['--output', '--yes', '--color', '--help', '--version']);
    assert.deepEqual(all.slice(5, 13), cluster);
    assert.deepEqual((await values('approve', '-')).slice(0, 6), [
      '--output',
      '-o',
      '--yes',
      '-y',
      '--color',
      '--help',
    ]);
    assert.deepEqual(await values('version', '--o'), ['--output']);
    // The connection flags where they matter: for the commands that talk to a cluster, and before any command.
    assert.deepEqual(await values('version', '--kube'), []);
    assert.deepEqual(await values('--kube'), ['--kubeconfig']);
  });

  it('reads flags before the command and glued short flags as the parser does', async () => {
    assert.deepEqual(await values('--kubeconfig', '/tmp/kc', 'approve', ''), ['kyverno', 'payments']);
    assert.deepEqual(await values('-n', 'default', 'approve', '-ojson', 'payments', 'u'), ['uat']);
    assert.deepEqual(await values('approve', '-yo', ''), ['text', 'json']);
    assert.deepEqual(await values('approve', '-oj'), ['-ojson']);
    assert.deepEqual(await values('approve', '-o=t'), ['-o=text']);
  });

  it("offers a flag's choices, after the flag or after --flag=", async () => {
    assert.deepEqual(await values('version', '-o', ''), ['text', 'json', 'yaml']);
    assert.deepEqual(await values('version', '--output=j'), ['--output=json']);
    assert.deepEqual(await values('completion', ''), ['bash', 'zsh', 'fish', 'powershell']);
  });

  it('offers promotion names for a promotion positional or flag', async () => {
    assert.deepEqual(await values('approve', ''), ['kyverno', 'payments']);
    assert.deepEqual(await values('approve', 'pa'), ['payments']);
    assert.deepEqual(await values('watch', '--promotion', 'k'), ['kyverno']);
  });

  it('offers the stages of the promotion named before', async () => {
    assert.deepEqual(await values('approve', 'payments', ''), ['development', 'uat', 'production']);
    assert.deepEqual(await values('approve', '-o', 'json', 'kyverno', 's'), ['staging']);
    assert.deepEqual(await values('approve', '--kubeconfig', 'kc', 'kyverno', ''), ['staging', 'production']);
    assert.deepEqual(await values('watch', '--promotion', 'kyverno', '--stage', ''), ['staging', 'production']);
  });

  it(
    'lists promotions with the connection flags typed on the line, as kubectl passes its own to no ' + 'plugin',
    async () => {
      const asked: unknown[] = [];
      const recording: PromotionSource = async (flags) => {
        asked.push(flags);
        return [{ name: 'kyverno', stages: ['staging'] }];
      };
      const names = async (...words: string[]) =>
        (await complete(words, COMMANDS, GLOBALS, recording)).candidates.map((c) => c.value);
      assert.deepEqual(await names('approve', '--kubeconfig', '/tmp/other', ''), ['kyverno']);
      assert.deepEqual(await names('approve', '--kubeconfig=/tmp/other', 'kyverno', ''), ['staging']);
      assert.deepEqual(await names('approve', ''), ['kyverno']);
      assert.deepEqual(asked, [{ kubeconfig: '/tmp/other' }, { kubeconfig: '/tmp/other' }, {}]);
    },
  );

  it('lets the shell complete file names for a path flag', async () => {
    assert.deepEqual(await complete(['lint', '-f', ''], REAL, GLOBALS, promotions), {
      candidates: [],
      directive: Directive.Default,
    });
    const r = await complete(['approve', 'kyverno', '--kubeconfig', ''], COMMANDS, GLOBALS, promotions);
    assert.deepEqual(r, { candidates: [], directive: Directive.Default });
  });

  it('offers nothing, and no file names, past the last positional or after an unknown command', async () => {
    assert.deepEqual(await complete(['approve', 'kyverno', 'staging', ''], COMMANDS, GLOBALS, promotions), {
      candidates: [],
      directive: Directive.NoFileComp,
    });
    assert.deepEqual(await complete(['nope', ''], COMMANDS, GLOBALS, promotions), {
      candidates: [],
      directive: Directive.NoFileComp,
    });
  });

  it('still completes commands and flags when no promotion can be listed', async () => {
    const none: PromotionSource = async () => [];
    assert.deepEqual((await complete(['approve', ''], COMMANDS, GLOBALS, none)).candidates, []);
    assert.deepEqual(
      (await complete(['ver'], COMMANDS, GLOBALS, none)).candidates.map((c) => c.value),
      ['version'],
    );
  });

  it("offers -o's formats for list and get, and done, gate and stage:NAME for status --until", async () => {
    const real = async (...words: string[]) =>
      (await complete(words, REAL, GLOBALS, promotions)).candidates.map((c) => c.value);
    assert.deepEqual(await real('list', '-o', ''), ['json', 'yaml', 'name', 'wide']);
    assert.deepEqual(await real('list', '-o'), ['-o']);
    assert.deepEqual(await real('list', '--output=y'), ['--output=yaml']);
    assert.deepEqual(await real('get', 'kyverno', '-o', ''), ['json', 'yaml', 'name']);
    assert.deepEqual(await real('get', ''), ['kyverno', 'payments']);
    assert.deepEqual(await real('status', 'payments', '--until', ''), [
      'done',
      'gate',
      'stage:development',
      'stage:uat',
      'stage:production',
    ]);
    assert.deepEqual(await real('status', 'kyverno', '--until=stage:p'), ['--until=stage:production']);
    assert.deepEqual(await real('revoke', 'kyverno', '--stage', ''), ['staging', 'production']);
    // A flag on by default is typed to turn it off: --no-tui, --no-controller, --no-headers.
    assert.deepEqual(await real('simulate', '--no-'), ['--no-tui', '--no-controller']);
    assert.deepEqual(await real('list', '--no-'), ['--no-headers']);
    assert.deepEqual(await real('list', '--h'), ['--help']);
    assert.deepEqual(await real('simulate', '-o', ''), ['text', 'json', 'html']);
  });

  it("answers in kubectl's plugin completion format: value, tab, description, then :directive", async () => {
    assert.equal(
      formatCompletion({
        candidates: [{ value: 'version', description: 'Print it\nmore' }, { value: 'x' }],
        directive: 4,
      }),
      'version\tPrint it\nx\n:4\n',
    );
    let written = '';
    const io = {
      stdout: { write: (t: string) => (written += t) },
      stderr: { write: () => true },
      stdin: process.stdin,
      env: {},
    };
    assert.equal(await runComplete(['ver'], [approve, version], io, promotions), 0);
    assert.match(written, /^version\tPrint the version[^\n]*\n:4\n$/);
  });
});
