// `kubectl promotion lint -f FILE... [--fleet FILE] [--crd FILE | --context NAME] [-o json|text]`:
// every problem of the ClusterPromotions in the files, at its line. Errors exit 1, warnings alone
// exit 0. The schema is the bundled CRD, the one in --crd, or the one installed in the cluster the
// connection flags name.
import { defineCommand } from '../../command.ts';
import { EXIT_BAD_INPUT, EXIT_OK, ExitError, UsageError } from '../../errors.ts';
import { sortFindings, type Finding } from '../../../src/api/findings.ts';
import { STDIN_NAME } from '../../../src/api/source-files.ts';
import { loadPromotions } from '../../../src/api/validate.ts';
import { coverageFindings } from '../../../src/api/coverage.ts';
import { bundledChoice, crdFromFile, type SchemaChoice } from '../../../src/schema/crd-source.ts';
import { loadFleet } from '../../../simulator/fleet-file.ts';
import { expandFilenames, FILENAME_OPTION, RECURSIVE_OPTION } from '../../filenames.ts';
import { formatText, toJson } from './report.ts';

/** The connection flags that mean "check against this cluster's CRD". */
const CLUSTER_FLAGS = ['context', 'kubeconfig', 'cluster', 'user', 'server', 'token'] as const;

export default defineCommand({
  name: 'lint',
  describe: 'Check ClusterPromotion files: errors exit 1, warnings alone exit 0',
  cluster: true,
  options: {
    filename: {
      ...FILENAME_OPTION,
      required: 'lint needs the files to check: -f FILE, or -f - for standard input',
      describe:
        'Files with ClusterPromotions: repeatable, or separated by commas; a folder: its .yaml, .yml and ' +
        '.json files; - reads standard input',
    },
    recursive: RECURSIVE_OPTION,
    fleet: {
      type: 'string',
      value: 'FILE',
      complete: { kind: 'file' },
      describe: 'Fleet file: also warn about stages that match no cluster, overlap, or leave clusters out',
    },
    crd: {
      type: 'string',
      value: 'FILE',
      complete: { kind: 'file' },
      describe: 'Check against the ClusterPromotion CRD in this file instead of the bundled one',
    },
    output: { type: 'string', short: 'o', choices: ['text', 'json'], default: 'text', describe: 'Output format' },
  },
  examples: [
    ['lint -f promotion.yaml', 'check a file against the bundled CRD'],
    ['lint -f promotion.yaml --context prod', "check it against the CRD installed in context prod's cluster"],
    ['lint -f promotion.yaml --crd crd.yaml', 'check it against another CRD version'],
    ['lint -f promotions/ -R', 'check every .yaml, .yml and .json file under a folder'],
    ['lint -f promotion.yaml --fleet fleet.yaml -o json', 'check it against a fleet, as JSON'],
  ],
  async run(args, io) {
    const files = await expandFilenames(args.filename, args.recursive);
    if (args.fleet === '-' && files.includes('-'))
      throw new UsageError('standard input (-) can feed either -f or --fleet, not both');
    const fromCluster = CLUSTER_FLAGS.some((k) => {
      const v = (args as unknown as Record<string, unknown>)[k];
      return v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
    });
    if (args.crd !== undefined && fromCluster) {
      throw new UsageError(
        '--crd and the connection flags (--context, --kubeconfig, -s, ...) both name a CRD: give one',
      );
    }
    let choice: SchemaChoice;
    if (args.crd !== undefined) choice = await crdFromFile(args.crd);
    else if (fromCluster) {
      // The client library loads only when a cluster is asked.
      const [{ connect }, { crdFromCluster }, { LiveError }] = await Promise.all([
        import('../../live.ts'),
        import('../../../src/schema/cluster-crd.ts'),
        import('../../../src/kube/errors.ts'),
      ]);
      try {
        choice = await crdFromCluster(connect(args, io));
      } catch (e) {
        if (e instanceof LiveError) throw new ExitError(e.message, e.exitCode);
        throw e;
      }
    } else choice = bundledChoice();
    const result = await loadPromotions(files, { stdin: io.stdin, schema: choice.schema });
    let findings: Finding[] = result.findings;
    if (args.fleet !== undefined) {
      const fleet = await loadFleet(await expandFilenames([args.fleet], args.recursive), { stdin: io.stdin });
      const fleetName = args.fleet === '-' ? STDIN_NAME : args.fleet;
      result.promotions.forEach((p, i) => {
        findings.push(...coverageFindings(p, result.objects[i]!, fleet.clusters, fleetName));
      });
      findings = sortFindings(findings);
    }
    if (args.output === 'json') io.stdout.write(`${JSON.stringify(toJson(findings, choice.used))}\n`);
    else io.stdout.write(formatText(findings, files.length, args.color, choice.used));
    return findings.some((f) => f.severity === 'error') ? EXIT_BAD_INPUT : EXIT_OK;
  },
});
