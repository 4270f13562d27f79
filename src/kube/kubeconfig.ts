// Which API server to talk to and as whom, decided by kubectl's rules (client-go's clientcmd):
// --kubeconfig alone, else every file of $KUBECONFIG merged (the first file to name a cluster, user
// or context wins, missing files are skipped), else ~/.kube/config, else the in-cluster service
// account; then the command-line overrides. The client library's own loadFromDefault differs (it
// refuses duplicate names and missing files), so only its file parsing and auth are used here.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { DurationError, parseDuration } from '../duration.ts';
import { UserError } from '../user-error.ts';
import type { ClusterFlags } from './flags.ts';

export interface ClusterConnection {
  /** A one-context KubeConfig holding exactly the cluster and user to use. */
  kubeConfig: KubeConfig;
  /** The context's name as the user knows it, for messages ("in context kind-mgmt"). */
  contextName: string;
  server: string;
  namespace: string;
  impersonateUser?: string;
  impersonateGroups: string[];
  /** null: no timeout (kubectl's `--request-timeout=0`, the default). */
  requestTimeoutMs: number | null;
  /** The kubectl flags that reach the same server as the same identity, for hints we print. */
  kubectlFlags: string[];
}

export interface Environment {
  env: Record<string, string | undefined>;
  home: string;
  /** Where a pod finds its service account; a test points it elsewhere. */
  serviceAccountPrefix: string;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function defaultEnvironment(): Environment {
  return { env: process.env, home: homedir(), serviceAccountPrefix: '' };
}

export function resolveConnection(
  flags: ClusterFlags,
  environment: Environment = defaultEnvironment(),
): ClusterConnection {
  const base = loadMerged(flags, environment);
  const contextName = flags.context ?? base.currentContext ?? '';
  let context: Context | null = contextName ? base.getContextObject(contextName) : null;
  if (flags.context && !context) {
    throw new UserError(
      `context "${flags.context}" not found in the kubeconfig${namesHint(base.contexts.map((c) => c.name))}`,
    );
  }
  const clusterName = flags.cluster ?? context?.cluster ?? '';
  const foundCluster = clusterName ? base.getCluster(clusterName) : null;
  if (flags.cluster && !foundCluster) {
    throw new UserError(
      `cluster "${flags.cluster}" not found in the kubeconfig${namesHint(base.clusters.map((c) => c.name))}`,
    );
  }
  const userName = flags.user ?? context?.user ?? '';
  const foundUser = userName ? base.getUser(userName) : null;
  if (flags.user && !foundUser) {
    throw new UserError(`user "${flags.user}" not found in the kubeconfig${namesHint(base.users.map((u) => u.name))}`);
  }
  if (flags.certificateAuthority && flags.insecureSkipTlsVerify) {
    throw new UserError('--certificate-authority and --insecure-skip-tls-verify cannot be used together: pick one');
  }
  if (flags.certificateAuthority && !existsSync(flags.certificateAuthority)) {
    throw new UserError(`--certificate-authority: file ${flags.certificateAuthority} not found`);
  }

  const server = flags.server ?? foundCluster?.server ?? '';
  if (!server) {
    const where = contextName
      ? `context "${contextName}" names no server`
      : 'no kubeconfig found and no current context';
    throw new UserError(`${where}: set KUBECONFIG, pass --kubeconfig and --context, or --server`);
  }
  const plainHttp = server.startsWith('http:');
  const cluster: Cluster = {
    name: foundCluster?.name ?? 'command-line',
    server,
    // TLS options mean nothing over plain HTTP (e.g. `kubectl proxy`); the library insists on this flag there.
    skipTLSVerify:
      plainHttp ||
      flags.insecureSkipTlsVerify === true ||
      (!flags.certificateAuthority && (foundCluster?.skipTLSVerify ?? false)),
    ...(flags.certificateAuthority
      ? { caFile: path.resolve(flags.certificateAuthority) }
      : flags.insecureSkipTlsVerify
        ? {}
        : { caFile: foundCluster?.caFile, caData: foundCluster?.caData }),
    ...(foundCluster?.tlsServerName ? { tlsServerName: foundCluster.tlsServerName } : {}),
    ...(foundCluster?.proxyUrl ? { proxyUrl: foundCluster.proxyUrl } : {}),
  };
  let user: User = foundUser ? { ...foundUser } : { name: 'command-line' };
  if (flags.token) {
    // A token on the command line replaces the user's other ways to get one (exec, auth provider).
    const { exec: _exec, authProvider: _provider, ...rest } = user;
    user = { ...rest, token: flags.token };
  }
  const namespace = flags.namespace ?? context?.namespace ?? 'default';
  const effectiveContext = contextName || 'command-line';
  context = { name: effectiveContext, cluster: cluster.name, user: user.name, namespace };

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [context],
    currentContext: effectiveContext,
  });

  return {
    kubeConfig,
    contextName: effectiveContext,
    server,
    namespace,
    ...((flags.as ?? foundUser?.impersonateUser) ? { impersonateUser: flags.as ?? foundUser?.impersonateUser } : {}),
    impersonateGroups: flags.asGroup ?? [],
    requestTimeoutMs: parseRequestTimeout(flags.requestTimeout),
    kubectlFlags: kubectlFlagsOf(flags),
  };
}

/** kubectl's --request-timeout: `0` for none, a bare number of seconds, or a duration with a unit. */
export function parseRequestTimeout(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '' || value.trim() === '0') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  try {
    const ms = parseDuration(v);
    return ms === 0 ? null : ms;
  } catch (e) {
    if (e instanceof DurationError) throw new UserError(`--request-timeout: ${e.message}`);
    throw e;
  }
}

function loadMerged(flags: ClusterFlags, environment: Environment): KubeConfig {
  if (flags.kubeconfig) {
    if (!existsSync(flags.kubeconfig)) throw new UserError(`--kubeconfig: file ${flags.kubeconfig} not found`);
    return merge([flags.kubeconfig]);
  }
  const list = environment.env['KUBECONFIG'];
  if (list) {
    const files = list.split(path.delimiter).filter((f) => f !== '');
    return merge(files.filter((f) => existsSync(f)));
  }
  const home = path.join(environment.home, '.kube', 'config');
  if (existsSync(home)) return merge([home]);
  const inCluster = environment.env['KUBERNETES_SERVICE_HOST'] && environment.env['KUBERNETES_SERVICE_PORT'];
  if (inCluster && existsSync(environment.serviceAccountPrefix + SERVICE_ACCOUNT_TOKEN)) {
    const kc = new KubeConfig();
    const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
    // The library reads the service address from process.env; hand it the environment we were given.
    process.env['KUBERNETES_SERVICE_HOST'] = environment.env['KUBERNETES_SERVICE_HOST'];
    process.env['KUBERNETES_SERVICE_PORT'] = environment.env['KUBERNETES_SERVICE_PORT'];
    try {
      kc.loadFromCluster(environment.serviceAccountPrefix);
    } finally {
      restoreEnv('KUBERNETES_SERVICE_HOST', saved.host);
      restoreEnv('KUBERNETES_SERVICE_PORT', saved.port);
    }
    return kc;
  }
  return merge([]);
}

function restoreEnv(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

/** clientcmd's merge: for every name, and for current-context, the first file that sets it wins. */
function merge(files: string[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current: string | undefined;
  for (const file of files) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (e) {
      // An empty file is a valid (empty) kubeconfig for kubectl.
      if (e instanceof TypeError && /reading 'clusters'|of undefined|of null/.test(e.message)) continue;
      throw new UserError(`kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    for (const c of kc.clusters ?? []) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users ?? []) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts ?? []) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!current && kc.currentContext) current = kc.currentContext;
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext: current,
  });
  return merged;
}

function namesHint(names: string[]): string {
  return names.length ? ` (it has: ${names.join(', ')})` : ' (it has none)';
}

function kubectlFlagsOf(flags: ClusterFlags): string[] {
  const out: string[] = [];
  const add = (flag: string, v: string | undefined): void => {
    if (v !== undefined) out.push(`${flag}=${quote(v)}`);
  };
  add('--kubeconfig', flags.kubeconfig);
  add('--context', flags.context);
  add('--cluster', flags.cluster);
  add('--user', flags.user);
  add('--server', flags.server);
  add('--as', flags.as);
  for (const g of flags.asGroup ?? []) add('--as-group', g);
  if (flags.insecureSkipTlsVerify) out.push('--insecure-skip-tls-verify');
  add('--certificate-authority', flags.certificateAuthority);
  return out;
}

function quote(v: string): string {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`;
}
