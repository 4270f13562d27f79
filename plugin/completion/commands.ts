// What completion knows about the command line: each command's name, positionals and flags, read
// from the option tables the line is parsed with (plugin/options.ts), so completion never drifts
// from the parser.
import type { AnyCommand } from '../cli.ts';
import { CLUSTER_OPTIONS, PROGRAM_OPTIONS, type Completer, type OptionSpec, type Options } from '../options.ts';

export interface FlagInfo {
  /** Long name, without dashes. */
  name: string;
  /** The one-letter spelling, without the dash. */
  short?: string;
  description: string;
  /** False for a boolean flag, which never takes the next word. */
  takesValue: boolean;
  choices: readonly string[];
  complete?: Completer;
  /** One of kubectl's connection flags. */
  cluster?: boolean;
  /** A boolean on by default: offered as `--no-NAME`, the spelling that changes something. */
  onByDefault?: boolean;
}

export interface PositionalInfo {
  name: string;
  choices: readonly string[];
  complete?: Completer;
}

export interface CommandInfo {
  name: string;
  description: string;
  /** Talks to a cluster (the connection flags are offered). */
  cluster: boolean;
  positionals: PositionalInfo[];
  flags: FlagInfo[];
}

function flagInfo(name: string, spec: OptionSpec): FlagInfo {
  return {
    name,
    ...(spec.short ? { short: spec.short } : {}),
    description: spec.describe,
    takesValue: spec.type === 'string',
    choices: spec.choices ?? [],
    ...(spec.complete ? { complete: spec.complete } : {}),
    ...(spec.type === 'boolean' && spec.default === true ? { onByDefault: true } : {}),
  };
}

function flagsOf(options: Options): FlagInfo[] {
  return Object.entries(options).map(([name, spec]) => flagInfo(name, spec));
}

/** The flags every command takes, in any position. */
export function globalFlags(): FlagInfo[] {
  return [...flagsOf(PROGRAM_OPTIONS), ...flagsOf(CLUSTER_OPTIONS).map((f) => ({ ...f, cluster: true }))];
}

export function describeCommands(commands: readonly AnyCommand[]): CommandInfo[] {
  return commands.map((c) => ({
    name: c.name,
    description: c.describe,
    cluster: c.cluster === true,
    positionals: c.positionals.map((p) => ({
      name: p.name,
      choices: p.choices ?? [],
      ...(p.complete ? { complete: p.complete } : {}),
    })),
    flags: flagsOf(c.options),
  }));
}
