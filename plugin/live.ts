// What every live command (list, get, watch, approve, revoke, status, gates) shares on the command
// line: the promotion argument, the client kubectl's connection flags make, the exit codes in --help, and the clock
// and timers, which tests replace so that nothing waits on the wall clock.
import { homedir } from 'node:os';
import { KubeClient, type ClientOptions } from '../src/kube/client.ts';
import type { LiveFleetOptions } from '../src/live/fleet.ts';
import { EXIT_API, LiveError } from '../src/kube/errors.ts';
import { clusterFlagsOf } from '../src/kube/flags.ts';
import { realTimers, type Timers } from '../src/kube/informer.ts';
import { resolveConnection } from '../src/kube/kubeconfig.ts';
import type { Io } from './command.ts';
import type { PositionalSpec } from './options.ts';
import { ExitError } from './errors.ts';

/** What a live command needs from the world besides the cluster; tests pass their own. */
export interface LiveDeps {
  timers: Timers;
  /** Stops a command that would run until interrupted (watch, list -w); Ctrl-C by default. */
  interrupted(): AbortSignal;
  /** How the client waits between retries; tests make it instant. */
  client?: ClientOptions;
  /**
   * How soon a silent server is noticed (LiveFleet). Tests that jump their fake clock past real
   * requests in flight lengthen the bound on an answer, which such a jump would otherwise cut short.
   */
  pulse?: LiveFleetOptions['pulse'];
}

export const realDeps: LiveDeps = {
  timers: realTimers,
  interrupted() {
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return controller.signal;
  },
};

/** The NAME of the ClusterPromotion a command acts on. */
export const PROMOTION_ARGUMENT = {
  name: 'name',
  required: true,
  complete: { kind: 'promotion' },
  describe: 'The ClusterPromotion',
} as const satisfies PositionalSpec;

/** The client for the cluster the flags (and KUBECONFIG, ~/.kube/config) point at. */
export function connect(args: object, io: Io, deps: LiveDeps = realDeps): KubeClient {
  const connection = resolveConnection(clusterFlagsOf(args as Record<string, unknown>), {
    env: io.env,
    home: io.env['HOME'] ?? homedir(),
    serviceAccountPrefix: '',
  });
  return new KubeClient(connection, { userAgent: 'kubectl-promotion', now: () => deps.timers.now(), ...deps.client });
}

/** Runs a command body, turning its one-line failures into the exit codes documented. */
export async function live(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof LiveError) throw new ExitError(e.message, e.exitCode);
    throw e;
  }
}

export const API_EXIT_LINE =
  `  ${EXIT_API}  API error: server unreachable, credentials refused, forbidden ` +
  `(RBAC), or no ClusterPromotion API`;

/** The `Exit codes:` paragraph of a live command's --help, in the order of the codes. */
export function exitCodes(
  ok: string,
  more: readonly string[] = [],
  badInput = 'bad input: an unknown flag, stage or output format',
): string {
  return ['Exit codes:', `  0  ${ok}`, `  1  ${badInput}`, ...more, API_EXIT_LINE].join('\n');
}

/** A y/n question on the terminal; anything but y or yes is a no. */
export async function askYesNo(io: Io, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  const answer = await readLine(io.stdin);
  return /^\s*y(es)?\s*$/i.test(answer);
}

function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const nl = text.indexOf('\n');
      if (nl !== -1) finish(text.slice(0, nl));
    };
    const onEnd = () => finish(text);
    const finish = (line: string) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      resolve(line);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.resume();
  });
}

/** Whether both ends are a person at a terminal (a prompt makes sense, the live view can draw). */
export function interactive(io: Io): boolean {
  return io.stdout.isTTY === true && (io.stdin as NodeJS.ReadStream).isTTY === true;
}
