// `simulate --serve`: the rehearsal behind a Kubernetes API on loopback, for kubectl, `kubectl
// promotion watch|approve` and any controller to use, until Ctrl-C or SIGTERM. Prints where the
// kubeconfig is and how to use it, then the engine's events as they happen (virtual time).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import type { ClusterPromotion } from '../../../src/api/types.ts';
import { rfc3339 } from '../../../src/rfc3339.ts';
import { UserError } from '../../../src/user-error.ts';
import {
  CONTEXT_NAME,
  KubeconfigRefused,
  RBAC_CONTEXT_NAME,
  refusalToWrite,
  type WriteRefusal,
} from '../../../simulator/apiserver/kubeconfig.ts';
import { policyFromObjects, type RbacPolicy } from '../../../simulator/apiserver/rbac-policy.ts';
import type { RestrictedIdentity } from '../../../simulator/apiserver/server.ts';
import { loadFilesStrict } from '../../../src/api/source-files.ts';
import { ApiError } from '../../../simulator/apiserver/store.ts';
import type { FleetSpec } from '../../../simulator/fleet-spec.ts';
import { DEFAULT_SPEED, startServedSimulation, type ServedSimulation } from '../../../simulator/serve.ts';
import type { ControllerEvent } from '../../../simulator/store-controller.ts';
import type { StoreNote } from '../../../simulator/store-simulation.ts';
import type { RolloutTest } from '../../../simulator/rollout-test/model.ts';
import { scheduleEvents } from '../../../simulator/rollout-test/script.ts';
import { storeTarget } from '../../../simulator/rollout-test/store-script.ts';
import type { Io } from '../../command.ts';
import type { Options, OptionValues } from '../../options.ts';
import { EXIT_OK, UsageError } from '../../errors.ts';

export interface ServeInput {
  promotions: ClusterPromotion[];
  fleet: FleetSpec;
  start: number;
  seed: number;
  /** Virtual milliseconds per real one; undefined: DEFAULT_SPEED. */
  speed: number | undefined;
  /** `--events`: the RolloutTest whose events are played on the served rehearsal. */
  script?: Pick<RolloutTest, 'promotion' | 'events'>;
}

export interface ServeDeps {
  /** Resolves when the process is asked to stop (Ctrl-C, SIGTERM), with the signal's name. */
  stopRequested?: () => Promise<string>;
}

/** The --serve options, among the simulate command's (whose --speed, --start and --seed apply). */
export const SERVE_OPTIONS = {
  serve: {
    type: 'boolean',
    describe:
      'Serve the simulation as a Kubernetes API on loopback for kubectl and kubectl promotion ' +
      'watch|approve, virtual time running at --speed (default 60), until Ctrl-C',
  },
  address: {
    type: 'string',
    value: 'ADDRESS',
    defaultText: '127.0.0.1',
    describe:
      'With --serve: the address to listen on; any other than loopback lets other machines in, with only ' +
      'the token to stop them (a warning says so)',
  },
  port: { type: 'string', default: '0', value: 'PORT', describe: 'With --serve: the port (0: any free one)' },
  'kubeconfig-out': {
    type: 'string',
    value: 'FILE',
    complete: { kind: 'file' },
    describe:
      'With --serve: where to write the kubeconfig (an existing file only if simulate --serve wrote it; ' +
      'never through a symbolic link)',
    defaultText: 'a temporary file, removed on exit',
  },
  force: {
    type: 'boolean',
    describe:
      'With --kubeconfig-out: replace the file even if simulate --serve did not write it (a symbolic link is ' +
      'replaced itself, its target left alone)',
  },
  rbac: {
    type: 'string',
    multiple: true,
    split: true,
    value: 'FILE|DIR',
    complete: { kind: 'file' },
    describe:
      'With --serve: also write a second kubeconfig beside the first, named as it with -rbac (kubeconfig-rbac, ' +
      'sim-rbac.yaml; context promotion-sim-rbac), whose token is the subject of the bindings in these files (a ' +
      'folder: its YAML files; other kinds are skipped); they are served with their roles, and the token is held ' +
      'to what the served bindings grant, as edited through the API, 403 Forbidden for the rest',
  },
  controller: {
    type: 'boolean',
    default: true,
    describe:
      'With --serve: run the promotion controller (--no-controller leaves the promotions to another one; ' +
      'the fleet still follows every ClusterProfile)',
  },
} as const satisfies Options;

export type ServeArgs = OptionValues<typeof SERVE_OPTIONS>;

export function parsePort(value: unknown): number {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port ${String(value)}: expected a port number from 0 to 65535 (0: any free one)`);
  return n;
}

/** The simulate flags that make no sense with --serve: it answers kubectl instead of reporting. */
export interface HeadlessArgs {
  output?: string;
  approve?: string[];
}

export async function runServe(
  input: ServeInput,
  args: ServeArgs & HeadlessArgs,
  io: Io,
  deps: ServeDeps = {},
): Promise<number> {
  if (args.output !== undefined)
    throw new UsageError(
      `-o ${args.output}: --serve prints no report; read the promotion with kubectl get clusterpromotions ` +
        `-o ${args.output === 'text' ? 'yaml' : args.output}`,
    );
  if ((args.approve ?? []).length > 0)
    throw new UsageError(
      '--approve: with --serve, approve as on the day: kubectl promotion approve NAME (or kubectl patch)',
    );
  const port = parsePort(args.port);
  const address = args.address ?? LOOPBACK;
  if (address.trim() === '')
    throw new UsageError('--address: give an address (127.0.0.1 for this machine only, 0.0.0.0 for every interface)');
  const out = args['kubeconfig-out'];
  // Refused before anything starts: a kubeconfig that would be refused later means no rehearsal.
  if (out !== undefined) checkKubeconfigOut(out, args.force);
  const policy = args.rbac.length === 0 ? undefined : await rbacPolicy(args.rbac);
  if (out !== undefined && policy !== undefined) checkKubeconfigOut(rbacKubeconfigPath(out), args.force, true);
  const restricted: RestrictedIdentity | undefined =
    policy === undefined ? undefined : { ...policy.identity, token: randomBytes(32).toString('base64url') };
  const speed = input.speed ?? DEFAULT_SPEED;
  const errors = new Set<string>();
  let served: ServedSimulation;
  try {
    served = await startServedSimulation({
      promotions: input.promotions,
      fleet: input.fleet,
      start: input.start,
      seed: input.seed,
      speed,
      controller: args.controller,
      ...(restricted === undefined || policy === undefined
        ? {}
        : { restricted: [restricted], rbacObjects: policy.objects }),
      address,
      port,
      onError: (err) => {
        // A step that fails is tried again at every wake: say it once.
        const message = err instanceof Error ? err.message : String(err);
        if (!errors.has(message)) io.stderr.write(`error: ${message}\n`);
        errors.add(message);
      },
    });
  } catch (err) {
    throw listenError(err, address, port);
  }
  if (!isLoopback(served.api.boundAddress)) io.stderr.write(exposedWarning(address, served.api.port));

  let tempDir: string | undefined;
  try {
    let kubeconfig: string;
    if (out !== undefined) {
      kubeconfig = resolve(out);
      // As kubectl config writes ~/.kube: a folder that is not there yet is made, for this user only.
      try {
        mkdirSync(dirname(kubeconfig), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new UserError(`--kubeconfig-out ${out}: cannot make its folder: ${(err as Error).message}`);
      }
    } else {
      tempDir = mkdtempSync(join(tmpdir(), 'promotion-sim-'));
      kubeconfig = join(tempDir, 'kubeconfig');
    }
    try {
      served.writeKubeconfig(kubeconfig, { force: args.force });
    } catch (err) {
      if (err instanceof KubeconfigRefused) throw kubeconfigRefusedError(out!, err.refusal, '--kubeconfig-out');
      throw new UserError(
        `--kubeconfig-out ${out}: cannot write it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    let rbacLines: string[] = [];
    if (restricted !== undefined && policy !== undefined) {
      const path = rbacKubeconfigPath(kubeconfig);
      try {
        served.writeKubeconfig(path, { force: args.force, token: restricted.token, name: RBAC_CONTEXT_NAME });
      } catch (err) {
        if (err instanceof KubeconfigRefused) throw kubeconfigRefusedError(path, err.refusal, '--rbac');
        throw new UserError(
          `--rbac: cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
      rbacLines = rbacUsage(path, restricted, policy);
    }
    io.stdout.write(usage(served, input, kubeconfig, speed, args.controller, rbacLines));
    served.sim.controller?.on((e) => io.stdout.write(eventLine(e)));
    if (input.script) {
      served.sim.onNote((n) => io.stdout.write(noteLine(n)));
      scheduleEvents(storeTarget(served.sim, input.script.promotion.metadata.name), input.script.events);
    }
    const signal = await (deps.stopRequested ?? stopSignal)();
    io.stdout.write(`${signal}: stopping at ${rfc3339(served.nowMs())} (virtual)\n`);
  } finally {
    await served.close();
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  }
  return EXIT_OK;
}

function usage(
  served: ServedSimulation,
  input: ServeInput,
  kubeconfig: string,
  speed: number,
  controller: boolean,
  rbac: string[],
): string {
  const names = input.promotions.map((p) => p.metadata.name);
  const first = names[0] ?? 'NAME';
  return [
    `Serving ${names.length === 0 ? 'no ClusterPromotion' : `ClusterPromotion ${names.join(', ')}`} and ` +
      `${input.fleet.clusters.length} cluster(s) at ${served.api.url}`,
    `Virtual time starts at ${rfc3339(input.start)} and runs ${speed}x real time; ` +
      (controller
        ? 'the promotion controller runs in the simulation.'
        : 'no promotion controller runs (--no-controller): the fleet follows whatever ClusterProfiles exist.'),
    `Kubeconfig (context promotion-sim): ${kubeconfig}`,
    '',
    `  export KUBECONFIG=${kubeconfig}`,
    '  kubectl get clusterpromotions,clusterprofiles',
    '  kubectl get clustersummaries -A -o wide -w',
    `  kubectl promotion watch ${first}`,
    `  kubectl promotion approve ${first}`,
    '',
    ...rbac,
    'Faults, for rehearsing bad days:',
    ...FAULTS.map(
      ([what, path]) =>
        `  ${what.padEnd(27)}kubectl ` +
        `${path === '/admin/faults' ? `get --raw ${path}` : `create --raw ${path} -f /dev/null`}`,
    ),
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}

const FAULTS: [string, string][] = [
  ['end every watch:', '/admin/faults/drop-watches'],
  ['answer the next watch 410:', '/admin/faults/expire-next-watch'],
  ['refuse connections 30s:', "'/admin/faults/refuse-connections?seconds=30'"],
  ['restart (objects kept):', '/admin/faults/restart'],
  ['what is in effect:', '/admin/faults'],
];

function noteLine(n: StoreNote): string {
  return `${rfc3339(n.at)} Scripted: ${n.message}\n`;
}

function eventLine(e: ControllerEvent): string {
  const stage = e.stage === null ? '' : ` ${e.stage}`;
  return `${rfc3339(e.at)} ${e.promotion}${stage} ${e.type}: ${e.message}\n`;
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const LOOPBACK = '127.0.0.1';

/** 127.0.0.0/8 and ::1 (also as IPv4-mapped IPv6): nothing outside this machine can connect. */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip;
  return /^127\.\d+\.\d+\.\d+$/.test(v4) || ip === '::1';
}

function exposedWarning(address: string, port: number): string {
  const everywhere = address === '0.0.0.0' || address === '::' || address === '[::]';
  const where = everywhere
    ? 'every network interface of this machine'
    : `${address}, an address other machines may reach`;
  return [
    `WARNING: --address ${address}: the rehearsal API listens on ${where} (port ${port}), not only on loopback.`,
    'WARNING: anyone who can reach it and has the token in the kubeconfig can read and change everything it ' +
      'serves: the token is the only protection. Share the kubeconfig only with those who should connect; ' +
      `leave --address out to serve this machine only.`,
    '',
  ].join('\n');
}

function checkKubeconfigOut(out: string, force: boolean, rbac = false): void {
  const refusal = refusalToWrite(resolve(out), rbac ? RBAC_CONTEXT_NAME : CONTEXT_NAME);
  if (refusal && (!force || !refusal.overwritable))
    throw kubeconfigRefusedError(out, refusal, rbac ? '--rbac' : '--kubeconfig-out');
}

function kubeconfigRefusedError(out: string, refusal: WriteRefusal, flag: string): UserError {
  const remedy = refusal.overwritable
    ? `give ${flag === '--rbac' ? 'another --kubeconfig-out' : 'another path'}, or --force to replace it` +
      (refusal.reason.startsWith('is a symbolic link') ? ' (the link, not what it points to)' : '')
    : 'give the path of a file';
  return new UserError(
    `${flag === '--rbac' ? `--rbac: its kubeconfig ${out}` : `${flag} ${out}`} ${refusal.reason}; ${remedy}`,
  );
}

/** Where the --rbac kubeconfig goes: beside the admin one, `-rbac` before a YAML/JSON extension or at the end. */
export function rbacKubeconfigPath(kubeconfig: string): string {
  const ext = extname(kubeconfig);
  return ['.yaml', '.yml', '.json', '.conf', '.config'].includes(ext.toLowerCase())
    ? `${kubeconfig.slice(0, -ext.length)}-rbac${ext}`
    : `${kubeconfig}-rbac`;
}

/** The files --rbac names, a folder standing for its YAML and JSON files (as kubectl -f reads a folder). */
function rbacFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      // readSource names a missing file in its own words.
    }
    if (!dir) return [p];
    return readdirSync(p)
      .filter((f) => /\.(ya?ml|json)$/i.test(f))
      .sort()
      .map((f) => join(p, f));
  });
}

async function rbacPolicy(paths: readonly string[]): Promise<RbacPolicy> {
  const files = rbacFiles(paths);
  return policyFromObjects(await loadFilesStrict(files), files.join(', ') || paths.join(', '));
}

function rbacUsage(path: string, identity: RestrictedIdentity, policy: RbacPolicy): string[] {
  return [
    `Kubeconfig held to --rbac (context ${RBAC_CONTEXT_NAME}, user ${identity.user}): ${path}`,
    ...policy.holds.map((h) => `  holds ${h}`),
    ...policy.unbound.map((u) => `  not bound, so not held: ${u}`),
    `  kubectl --kubeconfig ${path} auth can-i --list`,
    '',
  ];
}

function listenError(err: unknown, address: string, port: number): unknown {
  // The files passed lint, but the served API's own checks (e.g. two promotions of one name) refused them.
  if (err instanceof ApiError) return new UserError(`cannot serve the files given: ${err.message}`);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return new UsageError(
      `--port ${port}: ${address}:${port} is already in use; pick another port or 0 for any free one`,
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new UsageError(`--address ${address}: not an address of this machine`);
  if (code === 'EACCES')
    return new UsageError(`--port ${port}: not allowed to listen on it (ports below 1024 need privileges)`);
  return err;
}
