// Parsing Kubernetes YAML while keeping track of where every field came from, so that every
// message a user sees can name the file, line, column and field path of the problem.
//
// Plain scalars are read as kubectl's decoder (sigs.k8s.io/yaml on go-yaml v2) reads them
// (yaml-scalars.ts): `approved: yes` reaches the API server as `true`, `env: e1` as the string
// "e1", `delay: 1:30` as a string (a bad duration, not the number 90), so lint reads them the same.
import {
  Composer,
  type CST,
  type Document,
  Lexer,
  LineCounter,
  Parser,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type DocumentOptions,
  type Node as YamlNode,
  type ParseOptions,
  type SchemaOptions,
  type Pair,
  type ParsedNode,
} from 'yaml';
import { firstLine } from '../user-error.ts';
import { MAX_ALIAS_COUNT, MAX_DEPTH, MAX_DOCUMENTS } from './input-limits.ts';
import { type FieldPath, type Finding, formatPath, parsePath, type Position, type Severity } from './findings.ts';
import { kubernetesScalars, nonFiniteScalars } from './yaml-scalars.ts';

/** Where to point for a field: its value (the default for scalars) or its key (the default for maps and lists). */
export type PointAt = 'auto' | 'key' | 'value';

/** One Kubernetes object read from a file, with the means to say where each of its fields is. */
export interface LoadedObject {
  file: string;
  /** 0-based index of the YAML document in its file. */
  document: number;
  /** Index in a kubectl `List`'s `items`, or null for a top-level object. */
  listIndex: number | null;
  /** The object as plain JSON data. */
  value: Record<string, unknown>;
  /** Where the field is; for a field that is absent, where its closest present parent is. */
  locate(path: FieldPath | string, at?: PointAt): Position;
  /** Whether the field is written in the file. */
  has(path: FieldPath | string): boolean;
  /**
   * Where a line and column inside a string field's text are in the file: for block scalars
   * (`script: |`) the text's line N is N lines below the indicator. 1-based in and out.
   */
  locateInText(path: FieldPath | string, line: number, column: number): Position;
  /** A finding about a field of this object, positioned at it. */
  finding(severity: Severity, path: FieldPath | string, message: string, at?: PointAt): Finding;
}

export interface LoadResult {
  objects: LoadedObject[];
  /** YAML syntax problems and documents that are not objects; the objects of a broken document are left out. */
  findings: Finding[];
}

const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  prettyErrors: false,
  uniqueKeys: true,
  customTags: kubernetesScalars,
};

function toPath(path: FieldPath | string): FieldPath {
  return typeof path === 'string' ? parsePath(path) : path;
}

function positionOf(lc: LineCounter, offset: number): Position {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

function startOf(node: YamlNode | null | undefined): number | undefined {
  return node?.range?.[0];
}

interface Step {
  /** The pair that holds the value, when the step went through a mapping. */
  pair: Pair | null;
  node: YamlNode | null;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

class YamlObject implements LoadedObject {
  constructor(
    readonly file: string,
    readonly document: number,
    readonly listIndex: number | null,
    readonly value: Record<string, unknown>,
    private readonly root: YamlNode,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly source: string,
  ) {}

  /** Follows the path as far as the file has it; returns the steps taken. */
  private walk(path: FieldPath): { steps: Step[]; complete: boolean } {
    const steps: Step[] = [{ pair: null, node: this.root }];
    let node: YamlNode | null = this.root;
    for (const seg of path) {
      if (node && isAlias(node)) node = (node.resolve(this.doc) as YamlNode | undefined) ?? null;
      if (node && isMap(node)) {
        const pair: Pair<unknown, unknown> | undefined = node.items.find((p) => keyText(p.key) === String(seg));
        if (!pair) return { steps, complete: false };
        node = (pair.value as YamlNode | null) ?? null;
        steps.push({ pair, node });
      } else if (node && isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as YamlNode | undefined;
        if (item === undefined) return { steps, complete: false };
        node = item;
        steps.push({ pair: null, node });
      } else {
        return { steps, complete: false };
      }
    }
    return { steps, complete: true };
  }

  has(path: FieldPath | string): boolean {
    return this.walk(toPath(path)).complete;
  }

  locate(path: FieldPath | string, at: PointAt = 'auto'): Position {
    const { steps } = this.walk(toPath(path));
    const last = steps[steps.length - 1]!;
    const valueStart =
      last.node && (isScalar(last.node) ? last.node.value !== null : true) ? startOf(last.node) : undefined;
    const keyStart = last.pair && isPair(last.pair) ? startOf(last.pair.key as YamlNode) : undefined;
    let offset: number | undefined;
    if (at === 'key') offset = keyStart ?? valueStart;
    else if (at === 'value') offset = valueStart ?? keyStart;
    else offset = last.node && isScalar(last.node) && valueStart !== undefined ? valueStart : (keyStart ?? valueStart);
    return positionOf(this.lines, offset ?? startOf(this.root) ?? 0);
  }

  locateInText(path: FieldPath | string, line: number, column: number): Position {
    const { steps, complete } = this.walk(toPath(path));
    const node = steps[steps.length - 1]!.node;
    if (!complete || !node || !isScalar(node) || !node.range) return this.locate(path);
    const start = positionOf(this.lines, node.range[0]);
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      // The text begins on the line after the `|` indicator; every line carries the block's
      // indentation, which is that of its first non-blank line.
      const textLine = start.line + line;
      const body = this.source.slice(node.range[0], node.range[1]).split('\n').slice(1);
      const firstText = body.find((l) => l.trim() !== '') ?? '';
      const indent = /^ */.exec(firstText)![0].length;
      return { line: textLine, column: indent + column };
    }
    // A quoted or plain scalar: the first line starts after the quote, later lines are re-indented.
    const quote = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
    return line === 1
      ? { line: start.line, column: start.column + quote + column - 1 }
      : { line: start.line + line - 1, column };
  }

  finding(severity: Severity, path: FieldPath | string, message: string, at?: PointAt): Finding {
    const p = toPath(path);
    const pos = this.locate(p, at);
    return { severity, file: this.file, path: formatPath(p), line: pos.line, column: pos.column, message };
  }
}

function isListObject(value: Record<string, unknown>): boolean {
  return typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

/** An input over one of the limits of input-limits.ts, at that offset of the text. */
class LimitError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * The parser's concrete syntax tree, one document at a time, stopped as soon as the text nests
 * deeper than MAX_DEPTH or holds more than MAX_DOCUMENTS documents. The parser keeps the open
 * collections on its stack, so the depth is known at each token, long before the composer (which
 * recurses) sees the document.
 */
function* boundedCst(text: string, lines: LineCounter): Generator<CST.Token> {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  let documents = 0;
  const counted = (token: CST.Token): CST.Token => {
    if (token.type === 'document' && ++documents > MAX_DOCUMENTS) {
      throw new LimitError(
        token.offset,
        `more than ${MAX_DOCUMENTS.toLocaleString('en-US')} YAML documents in one file, ` +
          'the most kubectl-promotion reads',
      );
    }
    return token;
  };
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) yield counted(token);
    if (parser.stack.length > MAX_DEPTH) {
      const open = parser.stack.filter((t) => COLLECTIONS.has(t.type));
      if (open.length > MAX_DEPTH) {
        throw new LimitError(
          open[MAX_DEPTH]!.offset,
          `mappings and sequences nest more than ${MAX_DEPTH} deep, the most kubectl-promotion reads`,
        );
      }
    }
  }
  for (const token of parser.end()) yield counted(token);
}

/** The documents of the text, as the `yaml` package's parseAllDocuments gives them, within the limits. */
function parseDocuments(text: string, lines: LineCounter): Document.Parsed[] {
  const composer = new Composer({ ...YAML_OPTIONS, lineCounter: lines });
  return Array.from(composer.compose(boundedCst(text, lines))) as Document.Parsed[];
}

/**
 * Parses every YAML document of one file. A kubectl `List` (`kind: List` or any `...List` with
 * `items`) contributes its items as separate objects; empty documents are skipped.
 */
export function parseYaml(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const result: LoadResult = { objects: [], findings: [] };
  const at = (offset: number, message: string, path = ''): Finding => ({
    severity: 'error',
    file,
    path,
    ...positionOf(lines, offset),
    message,
  });
  let docs: Document.Parsed[];
  try {
    docs = parseDocuments(text, lines);
  } catch (e) {
    // Nothing of a file over a limit is used: one line says which limit, and where.
    if (e instanceof LimitError) return { objects: [], findings: [at(e.offset, e.message)] };
    throw e;
  }
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) result.findings.push(at(e.pos[0], firstLine(e.message)));
      return;
    }
    const root = doc.contents as ParsedNode | null;
    if (root === null || (isScalar(root) && root.value === null)) return;
    const nonFinite = nonFiniteScalars(doc);
    if (nonFinite.length > 0) {
      // Kubernetes cannot turn the document into JSON, and refuses all of it.
      for (const n of nonFinite)
        result.findings.push(
          at(
            n.offset,
            `${n.text} is not a number JSON can hold, and Kubernetes refuses it (quote it for a string)`,
            formatPath(n.path),
          ),
        );
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const message =
        e instanceof ReferenceError && /alias/i.test(e.message)
          ? `its aliases expand beyond the limit kubectl-promotion reads (maxAliasCount ${MAX_ALIAS_COUNT}); ` +
            'write the values out instead'
          : firstLine((e as Error).message);
      result.findings.push(at(startOf(root) ?? 0, message));
      return;
    }
    if (!isMap(root) || !isPlainObject(value)) {
      result.findings.push(at(startOf(root) ?? 0, 'expected a Kubernetes object (a mapping with apiVersion and kind)'));
      return;
    }
    if (isListObject(value)) {
      const itemsPair = root.items.find((p) => keyText(p.key) === 'items');
      const itemNodes = itemsPair && isSeq(itemsPair.value) ? itemsPair.value.items : [];
      (value.items as unknown[]).forEach((item, i) => {
        const node = itemNodes[i] as YamlNode | undefined;
        if (!node) return;
        if (!isPlainObject(item)) {
          result.findings.push(
            at(startOf(node) ?? 0, 'expected a Kubernetes object (a mapping with apiVersion and kind)', `items[${i}]`),
          );
          return;
        }
        result.objects.push(new YamlObject(file, index, i, item, node, doc, lines, text));
      });
      return;
    }
    result.objects.push(new YamlObject(file, index, null, value, root, doc, lines, text));
  });
  return result;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
