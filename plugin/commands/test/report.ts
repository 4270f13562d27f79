// What `kubectl promotion test` prints: a line per expectation for people (and CI logs), JSON for
// tools, JUnit XML for CI systems that show test results. The JSON field names are a public interface.
import { rfc3339 } from '../../../src/rfc3339.ts';
import { formatWhere } from '../../../simulator/rollout-test/model.ts';
import { countResults, type TestResult } from '../../../simulator/rollout-test/run.ts';

const paint = (on: boolean, code: string) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * `ok    file:line test: expected` per expectation, `FAIL  file:line test: expected: seen`
 * for a failure, then one summary line naming the failed tests.
 */
export function formatText(results: readonly TestResult[], color: boolean): string {
  const red = paint(color, '31');
  const green = paint(color, '32');
  const lines: string[] = [];
  for (const t of results) {
    for (const e of t.expectations) {
      const where = formatWhere(e.expectation.where);
      if (e.passed) lines.push(`${green('ok  ')}  ${where} ${t.test.name}: ${e.expected}`);
      else lines.push(`${red('FAIL')}  ${where} ${t.test.name}: ${e.expected}; instead ${e.seen}`);
    }
  }
  const n = countResults(results);
  const counts = `${plural(n.tests, 'test')}, ${plural(n.passed + n.failed, 'expectation')}`;
  if (n.failed === 0) lines.push(green(`${counts}: all passed`));
  else {
    const failed = results.filter((t) => !t.passed).map((t) => t.test.name);
    lines.push(red(`${counts}: ${n.failed} failed, in ${plural(failed.length, 'test')} (${failed.join(', ')})`));
  }
  return `${lines.join('\n')}\n`;
}

/** The document `test -o json` prints. */
export interface TestReportJson {
  passed: boolean;
  tests: {
    name: string;
    file: string;
    line: number;
    passed: boolean;
    /** How the rehearsal ended: the `outcome` of `simulate -o json`, and when. */
    outcome: string;
    endedAt: string;
    reason: string;
    expectations: {
      file: string;
      line: number;
      passed: boolean;
      expected: string;
      seen: string;
      /** The virtual moment the verdict rests on, when there is one. */
      seenAt: string | null;
    }[];
  }[];
  summary: { tests: number; failedTests: number; expectations: number; failedExpectations: number };
}

export function toJson(results: readonly TestResult[]): TestReportJson {
  const n = countResults(results);
  return {
    passed: n.failed === 0,
    tests: results.map((t) => ({
      name: t.test.name,
      file: t.test.where.file,
      line: t.test.where.line,
      passed: t.passed,
      outcome: t.run.outcome,
      endedAt: rfc3339(t.run.endedAt),
      reason: t.run.reason,
      expectations: t.expectations.map((e) => ({
        file: e.expectation.where.file,
        line: e.expectation.where.line,
        passed: e.passed,
        expected: e.expected,
        seen: e.seen,
        seenAt: e.seenAt === null ? null : rfc3339(e.seenAt),
      })),
    })),
    summary: {
      tests: n.tests,
      failedTests: n.failedTests,
      expectations: n.passed + n.failed,
      failedExpectations: n.failed,
    },
  };
}

/**
 * JUnit XML as Jenkins, GitLab and the GitHub test-report actions read it: a testsuite per
 * RolloutTest, a testcase per expectation named after its line, a failure saying what was seen.
 */
export function toJunit(results: readonly TestResult[]): string {
  const n = countResults(results);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="kubectl promotion test" tests="${n.passed + n.failed}" failures="${n.failed}" errors="0">`,
  );
  for (const t of results) {
    const failures = t.expectations.filter((e) => !e.passed).length;
    out.push(
      `  <testsuite name="${xml(t.test.name)}" file="${xml(t.test.where.file)}" ` +
        `tests="${t.expectations.length}" failures="${failures}" errors="0" skipped="0" ` +
        `timestamp="${rfc3339(t.test.start)}">`,
    );
    for (const e of t.expectations) {
      const where = e.expectation.where;
      const attrs =
        `name="line ${where.line}: ${xml(e.expected)}" classname="${xml(`${where.file}.${t.test.name}`)}" ` +
        `file="${xml(where.file)}" line="${where.line}"`;
      if (e.passed) {
        out.push(`    <testcase ${attrs}/>`);
        continue;
      }
      out.push(`    <testcase ${attrs}>`);
      const detail = `${formatWhere(where)}: ${e.expected}; instead ${e.seen}`;
      out.push(`      <failure message="${xml(e.seen)}" type="ExpectationFailed">${xml(detail)}</failure>`);
      out.push('    </testcase>');
    }
    out.push(`    <system-out>${xml(`the rehearsal ended ${t.run.outcome}: ${t.run.reason}`)}</system-out>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** Text for XML attributes and content; characters XML 1.0 cannot hold at all are dropped. */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
