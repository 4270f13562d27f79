// `-f` as kubectl takes it: repeatable, several files separated by commas, a folder for the
// .yaml, .yml and .json files in it (with -R, in the folders inside too), `-` for standard input.
import { stat } from 'node:fs/promises';
import { filesInFolder } from '../src/api/source-files.ts';
import { UsageError } from './errors.ts';

export const FILENAME_OPTION = {
  type: 'string',
  short: 'f',
  multiple: true,
  split: true,
  value: 'FILE',
  complete: { kind: 'file' },
} as const;

export const RECURSIVE_OPTION = {
  type: 'boolean',
  short: 'R',
  describe: 'Read the folders given with -f and the folders inside them',
} as const;

const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * The files `-f` names, folders replaced by the manifests in them in name order. A path that is not
 * there is passed on, for the reader to name in its own error.
 */
export async function expandFilenames(paths: readonly string[], recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push(path);
      continue;
    }
    const info = await stat(path).catch(() => null);
    if (!info?.isDirectory()) {
      out.push(path);
      continue;
    }
    const found = await filesInFolder(path, MANIFEST, recursive);
    if (found.files.length === 0)
      throw new UsageError(
        `${path}: no .yaml, .yml or .json file in this ` +
          `folder${found.folders && !recursive ? ' (-R reads the folders inside it)' : ''}`,
      );
    out.push(...found.files);
  }
  return out;
}
