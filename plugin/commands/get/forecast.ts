// `get --forecast`'s flags: how many rehearsals, their seed, and the deploy time to assume while the
// rollout has shown too few deploys of its own.
import { DurationError, parseDuration } from '../../../src/duration.ts';
import type { DurationDistribution } from '../../../simulator/forecast/distribution.ts';
import { DEFAULT_LIVE_RUNS, MIN_OBSERVED_DEPLOYS, type LiveForecastOptions } from '../../../simulator/forecast/live.ts';
import { UsageError } from '../../errors.ts';
import { parseSeed } from '../simulate/args.ts';
import { parseRuns } from '../simulate/forecast.ts';

export const FORECAST_OPTIONS = {
  forecast: {
    type: 'boolean',
    default: false,
    describe:
      'Forecast the rest of the rollout from where it stands: median and P90 of when the current stage ' +
      'passes its gates and when the rollout completes',
  },
  runs: {
    type: 'string',
    value: 'N',
    defaultText: String(DEFAULT_LIVE_RUNS),
    describe: 'With --forecast: rehearsals to run',
  },
  seed: { type: 'string', value: 'N', defaultText: '1', describe: 'With --forecast: seed of the random draws' },
  'deploy-time': {
    type: 'string',
    value: 'DURATION[/P90]',
    describe:
      `With --forecast: a cluster's deploy time (2m, or median/P90: 2m/6m) until the rollout has shown ` +
      `${MIN_OBSERVED_DEPLOYS} deploys of its own (default 30s)`,
  },
} as const;

/** The forecast's options, or undefined without --forecast (its other flags then say they need it). */
export function liveForecastOptions(args: {
  forecast?: boolean;
  runs?: string;
  seed?: string;
  'deploy-time'?: string;
}): LiveForecastOptions | undefined {
  if (!args.forecast) {
    for (const flag of ['runs', 'seed', 'deploy-time'] as const) {
      if (args[flag] !== undefined) throw new UsageError(`--${flag} is for a forecast: add --forecast`);
    }
    return undefined;
  }
  const deployTime = args['deploy-time'] === undefined ? undefined : parseDeployTime(args['deploy-time']);
  return {
    runs: parseRuns(args.runs ?? String(DEFAULT_LIVE_RUNS)),
    seed: parseSeed(args.seed ?? '1'),
    ...(deployTime ? { deployTime } : {}),
  };
}

/** `2m` (fixed) or `2m/6m` (log-normal through that median and P90). */
export function parseDeployTime(text: string): DurationDistribution {
  const parts = text.split('/');
  try {
    const [p50, p90] = parts.map((p) => parseDuration(p));
    if (parts.length > 2 || p50 === undefined) throw new DurationError('expected DURATION or MEDIAN/P90');
    if (p50 <= 0) throw new DurationError('must be longer than 0s');
    if (p90 === undefined) return { kind: 'fixed', ms: p50 };
    if (p90 < p50) throw new DurationError('the P90 must not be shorter than the median');
    return { kind: 'logNormal', p50Ms: p50, p90Ms: p90 };
  } catch (e) {
    if (!(e instanceof DurationError)) throw e;
    throw new UsageError(`--deploy-time ${text}: ${e.message} (e.g. 2m, or 2m/6m for a median and a P90)`);
  }
}
