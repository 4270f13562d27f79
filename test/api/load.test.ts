import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { formatFinding, formatPath, parsePath, SourceError } from '../../src/api/findings.ts';
import { parseYaml } from '../../src/api/yaml-source.ts';
import { loadFiles, loadFilesStrict, readSources } from '../../src/api/source-files.ts';
import { UserError } from '../../src/user-error.ts';

const PROMO = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata:
  name: demo
spec:
  profileSpec:
    syncMode: Continuous
  stages:
  - name: staging
    clusterSelector:
      matchLabels: {env: staging}
  - name: production
    trigger:
      auto:
        delay: 5m
    postDelayHealthChecks:
    - name: lua
      script: |
        function evaluate()
          return oops(
        end
`;

describe('field paths', () => {
  it('prints keys with dots and indexes in brackets', () => {
    assert.equal(formatPath(['spec', 'stages', 1, 'trigger']), 'spec.stages[1].trigger');
  });
  it('quotes keys that are not identifiers', () => {
    assert.equal(
      formatPath(['metadata', 'labels', 'app.kubernetes.io/name']),
      'metadata.labels["app.kubernetes.io/name"]',
    );
  });
  it('parses what it prints', () => {
    for (const p of [
      ['spec', 'stages', 1, 'trigger'],
      ['metadata', 'labels', 'a.b/c', 0],
    ]) {
      assert.deepEqual(parsePath(formatPath(p)), p);
    }
  });
});

describe('parseYaml', () => {
  it('returns each object as plain data', () => {
    const r = parseYaml(PROMO, 'p.yaml');
    assert.deepEqual(r.findings, []);
    assert.equal(r.objects.length, 1);
    const spec = r.objects[0]!.value.spec as { stages: { name: string }[] };
    assert.equal(spec.stages[1]!.name, 'production');
  });

  it('locates a scalar field at its value and a mapping field at its key (1-based)', () => {
    const o = parseYaml(PROMO, 'p.yaml').objects[0]!;
    assert.deepEqual(o.locate('spec.stages[1].trigger.auto.delay'), { line: 15, column: 16 });
    assert.deepEqual(o.locate('spec.stages[1].trigger'), { line: 13, column: 5 });
    assert.deepEqual(o.locate('spec.stages[1].name', 'key'), { line: 12, column: 5 });
    assert.deepEqual(o.locate('spec.stages[1]'), { line: 12, column: 5 });
  });

  it('locates an absent field at its closest present parent', () => {
    const o = parseYaml(PROMO, 'p.yaml').objects[0]!;
    assert.equal(o.has('spec.stages[0].trigger'), false);
    assert.deepEqual(o.locate('spec.stages[0].trigger'), { line: 9, column: 5 });
  });

  it('maps a line of a block scalar to its line in the file', () => {
    const o = parseYaml(PROMO, 'p.yaml').objects[0]!;
    assert.deepEqual(o.locateInText('spec.stages[1].postDelayHealthChecks[0].script', 2, 3), { line: 20, column: 11 });
  });

  it('reads YAML 1.1 booleans as kubectl does', () => {
    const o = parseYaml('kind: X\na: yes\nb: off\nc: 2024-01-01\nd: 1:30\n', 'x.yaml').objects[0]!;
    assert.deepEqual(o.value, { kind: 'X', a: true, b: false, c: '2024-01-01', d: '1:30' });
  });

  // Each plain scalar as sigs.k8s.io/yaml (go-yaml v2 underneath) hands it to the API server.
  const AS_KUBERNETES: [string, unknown][] = [
    ['e1', 'e1'],
    ['E5', 'E5'],
    ['-e5', '-e5'],
    ['.', '.'],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1.5e-3', 0.0015],
    ['1e1_0', 1e10],
    ['.5', 0.5],
    ['+.5', 0.5],
    ['1.', 1],
    ['0x1F', 31],
    ['0X1F', 31],
    ['-0x1F', -31],
    ['0o12', 10],
    ['012', 10],
    ['09', 9],
    ['0b101', 5],
    ['1_000', 1000],
    ['+12', 12],
    ['yes', true],
    ['Yes', true],
    ['y', true],
    ['on', true],
    ['ON', true],
    ['no', false],
    ['n', false],
    ['off', false],
    ['~', null],
    ['null', null],
    ['', null],
    ['2024-01-01', '2024-01-01'],
    ['2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z'],
    ['1:30', '1:30'],
    ['"e1"', 'e1'],
    ["'yes'", 'yes'],
    ['"0x1F"', '0x1F'],
  ];
  it('reads plain scalars as Kubernetes does (sigs.k8s.io/yaml: YAML 1.1 scalars, Go number syntax)', () => {
    for (const [text, expected] of AS_KUBERNETES) {
      const r = parseYaml(`kind: X\nv: ${text}\n`, 'x.yaml');
      assert.deepEqual(r.findings, [], text);
      assert.deepEqual(r.objects[0]!.value['v'], expected, `v: ${text}`);
    }
  });

  it('reads keys the same way: {e1: a} has the key "e1"', () => {
    const o = parseYaml('kind: X\nlabels: {e1: a, 0x1F: b, yes: c}\n', 'x.yaml').objects[0]!;
    assert.deepEqual(o.value['labels'], { e1: 'a', '31': 'b', true: 'c' });
  });

  it('refuses .inf and .nan, which JSON cannot hold, at their field, as Kubernetes refuses the document', () => {
    for (const text of ['.inf', '-.Inf', '.nan']) {
      const r = parseYaml(`kind: X\nspec:\n  items:\n  - a: 1\n  - a: ${text}\n---\nkind: Other\n`, 'x.yaml');
      assert.deepEqual(
        r.objects.map((o) => o.value.kind),
        ['Other'],
      );
      assert.deepEqual(r.findings, [
        {
          severity: 'error',
          file: 'x.yaml',
          path: 'spec.items[1].a',
          line: 5,
          column: 8,
          message: `${text} is not a number JSON can hold, and Kubernetes refuses it (quote it for a string)`,
        },
      ]);
    }
  });

  it('reads every document of a multi-document file and skips empty ones', () => {
    const r = parseYaml('kind: A\n---\n# only a comment\n---\nkind: B\n', 'm.yaml');
    assert.deepEqual(
      r.objects.map((o) => [o.value.kind, o.document]),
      [
        ['A', 0],
        ['B', 2],
      ],
    );
  });

  it('unwraps the items of a kubectl List with positions relative to the item', () => {
    const r = parseYaml(
      'apiVersion: v1\nkind: List\nitems:\n- kind: A\n  metadata: {name: a}\n- kind: B\n  metadata:\n    name: b\n',
      'l.yaml',
    );
    assert.deepEqual(
      r.objects.map((o) => [o.value.kind, o.listIndex]),
      [
        ['A', 0],
        ['B', 1],
      ],
    );
    assert.deepEqual(r.objects[1]!.locate('metadata.name'), { line: 8, column: 11 });
  });

  it('reports a syntax error as a one-line finding at its line', () => {
    const r = parseYaml('kind: A\nb: [1, 2\n', 'bad.yaml');
    assert.equal(r.objects.length, 0);
    assert.equal(r.findings.length, 1);
    const f = r.findings[0]!;
    assert.equal(f.severity, 'error');
    assert.equal(f.file, 'bad.yaml');
    assert.ok(f.line >= 2, `line ${f.line}`);
    assert.ok(!f.message.includes('\n'));
  });

  it('reports duplicate keys', () => {
    const r = parseYaml('kind: A\nkind: B\n', 'dup.yaml');
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.line, 2);
    assert.match(r.findings[0]!.message, /unique/);
  });

  it('reports a document that is not a mapping', () => {
    const r = parseYaml('- a\n- b\n', 's.yaml');
    assert.equal(r.objects.length, 0);
    assert.match(r.findings[0]!.message, /expected a Kubernetes object/);
  });

  it('builds findings at a field', () => {
    const o = parseYaml(PROMO, 'p.yaml').objects[0]!;
    const f = o.finding('error', ['spec', 'stages', 1, 'trigger'], 'has both manual and auto');
    assert.equal(formatFinding(f), 'p.yaml:13:5 spec.stages[1].trigger: has both manual and auto');
  });
});

describe('reading files', () => {
  it('names a missing file in one line', async () => {
    await assert.rejects(readSources(['/nonexistent/promo.yaml']), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, 'cannot read /nonexistent/promo.yaml: no such file');
      return true;
    });
  });

  it('reads - from the given standard input', async () => {
    const r = await loadFiles(['-'], { stdin: Readable.from(['kind: A\n']) });
    assert.equal(r.objects[0]!.file, '<stdin>');
    assert.equal(r.objects[0]!.value.kind, 'A');
  });

  it('throws the first YAML problem when asked to be strict', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'load-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'a: 1\na: 2\n');
    await assert.rejects(loadFilesStrict([file]), (e: unknown) => {
      assert.ok(e instanceof SourceError);
      assert.equal(e.finding.line, 2);
      assert.ok(e.message.startsWith(`${file}:2:1`));
      return true;
    });
  });
});
