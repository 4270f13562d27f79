// Runs the command line in-process with captured streams.
import { Readable } from 'node:stream';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type AnyCommand } from '../../plugin/cli.ts';
import type { Io } from '../../plugin/command.ts';
import lint from '../../plugin/commands/lint/index.ts';
import version from '../../plugin/commands/version/index.ts';

export const COMMANDS: readonly AnyCommand[] = [lint, version];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; tty?: boolean; columns?: number } = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: Object.assign(
      { write: (t: string) => (stdout += t), isTTY: opts.tty ?? false },
      opts.columns ? { columns: opts.columns } : {},
    ),
    stderr: { write: (t: string) => (stderr += t) },
    stdin: Readable.from([opts.stdin ?? '']),
    env: opts.env ?? {},
  };
  const code = await runCli(args, COMMANDS, io);
  return { code, stdout, stderr };
}

/** Writes the files into a fresh temporary directory; returns their paths by name. */
export async function files(contents: Record<string, string>): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'kubectl-promotion-'));
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(contents)) {
    out[name] = join(dir, name);
    await writeFile(out[name]!, text);
  }
  return out;
}

export const GOOD = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata:
  name: demo
spec:
  profileSpec:
    syncMode: Continuous
  stages:
  - name: staging
    clusterSelector:
      matchLabels: {env: staging}
    trigger:
      auto: {delay: 5m}
  - name: production
    clusterSelector:
      matchLabels: {env: production}
`;

/** GOOD with both triggers on stage 1 (trigger at 15:5) and a bad delay (its value at 16:21). */
export const BAD = GOOD.replace('    trigger:\n      auto: {delay: 5m}\n', '').replace(
  '      matchLabels: {env: production}\n',
  '      matchLabels: {env: production}\n    trigger:\n      auto: {delay: 5 min}\n      manual: {approved: true}\n',
);

export const FLEET = `apiVersion: kubectl-promotion.dev/v1alpha1
kind: Fleet
clusters:
- name: staging-1
  labels: {env: staging}
- name: prod-{i}
  count: 3
  labels: {env: production}
- name: forgotten
  labels: {env: qa}
`;
