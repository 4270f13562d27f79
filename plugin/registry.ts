// Every command of `kubectl promotion`. A kubectl plugin must start as fast as kubectl, so a
// command's module (and with it Ink, the Kubernetes client, the Lua VM...) is loaded only when that
// command runs: the others are known here by name and description alone, enough for `--help` and
// to point out a typo. To add a command, add a line to COMMANDS.
import type { AnyCommand } from './cli.ts';

export interface CommandEntry {
  name: string;
  /** The module's own `describe`, repeated so that listing commands loads none of them. */
  describe: string;
  load(): Promise<{ default: AnyCommand }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'approve',
    describe: 'Approve the stage of a ClusterPromotion that waits for approval (or --stage S, even ahead of its gate)',
    load: () => import('./commands/approve/index.ts'),
  },
  {
    name: 'completion',
    describe: 'Print a shell completion script for kubectl-promotion',
    load: () => import('./commands/completion/index.ts'),
  },
  {
    name: 'controller',
    describe: 'Run the ClusterPromotion controller: advance every promotion for real (HA with a Lease)',
    load: () => import('./commands/controller/index.ts'),
  },
  {
    name: 'gates',
    describe: 'Every stage waiting for manual approval, across all ClusterPromotions, longest wait first',
    load: () => import('./commands/gates/index.ts'),
  },
  {
    name: 'get',
    describe: 'Show one ClusterPromotion as a tree of its stages (what watch shows, printed once)',
    load: () => import('./commands/get/index.ts'),
  },
  {
    name: 'lint',
    describe: 'Check ClusterPromotion files: errors exit 1, warnings alone exit 0',
    load: () => import('./commands/lint/index.ts'),
  },
  {
    name: 'list',
    describe: 'List ClusterPromotions: current stage, phase, clusters deployed, what each waits for',
    load: () => import('./commands/list/index.ts'),
  },
  {
    name: 'revoke',
    describe: "Take back a stage's approval before the controller acts on it",
    load: () => import('./commands/revoke/index.ts'),
  },
  {
    name: 'simulate',
    describe: 'Rehearse a promotion against a fake fleet on a virtual clock (exit 0 completed, 2 failed, 3 waiting)',
    load: () => import('./commands/simulate/index.ts'),
  },
  {
    name: 'status',
    describe:
      'Wait until a ClusterPromotion completes, reaches a manual gate or deploys a stage; the exit code ' +
      'says how it ended',
    load: () => import('./commands/status/index.ts'),
  },
  {
    name: 'test',
    describe: 'Run RolloutTests: scripted events and expectations on the virtual clock (exit 0 all pass, 1 any fails)',
    load: () => import('./commands/test/index.ts'),
  },
  {
    name: 'version',
    describe: 'Print the version of kubectl-promotion, the commit it was built from and the Node.js version',
    load: () => import('./commands/version/index.ts'),
  },
  {
    name: 'watch',
    describe:
      'Follow a ClusterPromotion live in the terminal view (all of them without NAME); a line per ' +
      'transition when not on a terminal',
    load: () => import('./commands/watch/index.ts'),
  },
];

/** The command of that name, loaded. */
export async function loadCommand(name: string, entries: readonly CommandEntry[] = COMMANDS): Promise<AnyCommand> {
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new Error(`no command ${name}`);
  return (await entry.load()).default;
}

export async function loadAll(entries: readonly CommandEntry[] = COMMANDS): Promise<AnyCommand[]> {
  return Promise.all(entries.map(async (e) => (await e.load()).default));
}
