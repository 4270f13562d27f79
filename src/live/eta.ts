// A live rollout's forecast as the views show it (`get --forecast`, watch's `e`): when the current
// stage passes its gates and when the rollout completes, median and P90, always marked as a forecast.
// The simulator computes it (simulator/forecast/live.ts); this is its shape and its words.
import { humanDuration } from '../duration.ts';
import { rfc3339 } from '../rfc3339.ts';

export type DeployTimeSourceKind = 'observed' | 'flag' | 'default';

export interface LiveEta {
  runs: number;
  seed: number;
  /** The moment the forecast starts from (the API server's now). */
  at: number;
  deployTimes: { source: DeployTimeSourceKind; observed: number; p50Ms: number; p90Ms: number };
  /** The current stage passing its gates; null when the rollout is complete (or not started). */
  stage: { name: string; p50: number | null; p90: number | null } | null;
  completion: { p50: number | null; p90: number | null };
  /** Shares of the runs (0..1). */
  completed: number;
  awaitingApproval: number;
}

/** When, and how long from the forecast's start: `2026-12-07T10:42:00Z (in 12m)`. */
function when(t: number | null, from: number): string {
  return t === null ? 'not in any run' : `${rfc3339(t)} (in ${humanDuration(t - from)})`;
}

function where(e: LiveEta): string {
  const d = e.deployTimes;
  const spread = `median ${humanDuration(d.p50Ms)}${d.p90Ms > d.p50Ms ? `, P90 ${humanDuration(d.p90Ms)}` : ''}`;
  switch (d.source) {
    case 'observed':
      return `deploy times as this rollout has shown on ${d.observed} clusters: ${spread}`;
    case 'flag':
      return `deploy times from --deploy-time (${d.observed} observed, too few): ${spread}`;
    case 'default':
      return `deploy times: the default ${spread} (${d.observed} observed, too few; see --deploy-time)`;
  }
}

/** The forecast block of `get --forecast`: a heading, the stage, the completion, what the runs could not tell. */
export function formatEtaBlock(e: LiveEta): string {
  const lines = [`Forecast (${e.runs} runs, seed ${e.seed}, from ${rfc3339(e.at)}; ${where(e)}):`];
  const width = Math.max('rollout complete'.length, e.stage ? `${e.stage.name} passes its gates`.length : 0);
  const row = (label: string, p50: number | null, p90: number | null) =>
    `  ${label.padEnd(width)}   median ${when(p50, e.at)}   P90 ${when(p90, e.at)}`;
  if (e.stage) lines.push(row(`${e.stage.name} passes its gates`, e.stage.p50, e.stage.p90));
  if (e.stage === null && e.completed === 1) lines.push('  the rollout is complete');
  else lines.push(row('rollout complete', e.completion.p50, e.completion.p90));
  if (e.awaitingApproval > 0)
    lines.push(
      `  ${percent(e.awaitingApproval)} of the runs wait for an approval nobody has given: ` +
        'the forecast counts only approvals already given',
    );
  else if (e.completed < 1) lines.push(`  ${percent(1 - e.completed)} of the runs do not complete within 30 days`);
  return `${lines.join('\n')}\n`;
}

/**
 * One line for the views' `e`:
 * `forecast (200 runs): production ~10:42Z in 12m, P90 10:49Z · done ~11:05Z in 35m, P90 11:20Z`.
 * A time no run (or fewer than the percentile's share) reached is said as such, not as a symbol.
 */
export function formatEtaLine(e: LiveEta): string {
  const head = `forecast (${e.runs} runs)`;
  if (e.stage === null && e.completed === 1) return `${head}: complete`;
  const stuck = e.completion.p50 === null && (e.stage === null || e.stage.p50 === null);
  if (stuck && e.awaitingApproval > 0) {
    const who = e.awaitingApproval === 1 ? 'every run waits' : `${percent(e.awaitingApproval)} of the runs wait`;
    return `${head}: ${who} for an approval nobody has given (the forecast counts only approvals given)`;
  }
  const hhmm = (t: number) => `${rfc3339(t).slice(11, 16)}Z`;
  const spread = (p50: number | null, p90: number | null) => {
    if (p50 === null) return ' not within 30 days in most runs';
    return ` ~${hhmm(p50)} in ${humanDuration(p50 - e.at)}, P90 ${p90 === null ? 'beyond 30 days' : hhmm(p90)}`;
  };
  const parts: string[] = [];
  if (e.stage) parts.push(`${e.stage.name}${spread(e.stage.p50, e.stage.p90)}`);
  parts.push(`done${spread(e.completion.p50, e.completion.p90)}`);
  if (e.awaitingApproval > 0) parts.push(`${percent(e.awaitingApproval)} wait for approval`);
  return `${head}: ${parts.join(' · ')}`;
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** `-o json`: times as RFC 3339 and as seconds from the forecast's start. */
export function etaJson(e: LiveEta): Record<string, unknown> {
  const t = (x: number | null) => (x === null ? null : rfc3339(x));
  const s = (x: number | null) => (x === null ? null : Math.round((x - e.at) / 1000));
  return {
    forecast: true,
    runs: e.runs,
    seed: e.seed,
    from: rfc3339(e.at),
    deployTimes: {
      source: e.deployTimes.source,
      observed: e.deployTimes.observed,
      p50Seconds: e.deployTimes.p50Ms / 1000,
      p90Seconds: e.deployTimes.p90Ms / 1000,
    },
    stage: e.stage && {
      name: e.stage.name,
      p50: t(e.stage.p50),
      p90: t(e.stage.p90),
      p50Seconds: s(e.stage.p50),
      p90Seconds: s(e.stage.p90),
    },
    completion: {
      p50: t(e.completion.p50),
      p90: t(e.completion.p90),
      p50Seconds: s(e.completion.p50),
      p90Seconds: s(e.completion.p90),
    },
    outcomes: { completed: e.completed, awaitingApproval: e.awaitingApproval },
  };
}
