// Real client libraries nobody here wrote, as judges of the served API: Debian's python3-kubernetes
// and ruby-kubeclient, each running a short script against a test server. `.ci/run` installs them;
// a developer machine without them skips (PYTHON= and RUBY= pick other interpreters).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { writeKubeconfig } from '../../simulator/apiserver/kubeconfig.ts';
import { DEADLINE_MS, KUBECTL, type TestServer } from './helpers.ts';

export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
export const RUBY = process.env.RUBY ?? 'ruby';

function lacks(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore' });
  return r.error !== undefined || r.status !== 0;
}

function skipUnless(missing: boolean, what: string): string | false {
  // CI installs the clients, so only a developer machine without them skips.
  return missing && process.env.CI === undefined ? `${what} is not installed` : false;
}

export const skipKubectl = skipUnless(lacks(KUBECTL, ['version', '--client']), KUBECTL);
export const skipPython = skipUnless(lacks(PYTHON, ['-c', 'import kubernetes']), 'python3-kubernetes');
export const skipRuby = skipUnless(lacks(RUBY, ['-e', 'require "kubeclient"']), 'ruby-kubeclient');

export interface ClientResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What a script gets in its environment: KUBECONFIG, and for kubeclient the URL, token and CA file. */
function clientEnv(server: TestServer, token?: string): NodeJS.ProcessEnv {
  const ca = join(server.scratch, 'ca.crt');
  writeFileSync(ca, server.api.ca);
  let kubeconfig = server.kubeconfig();
  if (token !== undefined) {
    kubeconfig = join(server.scratch, 'kubeconfig-token');
    writeKubeconfig(kubeconfig, { server: server.api.url, ca: server.api.ca, token });
  }
  return {
    ...process.env,
    KUBECONFIG: kubeconfig,
    API_URL: server.api.url,
    API_TOKEN: token ?? server.api.token,
    API_CA_FILE: ca,
  };
}

/** A script's output line by line, while it runs (a watch) or once it has exited. */
export class ClientProcess {
  private readonly lines: string[] = [];
  private waiting: (() => void) | null = null;
  private exitCode: number | null | undefined = undefined;
  stderr = '';
  private readonly child;
  private readonly exited: Promise<ClientResult>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.waiting?.();
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), DEADLINE_MS * 3);
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => {
        clearTimeout(timer);
        this.exitCode = code;
        this.waiting?.();
        resolve({ code, stdout: this.lines.map((l) => `${l}\n`).join(''), stderr: this.stderr });
      });
    });
  }

  /** Every line so far once one matches; rejects at the deadline or if the script exits first. */
  async waitForLine(match: (line: string) => boolean, deadlineMs = DEADLINE_MS * 2): Promise<string[]> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      if (this.lines.some(match)) return [...this.lines];
      if (this.exitCode !== undefined) {
        throw new Error(`client exited ${this.exitCode}; stdout ${JSON.stringify(this.lines)} stderr ${this.stderr}`);
      }
      const left = end - Date.now();
      if (left <= 0) {
        throw new Error(`no matching line within ${deadlineMs}ms; stdout ${JSON.stringify(this.lines)} ${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          this.waiting = null;
          resolve();
        };
      });
    }
  }

  result(): Promise<ClientResult> {
    return this.exited;
  }

  stop(): Promise<ClientResult> {
    if (this.exitCode === undefined) this.child.kill('SIGTERM');
    return this.exited;
  }
}

const PYTHON_PRELUDE = `
import json, os, sys
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
config.load_kube_config(config_file=os.environ["KUBECONFIG"])
def out(*parts):
    print(*parts, flush=True)
`;

/** Runs a Python script with the kubernetes client loaded from the server's kubeconfig. */
export function python(server: TestServer, script: string, token?: string): ClientProcess {
  return new ClientProcess(PYTHON, ['-c', `${PYTHON_PRELUDE}\n${script}`], clientEnv(server, token));
}

const RUBY_PRELUDE = `
require "kubeclient"
$stdout.sync = true
def kube(path, version)
  Kubeclient::Client.new(
    ENV["API_URL"] + path, version,
    ssl_options: { ca_file: ENV["API_CA_FILE"], verify_ssl: OpenSSL::SSL::VERIFY_PEER },
    auth_options: { bearer_token: ENV["API_TOKEN"] },
  )
end
`;

/** Runs a Ruby script with kubeclient; `kube(path, version)` makes a client for one group version. */
export function ruby(server: TestServer, script: string, token?: string): ClientProcess {
  return new ClientProcess(RUBY, ['-e', `${RUBY_PRELUDE}\n${script}`], clientEnv(server, token));
}
