// The connection flags every live command takes, spelled and behaving as kubectl's, so that a
// `kubectl promotion ...` line can carry the same flags as the `kubectl get ...` line next to it.
import type { Options } from 'yargs';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  as?: string;
  asGroup?: string[];
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  /** kubectl's syntax: `0` (no timeout), a bare number of seconds, or a duration such as `30s`. */
  requestTimeout?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

const GROUP = 'Cluster access (as kubectl):';

/** yargs option definitions; spread them into a command's `builder`. */
export const clusterOptions = {
  kubeconfig: {
    type: 'string',
    group: GROUP,
    describe: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)',
  },
  context: { type: 'string', group: GROUP, describe: 'The kubeconfig context to use' },
  cluster: { type: 'string', group: GROUP, describe: 'The kubeconfig cluster to use' },
  user: { type: 'string', group: GROUP, describe: 'The kubeconfig user to use' },
  server: { type: 'string', alias: 's', group: GROUP, describe: 'The address and port of the Kubernetes API server' },
  token: { type: 'string', group: GROUP, describe: 'Bearer token for authentication to the API server' },
  as: { type: 'string', group: GROUP, describe: 'Username to impersonate for the operation' },
  'as-group': { type: 'string', array: true, group: GROUP, describe: 'Group to impersonate (repeat for several)' },
  'certificate-authority': {
    type: 'string',
    group: GROUP,
    describe: 'Path to a CA certificate file for the API server',
  },
  'insecure-skip-tls-verify': {
    type: 'boolean',
    group: GROUP,
    describe: "Don't check the server's certificate (insecure)",
  },
  'request-timeout': {
    type: 'string',
    group: GROUP,
    describe: 'How long to wait for one API request: 0 (never), seconds, or a duration (30s, 2m)',
  },
  namespace: {
    type: 'string',
    alias: 'n',
    group: GROUP,
    describe: 'Namespace (ClusterPromotions are cluster-scoped: accepted for kubectl compatibility)',
  },
  'all-namespaces': {
    type: 'boolean',
    alias: 'A',
    group: GROUP,
    describe: 'All namespaces (the default for clusters and summaries)',
  },
} as const satisfies Record<string, Options>;

/** The connection flags out of a parsed yargs argv (which also holds camel-cased copies). */
export function clusterFlagsOf(argv: Record<string, unknown>): ClusterFlags {
  const str = (k: string): string | undefined =>
    typeof argv[k] === 'string' && argv[k] !== '' ? (argv[k] as string) : undefined;
  const flags: ClusterFlags = {};
  const set = <K extends keyof ClusterFlags>(k: K, v: ClusterFlags[K] | undefined): void => {
    if (v !== undefined) flags[k] = v;
  };
  set('kubeconfig', str('kubeconfig'));
  set('context', str('context'));
  set('cluster', str('cluster'));
  set('user', str('user'));
  set('server', str('server'));
  set('token', str('token'));
  set('as', str('as'));
  const groups = argv['as-group'];
  if (Array.isArray(groups) && groups.length) flags.asGroup = groups.map(String);
  set('certificateAuthority', str('certificate-authority'));
  if (argv['insecure-skip-tls-verify'] === true) flags.insecureSkipTlsVerify = true;
  set('requestTimeout', str('request-timeout'));
  set('namespace', str('namespace'));
  if (argv['all-namespaces'] === true) flags.allNamespaces = true;
  return flags;
}
