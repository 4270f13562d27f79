import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineCommand } from '../../plugin/command.ts';
import completionCommand from '../../plugin/commands/completion/index.ts';
import version from '../../plugin/commands/version/index.ts';
import { describeCommands, globalFlags } from '../../plugin/completion/commands.ts';
import { complete, Directive, formatCompletion } from '../../plugin/completion/complete.ts';
import type { PromotionSource } from '../../plugin/completion/complete.ts';
import { runComplete } from '../../plugin/completion/run.ts';

// A command shaped like the live ones: a promotion positional and a stage.
const approve = defineCommand({
  command: 'approve <promotion> [stage]',
  describe: 'Approve a manual stage',
  builder: (y) =>
    y
      .positional('promotion', { type: 'string', demandOption: true })
      .positional('stage', { type: 'string' })
      .option('kubeconfig', { type: 'string', normalize: true, describe: 'Path to the kubeconfig file' })
      .option('output', { alias: 'o', choices: ['text', 'json'] as const, describe: 'Output format' })
      .option('yes', { alias: 'y', type: 'boolean', describe: 'Do not ask' }),
  async run() {
    return 0;
  },
});
const watch = defineCommand({
  command: 'watch [promotion]',
  describe: 'Watch a promotion',
  builder: (y) =>
    y.option('promotion', { type: 'string', describe: 'Which promotion' }).option('stage', { type: 'string' }),
  async run() {
    return 0;
  },
});

const COMMANDS = describeCommands([approve, completionCommand, version, watch]);
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
    assert.deepEqual(await values('approve', '--'), ['--kubeconfig', '--output', '--yes', '--color', '--help']);
    assert.deepEqual(await values('approve', '-'), [
      '--kubeconfig',
      '--output',
      '-o',
      '--yes',
      '-y',
      '--color',
      '--help',
      '-h',
    ]);
    assert.deepEqual(await values('version', '--o'), ['--output']);
  });

  it("offers a flag's choices, after the flag or after --flag=", async () => {
    assert.deepEqual(await values('version', '-o', ''), ['text', 'json']);
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
    assert.deepEqual(await values('watch', '--promotion', 'kyverno', '--stage', ''), ['staging', 'production']);
  });

  it('lists promotions with the connection flags typed on the line, as kubectl passes its own to no plugin', async () => {
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
  });

  it('lets the shell complete file names for a path flag', async () => {
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
