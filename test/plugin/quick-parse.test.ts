// The quick parser (plugin/quick-parse.ts) must hand a command exactly what yargs would, or step
// aside. Every line here goes through both: where the quick parser answers, its argv must equal
// yargs's; the lines users type every day must be answered quickly; anything yargs rejects or
// explains (help, typos, missing values) must be left to yargs.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { runCli, type AnyCommand } from '../../plugin/cli.ts';
import type { Io } from '../../plugin/command.ts';
import { quickParse, runQuick } from '../../plugin/quick-parse.ts';
import { loadAll } from '../../plugin/registry.ts';

let commands: AnyCommand[];
before(async () => {
  commands = await loadAll();
});

function io(env: Record<string, string> = {}, tty = false): Io {
  return {
    stdout: { write: () => true, isTTY: tty },
    stderr: { write: () => true },
    stdin: Readable.from(['']),
    env,
  };
}

/** What yargs hands the command for this line; undefined when it refuses the line or prints help. */
async function yargsArgv(args: string[], where: Io = io()): Promise<Record<string, unknown> | undefined> {
  let seen: Record<string, unknown> | undefined;
  const capturing = commands.map((c) => ({ ...c, run: async (argv: Record<string, unknown>) => ((seen = argv), 0) }));
  await runCli(args, capturing, where);
  return seen;
}

const defined = (argv: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(argv).filter(([, v]) => v !== undefined));

function commandOf(args: string[]): AnyCommand {
  const c = commands.find((x) => x.command.split(' ')[0] === args[0]);
  assert.ok(c, `no command ${args[0]}`);
  return c;
}

/** Both parsers on one line: the quick one answers as yargs does, or not at all. */
async function agree(args: string[], where: Io = io()): Promise<Record<string, unknown> | null> {
  const quick = quickParse(args, commandOf(args), where);
  const slow = await yargsArgv(args, where);
  if (quick !== null) {
    assert.ok(slow, `yargs refuses ${JSON.stringify(args)}, which the quick parser took`);
    assert.deepEqual(defined(quick), defined(slow), JSON.stringify(args));
  }
  return quick;
}

// The lines of daily use: each must be read quickly, and as yargs reads it.
const EVERYDAY = [
  ['list'],
  ['list', '-o', 'json'],
  ['list', '-o=yaml', '-w', '--no-color'],
  ['list', '--kubeconfig', '/tmp/k', '--context', 'prod', '-n', 'sveltos', '-A'],
  ['list', '-s', 'https://10.0.0.1:6443', '--token', 't', '--insecure-skip-tls-verify', '--request-timeout=5s'],
  [
    'list',
    '--as',
    'jane',
    '--as-group',
    'ops',
    '--as-group',
    'sre',
    '--certificate-authority',
    '/ca.crt',
    '--cluster',
    'c',
    '--user',
    'u',
  ],
  ['get', 'checkout'],
  ['get', 'checkout', '-o', 'yaml', '--color'],
  ['watch'],
  ['watch', 'checkout', '--context', 'prod'],
  ['approve', 'checkout', '--yes'],
  ['approve', 'checkout', '--stage', 'production', '-y', '-o', 'json', '--wait', '--timeout', '10m'],
  ['revoke', 'checkout', '--stage', 'production'],
  ['status', 'checkout', '--until', 'stage:production', '--timeout', '30m'],
  ['gates', '-o', 'json'],
  ['lint', '-f', 'a.yaml', '-f', 'b.yaml'],
  ['lint', '-f', '-'],
  ['simulate'],
  [
    'simulate',
    '-f',
    'p.yaml',
    '--fleet',
    'f.yaml',
    '-o',
    'json',
    '--approve',
    'production@1h',
    '--seed',
    '7',
    '--no-tui',
  ],
  ['simulate', '--serve', '--port', '8443', '--speed', '600', '--no-controller', '--kubeconfig-out', '/tmp/k'],
  ['completion', 'bash'],
  ['version', '-o', 'json'],
];

// Lines yargs must read: help, mistakes and spellings only yargs knows what to make of.
const FOR_YARGS = [
  ['list', '--help'],
  ['list', '-h'],
  ['list', '--bogus'],
  ['list', 'extra'],
  ['list', '-Aw'],
  ['list', '--requestTimeout', '5s'],
  ['list', '-o'],
  ['list', '-o', '--watch'],
  ['list', '-o', 'json', '-o', 'yaml'],
  ['list', '-w', 'false'],
  ['list', '--watch=true'],
  ['list', '--', 'x'],
  ['list', '--no-output'],
  ['--no-color', 'list'],
  ['get'],
  ['approve', 'a', 'b'],
  ['revoke', 'checkout'],
  ['lint'],
  ['lint', '-f', 'a.yaml', 'b.yaml'],
  ['simulate', '-o', 'yaml'],
  ['completion', 'tcsh'],
  ['completion'],
  ['lsit'],
];

describe('the quick command-line parser', () => {
  for (const args of EVERYDAY) {
    it(`reads \`${args.join(' ')}\` as yargs does`, async () => {
      assert.notEqual(await agree(args), null, 'an everyday line must not need yargs');
    });
  }

  for (const args of FOR_YARGS) {
    it(`leaves \`${args.join(' ')}\` to yargs`, async () => {
      const command = commands.find((x) => x.command.split(' ')[0] === args[0]) ?? commands[0]!;
      assert.equal(quickParse(args, command, io()), null);
    });
  }

  it('agrees with yargs on every option of every command, in each of its spellings', async () => {
    let answered = 0;
    for (const c of commands) {
      const [name, ...positionals] = c.command.split(' ');
      const required = positionals.filter((p) => p.startsWith('<')).map(() => 'x');
      const base = [name!, ...(name === 'completion' ? ['zsh'] : required)];
      // The options as the builder declares them, read back through yargs's own help: every
      // `--flag` it lists is tried alone, with a value where it takes one.
      let help = '';
      const helpIo: Io = { ...io(), stdout: { write: (t: string) => ((help += t), true), isTTY: false } };
      await runCli([name!, '--help'], commands, helpIo);
      const flags = [...help.matchAll(/^\s+(?:-(\w), )?--([\w-]+)\s.*?\[(string|boolean|array)\]/gm)];
      assert.ok(flags.length > 0, `no options found in the help of ${name}`);
      for (const [, short, long, type] of flags) {
        if (long === 'help') continue;
        const spellings: string[][] =
          type === 'boolean'
            ? [[`--${long}`], [`--no-${long}`], ...(short ? [[`-${short}`]] : [])]
            : [
                [`--${long}`, 'v1'],
                [`--${long}=v2`],
                ...(short ? [[`-${short}`, 'v3']] : []),
                ...(type === 'array' ? [[`--${long}`, 'a', `--${long}`, 'b']] : []),
              ];
        for (const spelling of spellings) {
          if ((await agree([...base, ...spelling])) !== null) answered++;
        }
      }
    }
    assert.ok(answered > 60, `the quick parser answered only ${answered} lines`);
  });

  it('colors as yargs would: by default on a terminal without NO_COLOR, and as --color/--no-color say', async () => {
    assert.equal((await agree(['list'], io({}, true)))?.color, true);
    assert.equal((await agree(['list'], io({ NO_COLOR: '1' }, true)))?.color, false);
    assert.equal((await agree(['list', '--color'], io({}, false)))?.color, true);
    assert.equal((await agree(['list', '--no-color'], io({}, true)))?.color, false);
  });

  it('runs the command it read, and reports its failure in one line with its exit code', async () => {
    let stderr = '';
    const failing: AnyCommand = {
      command: 'boom',
      describe: '',
      builder: (y) => y,
      run: async () => {
        throw new Error('the cluster is on fire');
      },
    };
    const where = { ...io(), stderr: { write: (t: string) => ((stderr += t), true) } };
    assert.equal(await runQuick(['boom'], [failing], where), 70);
    assert.match(stderr, /^error: internal error: the cluster is on fire/);
    assert.equal(await runQuick(['boom', '--help'], [failing], where), null);
  });
});
