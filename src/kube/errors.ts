// What went wrong talking to the cluster, in one line a person can act on, with the exit code the
// live commands document. The API server's own words are kept where they are already clear.
import { UserError } from '../user-error.ts';
import { KubeApiError, KubeUnreachableError } from './client.ts';
import type { ClusterConnection } from './kubeconfig.ts';
import { qualifiedResource, type ResourceType } from './resources.ts';

/** Exit codes shared by every live command (`status` adds its own 2, 3 and 4). */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_API = 5;

/** A failure with its message already written for the user, and the code to exit with. */
export class LiveError extends UserError {
  override name = 'LiveError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export type Verb = 'get' | 'list' | 'watch' | 'patch' | 'update';

export interface Operation {
  verb: Verb;
  resource: ResourceType;
  name?: string;
}

/** Whether an API error says the resource type itself is unknown (its CRD is not installed). */
export function isMissingApi(e: unknown, op: Pick<Operation, 'name'>): boolean {
  if (!(e instanceof KubeApiError) || e.code !== 404) return false;
  // A missing object names itself in the Status details; a missing resource type names nothing.
  return op.name === undefined || e.details.name !== op.name;
}

export function isNotFound(e: unknown, name: string): boolean {
  return e instanceof KubeApiError && e.code === 404 && e.details.name === name;
}

/**
 * The one line to print for a failed operation. `existing` lists the names of what does exist,
 * for a not-found: the user most often mistyped one of them.
 */
export function explainFailure(
  e: unknown,
  op: Operation,
  conn: ClusterConnection,
  existing?: readonly string[],
): LiveError {
  if (e instanceof LiveError) return e;
  const where = `context "${conn.contextName}"`;
  const resource = qualifiedResource(op.resource);
  if (e instanceof KubeUnreachableError) {
    if (e.problem === 'tls') {
      return new LiveError(
        `cannot verify the API server at ${conn.server} (${where}): ${e.detail}; set the cluster's ` +
          `certificate-authority in the kubeconfig or pass --certificate-authority`,
        EXIT_API,
      );
    }
    const tries = e.attempts > 1 ? ` (tried ${e.attempts} times)` : '';
    return new LiveError(
      `cannot reach the API server at ${conn.server} (${where}): ${e.detail}${tries}; is the cluster up ` +
        `and the address right?`,
      EXIT_API,
    );
  }
  if (!(e instanceof KubeApiError)) {
    return new LiveError(`talking to ${conn.server} (${where}): ${(e as Error)?.message ?? String(e)}`, EXIT_API);
  }
  if (e.code === 401) {
    return new LiveError(
      `unauthorized: the API server at ${conn.server} rejected the credentials of ${where}; log in again ` +
        `or check the token (--token, --user, the kubeconfig)`,
      EXIT_API,
    );
  }
  if (e.code === 403) {
    const who = /User "([^"]+)"/.exec(e.message)?.[1];
    const target = op.name ? `${resource}/${op.name}` : resource;
    const check = ['kubectl', 'auth', 'can-i', op.verb, target, ...conn.kubectlFlags].join(' ');
    return new LiveError(
      `forbidden: ${who ? `user "${who}"` : 'you'} cannot ${op.verb} ${target} in ${where}; check with: ${check}`,
      EXIT_API,
    );
  }
  if (isMissingApi(e, op)) {
    return new LiveError(
      `no ${op.resource.kind} API in ${where}: is Sveltos installed? (the server has no ${resource})`,
      EXIT_API,
    );
  }
  if (e.code === 404 && op.name !== undefined) {
    const kind = op.resource.kind.toLowerCase();
    const names =
      existing === undefined
        ? ''
        : existing.length === 0
          ? `; there are no ${op.resource.plural}`
          : `; existing: ${listNames(existing)}`;
    return new LiveError(`${kind} "${op.name}" not found in ${where}${names}`, EXIT_API);
  }
  return new LiveError(
    `${op.verb} ${resource}${op.name ? `/${op.name}` : ''} in ${where}: ${e.message} (HTTP ` +
      `${e.code}${e.reason ? ` ${e.reason}` : ''})`,
    EXIT_API,
  );
}

function listNames(names: readonly string[]): string {
  const shown = [...names].sort().slice(0, 10);
  return shown.join(', ') + (names.length > shown.length ? `, and ${names.length - shown.length} more` : '');
}
