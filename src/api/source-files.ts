// Reading the files a command is given (`-` is standard input) and parsing them as Kubernetes YAML.
import { readFile } from 'node:fs/promises';
import { firstLine, UserError } from '../user-error.ts';
import { SourceError } from './findings.ts';
import { type LoadedObject, type LoadResult, parseYaml } from './yaml-source.ts';

/** Source text and the name to report it under. */
export interface SourceText {
  file: string;
  text: string;
}

/** The name `-f -` is reported under. */
export const STDIN_NAME = '<stdin>';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export interface ReadOptions {
  /** Where `-` reads from; process.stdin unless given (tests pass their own). */
  stdin?: NodeJS.ReadableStream;
}

/**
 * Reads each file (`-` is standard input, at most once). A file that cannot be read is a
 * UserError naming it, e.g. `cannot read promo.yaml: no such file`.
 */
export async function readSources(files: readonly string[], opts: ReadOptions = {}): Promise<SourceText[]> {
  const out: SourceText[] = [];
  let stdinUsed = false;
  for (const file of files) {
    if (file === '-') {
      if (stdinUsed) throw new UserError('standard input (-) can be given only once');
      stdinUsed = true;
      out.push({ file: STDIN_NAME, text: await readAll(opts.stdin ?? process.stdin) });
      continue;
    }
    try {
      out.push({ file, text: await readFile(file, 'utf8') });
    } catch (e) {
      throw new UserError(`cannot read ${file}: ${describeFsError(e)}`);
    }
  }
  return out;
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return firstLine((e as Error).message);
  }
}

/** Reads and parses the files; YAML problems come back as findings, unreadable files throw. */
export async function loadFiles(files: readonly string[], opts: ReadOptions = {}): Promise<LoadResult> {
  const result: LoadResult = { objects: [], findings: [] };
  for (const src of await readSources(files, opts)) {
    const r = parseYaml(src.text, src.file);
    result.objects.push(...r.objects);
    result.findings.push(...r.findings);
  }
  return result;
}

/**
 * For callers that cannot go on with a broken file (the simulator's fleet): parses, and throws
 * the first YAML problem as a SourceError.
 */
export async function loadFilesStrict(files: readonly string[], opts: ReadOptions = {}): Promise<LoadedObject[]> {
  const r = await loadFiles(files, opts);
  const first = r.findings.find((f) => f.severity === 'error');
  if (first) throw new SourceError(first);
  return r.objects;
}
