// The hidden `__complete` entry: kubectl_complete-promotion and the shell scripts of
// `kubectl promotion completion` call `kubectl-promotion __complete <words...>`.
import type { AnyCommand } from '../cli.ts';
import type { Io } from '../command.ts';
import { describeCommands, globalFlags } from './commands.ts';
import { complete, formatCompletion } from './complete.ts';
import type { PromotionSource } from './complete.ts';

export const COMPLETE_COMMAND = '__complete';

export async function runComplete(
  words: string[],
  commands: readonly AnyCommand[],
  io: Io,
  /** livePromotions(io.env) (./promotions.ts) in the real command. */
  source: PromotionSource,
): Promise<number> {
  // A shell passes no word at all when completing right after the command name.
  const result = await complete(words.length > 0 ? words : [''], describeCommands(commands), globalFlags(), source);
  io.stdout.write(formatCompletion(result));
  return 0;
}
