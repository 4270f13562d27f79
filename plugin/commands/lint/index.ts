// `kubectl promotion lint -f FILE... [--fleet FILE] [-o json|text]`: every problem of the
// ClusterPromotions in the files, at its line. Errors exit 1, warnings alone exit 0.
import { defineCommand } from '../../command.ts';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from '../../errors.ts';
import { sortFindings, type Finding } from '../../../src/api/findings.ts';
import { STDIN_NAME } from '../../../src/api/source-files.ts';
import { loadPromotions } from '../../../src/api/validate.ts';
import { coverageFindings } from '../../../src/api/coverage.ts';
import { loadFleet } from '../../../simulator/fleet-file.ts';
import { formatText, toJson } from './report.ts';

export default defineCommand({
  command: 'lint',
  describe: 'Check ClusterPromotion files: errors exit 1, warnings alone exit 0',
  builder: (y) =>
    y
      .option('filename', {
        alias: 'f',
        type: 'string',
        array: true,
        describe: 'File with ClusterPromotions (repeatable; - reads standard input)',
      })
      .option('fleet', {
        type: 'string',
        requiresArg: true,
        describe: 'Fleet file: also warn about stages that match no cluster, overlap, or leave clusters out',
      })
      .option('output', {
        alias: 'o',
        choices: ['text', 'json'] as const,
        default: 'text' as const,
        describe: 'Output format',
      })
      .check((a) => (a.filename?.length ? true : 'give the files to check with -f FILE (- reads standard input)'))
      .example('$0 lint -f promotion.yaml', 'check a file')
      .example('$0 lint -f promotion.yaml --fleet fleet.yaml -o json', 'check it against a fleet, as JSON'),
  async run(args, io) {
    const files = (args.filename ?? []).map(String);
    if (args.fleet === '-' && files.includes('-'))
      throw new UsageError('standard input (-) can feed either -f or --fleet, not both');
    const result = await loadPromotions(files, { stdin: io.stdin });
    let findings: Finding[] = result.findings;
    if (args.fleet !== undefined) {
      const fleet = await loadFleet([args.fleet], { stdin: io.stdin });
      const fleetName = args.fleet === '-' ? STDIN_NAME : args.fleet;
      result.promotions.forEach((p, i) => {
        findings.push(...coverageFindings(p, result.objects[i]!, fleet.clusters, fleetName));
      });
      findings = sortFindings(findings);
    }
    if (args.output === 'json') io.stdout.write(`${JSON.stringify(toJson(findings))}\n`);
    else io.stdout.write(formatText(findings, files.length, args.color));
    return findings.some((f) => f.severity === 'error') ? EXIT_BAD_INPUT : EXIT_OK;
  },
});
