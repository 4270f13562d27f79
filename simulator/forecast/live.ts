// A forecast of a live rollout from where it stands (`kubectl promotion get NAME --forecast`, watch's
// `e`): the fleet is the live clusters, the rehearsals resume from the promotion's stored status and
// its profiles as they are (each cluster Provisioned with the current content counts as deployed, one
// deploying it goes on from where it is), as a restarted engine resumes, and deploy times are drawn
// from what this rollout has shown so far.
// Health checks are taken to pass (the rehearsal cannot see the live clusters' objects, metrics or
// Jobs); windows and approvals are the promotion's own: a stage awaiting approval waits for it.
import { clusterKey, type ClusterPromotion, type ClusterProfile } from '../../src/api/types.ts';
import { inSync } from '../../src/engine/deployment.ts';
import type { World } from '../../src/engine/types.ts';
import { mainProfileName } from '../../src/engine/names.ts';
import type { ScheduledApproval } from '../driver.ts';
import { DEFAULT_DEPLOY_TIME_MS, defaultClusterSpec } from '../fleet-file.ts';
import type { FleetClusterSpec } from '../fleet-spec.ts';
import type { LiveEta } from '../../src/live/eta.ts';
import { medianMs, quantileMs, type DurationDistribution } from './distribution.ts';
import { nearestRank } from './percentiles.ts';
import { runForecast, type ForecastInput, type ForecastOptions } from './montecarlo.ts';
import type { Forecast, Spread } from './reduce.ts';

/** Observed deploys needed before they are trusted over the defaults (or --deploy-time). */
export const MIN_OBSERVED_DEPLOYS = 5;
export const DEFAULT_LIVE_RUNS = 200;
/** A live forecast looks this far ahead at most. */
const LIVE_HORIZON_MS = 30 * 24 * 3600_000;

export interface LiveForecastOptions {
  runs: number;
  seed: number;
  /** --deploy-time: used when the rollout has not shown enough deploys of its own. */
  deployTime?: DurationDistribution;
  approvals?: ScheduledApproval[];
}

/** Where the deploy times of the forecast come from. */
export interface DeployTimeSource {
  source: 'observed' | 'flag' | 'default';
  /** Observed per-cluster deploy durations of the rollout's completed stages. */
  observed: number;
  distribution: DurationDistribution;
}

export interface LivePlan {
  input: ForecastInput;
  deployTimes: DeployTimeSource;
  /** The stage the rollout is at (null before it started or after it completed). */
  currentStage: string | null;
  completed: boolean;
}

/**
 * Per-cluster deploy durations this rollout has shown: for each stage it has passed, from the moment
 * its profile was applied (status.stages[].lastUpdateReconciledTime) to when each cluster's content
 * was installed (the ClusterSummary's featureSummaries[].lastAppliedTime, the latest feature's).
 */
export function observedDeployDurations(promotion: ClusterPromotion, world: World): number[] {
  const name = promotion.metadata.name;
  const stages = promotion.spec.stages ?? [];
  const status = promotion.status?.stages ?? [];
  const current = stages.findIndex((s) => s.name === promotion.status?.currentStageName);
  const done = promotion.status?.lastPromotionTime !== undefined ? stages.length : Math.max(current, 0);
  const profiles = new Map<string, ClusterProfile>();
  for (const p of world.profilesOf(name)) profiles.set(p.metadata.name, p);
  const out: number[] = [];
  for (const stage of stages.slice(0, done)) {
    const applied = time(status.find((s) => s.name === stage.name)?.lastUpdateReconciledTime);
    const profile = profiles.get(mainProfileName(name, stage.name));
    if (applied === null || !profile) continue;
    for (const summary of world.summariesOf(profile.metadata.name)) {
      if (!inSync(summary, profile.spec, { checks: false })) continue;
      const features = summary.status?.featureSummaries ?? [];
      if (features.length === 0 || features.some((f) => f.status !== 'Provisioned')) continue;
      const installed = Math.max(...features.map((f) => time(f.lastAppliedTime) ?? Number.NaN));
      if (Number.isFinite(installed) && installed >= applied) out.push(installed - applied);
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * When each stage's profile was applied (its status entry's lastUpdateReconciledTime): a cluster
 * deploying that profile's content has been at it since then, or since its summary appeared when
 * it joined later. A failing cluster retries from now; one deploying an unknown stage's profile too.
 */
function appliedAt(promotion: ClusterPromotion): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of promotion.status?.stages ?? []) {
    const t = time(entry.lastUpdateReconciledTime);
    if (t !== null) out.set(mainProfileName(promotion.metadata.name, entry.name), t);
  }
  return out;
}

function time(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** The deploy times to draw from: the rollout's own when it has shown enough, else the flag, else the default. */
export function deployTimesOf(observed: readonly number[], flag: DurationDistribution | undefined): DeployTimeSource {
  if (observed.length >= MIN_OBSERVED_DEPLOYS) {
    const p50 = Math.max(1, nearestRank(observed, 50)!);
    const p90 = Math.max(p50, nearestRank(observed, 90)!);
    return {
      source: 'observed',
      observed: observed.length,
      distribution: { kind: 'logNormal', p50Ms: p50, p90Ms: p90 },
    };
  }
  if (flag) return { source: 'flag', observed: observed.length, distribution: flag };
  return { source: 'default', observed: observed.length, distribution: { kind: 'fixed', ms: DEFAULT_DEPLOY_TIME_MS } };
}

/**
 * A rehearsal's deploy times for its own forecast (`simulate`'s `e`) until it has shown enough:
 * the fleet file's, one distribution when every cluster has the same, else a log-normal through
 * the median and P90 of the clusters' medians.
 */
export function fleetDeployTime(clusters: readonly FleetClusterSpec[]): DurationDistribution | undefined {
  const each = clusters.map((c): DurationDistribution => c.deployTime ?? { kind: 'fixed', ms: c.deployTimeMs });
  if (each.length === 0) return undefined;
  if (each.every((d) => JSON.stringify(d) === JSON.stringify(each[0]))) return each[0];
  const medians = each.map(medianMs).sort((a, b) => a - b);
  const p50 = Math.max(1, nearestRank(medians, 50)!);
  return { kind: 'logNormal', p50Ms: p50, p90Ms: Math.max(p50, nearestRank(medians, 90)!) };
}

/** The forecast's input: the live clusters as a fleet, the promotion and its profiles as they stand. */
export function livePlan(
  promotion: ClusterPromotion,
  world: World,
  now: number,
  options: LiveForecastOptions,
): LivePlan {
  const deployTimes = deployTimesOf(observedDeployDurations(promotion, world), options.deployTime);
  const d = deployTimes.distribution;
  const clusters: FleetClusterSpec[] = [...world.clusters()].map((c) => ({
    ...defaultClusterSpec(c),
    deployTimeMs: medianMs(d),
    ...(d.kind === 'fixed' ? {} : { deployTime: d }),
  }));
  const applied = appliedAt(promotion);
  const profiles = [...world.profilesOf(promotion.metadata.name)].map((profile) => {
    const deployed: string[] = [];
    const underWay: { cluster: string; since: number }[] = [];
    const began = applied.get(profile.metadata.name);
    for (const s of world.summariesOf(profile.metadata.name)) {
      const features = s.status?.featureSummaries ?? [];
      if (!inSync(s, profile.spec, { checks: true })) continue;
      const cluster = clusterKey({ namespace: s.spec.clusterNamespace, name: s.spec.clusterName });
      if (features.length > 0 && features.every((f) => f.status === 'Provisioned')) deployed.push(cluster);
      else if (began !== undefined && !features.some((f) => f.status === 'Failed' || f.status === 'FailedNonRetriable'))
        underWay.push({ cluster, since: Math.max(began, time(s.metadata.creationTimestamp) ?? began) });
    }
    return { profile, deployed, ...(underWay.length > 0 ? { underWay } : {}) };
  });
  return {
    input: {
      promotion,
      fleet: { clusters },
      start: now,
      horizonMs: LIVE_HORIZON_MS,
      approvals: options.approvals ?? [],
      runs: options.runs,
      seed: options.seed,
      resume: { profiles },
      assumeHealthy: true,
    },
    deployTimes,
    currentStage: promotion.status?.lastPromotionTime ? null : (promotion.status?.currentStageName ?? null),
    completed: promotion.status?.lastPromotionTime !== undefined,
  };
}

/** The forecast as the views read it: times as moments. */
export function liveEta(plan: LivePlan, forecast: Forecast): LiveEta {
  const abs = (s: Pick<Spread, 'p50' | 'p90'>) => ({
    p50: s.p50 === null ? null : forecast.startedAt + s.p50,
    p90: s.p90 === null ? null : forecast.startedAt + s.p90,
  });
  const stage = plan.currentStage === null ? null : forecast.stages.find((s) => s.name === plan.currentStage);
  const d = plan.deployTimes;
  return {
    runs: forecast.runs,
    seed: forecast.seed,
    at: forecast.startedAt,
    deployTimes: {
      source: d.source,
      observed: d.observed,
      p50Ms: medianMs(d.distribution),
      p90Ms: d.distribution.kind === 'logNormal' ? d.distribution.p90Ms : quantileMs(d.distribution, 0.9),
    },
    stage: stage ? { name: stage.name, ...abs(stage.promoted) } : null,
    completion: plan.completed ? { p50: forecast.startedAt, p90: forecast.startedAt } : abs(forecast.completion),
    completed: plan.completed ? 1 : forecast.outcomes.Completed,
    awaitingApproval: plan.completed ? 0 : forecast.outcomes.AwaitingApproval,
  };
}

/** Forecasts the rest of a live rollout: `runs` rehearsals resumed from where it stands. */
export async function forecastLive(
  promotion: ClusterPromotion,
  world: World,
  now: number,
  options: LiveForecastOptions & Pick<ForecastOptions, 'threads' | 'mainThread'>,
): Promise<LiveEta> {
  const plan = livePlan(promotion, world, now, options);
  const forecast = await runForecast(plan.input, {
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.mainThread === undefined ? {} : { mainThread: options.mainThread }),
  });
  return liveEta(plan, forecast);
}
