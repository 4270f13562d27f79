import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { platformFor, validateManifest } from '../../build/release/krew-manifest.ts';
import type { KrewPlugin } from '../../build/release/krew-manifest.ts';

const ROOT = new URL('../../', import.meta.url);

function manifest(): KrewPlugin {
  return {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: { name: 'promotion' },
    spec: {
      version: 'v0.1.0',
      homepage: 'https://example.org/kubectl-promotion',
      shortDescription: 'Watch and approve promotions',
      description: 'Follows rollouts.\n',
      platforms: [
        {
          uri: 'https://example.org/a-linux-amd64.tar.gz',
          sha256: 'a'.repeat(64),
          bin: 'kubectl-promotion',
          files: [
            { from: 'kubectl-promotion', to: '.' },
            { from: 'LICENSE', to: '.' },
          ],
          selector: { matchLabels: { os: 'linux', arch: 'amd64' } },
        },
        {
          uri: 'https://example.org/a-linux-arm64.tar.gz',
          sha256: 'b'.repeat(64),
          bin: 'kubectl-promotion',
          selector: { matchLabels: { os: 'linux', arch: 'arm64' } },
        },
      ],
    },
  };
}

function problemsAfter(change: (m: KrewPlugin) => void): string[] {
  const m = manifest();
  change(m);
  return validateManifest(m, 'promotion');
}

describe('the krew manifest rules', () => {
  it('accept a manifest that follows them', () => {
    assert.deepEqual(validateManifest(manifest(), 'promotion'), []);
  });

  it('accept the committed krew-manifest.yaml, at the version package.json has', () => {
    const committed = parse(readFileSync(new URL('krew-manifest.yaml', ROOT), 'utf8')) as KrewPlugin;
    const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string };
    assert.deepEqual(validateManifest(committed, 'promotion'), []);
    assert.equal(committed.spec.version, `v${pkg.version}`);
    for (const p of committed.spec.platforms) {
      assert.ok(
        p.files?.some((f) => f.from === 'LICENSE'),
        `${p.uri} installs the LICENSE`,
      );
      assert.match(p.uri, new RegExp(`/v${pkg.version}/`));
    }
  });

  it("want krew's API version and kind", () => {
    assert.match(
      problemsAfter((m) => {
        m.apiVersion = 'krew.googlecontainertools.github.com/v1alpha1';
      }).join(),
      /^apiVersion:/,
    );
    assert.match(
      problemsAfter((m) => {
        m.kind = 'Plugins';
      }).join(),
      /^kind:/,
    );
  });

  it('take a plugin name of word characters and dashes, not a Windows device name, matching metadata.name', () => {
    assert.deepEqual(
      validateManifest({ ...manifest(), metadata: { name: 'a/b' } }, 'a/b').filter((p) => p.includes('not allowed'))
        .length,
      1,
    );
    assert.deepEqual(
      validateManifest({ ...manifest(), metadata: { name: 'con' } }, 'con').filter((p) => p.includes('not allowed'))
        .length,
      1,
    );
    assert.match(validateManifest(manifest(), 'promotions').join(), /should be named "promotions"/);
  });

  it('want a semantic version with a leading v', () => {
    assert.match(
      problemsAfter((m) => {
        m.spec.version = '0.1.0';
      }).join(),
      /spec\.version/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.version = 'v0.1';
      }).join(),
      /spec\.version/,
    );
    assert.deepEqual(
      problemsAfter((m) => {
        m.spec.version = 'v1.2.3-rc.1+build.5';
      }),
      [],
    );
  });

  it('keep shortDescription to one line of at most 50 characters', () => {
    assert.deepEqual(
      problemsAfter((m) => {
        m.spec.shortDescription = 'x'.repeat(50);
      }),
      [],
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.shortDescription = 'x'.repeat(51);
      }).join(),
      /51 characters/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.shortDescription = 'one\ntwo';
      }).join(),
      /one line/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.shortDescription = '';
      }).join(),
      /short description/,
    );
  });

  it('wrap the description at 80 columns and keep usage examples out of it', () => {
    assert.match(
      problemsAfter((m) => {
        m.spec.description = `${'x'.repeat(81)}\n`;
      }).join(),
      /line 1: 81 columns/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.description = 'Use it:\n  $ kubectl promotion watch\n';
      }).join(),
      /line 2: looks like a usage example/,
    );
  });

  it('want an https homepage', () => {
    assert.match(
      problemsAfter((m) => {
        delete m.spec.homepage;
      }).join(),
      /spec\.homepage/,
    );
  });

  it("want each platform's uri, a sha256 of 64 lowercase hex digits and bin", () => {
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.uri = '';
      }).join(),
      /platforms\[0\]\.uri/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.sha256 = 'A'.repeat(64);
      }).join(),
      /platforms\[0\]\.sha256/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.sha256 = 'a'.repeat(63);
      }).join(),
      /platforms\[0\]\.sha256/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.bin = '';
      }).join(),
      /platforms\[0\]\.bin/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.bin = '../kubectl';
      }).join(),
      /inside the installation directory/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms = [];
      }).join(),
      /should have a platform/,
    );
  });

  it('want files unspecified or non-empty, each with from and to', () => {
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.files = [];
      }).join(),
      /files: has to be unspecified or non-empty/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.files = [{ from: 'LICENSE', to: '' }];
      }).join(),
      /files\[0\]\.to/,
    );
  });

  it('select platforms on os and arch only, with no two selecting the same os/arch', () => {
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.selector = { matchLabels: { os: 'linux', arch: 'amd64', libc: 'musl' } };
      }).join(),
      /key "libc" is not supported/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.selector = {};
      }).join(),
      /empty selector/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[0]!.selector = { matchLabels: { os: 'linux' } };
      }).join(),
      /0 and 1 overlap: both select linux\/arm64/,
    );
    assert.match(
      problemsAfter((m) => {
        m.spec.platforms[1]!.selector = { matchLabels: { os: 'plan9', arch: 'amd64' } };
      }).join(),
      /matches no platform krew supports/,
    );
  });

  it('pick the platform whose selector matches, including matchExpressions', () => {
    const m = manifest();
    m.spec.platforms[1]!.selector = { matchExpressions: [{ key: 'os', operator: 'In', values: ['darwin'] }] };
    assert.equal(platformFor(m, { os: 'linux', arch: 'amd64' })?.uri, 'https://example.org/a-linux-amd64.tar.gz');
    assert.equal(platformFor(m, { os: 'darwin', arch: 'arm64' })?.uri, 'https://example.org/a-linux-arm64.tar.gz');
    assert.equal(platformFor(m, { os: 'windows', arch: 'amd64' }), undefined);
  });
});
