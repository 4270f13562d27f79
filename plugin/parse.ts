// The command-line parser: kubectl's habits (pflag's, under cobra) read from the option tables of
// plugin/options.ts. Global flags go anywhere, before the command or after it; short flags glue
// (`-ojson`, `-Aw`, `-o=json`); a flag that takes a value takes the next word whatever it looks
// like (`--horizon -5m`, `-f -`), unless that word is one of the command's own flags; booleans are
// set by their name (`--watch`, `--watch=false`, and `--no-watch` as this tool has always allowed);
// a repeated flag keeps its last value unless it is repeatable; `--` ends the flags. Mistakes are
// one line each, in kubectl's words.
import type { AnyCommand } from './cli.ts';
import { SCRIPT_NAME } from './command.ts';
import { UsageError } from './errors.ts';
import { GLOBAL_OPTIONS, type OptionSpec, type Options } from './options.ts';

/** A command as the line and the help know it before its module is loaded. */
export interface Listed {
  name: string;
  describe: string;
}

/** What the line asks for. */
export type Request =
  | { kind: 'help'; command?: string }
  | { kind: 'version' }
  | { kind: 'run'; command: string; commandIndex: number };

/** A flag's spellings, for messages: `-o, --output`. */
export function flagLabel(name: string, spec: OptionSpec): string {
  return spec.short ? `-${spec.short}, --${name}` : `--${name}`;
}

const BOOLEAN_WORDS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/** The options of a table by their long and short spellings. */
class Table {
  readonly byLong = new Map<string, [string, OptionSpec]>();
  readonly byShort = new Map<string, [string, OptionSpec]>();
  constructor(...tables: Options[]) {
    for (const table of tables)
      for (const [name, spec] of Object.entries(table)) {
        this.byLong.set(name, [name, spec]);
        if (spec.short) this.byShort.set(spec.short, [name, spec]);
      }
  }

  /** Whether `word` is one of these flags as typed (so not a value someone meant to give). */
  isFlag(word: string): boolean {
    if (word.startsWith('--')) {
      const name = word.slice(2).split('=')[0]!;
      return (
        this.byLong.has(name) || (name.startsWith('no-') && this.byLong.get(name.slice(3))?.[1].type === 'boolean')
      );
    }
    return /^-[A-Za-z]/.test(word) && this.byShort.has(word[1]!);
  }
}

const GLOBALS = new Table(GLOBAL_OPTIONS);

/** The help line a mistake points at. */
function seeHelp(command: string | undefined): string {
  return ` (see ${SCRIPT_NAME}${command ? ` ${command}` : ''} --help)`;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest of `names` to a mistyped `word`, as cobra suggests: a prefix, or two edits away. */
export function suggest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = name.startsWith(word) && word.length >= 2 ? 1 : distance(word, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/**
 * Which command the line names, reading only the global flags: the first word that is neither a
 * flag nor a global flag's value. `help [COMMAND]` asks for help as `--help` does.
 */
export function requestOf(words: readonly string[], commands: readonly Listed[]): Request {
  let help = false;
  let version = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') break;
    if (word.startsWith('-') && word !== '-') {
      if (word === '--help' || word === '-h') help = true;
      else if (word === '--version') version = true;
      else if (!word.includes('=') && globalTakesValue(word)) i++;
      else if (!GLOBALS.isFlag(word) && !word.includes('='))
        // A command's own flag before the command: whether the next word is its value or the
        // command's name cannot be told, so the line is refused rather than guessed at.
        throw new UsageError(
          `unknown flag: ${word} (a command's own flags go after its name: ${SCRIPT_NAME} COMMAND ${word} ...)`,
        );
      continue;
    }
    if (word === 'help' && !help) {
      // `help COMMAND`, as cobra has it: the same as `COMMAND --help`.
      const next = words.slice(i + 1).find((w) => !w.startsWith('-'));
      if (next === undefined) return { kind: 'help' };
      help = true;
      continue;
    }
    if (!commands.some((c) => c.name === word)) {
      const guess = suggest(
        word,
        commands.map((c) => c.name),
      );
      throw new UsageError(
        `unknown command "${word}" for "${SCRIPT_NAME}"` +
          `${guess ? `; did you mean "${guess}"?` : ''}${seeHelp(undefined)}`,
      );
    }
    const rest = words.slice(i + 1);
    const end = rest.indexOf('--');
    const flags = end === -1 ? rest : rest.slice(0, end);
    if (help || flags.includes('--help') || flags.includes('-h')) return { kind: 'help', command: word };
    if (version || flags.includes('--version')) return { kind: 'version' };
    return { kind: 'run', command: word, commandIndex: i };
  }
  if (version && !help) return { kind: 'version' };
  return { kind: 'help' };
}

/** Whether a global flag typed alone (`--kubeconfig`, `-n`, `-sA`...) takes the next word. */
function globalTakesValue(word: string): boolean {
  if (word.startsWith('--')) return GLOBALS.byLong.get(word.slice(2))?.[1].type === 'string';
  // A glued group of shorts: the first one that takes a value takes the rest, or the next word.
  for (let j = 1; j < word.length; j++) {
    const spec = GLOBALS.byShort.get(word[j]!)?.[1];
    if (!spec) return false;
    if (spec.type === 'string') return j === word.length - 1;
  }
  return false;
}

/** The parsed line: each option by its declared name, each positional by its name. */
export type Parsed = Record<string, unknown>;

/**
 * Reads the whole line for `command` (its own options and the global ones), the command's name at
 * `commandIndex` left out. Defaults are filled in; `color` is left out unless given.
 */
export function parseCommandLine(words: readonly string[], commandIndex: number, command: AnyCommand): Parsed {
  const table = new Table(GLOBAL_OPTIONS, command.options);
  const see = seeHelp(command.name);
  const values = new Map<string, unknown>();
  const positionals: string[] = [];

  const set = (name: string, spec: OptionSpec, raw: string | boolean): void => {
    if (spec.type === 'boolean') {
      values.set(name, raw);
      return;
    }
    const parts = spec.split ? String(raw).split(',') : [String(raw)];
    for (const part of parts) {
      if (spec.choices && !spec.choices.includes(part))
        throw new UsageError(
          `invalid argument "${part}" for "${flagLabel(name, spec)}" flag: must be one of ` +
            `${spec.choices.join(', ')}${see}`,
        );
    }
    if (spec.multiple) values.set(name, [...((values.get(name) as string[] | undefined) ?? []), ...parts]);
    else values.set(name, raw);
  };
  const booleanOf = (name: string, spec: OptionSpec, text: string): boolean => {
    const value = BOOLEAN_WORDS[text];
    if (value === undefined)
      throw new UsageError(
        `invalid argument "${text}" for "${flagLabel(name, spec)}" flag: must be true or false${see}`,
      );
    return value;
  };

  for (let i = 0; i < words.length; i++) {
    if (i === commandIndex) continue;
    const word = words[i]!;
    /** The next word as the value of `flag`, unless there is none or it is a flag itself. */
    const valueAfter = (flag: string): string => {
      const next = i + 1 === commandIndex ? words[i + 2] : words[i + 1];
      if (next === undefined || next === '--' || table.isFlag(next))
        throw new UsageError(`flag needs an argument: ${flag}${see}`);
      i += i + 1 === commandIndex ? 2 : 1;
      return next;
    };

    if (word === '--') {
      positionals.push(...words.slice(i + 1).filter((_, j) => i + 1 + j !== commandIndex));
      break;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      const inline = eq === -1 ? undefined : word.slice(eq + 1);
      const entry = table.byLong.get(name);
      if (!entry && name.startsWith('no-') && inline === undefined) {
        const positive = table.byLong.get(name.slice(3));
        if (positive?.[1].type === 'boolean') {
          values.set(positive[0], false);
          continue;
        }
      }
      if (!entry) {
        const guess = suggest(name, [...table.byLong.keys()]);
        throw new UsageError(`unknown flag: --${name}${guess ? `; did you mean --${guess}?` : ''}${see}`);
      }
      const [canonical, spec] = entry;
      if (spec.type === 'boolean')
        set(canonical, spec, inline === undefined ? true : booleanOf(canonical, spec, inline));
      else set(canonical, spec, inline ?? valueAfter(`--${name}`));
      continue;
    }
    if (word.startsWith('-') && word !== '-') {
      // A glued group: booleans (-Aw) up to the first flag that takes a value, which takes the
      // rest of the word (-ojson, -o=json) or, at the end, the next word.
      for (let j = 1; j < word.length; j++) {
        const letter = word[j]!;
        const entry = table.byShort.get(letter);
        if (!entry) throw new UsageError(`unknown shorthand flag: '${letter}' in ${word}${see}`);
        const [canonical, spec] = entry;
        if (spec.type === 'boolean') {
          if (word[j + 1] === '=') {
            set(canonical, spec, booleanOf(canonical, spec, word.slice(j + 2)));
            break;
          }
          set(canonical, spec, true);
          continue;
        }
        const rest = word.slice(j + 1).replace(/^=/, '');
        set(canonical, spec, rest !== '' ? rest : valueAfter(`-${letter}`));
        break;
      }
      continue;
    }
    positionals.push(word);
  }

  const parsed: Parsed = {};
  for (const [name, spec] of Object.entries({ ...GLOBAL_OPTIONS, ...command.options }) as [string, OptionSpec][]) {
    if (values.has(name)) parsed[name] = values.get(name);
    else if (spec.required !== undefined) throw new UsageError(`${spec.required}${see}`);
    else if (spec.default !== undefined) parsed[name] = spec.default;
    else if (spec.multiple) parsed[name] = [];
    else if (spec.type === 'boolean' && name !== 'color') parsed[name] = false;
  }

  const specs = command.positionals;
  if (positionals.length > specs.length) {
    const extra = positionals.slice(specs.length).map((p) => `"${p}"`);
    const takes =
      specs.length === 0 ? 'takes no arguments' : `takes ${specs.map((p) => p.name.toUpperCase()).join(' ')}`;
    throw new UsageError(
      `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.join(' ')}: ${command.name} ${takes}${see}`,
    );
  }
  specs.forEach((p, k) => {
    const value = positionals[k];
    if (value === undefined) {
      if (p.required)
        throw new UsageError(
          `${command.name} needs ${p.name.toUpperCase()}: ${lowerFirst(p.describe)} (${SCRIPT_NAME} ` +
            `${command.name} ${usageOfPositionals(command)})`,
        );
      return;
    }
    if (p.choices && !p.choices.includes(value))
      throw new UsageError(
        `invalid argument "${value}" for ${p.name.toUpperCase()}: must be one of ${p.choices.join(', ')}${see}`,
      );
    parsed[p.name] = value;
  });
  return parsed;
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** `NAME`, `[NAME]`, `bash|zsh|fish|powershell`: the positionals as the usage line shows them. */
export function usageOfPositionals(command: AnyCommand): string {
  return command.positionals
    .map((p) => {
      const word = p.choices ? p.choices.join('|') : p.name.toUpperCase();
      return p.required ? word : `[${word}]`;
    })
    .join(' ');
}
