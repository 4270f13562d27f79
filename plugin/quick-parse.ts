// A command line that is plainly valid, parsed without yargs. Loading and running yargs costs a
// command some 20 ms, as much as kubectl takes to answer `get` on its own, and a kubectl plugin is
// run over and over from scripts and shells. The command's own builder is the single definition of
// its options: it is run here against a recorder instead of yargs, and this parser accepts only
// what it can read exactly as yargs would. Anything else (--help, an unknown or misspelt flag, a
// missing argument, a bad choice, a spelling yargs reads in its own ways) is declined, and yargs
// parses the line, so its messages and help stay the only ones users see. A test holds the two
// parsers to the same result over every command's options.
import type { AnyCommand } from './cli.ts';
import { defaultColor, joinStdinValues, SCRIPT_NAME, type Io } from './command.ts';
import { reportError } from './errors.ts';

/** The parts of a yargs option definition this parser understands; others make it decline. */
interface OptionSpec {
  type?: 'string' | 'boolean';
  array?: boolean;
  alias?: string | readonly string[];
  choices?: readonly unknown[];
  default?: unknown;
  demandOption?: boolean | string;
  requiresArg?: boolean;
}

// Keys that change only --help: safe to ignore.
const DESCRIPTIVE = new Set(['describe', 'description', 'desc', 'defaultDescription', 'group', 'global', 'hidden']);
const UNDERSTOOD = new Set([
  'type',
  'array',
  'alias',
  'choices',
  'default',
  'demandOption',
  'requiresArg',
  ...DESCRIPTIVE,
]);
// Builder calls that change only --help.
const HELP_ONLY = new Set(['example', 'epilogue', 'epilog', 'usage']);

class Declined extends Error {}

interface Definition {
  options: Map<string, OptionSpec>;
  positionals: Map<string, OptionSpec>;
  checks: ((argv: Record<string, unknown>) => unknown)[];
}

/** Runs a command's builder against a stand-in for yargs that records what it declares. */
function definitionOf(command: AnyCommand): Definition {
  const def: Definition = { options: new Map(), positionals: new Map(), checks: [] };
  const add = (into: Map<string, OptionSpec>, name: string, spec: object): void => {
    for (const key of Object.keys(spec)) if (!UNDERSTOOD.has(key)) throw new Declined(`option key ${key}`);
    const s = spec as OptionSpec;
    if (s.type !== undefined && s.type !== 'string' && s.type !== 'boolean')
      throw new Declined(`type ${String(s.type)}`);
    if (s.array && s.type !== 'string') throw new Declined('array of non-strings');
    // Without a type yargs turns numeric words into numbers; with choices, only listed words pass.
    if (s.type === undefined && !s.choices) throw new Declined(`${name} has no type`);
    into.set(name, s);
  };
  const recorder: object = new Proxy(
    {},
    {
      get(_, method: string) {
        return (...args: unknown[]) => {
          if (method === 'option') add(def.options, args[0] as string, args[1] as object);
          else if (method === 'options')
            for (const [name, spec] of Object.entries(args[0] as object)) add(def.options, name, spec as object);
          else if (method === 'positional') add(def.positionals, args[0] as string, args[1] as object);
          else if (method === 'check') def.checks.push(args[0] as Definition['checks'][number]);
          else if (!HELP_ONLY.has(method)) throw new Declined(`builder calls ${method}`);
          return recorder;
        };
      },
    },
  );
  command.builder(recorder as never);
  return def;
}

const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const aliasesOf = (spec: OptionSpec): readonly string[] =>
  spec.alias === undefined ? [] : typeof spec.alias === 'string' ? [spec.alias] : spec.alias;

/** Sets a value under every name yargs gives it: the option's own, its camelCase and its aliases. */
function put(argv: Record<string, unknown>, name: string, spec: OptionSpec, value: unknown): void {
  for (const key of [name, ...aliasesOf(spec)]) {
    argv[key] = value;
    argv[camel(key)] = value;
  }
}

/**
 * The argv yargs would hand the command for `args` (the words after the program's name), or null
 * where yargs must read the line itself.
 */
export function quickParse(args: readonly string[], command: AnyCommand, io: Io): Record<string, unknown> | null {
  try {
    return parse(joinStdinValues(args), command, io);
  } catch (e) {
    if (e instanceof Declined) return null;
    throw e;
  }
}

function parse(words: string[], command: AnyCommand, io: Io): Record<string, unknown> {
  const [name, ...positionalNames] = command.command.split(' ');
  if (words[0] !== name) throw new Declined('not this command');
  const def = definitionOf(command);
  const options = new Map<string, OptionSpec>([
    ['color', { type: 'boolean', default: defaultColor(io) }],
    ...def.options,
  ]);
  // Every spelling a user may type for an option, to its canonical name.
  const byFlag = new Map<string, string>();
  for (const [opt, spec] of options) {
    byFlag.set(`--${opt}`, opt);
    for (const a of aliasesOf(spec)) byFlag.set(a.length === 1 ? `-${a}` : `--${a}`, opt);
  }

  const given = new Map<string, unknown>();
  const positionals: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const flag = eq === -1 ? word : word.slice(0, eq);
    let opt = byFlag.get(flag);
    let negated = false;
    if (opt === undefined && flag.startsWith('--no-')) {
      opt = byFlag.get(`--${flag.slice(5)}`);
      negated = true;
    }
    // Unknown flags, --help, `--`, bundled short flags (-Aw), camelCase spellings: yargs's to read.
    if (opt === undefined) throw new Declined(`flag ${flag}`);
    const spec = options.get(opt)!;
    if (negated && spec.type !== 'boolean') throw new Declined('--no- of a non-boolean');
    if (given.has(opt) && !spec.array) throw new Declined(`${flag} given twice`);

    if (spec.type === 'boolean') {
      if (eq !== -1) throw new Declined('a boolean with =');
      // yargs reads `--flag true` and `--flag false` as the flag's value.
      if (words[i + 1] === 'true' || words[i + 1] === 'false') throw new Declined('a boolean followed by true/false');
      given.set(opt, !negated);
      continue;
    }
    let value: string;
    if (eq !== -1) value = word.slice(eq + 1);
    else {
      const next = words[i + 1];
      // A missing value, or one that looks like a flag: yargs decides (and says) what it means.
      if (next === undefined || (next.startsWith('-') && next !== '-')) throw new Declined(`${flag} without a value`);
      value = next;
      i++;
    }
    if (spec.choices && !spec.choices.includes(value)) throw new Declined(`${flag} not among its choices`);
    if (spec.array) {
      // yargs lets an array option take the words after its value as well.
      const next = words[i + 1];
      if (next !== undefined && !next.startsWith('-')) throw new Declined(`words after ${flag}'s value`);
      given.set(opt, [...((given.get(opt) as string[] | undefined) ?? []), value]);
    } else given.set(opt, value);
  }

  const argv: Record<string, unknown> = { _: [name], $0: SCRIPT_NAME };
  for (const [opt, spec] of options) {
    if (given.has(opt)) put(argv, opt, spec, given.get(opt));
    else if (spec.demandOption) throw new Declined(`--${opt} missing`);
    else if (spec.default !== undefined) put(argv, opt, spec, spec.default);
  }
  if (positionals.length > positionalNames.length) throw new Declined('more words than the command takes');
  positionalNames.forEach((p, i) => {
    const key = p.replace(/^[<[]|[>\]]$/g, '');
    const spec = def.positionals.get(key);
    if (!spec) throw new Declined(`${key} is not declared`);
    const value = positionals[i];
    if (value === undefined) {
      if (p.startsWith('<') || spec.demandOption) throw new Declined(`${key} missing`);
      if (spec.default !== undefined) put(argv, key, spec, spec.default);
      return;
    }
    if (spec.choices && !spec.choices.includes(value)) throw new Declined(`${key} not among its choices`);
    put(argv, key, spec, value);
  });
  for (const check of def.checks) if (check(argv) !== true) throw new Declined('a check of the command');
  return argv;
}

/**
 * Runs the command `args` name when its line is plainly valid, reporting a failure as the full
 * command line would; null when yargs must read the line (plugin/cli.ts).
 */
export async function runQuick(
  args: readonly string[],
  commands: readonly AnyCommand[],
  io: Io,
): Promise<number | null> {
  const command = commands.find((c) => c.command.split(' ')[0] === args[0]);
  const argv = command ? quickParse(args, command, io) : null;
  if (!command || !argv) return null;
  try {
    return await command.run(argv as never, io);
  } catch (e) {
    return reportError(e, io.stderr, io.env);
  }
}
