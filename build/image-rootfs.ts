// The container image's root filesystem (deploy/Dockerfile's final stage is `FROM scratch` plus
// this directory): the standalone executable and exactly the shared libraries it links, a
// non-root user, a writable /tmp, CA certificates. No Node.js, no shell, nothing else: the
// executable carries its runtime. The Dockerfile runs this in its build stage; the tests run it
// on the build machine and start the executable in the result with chroot, as a container would.
//
//   node build/image-rootfs.ts --executable PATH --out DIR
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

export const IMAGE_USER = { uid: 65532, gid: 65532, name: 'nonroot' };
export const IMAGE_EXECUTABLE = '/kubectl-promotion';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The shared libraries `executable` loads, the dynamic loader included, as absolute paths. */
export function sharedLibraries(executable: string): string[] {
  const out = execFileSync('ldd', [executable], { encoding: 'utf8' });
  const paths: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) paths.push(m[1]!);
  }
  if (paths.length === 0 && !/not a dynamic executable/.test(out)) throw new Error(`ldd ${executable}: ${out}`);
  return paths;
}

export function buildImageRootfs(executable: string, out: string): string[] {
  const files: string[] = [];
  const put = (path: string, from: string | { text: string }, mode: number): void => {
    const target = join(out, path);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof from === 'string') copyFileSync(realpathSync(from), target);
    else writeFileSync(target, from.text);
    chmodSync(target, mode);
    files.push(path);
  };
  put(IMAGE_EXECUTABLE, executable, 0o755);
  for (const lib of sharedLibraries(executable)) put(lib, lib, 0o755);
  const { uid, gid, name } = IMAGE_USER;
  put(
    '/etc/passwd',
    { text: `root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${gid}:${name}:/home/${name}:/sbin/nologin\n` },
    0o644,
  );
  put('/etc/group', { text: `root:x:0:\n${name}:x:${gid}:\n` }, 0o644);
  if (existsSync(CA_BUNDLE)) put(CA_BUNDLE, CA_BUNDLE, 0o644);
  mkdirSync(join(out, 'tmp'), { recursive: true });
  chmodSync(join(out, 'tmp'), 0o1777);
  mkdirSync(join(out, 'home', name), { recursive: true });
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { executable: { type: 'string' }, out: { type: 'string' } } });
  if (!values.executable || !values.out) {
    process.stderr.write('image-rootfs: --executable PATH and --out DIR are required\n');
    process.exit(1);
  }
  for (const f of buildImageRootfs(values.executable, values.out)) process.stdout.write(`${f}\n`);
}
