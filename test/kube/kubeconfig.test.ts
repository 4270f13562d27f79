import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { parseRequestTimeout, resolveConnection, type Environment } from '../../src/kube/kubeconfig.ts';
import { clusterFlagsOf } from '../../src/kube/flags.ts';
import { UserError } from '../../src/user-error.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, config: object): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, stringify(config));
  return p;
}

function config(opts: {
  clusters?: [string, string][];
  users?: [string, string][];
  contexts?: [string, string, string, string?][];
  current?: string;
}) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: (opts.clusters ?? []).map(([name, server]) => ({
      name,
      cluster: { server, 'insecure-skip-tls-verify': true },
    })),
    users: (opts.users ?? []).map(([name, token]) => ({ name, user: { token } })),
    contexts: (opts.contexts ?? []).map(([name, cluster, user, namespace]) => ({
      name,
      context: { cluster, user, ...(namespace ? { namespace } : {}) },
    })),
    ...(opts.current ? { 'current-context': opts.current } : {}),
  };
}

function env(vars: Record<string, string | undefined>, home = path.join(dir, 'nohome')): Environment {
  return { env: vars, home, serviceAccountPrefix: path.join(dir, 'no-sa') };
}

const first = file(
  'a.yaml',
  config({
    clusters: [['prod', 'https://prod:6443']],
    users: [['alice', 'tok-a']],
    contexts: [['prod', 'prod', 'alice', 'team-a']],
    current: 'prod',
  }),
);
const second = file(
  'b.yaml',
  config({
    clusters: [
      ['prod', 'https://shadowed:6443'],
      ['dev', 'https://dev:6443'],
    ],
    users: [['bob', 'tok-b']],
    contexts: [['dev', 'dev', 'bob']],
    current: 'dev',
  }),
);

describe('kubeconfig resolution follows kubectl', () => {
  it('merges every file of KUBECONFIG, the first file to name a cluster or the current context winning', () => {
    const c = resolveConnection({}, env({ KUBECONFIG: [first, second].join(path.delimiter) }));
    assert.equal(c.contextName, 'prod');
    assert.equal(c.server, 'https://prod:6443');
    assert.equal(c.namespace, 'team-a');
    const dev = resolveConnection({ context: 'dev' }, env({ KUBECONFIG: [first, second].join(path.delimiter) }));
    assert.equal(dev.server, 'https://dev:6443');
    assert.equal(dev.namespace, 'default');
  });

  it('skips files of KUBECONFIG that do not exist', () => {
    const c = resolveConnection({}, env({ KUBECONFIG: [path.join(dir, 'missing.yaml'), second].join(path.delimiter) }));
    assert.equal(c.contextName, 'dev');
  });

  it('reads ~/.kube/config when KUBECONFIG is unset', () => {
    const home = path.join(dir, 'home');
    file(
      'home/.kube/config',
      config({
        clusters: [['h', 'https://home:6443']],
        users: [['u', 't']],
        contexts: [['h', 'h', 'u']],
        current: 'h',
      }),
    );
    assert.equal(resolveConnection({}, env({}, home)).server, 'https://home:6443');
  });

  it('--kubeconfig replaces KUBECONFIG entirely, and must exist', () => {
    assert.equal(resolveConnection({ kubeconfig: second }, env({ KUBECONFIG: first })).contextName, 'dev');
    assert.throws(
      () => resolveConnection({ kubeconfig: path.join(dir, 'nope') }, env({})),
      /--kubeconfig: file .*nope not found/,
    );
  });

  it('names the contexts that exist when --context names another', () => {
    assert.throws(
      () => resolveConnection({ context: 'staging' }, env({ KUBECONFIG: first })),
      (e: Error) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, /context "staging" not found in the kubeconfig \(it has: prod\)/);
        return true;
      },
    );
  });

  it('applies --cluster, --user, --server, --token and -n over the context', () => {
    const c = resolveConnection(
      { context: 'prod', cluster: 'dev', user: 'bob', namespace: 'ops' },
      env({ KUBECONFIG: [first, second].join(path.delimiter) }),
    );
    assert.equal(c.server, 'https://dev:6443');
    assert.equal(c.kubeConfig.getCurrentUser()?.token, 'tok-b');
    assert.equal(c.namespace, 'ops');
    const s = resolveConnection({ server: 'https://other:1', token: 'xyz' }, env({ KUBECONFIG: first }));
    assert.equal(s.server, 'https://other:1');
    assert.equal(s.kubeConfig.getCurrentUser()?.token, 'xyz');
  });

  it('works from --server and --token alone, with no kubeconfig at all', () => {
    const c = resolveConnection({ server: 'https://10.0.0.1:6443', token: 't', insecureSkipTlsVerify: true }, env({}));
    assert.equal(c.server, 'https://10.0.0.1:6443');
    assert.equal(c.kubeConfig.getCurrentCluster()?.skipTLSVerify, true);
  });

  it('says how to point at a cluster when there is nothing to go on', () => {
    assert.throws(() => resolveConnection({}, env({})), /no kubeconfig found.*KUBECONFIG.*--kubeconfig.*--server/);
  });

  it('uses the pod service account when there is no kubeconfig and it runs in a cluster', () => {
    const prefix = path.join(dir, 'sa');
    mkdirSync(path.join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount'), { recursive: true });
    writeFileSync(path.join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount/token'), 'sa-token');
    writeFileSync(path.join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount/namespace'), 'sveltos');
    const c = resolveConnection(
      {},
      {
        env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
        home: path.join(dir, 'nohome'),
        serviceAccountPrefix: prefix,
      },
    );
    assert.equal(c.server, 'https://10.96.0.1:443');
    assert.equal(c.namespace, 'sveltos');
  });

  it('keeps the impersonation and refuses a CA together with skipping verification', () => {
    const c = resolveConnection({ as: 'jane', asGroup: ['ops', 'sre'] }, env({ KUBECONFIG: first }));
    assert.equal(c.impersonateUser, 'jane');
    assert.deepEqual(c.impersonateGroups, ['ops', 'sre']);
    assert.deepEqual(c.kubectlFlags, ['--as=jane', '--as-group=ops', '--as-group=sre']);
    assert.throws(
      () => resolveConnection({ certificateAuthority: first, insecureSkipTlsVerify: true }, env({ KUBECONFIG: first })),
      /cannot be used together/,
    );
  });

  it('reads --request-timeout as kubectl does', () => {
    assert.equal(parseRequestTimeout(undefined), null);
    assert.equal(parseRequestTimeout('0'), null);
    assert.equal(parseRequestTimeout('5'), 5000);
    assert.equal(parseRequestTimeout('1m30s'), 90_000);
    assert.throws(() => parseRequestTimeout('soon'), /--request-timeout: invalid duration/);
  });

  it('takes the flags from a parsed command line, kebab-case as kubectl spells them', () => {
    const flags = clusterFlagsOf({
      kubeconfig: 'k',
      'as-group': ['a'],
      'insecure-skip-tls-verify': true,
      'request-timeout': '3s',
      namespace: 'x',
      'all-namespaces': false,
    });
    assert.deepEqual(flags, {
      kubeconfig: 'k',
      asGroup: ['a'],
      insecureSkipTlsVerify: true,
      requestTimeout: '3s',
      namespace: 'x',
    });
  });
});
