// Packs a release directory into a .tar.gz whose bytes depend only on the files: sorted names,
// one owner, the commit's time as every mtime and no name or time in the gzip header. The same
// commit then gives the same sha256 wherever it is built.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export function packTarGz(dir: string, files: string[], output: string, mtime: number): void {
  const tar = execFileSync(
    'tar',
    [
      '--create',
      '--format=ustar',
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      `--mtime=@${mtime}`,
      '--directory',
      dir,
      '--file',
      '-',
      ...[...files].sort(),
    ],
    { maxBuffer: 1 << 30 },
  );
  writeFileSync(output, gzipSync(tar, { level: 9 }));
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
