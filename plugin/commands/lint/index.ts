// `kubectl promotion lint -f FILE... [--fleet FILE] [--crd FILE | --context [NAME]] [-o json|text]`:
// every problem of the ClusterPromotions in the files, at its line. Errors exit 1, warnings alone
// exit 0. The schema is the bundled CRD, the one in --crd, or the one installed in the cluster the
// connection flags name.
import { defineCommand } from '../../command.ts';
import { EXIT_BAD_INPUT, EXIT_OK, ExitError, UsageError } from '../../errors.ts';
import { clusterOptions } from '../../../src/kube/flags.ts';
import { sortFindings, type Finding } from '../../../src/api/findings.ts';
import { STDIN_NAME } from '../../../src/api/source-files.ts';
import { loadPromotions } from '../../../src/api/validate.ts';
import { coverageFindings } from '../../../src/api/coverage.ts';
import { bundledChoice, crdFromFile, type SchemaChoice } from '../../../src/schema/crd-source.ts';
import { loadFleet } from '../../../simulator/fleet-file.ts';
import { formatText, toJson } from './report.ts';

/** The connection flags that mean "check against this cluster's CRD". */
const CLUSTER_FLAGS = ['context', 'kubeconfig', 'cluster', 'user', 'server', 'token'] as const;

export default defineCommand({
  command: 'lint',
  describe: 'Check ClusterPromotion files: errors exit 1, warnings alone exit 0',
  builder: (y) =>
    y
      .options(clusterOptions)
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
      .option('crd', {
        type: 'string',
        requiresArg: true,
        describe: 'Check against the ClusterPromotion CRD in this file instead of the bundled one',
      })
      .option('output', {
        alias: 'o',
        choices: ['text', 'json'] as const,
        default: 'text' as const,
        describe: 'Output format',
      })
      .check((a) => (a.filename?.length ? true : 'give the files to check with -f FILE (- reads standard input)'))
      .example('$0 lint -f promotion.yaml', 'check a file against the bundled CRD')
      .example(
        '$0 lint -f promotion.yaml --context prod',
        "check it against the CRD installed in context prod's cluster",
      )
      .example('$0 lint -f promotion.yaml --crd crd.yaml', 'check it against another CRD version')
      .example('$0 lint -f promotion.yaml --fleet fleet.yaml -o json', 'check it against a fleet, as JSON'),
  async run(args, io) {
    const files = (args.filename ?? []).map(String);
    if (args.fleet === '-' && files.includes('-'))
      throw new UsageError('standard input (-) can feed either -f or --fleet, not both');
    const fromCluster = CLUSTER_FLAGS.some((k) => (args as unknown as Record<string, unknown>)[k] !== undefined);
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
      const fleet = await loadFleet([args.fleet], { stdin: io.stdin });
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
