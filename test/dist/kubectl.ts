// The real kubectl for the distribution tests (KUBECTL=path picks another, e.g. Debian's 1.20,
// which CI installs on a fresh machine), and what its version can do for a plugin.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

/** kubectl runs kubectl_complete-<plugin> for `kubectl __complete <plugin> ...` from 1.26 on. */
export const PLUGIN_COMPLETION_SINCE = { major: 1, minor: 26 };

export interface KubectlVersion {
  major: number;
  minor: number;
  gitVersion: string;
}

/** The client's version, or undefined when there is no kubectl to run. */
export function kubectlVersion(): KubectlVersion | undefined {
  const r = spawnSync(KUBECTL, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const client = (JSON.parse(r.stdout) as { clientVersion: { major: string; minor: string; gitVersion: string } })
    .clientVersion;
  // Vendors' builds write the minor as "26+".
  return {
    major: Number.parseInt(client.major, 10),
    minor: Number.parseInt(client.minor, 10),
    gitVersion: client.gitVersion,
  };
}

/** Why plugin completion cannot be tested through this kubectl, or false when it can. */
export function pluginCompletionSkip(version = kubectlVersion()): string | false {
  if (!version) return `${KUBECTL} is not installed`;
  const { major, minor } = PLUGIN_COMPLETION_SINCE;
  if (version.major < major || (version.major === major && version.minor < minor)) {
    return `kubectl ${version.gitVersion} completes plugins' arguments only from ${major}.${minor}`;
  }
  return false;
}

/**
 * A folder holding kubectl alone, to put on PATH beside the plugin's: nothing else of its own
 * folder (/usr/bin has node) comes with it.
 */
export function kubectlOnlyFolder(parent: string): string {
  const found = KUBECTL.includes('/')
    ? KUBECTL
    : execFileSync('sh', ['-c', `command -v ${KUBECTL}`], { encoding: 'utf8' }).trim();
  const dir = join(parent, 'kubectl-only');
  mkdirSync(dir);
  symlinkSync(realpathSync(found), join(dir, 'kubectl'));
  return dir;
}
