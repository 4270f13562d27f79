// `kubectl promotion controller`: the open ClusterPromotion engine running a management cluster,
// as a Deployment (in-cluster config) or from a laptop against a rehearsal (kubectl's flags). Flags
// are spelled as controller-runtime's and kube-controller-manager's, which operators already know.
import { defineCommand } from '../../command.ts';
import { UsageError } from '../../errors.ts';
import { connect, exitCodes, live, realDeps, type LiveDeps } from '../../live.ts';
import { DurationError, parseDuration } from '../../../src/duration.ts';
import { checkLeaseTiming } from '../../../src/controller/leader-election.ts';
import { createLogger } from '../../../src/controller/log.ts';
import { parseBindAddress, runController } from '../../../src/controller/run.ts';

export function controllerCommand(deps: LiveDeps = realDeps) {
  return defineCommand({
    name: 'controller',
    describe: 'Run the ClusterPromotion controller: advance every promotion for real (HA with a Lease)',
    cluster: true,
    options: {
      'leader-elect': {
        type: 'boolean',
        default: true,
        describe: 'Elect a leader with a Lease so that only one replica writes (--leader-elect=false: always lead)',
      },
      'leader-election-namespace': {
        type: 'string',
        default: 'projectsveltos',
        value: 'NAMESPACE',
        describe: 'Namespace of the leader-election Lease',
      },
      'leader-election-id': {
        type: 'string',
        default: 'kubectl-promotion-controller',
        value: 'NAME',
        describe: 'Name of the leader-election Lease',
      },
      'leader-elect-lease-duration': {
        type: 'string',
        default: '15s',
        value: 'DURATION',
        describe: 'How long non-leaders wait after the last renewal before taking over',
      },
      'leader-elect-renew-deadline': {
        type: 'string',
        default: '10s',
        value: 'DURATION',
        describe: 'How long the leader tries to renew before it stops leading (and writing)',
      },
      'leader-elect-retry-period': {
        type: 'string',
        default: '2s',
        value: 'DURATION',
        describe: 'Between attempts to acquire or renew the Lease',
      },
      'metrics-bind-address': {
        type: 'string',
        default: ':8080',
        value: 'ADDRESS',
        describe: 'Where /metrics is served (Prometheus text); 0 disables it',
      },
      'health-probe-bind-address': {
        type: 'string',
        default: ':8081',
        value: 'ADDRESS',
        describe: 'Where /healthz and /readyz are served; 0 disables them',
      },
      'dry-run': {
        type: 'boolean',
        describe: 'Compute and log every write (checked by the server with dryRun=All); write nothing',
      },
      shadow: {
        type: 'boolean',
        describe: 'Run beside another controller and log where the open engine would act differently; write nothing',
      },
      force: {
        type: 'boolean',
        describe: 'Drive promotions whose status another controller (Sveltos Enterprise) writes',
      },
      'log-format': { type: 'string', default: 'json', choices: ['json', 'text'], describe: 'Log format' },
      // klog's spelling, as Kubernetes components take it: -v 2, -v=2, --v=2.
      v: {
        type: 'string',
        short: 'v',
        default: '0',
        value: 'LEVEL',
        describe: 'Log verbosity: 1 every write, 2 every reconcile',
      },
    },
    examples: [
      ['controller', 'in a Pod: in-cluster config, leader election in projectsveltos'],
      [
        'controller --kubeconfig ~/.kube/promotion-sim --leader-elect=false --log-format text',
        'against a rehearsal (simulate --serve --no-controller)',
      ],
    ],
    epilogue: exitCodes(
      'shut down on SIGTERM or Ctrl-C (the Lease released)',
      ['  1  leadership lost (the Pod restarts and campaigns again), or bad flags'],
      'bad input: an unknown flag, a bad duration or address',
    ),
    async run(args, io) {
      const duration = (flag: string, value: string): number => {
        try {
          return parseDuration(value);
        } catch (e) {
          if (e instanceof DurationError) throw new UsageError(`--${flag}: ${e.message}`);
          throw e;
        }
      };
      const timing = {
        leaseDurationMs: duration('leader-elect-lease-duration', args['leader-elect-lease-duration']),
        renewDeadlineMs: duration('leader-elect-renew-deadline', args['leader-elect-renew-deadline']),
        retryPeriodMs: duration('leader-elect-retry-period', args['leader-elect-retry-period']),
      };
      const bad = checkLeaseTiming(timing);
      if (bad) throw new UsageError(bad);
      const address = (flag: string, value: string): string | null => {
        if (value === '0') return null;
        try {
          parseBindAddress(value);
        } catch (e) {
          throw new UsageError(`--${flag}: ${(e as Error).message}`);
        }
        return value;
      };
      const metricsAddress = address('metrics-bind-address', args['metrics-bind-address']);
      const healthAddress = address('health-probe-bind-address', args['health-probe-bind-address']);
      const format = args['log-format'];
      if (args['dry-run'] && args.shadow)
        throw new UsageError('--dry-run and --shadow cannot be used together: pick one');
      const verbosity = /^\d+$/.test(args.v) ? Number(args.v) : Number.NaN;
      if (!Number.isInteger(verbosity)) throw new UsageError(`-v ${args.v}: expected a level 0, 1 or 2`);
      return live(async () => {
        const client = connect(args, io, { ...deps, client: { keepAlive: true, ...deps.client } });
        const log = createLogger({
          format,
          verbosity,
          write: (line) => io.stderr.write(line),
          now: () => deps.timers.now(),
          name: 'kubectl-promotion-controller',
        });
        const exit = await runController({
          client,
          timers: deps.timers,
          log,
          leaderElect: args['leader-elect'],
          leaseNamespace: args['leader-election-namespace'],
          leaseName: args['leader-election-id'],
          ...timing,
          metricsAddress,
          healthAddress,
          mode: args['dry-run'] ? 'dry-run' : args.shadow ? 'shadow' : 'normal',
          force: args.force,
          signal: deps.interrupted(),
        });
        if (exit.code !== 0) log.error(exit.reason);
        return exit.code;
      });
    },
  });
}

export default controllerCommand();
