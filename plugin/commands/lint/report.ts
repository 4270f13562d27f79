// How lint shows its findings: JSON for tools, one line per finding for people.
import { formatFinding, type Finding } from '../../../src/api/findings.ts';
import type { CrdUsed } from '../../../src/schema/crd-source.ts';
import { printable } from '../../../src/printable.ts';

/** The JSON document `lint -o json` prints; a public interface, keep the names. */
export interface LintJson {
  /** The CRD the files were checked against: bundled, from --crd, or read from the cluster. */
  crd: CrdUsed;
  findings: {
    severity: 'error' | 'warning';
    file: string;
    path: string;
    line: number;
    column: number;
    message: string;
  }[];
}

export function toJson(findings: readonly Finding[], crd: CrdUsed): LintJson {
  return {
    crd,
    findings: findings.map((f) => ({
      severity: f.severity,
      file: f.file,
      path: f.path,
      line: f.line,
      column: f.column,
      message: f.message,
    })),
  };
}

const paint = (on: boolean, code: string) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * `promo.yaml:14:9 spec.stages[1].trigger: has both manual and auto` per finding (warnings say
 * so after the path), then a summary line.
 */
export function formatText(findings: readonly Finding[], fileCount: number, color: boolean, crd?: CrdUsed): string {
  const red = paint(color, '31');
  const yellow = paint(color, '33');
  const green = paint(color, '32');
  const lines = findings.map((finding) => {
    // Names and messages from the files, shown on a terminal: no raw escape sequence gets through.
    const f = { ...finding, file: printable(finding.file), path: printable(finding.path) };
    const message = printable(finding.message);
    return formatFinding(
      f.severity === 'error' ? { ...f, message } : { ...f, message: `${yellow('warning:')} ${message}` },
    );
  });
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  // The bundled CRD goes without saying; another one is named, so that a clean result is read right.
  const against =
    crd === undefined || crd.from === 'bundled' ? '' : ` against ${crd.name} ${crd.version} from ${crd.source}`;
  const checked = `(${plural(fileCount, 'file')} checked${against})`;
  let summary: string;
  if (errors > 0)
    summary = red(`${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''} ${checked}`);
  else if (warnings > 0) summary = yellow(`${plural(warnings, 'warning')}, no errors ${checked}`);
  else summary = green(`no problems ${checked}`);
  return `${[...lines, summary].join('\n')}\n`;
}
