// Completes one word of a `kubectl-promotion` command line: command names, flags, flag values
// (choices, files, promotion and stage names) and positionals. The answer is in the format
// kubectl reads from kubectl_complete-<plugin> (Cobra's): one candidate per line, optionally
// followed by a tab and a description, then `:<directive>`.
import { clusterFlagsOf } from '../../src/kube/flags.ts';
import type { ClusterFlags } from '../../src/kube/flags.ts';
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

// Positional and flag names that hold a promotion, a stage or a file, across commands.
const PROMOTION = /^(promotion|promotions|name)$/;
const STAGE = /^(stage|stages)$/;
const PATH = /(file|filename|files|fleet|path|kubeconfig|dir)$/i;

function byPrefix(candidates: Candidate[], prefix: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(prefix));
}

function flagCandidates(flags: FlagInfo[]): Candidate[] {
  return flags.flatMap((f) => [
    { value: `--${f.name}`, description: f.description },
    ...f.aliases.map((a) => ({ value: a.length === 1 ? `-${a}` : `--${a}`, description: f.description })),
  ]);
}

function findFlag(flags: FlagInfo[], word: string): FlagInfo | undefined {
  const name = word.replace(/^--?/, '').split('=')[0]!;
  return flags.find((f) => f.name === name || f.aliases.includes(name));
}

interface Parsed {
  command?: CommandInfo;
  /** Positional words after the command, before the word being completed. */
  positionals: string[];
  /** Flag values seen so far, by flag name. */
  values: Map<string, string>;
  /** The flag whose value is being completed, if the previous word is one. */
  pendingFlag?: FlagInfo;
}

function parse(words: string[], commands: CommandInfo[], globals: FlagInfo[]): Parsed {
  const parsed: Parsed = { positionals: [], values: new Map() };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const flags = [...(parsed.command?.flags ?? []), ...globals];
    if (w === '--') break;
    if (w.startsWith('-')) {
      const flag = findFlag(flags, w);
      if (flag?.takesValue && !w.includes('=')) {
        if (i === words.length - 1) parsed.pendingFlag = flag;
        else parsed.values.set(flag.name, words[++i]!);
      } else if (flag && w.includes('=')) {
        parsed.values.set(flag.name, w.slice(w.indexOf('=') + 1));
      }
    } else if (!parsed.command) {
      parsed.command = commands.find((c) => c.name === w);
      if (!parsed.command) return parsed;
    } else {
      parsed.positionals.push(w);
    }
  }
  return parsed;
}

async function valuesFor(name: string, parsed: Parsed, source: PromotionSource): Promise<Completion | undefined> {
  const connection = clusterFlagsOf(Object.fromEntries(parsed.values));
  if (PROMOTION.test(name)) {
    const promotions = await source(connection);
    return { candidates: promotions.map((p) => ({ value: p.name })), directive: Directive.NoFileComp };
  }
  if (STAGE.test(name)) {
    const promotionName = parsed.values.get('promotion') ?? parsed.positionals[0];
    const promotions = await source(connection);
    const stages = promotions
      .filter((p) => promotionName === undefined || p.name === promotionName)
      .flatMap((p) => p.stages);
    return { candidates: [...new Set(stages)].map((value) => ({ value })), directive: Directive.NoFileComp };
  }
  if (PATH.test(name)) return { candidates: [], directive: Directive.Default };
  return undefined;
}

/**
 * Completes the last of `words` (the words typed after `kubectl-promotion`; the last is the
 * partial word, empty when a new word starts).
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

  if (words.length > 1 && !parsed.command && !words.slice(0, -1).every((w) => w.startsWith('-'))) return none;
  const flags = [...(parsed.command?.flags ?? []), ...globals];

  // --flag=partial
  const eq = current.indexOf('=');
  if (current.startsWith('--') && eq > 0) {
    const flag = findFlag(flags, current);
    if (!flag?.takesValue) return none;
    const result = await flagValues(flag, parsed, source);
    const prefix = current.slice(0, eq + 1);
    return {
      candidates: byPrefix(
        result.candidates.map((c) => ({ ...c, value: prefix + c.value })),
        current,
      ),
      directive: result.directive,
    };
  }
  if (parsed.pendingFlag) {
    const result = await flagValues(parsed.pendingFlag, parsed, source);
    return { candidates: byPrefix(result.candidates, current), directive: result.directive };
  }
  if (current.startsWith('-'))
    return { candidates: byPrefix(flagCandidates(flags), current), directive: Directive.NoFileComp };
  if (!parsed.command) {
    return {
      candidates: byPrefix(
        commands.map((c) => ({ value: c.name, description: c.description })),
        current,
      ),
      directive: Directive.NoFileComp,
    };
  }
  const { positionals, variadic } = parsed.command;
  const index = parsed.positionals.length;
  const name = positionals[index] ?? (variadic ? positionals.at(-1) : undefined);
  if (name === undefined) return none;
  const choices = parsed.command.positionalChoices[name];
  if (choices)
    return {
      candidates: byPrefix(
        choices.map((value) => ({ value })),
        current,
      ),
      directive: Directive.NoFileComp,
    };
  const result = await valuesFor(name, parsed, source);
  return result ? { candidates: byPrefix(result.candidates, current), directive: result.directive } : none;
}

async function flagValues(flag: FlagInfo, parsed: Parsed, source: PromotionSource): Promise<Completion> {
  if (flag.choices.length > 0)
    return { candidates: flag.choices.map((value) => ({ value })), directive: Directive.NoFileComp };
  if (flag.isPath) return { candidates: [], directive: Directive.Default };
  return (await valuesFor(flag.name, parsed, source)) ?? { candidates: [], directive: Directive.NoFileComp };
}

/** The lines kubectl (and our shell scripts) read: `value<TAB>description`, then `:directive`. */
export function formatCompletion(result: Completion): string {
  const lines = result.candidates.map((c) => {
    const description = c.description?.split('\n')[0]?.trim();
    return description ? `${c.value}\t${description}` : c.value;
  });
  return `${[...lines, `:${result.directive}`].join('\n')}\n`;
}
