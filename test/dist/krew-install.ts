// Installs a plugin the way `kubectl krew install --manifest M --archive A` does, into a krew
// root of the test's own: pick the platform for os/arch, refuse an archive whose sha256 differs,
// unpack, move the `files` into the store, and link `bin` as kubectl-<name> into the bin folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, globSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { platformFor, validateManifest } from '../../build/release/krew-manifest.ts';
import type { KrewPlugin, OsArch } from '../../build/release/krew-manifest.ts';

export interface Installed {
  /** ${KREW_ROOT}/store/<name>/<version> */
  installDir: string;
  /** ${KREW_ROOT}/bin, the folder krew asks users to put on PATH. */
  binDir: string;
  /** Every regular file installed, relative to installDir. */
  files: string[];
}

function inside(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export function krewInstall(manifestPath: string, archivePath: string, krewRoot: string, target: OsArch): Installed {
  const plugin = parse(readFileSync(manifestPath, 'utf8')) as KrewPlugin;
  const name = plugin.metadata.name;
  const problems = validateManifest(plugin, name);
  if (problems.length > 0) throw new Error(`invalid manifest: ${problems.join('; ')}`);
  const platform = platformFor(plugin, target);
  if (!platform) throw new Error(`plugin "${name}" does not offer installation for ${target.os}/${target.arch}`);

  const sum = createHash('sha256').update(readFileSync(archivePath)).digest('hex');
  if (sum !== platform.sha256) throw new Error(`checksum does not match, want: ${platform.sha256}, got ${sum}`);

  const staging = mkdtempSync(join(krewRoot, 'staging-'));
  try {
    execFileSync('tar', ['-xzf', archivePath, '-C', staging]);
    const installDir = join(krewRoot, 'store', name, plugin.spec.version);
    mkdirSync(installDir, { recursive: true });
    // Without `files`, krew moves everything.
    for (const op of platform.files ?? [{ from: '*', to: '.' }]) {
      const toDir = resolve(installDir, op.to);
      if (!inside(installDir, toDir)) throw new Error(`files: "${op.to}" leaves the installation directory`);
      const matches = globSync(op.from, { cwd: staging });
      if (matches.length === 0) throw new Error(`files: "${op.from}" matches nothing in the archive`);
      mkdirSync(toDir, { recursive: true });
      for (const m of matches) renameSync(join(staging, m), join(toDir, basename(m)));
    }
    const bin = resolve(installDir, platform.bin);
    if (!inside(installDir, bin) || !existsSync(bin)) throw new Error(`bin: ${platform.bin} was not installed`);
    const binDir = join(krewRoot, 'bin');
    mkdirSync(binDir, { recursive: true });
    symlinkSync(bin, join(binDir, `kubectl-${name.replaceAll('-', '_')}`));
    const files = globSync('**/*', { cwd: installDir, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => relative(installDir, join(d.parentPath, d.name)));
    return { installDir, binDir, files };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
