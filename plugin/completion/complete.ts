// Completes one word of a `kubectl-promotion` command line: command names, flags, flag values
// (choices, files, promotion and stage names) and positionals. The answer is in the format
// kubectl reads from kubectl_complete-<plugin> (Cobra's): one candidate per line, optionally
// followed by a tab and a description, then `:<directive>`.
import { clusterFlagsOf } from '../../src/kube/flags.ts';
import type { ClusterFlags } from '../../src/kube/flags.ts';
import type { Completer } from '../options.ts';
import type { CommandInfo, FlagInfo } from './commands.ts';

/** Cobra's ShellCompDirective bits, which kubectl hands on to the shell. */
export const Directive = {
  /** Candidates as given; with none, the shell completes file names. */
  Default: 0,
  NoFileComp: 4,
} as const;

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  directive: number;
}

export interface PromotionInfo {
  name: string;
  stages: string[];
}

/**
 * Where promotion and stage names come from (the current context, in the real command). `flags`
 * are the connection flags typed on the line being completed (--kubeconfig, --context...): kubectl
 * refuses its own flags before a plugin's name and passes none to the plugin's completion.
 */
export type PromotionSource = (flags: ClusterFlags) => Promise<PromotionInfo[]>;

function byPrefix(candidates: Candidate[], prefix: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(prefix));
}

function flagCandidates(flags: FlagInfo[]): Candidate[] {
  return flags.flatMap((f) => [
    { value: f.onByDefault ? `--no-${f.name}` : `--${f.name}`, description: f.description },
    ...(f.short ? [{ value: `-${f.short}`, description: f.description }] : []),
  ]);
}

function longFlag(flags: FlagInfo[], word: string): FlagInfo | undefined {
  const name = word.slice(2).split('=')[0]!;
  return flags.find((f) => f.name === name);
}

function shortFlag(flags: FlagInfo[], letter: string): FlagInfo | undefined {
  return flags.find((f) => f.short === letter);
}

interface Parsed {
  command?: CommandInfo;
  /** The first word that named no command: nothing more to complete. */
  unknown?: string;
  /** Positional words after the command, before the word being completed. */
  positionals: string[];
  /** Flag values seen so far, by flag name. */
  values: Map<string, string>;
  /** The flag whose value is being completed, if the previous word is one. */
  pendingFlag?: FlagInfo;
}

/** The flags a word may be at this point: the command's own, then those of every command. */
function flagsAt(command: CommandInfo | undefined, globals: FlagInfo[]): FlagInfo[] {
  return [...(command?.flags ?? []), ...globals];
}

// Reads the words before the one being completed as the parser (plugin/parse.ts) reads them.
function parse(words: string[], commands: CommandInfo[], globals: FlagInfo[]): Parsed {
  const parsed: Parsed = { positionals: [], values: new Map() };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const flags = flagsAt(parsed.command, globals);
    if (w === '--') break;
    // The flag that takes a value, and the value when it is in this word (--f=v, -fv, -f=v).
    let flag: FlagInfo | undefined;
    let inline: string | undefined;
    if (w.startsWith('--')) {
      flag = longFlag(flags, w);
      if (w.includes('=')) inline = w.slice(w.indexOf('=') + 1);
    } else if (w.startsWith('-') && w !== '-') {
      for (let j = 1; j < w.length; j++) {
        const f = shortFlag(flags, w[j]!);
        if (!f?.takesValue) continue;
        flag = f;
        const rest = w.slice(j + 1).replace(/^=/, '');
        if (rest !== '') inline = rest;
        break;
      }
    } else if (!parsed.command) {
      parsed.command = commands.find((c) => c.name === w);
      if (!parsed.command) {
        parsed.unknown = w;
        return parsed;
      }
      continue;
    } else {
      parsed.positionals.push(w);
      continue;
    }
    if (!flag?.takesValue) continue;
    if (inline !== undefined) parsed.values.set(flag.name, inline);
    else if (i === words.length - 1) parsed.pendingFlag = flag;
    else parsed.values.set(flag.name, words[++i]!);
  }
  return parsed;
}

async function valuesOf(
  completer: Completer | undefined,
  choices: readonly string[],
  parsed: Parsed,
  source: PromotionSource,
): Promise<Completion> {
  if (choices.length > 0) return { candidates: choices.map((value) => ({ value })), directive: Directive.NoFileComp };
  if (completer?.kind === 'file') return { candidates: [], directive: Directive.Default };
  if (completer?.kind === 'promotion') {
    const promotions = await source(clusterFlagsOf(Object.fromEntries(parsed.values)));
    return { candidates: promotions.map((p) => ({ value: p.name })), directive: Directive.NoFileComp };
  }
  if (completer?.kind === 'stage') {
    // The promotion is the command's promotion argument (or a --promotion flag) given before.
    const at = parsed.command?.positionals.findIndex((p) => p.complete?.kind === 'promotion') ?? -1;
    const promotionName = parsed.values.get('promotion') ?? (at >= 0 ? parsed.positionals[at] : undefined);
    const promotions = await source(clusterFlagsOf(Object.fromEntries(parsed.values)));
    const stages = promotions
      .filter((p) => promotionName === undefined || p.name === promotionName)
      .flatMap((p) => p.stages);
    const values = [...(completer.words ?? []), ...[...new Set(stages)].map((s) => `${completer.prefix ?? ''}${s}`)];
    return { candidates: values.map((value) => ({ value })), directive: Directive.NoFileComp };
  }
  return { candidates: [], directive: Directive.NoFileComp };
}

function flagValues(flag: FlagInfo, parsed: Parsed, source: PromotionSource): Promise<Completion> {
  return valuesOf(flag.complete, flag.choices, parsed, source);
}

/** Candidates for the part of `current` after `prefix`, given back whole. */
async function after(prefix: string, current: string, result: Promise<Completion>): Promise<Completion> {
  const { candidates, directive } = await result;
  return {
    candidates: byPrefix(
      candidates.map((c) => ({ ...c, value: prefix + c.value })),
      current,
    ),
    directive,
  };
}

/**
 * Completes the last of `words` (the words typed after `kubectl-promotion`; the last is the
 * partial word, empty when a new word starts). `globals` are the flags every command takes; the
 * cluster ones are offered where they matter (before a command, and for the commands that talk
 * to a cluster), though every command takes them.
 */
export async function complete(
  words: string[],
  commands: CommandInfo[],
  globals: FlagInfo[],
  source: PromotionSource,
): Promise<Completion> {
  const current = words.at(-1) ?? '';
  const parsed = parse(words.slice(0, -1), commands, globals);
  const none: Completion = { candidates: [], directive: Directive.NoFileComp };
  if (parsed.unknown !== undefined) return none;
  const flags = flagsAt(parsed.command, globals);

  if (parsed.pendingFlag) return after('', current, flagValues(parsed.pendingFlag, parsed, source));
  // --flag=partial
  const eq = current.indexOf('=');
  if (current.startsWith('--') && eq > 0) {
    const flag = longFlag(flags, current);
    if (!flag?.takesValue) return none;
    return after(current.slice(0, eq + 1), current, flagValues(flag, parsed, source));
  }
  // -opartial, as kubectl's -ojson
  if (/^-[A-Za-z]./.test(current)) {
    const flag = shortFlag(flags, current[1]!);
    if (flag?.takesValue) {
      const prefix = current[2] === '=' ? current.slice(0, 3) : current.slice(0, 2);
      return after(prefix, current, flagValues(flag, parsed, source));
    }
  }
  if (current.startsWith('-')) {
    const offered = parsed.command && !parsed.command.cluster ? globals.filter((g) => !g.cluster) : globals;
    return {
      candidates: byPrefix(flagCandidates([...(parsed.command?.flags ?? []), ...offered]), current),
      directive: Directive.NoFileComp,
    };
  }
  if (!parsed.command) {
    return {
      candidates: byPrefix(
        commands.map((c) => ({ value: c.name, description: c.description })),
        current,
      ),
      directive: Directive.NoFileComp,
    };
  }
  const positional = parsed.command.positionals[parsed.positionals.length];
  if (positional === undefined) return none;
  return after('', current, valuesOf(positional.complete, positional.choices, parsed, source));
}

/** The lines kubectl (and our shell scripts) read: `value<TAB>description`, then `:directive`. */
export function formatCompletion(result: Completion): string {
  const lines = result.candidates.map((c) => {
    const description = c.description?.split('\n')[0]?.trim();
    return description ? `${c.value}\t${description}` : c.value;
  });
  return `${[...lines, `:${result.directive}`].join('\n')}\n`;
}
