// The build's stand-ins (build/lazy-dependencies.mjs) must answer as the packages they defer. The
// one for string-width measures ASCII itself and hands anything else to string-width: our --help
// is all ASCII today, so its other half is exercised here, bundled as yargs's layout code gets it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import stringWidth from 'string-width';
import { COMMONJS_SHIM } from '../../build/commonjs-shim.mjs';
import { lazyDependencies } from '../../build/lazy-dependencies.mjs';

const SAMPLES = [
  '',
  'kubectl promotion list',
  '--request-timeout',
  '\u001b[31mred\u001b[39m',
  'naïve',
  '漢字の幅',
  'stage 🚀 done',
  'e\u0301',
  'tab\there',
];

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lazy-deps-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles a module that sits where cliui does and measures SAMPLES with the string-width it is given. */
async function measuredThroughBuild(options: Parameters<typeof lazyDependencies>[0], name: string): Promise<number[]> {
  const importer = path.join(dir, name, 'node_modules', 'cliui', 'index.mjs');
  mkdirSync(path.dirname(importer), { recursive: true });
  writeFileSync(
    importer,
    `import stringWidth from 'string-width';\nexport const widths = (xs) => xs.map((x) => stringWidth(x));\n`,
  );
  const outdir = path.join(dir, name, 'out');
  await build({
    // In chunks/, where the bundle's chunks are and the standalone build's deferred packages go.
    entryPoints: { 'chunks/layout': importer },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    banner: { js: COMMONJS_SHIM },
    plugins: [lazyDependencies(options)],
    metafile: true,
    logLevel: 'silent',
  });
  const { widths } = (await import(pathToFileURL(path.join(outdir, 'chunks', 'layout.mjs')).href)) as {
    widths: (xs: string[]) => number[];
  };
  return widths(SAMPLES);
}

describe("the string-width stand-in in yargs's layout code", () => {
  const expected = () => SAMPLES.map((s) => stringWidth(s));

  it('measures as string-width does, ASCII or not, in the npm build (the package bundled behind it)', async () => {
    assert.deepEqual(await measuredThroughBuild({ installed: ['string-width'] }, 'npm'), expected());
  });

  it('measures as string-width does in the standalone build (the package in a file of its own)', async () => {
    assert.deepEqual(await measuredThroughBuild({ separateFiles: true }, 'standalone'), expected());
  });

  it('refuses a standalone build that would put a stand-in outside chunks/, where it could not find its package', async () => {
    const importer = path.join(dir, 'misplaced', 'node_modules', 'cliui', 'index.mjs');
    mkdirSync(path.dirname(importer), { recursive: true });
    writeFileSync(importer, `import stringWidth from 'string-width';\nexport default stringWidth;\n`);
    await assert.rejects(
      build({
        entryPoints: { layout: importer },
        outdir: path.join(dir, 'misplaced', 'out'),
        outExtension: { '.js': '.mjs' },
        bundle: true,
        splitting: true,
        platform: 'node',
        format: 'esm',
        plugins: [lazyDependencies({ separateFiles: true })],
        metafile: true,
        logLevel: 'silent',
      }),
      /holds a stand-in but is not in chunks\//,
    );
  });
});
