// The connection flags every live command takes, spelled and behaving as kubectl's (declared for
// the command line in plugin/options.ts), as the client needs them.

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

/** The connection flags out of a parsed command line, by their names as typed. */
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
