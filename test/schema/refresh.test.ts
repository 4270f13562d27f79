// The refresh script turns checkouts of addon-controller and libsveltos into the vendored files:
// the JSON of each upstream CRD and sources.json naming the commit each came from.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { BUNDLED_SOURCES, bundledCrds } from '../../src/schema/index.ts';

const SCRIPT = new URL('../../src/schema/crds/refresh.mjs', import.meta.url).pathname;

function checkout(dir: string, files: Record<string, unknown>): string {
  mkdirSync(join(dir, 'config/crd/bases'), { recursive: true });
  for (const [name, crd] of Object.entries(files))
    writeFileSync(join(dir, 'config/crd/bases', name), stringify(crd, { lineWidth: 0 }));
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'crds');
  git('tag', 'v9.9.9');
  return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
}

describe('refresh.mjs', () => {
  it('writes each CRD as JSON and records where it came from', () => {
    const root = mkdtempSync(join(tmpdir(), 'crd-refresh-'));
    try {
      const crds = bundledCrds();
      const byKind = (kind: string) => crds.find((c) => c.spec.names.kind === kind)!;
      const addon = checkout(join(root, 'addon-controller'), {
        'config.projectsveltos.io_clusterpromotions.yaml': byKind('ClusterPromotion'),
        'config.projectsveltos.io_clusterprofiles.yaml': byKind('ClusterProfile'),
        'config.projectsveltos.io_clustersummaries.yaml': byKind('ClusterSummary'),
      });
      checkout(join(root, 'libsveltos'), { 'lib.projectsveltos.io_sveltosclusters.yaml': byKind('SveltosCluster') });
      const out = join(root, 'out');
      mkdirSync(out);
      execFileSync(process.execPath, [SCRIPT, join(root, 'addon-controller'), join(root, 'libsveltos'), out], {
        stdio: 'pipe',
      });
      for (const source of BUNDLED_SOURCES) {
        const written = JSON.parse(readFileSync(join(out, source.file), 'utf8'));
        assert.deepEqual(
          written,
          crds.find((c) => `${c.metadata.name}.json` === source.file),
        );
      }
      const sources = JSON.parse(readFileSync(join(out, 'sources.json'), 'utf8'));
      assert.deepEqual(sources[0], {
        file: 'clusterpromotions.config.projectsveltos.io.json',
        repository: 'projectsveltos/addon-controller',
        path: 'config/crd/bases/config.projectsveltos.io_clusterpromotions.yaml',
        commit: addon,
        describe: 'v9.9.9',
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
