// Reading the files a command is given (`-` is standard input) and parsing them as Kubernetes YAML.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { firstLine, UserError } from '../user-error.ts';
import { SourceError } from './findings.ts';
import { byteSize, MAX_INPUT_BYTES } from './input-limits.ts';
import { type LoadedObject, type LoadResult, parseYaml } from './yaml-source.ts';

/**
 * The files of a folder whose names `pattern` matches, in name order (with `recursive`, those of the
 * folders inside too); `folders` says whether it has folders inside, for a hint about -R.
 */
export async function filesInFolder(
  dir: string,
  pattern: RegExp,
  recursive: boolean,
): Promise<{ files: string[]; folders: boolean }> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const files: string[] = [];
  let folders = false;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      folders = true;
      if (recursive) files.push(...(await filesInFolder(path, pattern, true)).files);
    } else if (pattern.test(entry.name)) files.push(path);
  }
  return { files, folders };
}

/** Source text and the name to report it under. */
export interface SourceText {
  file: string;
  text: string;
}

/** The name `-f -` is reported under. */
export const STDIN_NAME = '<stdin>';

/**
 * Collects one input's bytes as UTF-8 text within MAX_INPUT_BYTES, refusing binary data as soon as
 * it shows (a NUL byte: /dev/zero and /dev/urandom fail on their first chunk).
 */
class BoundedText {
  private size = 0;
  private text = '';
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly name: string) {}

  add(chunk: Uint8Array): void {
    // UTF-16 (which YAML allows, with a byte order mark) would otherwise read as binary data.
    if (this.size === 0 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)))
      this.utf16();
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      throw new UserError(`${this.name} is not YAML: it holds binary data (a NUL byte at byte ${this.size + nul + 1})`);
    }
    if (this.size + chunk.length > MAX_INPUT_BYTES) this.tooLarge();
    try {
      this.text += this.decoder.decode(chunk, { stream: true });
    } catch {
      // Where: the first replacement character of a lenient decoding (the text before it was valid).
      const lenient = new TextDecoder('utf-8').decode(chunk);
      const line = (this.text + lenient.slice(0, lenient.indexOf('\uFFFD'))).split('\n').length;
      throw new UserError(`${this.name}:${line} is not UTF-8 text, so not YAML (save the file as UTF-8)`);
    }
    this.size += chunk.length;
  }

  finish(): string {
    try {
      return this.text + this.decoder.decode();
    } catch {
      throw new UserError(`${this.name} is not YAML: it is not UTF-8 text (it ends inside a character)`);
    }
  }

  tooLarge(): never {
    throw new UserError(
      `${this.name} is larger than ${byteSize(MAX_INPUT_BYTES)}, the most kubectl-promotion reads from one file`,
    );
  }

  private utf16(): never {
    throw new UserError(`${this.name} is UTF-16 text; save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)`);
  }
}

async function readStream(stream: NodeJS.ReadableStream, name: string): Promise<string> {
  const text = new BoundedText(name);
  // Leaving the loop early (a limit reached) destroys the stream: nothing more is read.
  for await (const chunk of stream) text.add(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return text.finish();
}

const CHUNK = 64 * 1024;

/** Reads a file, a FIFO or a character device a chunk at a time, never past the byte bound. */
async function readBounded(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const text = new BoundedText(file);
    const st = await handle.stat();
    if (st.isFile() && st.size > MAX_INPUT_BYTES) text.tooLarge();
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return text.finish();
      text.add(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

export interface ReadOptions {
  /** Where `-` reads from; process.stdin unless given (tests pass their own). */
  stdin?: NodeJS.ReadableStream;
}

/**
 * Reads each file (`-` is standard input, at most once). A file that cannot be read, is too large
 * or is not UTF-8 text is a UserError naming it, e.g. `cannot read promo.yaml: no such file`.
 */
export async function readSource(file: string, opts: ReadOptions = {}): Promise<SourceText> {
  if (file === '-') return { file: STDIN_NAME, text: await readStream(opts.stdin ?? process.stdin, STDIN_NAME) };
  try {
    return { file, text: await readBounded(file) };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read ${file}: ${describeFsError(e)}`);
  }
}

/** readSource of each file; `-` may be given only once. */
export async function readSources(files: readonly string[], opts: ReadOptions = {}): Promise<SourceText[]> {
  const out: SourceText[] = [];
  let stdinUsed = false;
  for (const file of files) {
    if (file === '-') {
      if (stdinUsed) throw new UserError('standard input (-) can be given only once');
      stdinUsed = true;
    }
    out.push(await readSource(file, opts));
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
