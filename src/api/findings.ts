// Where a problem in an input file is: field paths (`spec.stages[1].trigger`), positions, and the
// findings that name file, line, column and field, so that every message a user sees points at
// what to fix.
import { UserError } from '../user-error.ts';

// ---- field paths -----------------------------------------------------------------------------------

/** One step of a field path: a mapping key or a sequence index. */
export type PathSegment = string | number;
export type FieldPath = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * `['spec', 'stages', 1, 'trigger']` -> `spec.stages[1].trigger`; odd keys are quoted:
 * `labels["app.kubernetes.io/name"]`.
 */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** The inverse of formatPath. */
export function parsePath(text: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new Error(`bad field path "${text}" at offset ${i}`);
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
    i = re.lastIndex;
  }
  return out;
}

// ---- findings --------------------------------------------------------------------------------------

export type Severity = 'error' | 'warning';

/** One problem found in an input file. Lines and columns are 1-based. */
export interface Finding {
  severity: Severity;
  file: string;
  /** The field path inside the object, e.g. `spec.stages[1].trigger`; empty for file-level problems. */
  path: string;
  line: number;
  column: number;
  message: string;
}

/** `promo.yaml:14:9 spec.stages[1].trigger: has both manual and auto` (the path is left out when empty). */
export function formatFinding(f: Finding): string {
  const where = `${f.file}:${f.line}:${f.column}`;
  return f.path ? `${where} ${f.path}: ${f.message}` : `${where}: ${f.message}`;
}

/** By file, line and column (errors before warnings at the same place): the order people read a report in. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const rank = (s: Severity) => (s === 'error' ? 0 : 1);
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || rank(a.severity) - rank(b.severity),
  );
}

/** A problem at a known place in an input file, thrown where going on makes no sense. */
export class SourceError extends UserError {
  override name = 'SourceError';
  constructor(readonly finding: Finding) {
    super(formatFinding(finding));
  }
}

// ---- positions -------------------------------------------------------------------------------------

export interface Position {
  line: number;
  column: number;
}
