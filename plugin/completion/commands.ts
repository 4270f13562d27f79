// What completion knows about the command line: each command's name, positionals and flags, read
// from the same yargs builders the commands are parsed with, so completion never drifts from them.
import yargs from 'yargs';
import type { Argv } from 'yargs';
import type { AnyCommand } from '../cli.ts';

export interface FlagInfo {
  /** Long name, without dashes. */
  name: string;
  /** One-letter and other aliases, without dashes. */
  aliases: string[];
  description: string;
  /** False for a boolean (or count) flag, which never takes the next word. */
  takesValue: boolean;
  choices: string[];
  /** yargs' normalize: the value is a path. */
  isPath: boolean;
}

export interface CommandInfo {
  name: string;
  description: string;
  /** Positional names in order; the last may be variadic. */
  positionals: string[];
  variadic: boolean;
  /** Positionals that take one of a fixed list of values. */
  positionalChoices: Record<string, string[]>;
  flags: FlagInfo[];
}

// yargs marks its own built-in descriptions this way.
const YARGS_STRING = '__yargsString__:';

// yargs' getOptions(), which its type definitions leave out.
interface YargsOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
  count?: string[];
  normalize: string[];
  choices: Record<string, unknown[]>;
  hiddenOptions?: string[];
}

function optionsOf(y: Argv): YargsOptions {
  return (y as unknown as { getOptions(): YargsOptions }).getOptions();
}

function flagsOf(y: Argv, exclude: ReadonlySet<string>): FlagInfo[] {
  const o = optionsOf(y);
  const descriptions = (
    y as unknown as {
      getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } };
    }
  )
    .getInternalMethods()
    .getUsageInstance()
    .getDescriptions();
  const noValue = new Set([...o.boolean, ...(o.count ?? [])]);
  // yargs records aliases in whichever direction they were declared (alias('h', 'help') files
  // 'help' under 'h'), and lists an option once per name: group the names, keep the first seen.
  const groups = new Map<string, Set<string>>();
  for (const [k, vs] of Object.entries(o.alias)) {
    const group = new Set([k, ...vs]);
    for (const m of [...group]) for (const x of groups.get(m) ?? []) group.add(x);
    for (const m of group) groups.set(m, group);
  }
  const aliasesOf = (k: string) => [...(groups.get(k) ?? [])].filter((a) => a !== k);
  const seen = new Set<string>();
  const canonical = Object.keys(o.key).filter((k) => {
    if (seen.has(k)) return false;
    seen.add(k);
    for (const a of aliasesOf(k)) seen.add(a);
    return true;
  });
  return canonical
    .filter((k) => !exclude.has(k) && k !== 'version' && !(o.hiddenOptions ?? []).includes(k))
    .map((name) => ({
      name,
      aliases: aliasesOf(name),
      description: (descriptions[name] ?? '').replace(YARGS_STRING, ''),
      takesValue: !noValue.has(name),
      choices: (o.choices[name] ?? []).map(String),
      isPath: o.normalize.includes(name),
    }));
}

function positionalsOf(command: string): { names: string[]; variadic: boolean } {
  const names: string[] = [];
  let variadic = false;
  for (const m of command.matchAll(/[<[]([^\]>]+)[\]>]/g)) {
    const raw = m[1]!;
    if (raw.endsWith('..')) variadic = true;
    names.push(raw.replace(/\.\.$/, '').split('|')[0]!);
  }
  return { names, variadic };
}

/** The flags every command has (cli.ts's global options and help). */
export function globalFlags(): FlagInfo[] {
  const y = yargs([])
    .option('color', { type: 'boolean', describe: 'Color the output (--no-color turns it off)' })
    .help()
    .alias('h', 'help');
  return flagsOf(y, new Set());
}

export function describeCommands(commands: readonly AnyCommand[]): CommandInfo[] {
  const globals = new Set(globalFlags().map((f) => f.name));
  return commands.map((c) => {
    const { names, variadic } = positionalsOf(c.command);
    const y = yargs([]);
    c.builder(y as never);
    const choices = optionsOf(y).choices;
    return {
      name: c.command.split(' ')[0]!,
      description: c.describe,
      positionals: names,
      variadic,
      positionalChoices: Object.fromEntries(names.filter((n) => choices[n]).map((n) => [n, choices[n]!.map(String)])),
      flags: flagsOf(y, new Set([...names, ...globals, 'help'])),
    };
  });
}
