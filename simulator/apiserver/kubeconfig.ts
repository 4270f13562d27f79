// A kubeconfig for the served API: one cluster, user and context, all named `promotion-sim`,
// trusting the server's own certificate and carrying its bearer token.
//
// `simulate --serve --kubeconfig-out FILE` may be pointed at a file that matters (~/.kube/config),
// so the file is replaced only when it is one of ours: a kubeconfig whose every cluster, user and
// context carries the generated name (kubectl keeps names when it rewrites a file; it drops
// comments, so the header comment is for people). A symbolic link is never followed, and the file
// is written whole or not at all: a fresh temporary file beside it, renamed over it.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

export const CONTEXT_NAME = 'promotion-sim';

/** The name of the --rbac kubeconfig's cluster, user and context. */
export const RBAC_CONTEXT_NAME = 'promotion-sim-rbac';

function header(name: string): string {
  return (
    '# Written by kubectl promotion simulate --serve for its rehearsal API; it may replace this file.\n' +
    `# Every cluster, user and context here is named ${name}: keep it so, or it is left alone.\n`
  );
}

/** The most bytes of a kubeconfig we write (a certificate and a token): anything larger is not ours. */
const MAX_OURS_BYTES = 64 * 1024;

export interface KubeconfigInput {
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** PEM of the CA (the serving certificate). */
  ca: string;
  token: string;
  /** Cluster, user and context name. */
  name?: string;
  /** Namespace of the context, if any. */
  namespace?: string;
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  const name = input.name ?? CONTEXT_NAME;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name,
        cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.ca).toString('base64') },
      },
    ],
    users: [{ name, user: { token: input.token } }],
    contexts: [
      { name, context: { cluster: name, user: name, ...(input.namespace ? { namespace: input.namespace } : {}) } },
    ],
    'current-context': name,
  });
}

/** Why an existing path must not be replaced without --force; `overwritable: false`: not even with it. */
export interface WriteRefusal {
  reason: string;
  overwritable: boolean;
}

function isOurs(text: string, name: string): boolean {
  let config: unknown;
  try {
    config = parse(text, { maxAliasCount: 0 });
  } catch {
    return false;
  }
  if (typeof config !== 'object' || config === null || (config as { kind?: unknown }).kind !== 'Config') return false;
  const lists = ['clusters', 'users', 'contexts'].map((k) => (config as Record<string, unknown>)[k]);
  return lists.every(
    (l) =>
      Array.isArray(l) &&
      l.length > 0 &&
      l.every((e) => typeof e === 'object' && e !== null && (e as { name?: unknown }).name === name),
  );
}

/** Null when the kubeconfig may be written at `path`: nothing is there, or a kubeconfig we wrote. */
export function refusalToWrite(path: string, name = CONTEXT_NAME): WriteRefusal | null {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (st.isSymbolicLink()) {
    return {
      reason: `is a symbolic link (to ${readlinkSync(path)}), and links are never written through`,
      overwritable: true,
    };
  }
  if (st.isDirectory()) return { reason: 'is a directory', overwritable: false };
  if (!st.isFile()) return { reason: 'exists and is not a regular file', overwritable: false };
  const ours = st.size <= MAX_OURS_BYTES && isOurs(readFileSync(path, 'utf8'), name);
  return ours ? null : { reason: `exists and is not a kubeconfig that simulate --serve wrote`, overwritable: true };
}

/** The path is not ours to replace; `message` says why, `overwritable` whether --force may. */
export class KubeconfigRefused extends Error {
  constructor(
    readonly path: string,
    readonly refusal: WriteRefusal,
  ) {
    super(`${path} ${refusal.reason}`);
  }
}

/**
 * Writes the kubeconfig readable by its owner only, since it holds the token: whole, through a
 * temporary file in the same directory (created exclusively, never through a link) renamed over
 * the path. Throws KubeconfigRefused when the path holds something else, unless `force` (which
 * replaces a link itself, never its target).
 */
export function writeKubeconfig(path: string, input: KubeconfigInput, opts: { force?: boolean } = {}): void {
  const refusal = refusalToWrite(path, input.name ?? CONTEXT_NAME);
  if (refusal && (!opts.force || !refusal.overwritable)) throw new KubeconfigRefused(path, refusal);
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      fchmodSync(fd, 0o600);
      writeSync(fd, header(input.name ?? CONTEXT_NAME) + kubeconfigYaml(input));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed already, or never written: nothing to clean.
    }
    throw e;
  }
}
