// Hostile input is bounded: no file, device or stream a user names can make a command read without
// end, nest the parser off its stack, or expand into more data than it holds. Each limit is one line
// naming the file (and where) and the limit, exit 1.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { MAX_ALIAS_COUNT, MAX_DEPTH, MAX_DOCUMENTS, MAX_INPUT_BYTES } from '../../src/api/input-limits.ts';
import { formatFinding } from '../../src/api/findings.ts';
import { readSources } from '../../src/api/source-files.ts';
import { parseYaml } from '../../src/api/yaml-source.ts';
import { UserError } from '../../src/user-error.ts';
import { runCli } from '../../plugin/cli.ts';
import lint from '../../plugin/commands/lint/index.ts';
import { simulateCommand } from '../../plugin/commands/simulate/index.ts';
import testCommand from '../../plugin/commands/test/index.ts';
import { EXIT_BAD_INPUT } from '../../plugin/exit-codes.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function readError(files: string[], stdin?: Readable): Promise<string> {
  try {
    await readSources(files, { stdin });
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    return e.message;
  }
  assert.fail('expected the input to be refused');
}

/** A stream that never ends, counting what was taken from it. */
function endless(chunk: Buffer): { stream: Readable; taken: () => number } {
  let taken = 0;
  function* forever() {
    for (;;) {
      taken += chunk.length;
      yield chunk;
    }
  }
  return { stream: Readable.from(forever()), taken: () => taken };
}

async function tempFile(name: string, content: string | Buffer): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'limits-')), name);
  await writeFile(file, content);
  return file;
}

function onlyFinding(text: string): string {
  const r = parseYaml(text, 'f.yaml');
  assert.equal(r.objects.length, 0, 'nothing of a file over a limit is used');
  assert.equal(r.findings.length, 1, JSON.stringify(r.findings));
  return formatFinding(r.findings[0]!);
}

const nested = (depth: number) => `a: ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}\n`;
const blockNested = (depth: number) => Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}k:`).join('\n');

const LAUGHS = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => {
    const prev = 'abcdefgh'[i];
    return `${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
].join('\n');

describe('reading input within a byte bound', () => {
  it('refuses /dev/zero as binary data on its first chunk, naming the device', async () => {
    assert.equal(await readError(['/dev/zero']), '/dev/zero is not YAML: it holds binary data (a NUL byte at byte 1)');
  });

  it('refuses /dev/urandom as binary data instead of reading it for ever', async () => {
    assert.match(await readError(['/dev/urandom']), /^\/dev\/urandom is not YAML: it (holds binary data|is not UTF-8)/);
  });

  it('stops reading standard input at the bound: an endless stream of YAML is refused, not slurped', async () => {
    const input = endless(Buffer.from('a: 1\n'.repeat(1000)));
    assert.equal(
      await readError(['-'], input.stream),
      '<stdin> is larger than 4 MiB, the most kubectl-promotion reads from one file',
    );
    // The stream buffers a few chunks ahead of the reader; nothing more is taken.
    assert.ok(input.taken() <= MAX_INPUT_BYTES + 1024 * 1024, `read ${input.taken()} bytes`);
  });

  it('stops at the first NUL byte of an endless binary stream', async () => {
    const input = endless(Buffer.alloc(64 * 1024));
    assert.match(await readError(['-'], input.stream), /^<stdin> is not YAML: it holds binary data/);
    assert.ok(input.taken() <= 2 * 1024 * 1024, `read ${input.taken()} bytes`);
  });

  it('refuses a file over the bound from its size, before reading it', async () => {
    const file = await tempFile('big.yaml', Buffer.alloc(MAX_INPUT_BYTES + 1, 'a'));
    assert.equal(
      await readError([file]),
      `${file} is larger than 4 MiB, the most kubectl-promotion reads from one file`,
    );
  });

  it('reads a file of exactly the bound', async () => {
    const body = `# ${'x'.repeat(MAX_INPUT_BYTES - 3)}\n`;
    const file = await tempFile('edge.yaml', body);
    const [src] = await readSources([file]);
    assert.equal(src!.text.length, MAX_INPUT_BYTES);
  });

  it('says which line is not UTF-8, and that UTF-16 should be saved as UTF-8', async () => {
    const latin1 = await tempFile('latin1.yaml', Buffer.from('a: 1\nb: "caf\xe9"\n', 'latin1'));
    assert.equal(await readError([latin1]), `${latin1}:2 is not UTF-8 text, so not YAML (save the file as UTF-8)`);
    const utf16 = await tempFile('utf16.yaml', Buffer.from('\ufeffa: 1\n', 'utf16le'));
    assert.equal(await readError([utf16]), `${utf16} is UTF-16 text; save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)`);
  });

  it('still reads a UTF-8 byte order mark and characters split across chunks', async () => {
    const text = `\ufeffname: ${'é'.repeat(70_000)}\n`;
    const [src] = await readSources([await tempFile('bom.yaml', text)]);
    assert.equal(src!.text, text.slice(1));
  });
});

describe('parsing within the limits', () => {
  it(`reads nesting ${MAX_DEPTH} deep and refuses one level more, at the level that is too deep`, () => {
    assert.deepEqual(parseYaml(nested(MAX_DEPTH), 'f.yaml').findings, []);
    assert.deepEqual(parseYaml(blockNested(MAX_DEPTH), 'f.yaml').findings, []);
    assert.equal(
      onlyFinding(nested(MAX_DEPTH + 1)),
      `f.yaml:1:${3 + MAX_DEPTH}: mappings and sequences nest more than 100 deep, the most kubectl-promotion reads`,
    );
    assert.match(
      onlyFinding(blockNested(MAX_DEPTH + 1)),
      /^f\.yaml:101:\d+: mappings and sequences nest more than 100/,
    );
  });

  it('refuses nesting far past the stack with the same line, not a stack overflow', () => {
    for (const text of [nested(200_000), blockNested(5_000), `a:\n${'- '.repeat(100_000)}x\n`]) {
      assert.match(onlyFinding(text), /nest more than 100 deep/);
    }
  });

  it(`reads ${MAX_DOCUMENTS.toLocaleString('en-US')} documents and refuses the one after, at its line`, () => {
    assert.equal(parseYaml('---\n'.repeat(MAX_DOCUMENTS), 'f.yaml').findings.length, 0);
    assert.equal(
      onlyFinding('a: 1\n---\n'.repeat(MAX_DOCUMENTS + 5)),
      `f.yaml:${2 * MAX_DOCUMENTS}:1: more than 10,000 YAML documents in one file, the most kubectl-promotion reads`,
    );
  });

  it('refuses a billion laughs by the alias limit, and keeps modest aliases', () => {
    const r = parseYaml(LAUGHS, 'f.yaml');
    assert.equal(r.objects.length, 0);
    assert.deepEqual(r.findings.map(formatFinding), [
      `f.yaml:1:1: its aliases expand beyond the limit kubectl-promotion reads (maxAliasCount ${MAX_ALIAS_COUNT}); ` +
        'write the values out instead',
    ]);
    const modest = parseYaml('kind: A\nx: &l {app: web}\ny: *l\nz: *l\n', 'f.yaml');
    assert.deepEqual(modest.findings, []);
    assert.deepEqual(modest.objects[0]!.value.z, { app: 'web' });
  });
});

describe('every command that reads YAML is bounded', () => {
  async function run(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, [lint, simulateCommand({ now: () => 0, examplesRoot: root }), testCommand], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      stdin: endless(Buffer.alloc(4096)).stream,
      env: {},
    });
    return { code, stdout, stderr };
  }
  const promotion = `${root}examples/kyverno/promotion.yaml`;
  const fleet = `${root}examples/kyverno/fleet.yaml`;

  for (const [what, args, name] of [
    ['lint -f /dev/zero', ['lint', '-f', '/dev/zero'], '/dev/zero'],
    ['lint -f - from an endless binary stream', ['lint', '-f', '-'], '<stdin>'],
    ['lint --fleet /dev/urandom', ['lint', '-f', promotion, '--fleet', '/dev/urandom'], '/dev/urandom'],
    ['lint --crd /dev/zero', ['lint', '-f', promotion, '--crd', '/dev/zero'], '--crd /dev/zero'],
    ['simulate -f /dev/zero', ['simulate', '-f', '/dev/zero', '--fleet', fleet, '-o', 'json'], '/dev/zero'],
    ['simulate --fleet /dev/urandom', ['simulate', '-f', promotion, '--fleet', '/dev/urandom', '-o', 'json'], null],
    ['simulate --fleet -', ['simulate', '-f', promotion, '--fleet', '-', '-o', 'json'], '<stdin>'],
    ['test -f /dev/zero', ['test', '-f', '/dev/zero'], '/dev/zero'],
  ] as const) {
    it(`${what}: one line naming the input, exit 1`, async () => {
      const r = await run([...args]);
      assert.equal(r.code, EXIT_BAD_INPUT, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.match(r.stderr, /^error: .* is not (YAML|UTF-8)/);
      if (name) assert.ok(r.stderr.startsWith(`error: ${name} `), r.stderr);
    });
  }

  it('lint reports a billion laughs at its file and line, exit 1', async () => {
    const r = await run(['lint', '-f', await tempFile('laughs.yaml', LAUGHS)]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(r.stdout + r.stderr, /laughs\.yaml:1:1: its aliases expand beyond the limit .*maxAliasCount 1000/);
  });

  it('simulate refuses a fleet nested too deep in one line', async () => {
    const r = await run([
      'simulate',
      '-f',
      promotion,
      '--fleet',
      await tempFile('deep.yaml', nested(500)),
      '-o',
      'json',
    ]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(r.stderr, /^error: .*deep\.yaml:1:\d+: mappings and sequences nest more than 100 deep.*\n$/);
  });
});
