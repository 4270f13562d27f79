// A kubeconfig for the served API: one cluster, user and context, all named `promotion-sim`,
// trusting the server's own certificate and carrying its bearer token.
import { chmodSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export const CONTEXT_NAME = 'promotion-sim';

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

/** Writes the kubeconfig readable by its owner only, since it holds the token. */
export function writeKubeconfig(path: string, input: KubeconfigInput): void {
  writeFileSync(path, kubeconfigYaml(input), { mode: 0o600 });
  chmodSync(path, 0o600);
}
