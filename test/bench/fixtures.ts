// What the benchmarks share: the chart their promotions roll out, and the standalone executable
// built for this machine (`npm run release` puts its archive in dist/release).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostTarget, targetName } from '../../build/release/targets.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A real chart's coordinates, so that profiles and summaries are the size they are in a fleet. */
export const BENCH_CHART = {
  repositoryURL: 'https://kubernetes.github.io/ingress-nginx',
  repositoryName: 'ingress-nginx',
  chartName: 'ingress-nginx/ingress-nginx',
  chartVersion: '4.11.3',
  releaseName: 'ingress',
  releaseNamespace: 'ingress-nginx',
};

export interface Standalone {
  archive: string;
  target: string;
  /** The unpacked executable, removed when the process exits. */
  executable: string;
}

/** The standalone executable of this machine from dist/release, unpacked; null when there is none. */
export function unpackStandalone(): Standalone | null {
  const host = hostTarget();
  if (!host) return null;
  const archive = join(root, 'dist/release', `kubectl-promotion-${targetName(host)}.tar.gz`);
  if (!existsSync(archive)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'bench-standalone-'));
  execFileSync('tar', ['-xzf', archive, '-C', dir]);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { archive, target: targetName(host), executable: join(dir, 'kubectl-promotion') };
}
