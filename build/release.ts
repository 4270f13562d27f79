// `npm run release`: standalone kubectl-promotion executables (Node.js single executable
// applications, no Node.js needed where they run) packed per platform as krew archives, and the
// krew manifest rewritten with their URIs and sha256.
//
//   node build/release.ts [--target linux-amd64]... [--out dist/release]
//                          [--manifest krew-manifest.yaml] [--manifest-out FILE]
//
// --target (repeatable) builds only those platforms; --manifest-out writes the manifest there
// instead of rewriting --manifest in place (the tests use it to leave the repository alone).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { packTarGz, sha256File } from './release/archive.ts';
import { bundleStandalone } from './release/bundle.ts';
import { validateManifest } from './release/krew-manifest.ts';
import type { KrewPlatform } from './release/krew-manifest.ts';
import { fetchRuntime, which } from './release/runtime.ts';
import { buildSea } from './release/sea.ts';
import { hostTarget, RELEASE_TARGETS, targetName } from './release/targets.ts';
import type { ReleaseTarget } from './release/targets.ts';
import { embeddedExamplesDefine } from './embedded-examples.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = 'kubectl-promotion';
const COMPLETER = 'kubectl_complete-promotion';
const ARCHIVE_FILES = [BIN, COMPLETER, 'LICENSE', 'README.md'];

function fail(message: string): never {
  process.stderr.write(`release: ${message}\n`);
  process.exit(1);
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

// A release that does not start is worse than none: run each binary, through the emulator for a
// foreign architecture, and refuse to pack it if it fails. `--help` is answered by the launcher
// alone; `simulate --help` loads the program and its heaviest command from the virtual file system.
const SMOKE_TESTS = [['--help'], ['simulate', '--help']];

function smokeTest(target: ReleaseTarget, binary: string, host: boolean): void {
  const command = host ? [binary] : target.emulator ? [...target.emulator, binary] : undefined;
  if (!command) fail(`${targetName(target)}: cannot run it on this machine to check it`);
  // The binary runs with an empty PATH (no Node.js to fall back on), so the emulator is found first.
  const runner = host ? binary : which(command[0]!);
  if (!runner) {
    fail(
      `${targetName(target)}: ${command[0]} is needed to check the binary (apt-get install qemu-user ` +
        `libc6-arm64-cross libstdc++6-arm64-cross libatomic1-arm64-cross), or leave the target out with ` +
        `--target`,
    );
  }
  for (const args of SMOKE_TESTS) {
    try {
      execFileSync(runner, [...command.slice(1), ...args], {
        encoding: 'utf8',
        env: { PATH: '/nonexistent', HOME: process.env['HOME'] ?? '/tmp' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      fail(
        `${targetName(target)}: the built binary fails \`${args.join(' ')}\`: ` +
          `${(e.stderr || e.message).trim().split('\n')[0]}`,
      );
    }
  }
}

function releaseUri(homepage: string, version: string, archive: string): string {
  return `${homepage.replace(/\/$/, '')}/releases/download/v${version}/${archive}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', multiple: true },
      out: { type: 'string', default: join(ROOT, 'dist', 'release') },
      manifest: { type: 'string', default: join(ROOT, 'krew-manifest.yaml') },
      'manifest-out': { type: 'string' },
      entry: { type: 'string', default: join(ROOT, 'plugin', 'main.ts') },
    },
  });
  const wanted = values.target ?? RELEASE_TARGETS.map(targetName);
  const targets = wanted.map(
    (name) =>
      RELEASE_TARGETS.find((t) => targetName(t) === name) ??
      fail(`--target ${name}: not a release target; use one of ${RELEASE_TARGETS.map(targetName).join(', ')}`),
  );

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const commit = git(['rev-parse', '--short=12', 'HEAD']) ?? 'unknown';
  const mtime = Number(process.env['SOURCE_DATE_EPOCH'] ?? git(['log', '-1', '--format=%ct']) ?? 0);
  const out = resolve(values.out);
  const work = join(out, '.work');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const bundleDir = join(work, 'bundle');
  const bundle = await bundleStandalone({
    entry: resolve(values.entry),
    outDir: bundleDir,
    // What `kubectl promotion version` reports (plugin/commands/version).
    define: { __KUBECTL_PROMOTION_COMMIT__: JSON.stringify(commit), ...embeddedExamplesDefine(ROOT) },
  });

  const host = hostTarget();
  const platforms: KrewPlatform[] = [];
  const manifestText = readFileSync(values.manifest, 'utf8');
  const doc = parseDocument(manifestText);
  const homepage = String(
    doc.getIn(['spec', 'homepage']) ?? fail(`${values.manifest}: spec.homepage is needed for the archive URIs`),
  );

  for (const target of targets) {
    const name = targetName(target);
    const isHost = target === host;
    const runtime = fetchRuntime(target, join(ROOT, 'node_modules', '.cache', 'kubectl-promotion-release'), isHost);
    const stage = join(work, name);
    mkdirSync(stage, { recursive: true });
    buildSea({ bundle, bundleDir, runtime: runtime.path, output: join(stage, BIN), workDir: work });
    copyFileSync(join(ROOT, 'build', 'release', COMPLETER), join(stage, COMPLETER));
    chmodSync(join(stage, COMPLETER), 0o755);
    copyFileSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
    copyFileSync(join(ROOT, 'README.md'), join(stage, 'README.md'));
    smokeTest(target, join(stage, BIN), isHost);
    const archive = `${BIN}-${name}.tar.gz`;
    packTarGz(stage, ARCHIVE_FILES, join(out, archive), mtime);
    const sha256 = sha256File(join(out, archive));
    writeFileSync(join(out, `${archive}.sha256`), `${sha256}  ${archive}\n`);
    platforms.push({
      uri: releaseUri(homepage, pkg.version, archive),
      sha256,
      bin: BIN,
      files: ARCHIVE_FILES.map((from) => ({ from, to: '.' })),
      selector: { matchLabels: { os: target.os, arch: target.arch } },
    });
    process.stdout.write(
      `release: ${archive} ${sha256}${runtime.stripped ? '' : ' (runtime not stripped: no llvm-strip)'}\n`,
    );
  }

  doc.setIn(['spec', 'version'], `v${pkg.version}`);
  doc.setIn(['spec', 'platforms'], doc.createNode(platforms));
  const problems = validateManifest(doc.toJS(), 'promotion');
  if (problems.length > 0) fail(`the manifest would be rejected by krew:\n  ${problems.join('\n  ')}`);
  const manifestOut = values['manifest-out'] ?? values.manifest;
  writeFileSync(manifestOut, doc.toString({ lineWidth: 0 }));
  writeFileSync(join(out, 'krew-manifest.yaml'), doc.toString({ lineWidth: 0 }));
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`release: manifest ${manifestOut}\n`);
}

await main();
