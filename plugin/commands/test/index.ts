// `kubectl promotion test -f FILE|DIR... [-R] [-o text|json] [--junit FILE]`: runs every RolloutTest on
// the virtual clock and judges its expectations. Exit 0 when all pass, 1 when any fails; bad input
// (YAML, a field, a file that cannot be read) is one line naming the file and line, exit 1 too.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatFinding, SourceError } from '../../../src/api/findings.ts';
import { loadRolloutTests } from '../../../simulator/rollout-test/load.ts';
import { runRolloutTest, type TestResult } from '../../../simulator/rollout-test/run.ts';
import { UserError } from '../../../src/user-error.ts';
import { defineCommand } from '../../command.ts';
import { EXIT_BAD_INPUT, EXIT_OK } from '../../errors.ts';
import { FILENAME_OPTION, RECURSIVE_OPTION } from '../../filenames.ts';
import { formatText, toJson, toJunit } from './report.ts';

export default defineCommand({
  name: 'test',
  describe: 'Run RolloutTests: scripted events and expectations on the virtual clock (exit 0 all pass, 1 any fails)',
  options: {
    filename: {
      ...FILENAME_OPTION,
      required: 'test needs the tests to run: -f FILE or -f DIRECTORY',
      describe: 'File or directory with RolloutTests (repeatable; a directory: its *.yaml and *.yml files)',
    },
    recursive: RECURSIVE_OPTION,
    output: { type: 'string', short: 'o', choices: ['text', 'json'], default: 'text', describe: 'Output format' },
    junit: {
      type: 'string',
      value: 'FILE',
      complete: { kind: 'file' },
      describe: 'Also write the results as JUnit XML to FILE',
    },
  },
  examples: [
    ['test -f examples/kyverno/', "run a directory's tests"],
    ['test -f rollout-tests/ --junit results.xml', 'in CI, with a report for the CI system'],
  ],
  async run(args, io) {
    const loaded = await loadRolloutTests(args.filename, { stdin: io.stdin, recursive: args.recursive });
    const errors = loaded.findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      throw new SourceError({ ...errors[0]!, message: `${errors[0]!.message}${more}` });
    }
    for (const w of loaded.findings) io.stderr.write(`warning: ${formatFinding(w)}\n`);
    const results: TestResult[] = [];
    for (const t of loaded.tests) results.push(await runRolloutTest(t));
    if (args.junit !== undefined) {
      try {
        await mkdir(dirname(args.junit), { recursive: true });
        await writeFile(args.junit, toJunit(results));
      } catch (e) {
        throw new UserError(`--junit ${args.junit}: cannot write it: ${(e as Error).message}`);
      }
    }
    if (args.output === 'json') io.stdout.write(`${JSON.stringify(toJson(results), null, 2)}\n`);
    else io.stdout.write(formatText(results, args.color));
    return results.every((r) => r.passed) ? EXIT_OK : EXIT_BAD_INPUT;
  },
});
