// What `simulate` prints: the public JSON report (its field names are a public interface) and a
// readable timeline for people.
import { formatDuration } from '../src/duration.ts';
import type { Outcome, SimulationEvent, SimulationResult } from './driver.ts';

export interface StageReportJson {
  name: string;
  clusters: string[];
  phase: string;
  deployStartedAt: string | null;
  deployedAt: string | null;
  promotedAt: string | null;
  failureMessage: string | null;
}

export interface EventJson {
  at: string;
  stage: string | null;
  cluster: string | null;
  type: string;
  message: string;
}

export interface SimulationReportJson {
  promotion: string;
  startedAt: string;
  completedAt: string | null;
  durationSeconds: number | null;
  outcome: Outcome;
  stages: StageReportJson[];
  events: EventJson[];
}

/** UTC RFC 3339 with Z; milliseconds only when there are any. */
export function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

function maybe(ms: number | null): string | null {
  return ms === null ? null : rfc3339(ms);
}

export function toReportJson(r: SimulationResult): SimulationReportJson {
  return {
    promotion: r.promotion,
    startedAt: rfc3339(r.startedAt),
    completedAt: maybe(r.completedAt),
    durationSeconds: r.completedAt === null ? null : (r.completedAt - r.startedAt) / 1000,
    outcome: r.outcome,
    stages: r.stages.map((s) => ({
      name: s.name,
      clusters: s.clusters,
      phase: s.phase,
      deployStartedAt: maybe(s.deployStartedAt),
      deployedAt: maybe(s.deployedAt),
      promotedAt: maybe(s.promotedAt),
      failureMessage: s.failureMessage,
    })),
    events: r.events.map((e) => ({ at: rfc3339(e.at), stage: e.stage, cluster: e.cluster, type: e.type, message: e.message })),
  };
}

/** Cluster events of one kind at one instant are folded into one line beyond this many. */
const FOLD_AT = 4;

/** A timeline for people: offsets from the start (`+5m0s`) next to absolute times. */
export function formatText(r: SimulationResult): string {
  const offset = (ms: number | null) => (ms === null ? '-' : `+${formatDuration(ms - r.startedAt)}`);
  const lines: string[] = [];
  const took = r.completedAt === null ? '' : ` in ${formatDuration(r.completedAt - r.startedAt)}`;
  lines.push(`Promotion ${r.promotion}: ${r.outcome}${took}`);
  lines.push(`  ${r.reason}`);
  lines.push(`  started ${rfc3339(r.startedAt)}, ${r.completedAt === null ? `ended ${rfc3339(r.endedAt)}` : `completed ${rfc3339(r.completedAt)}`}`);
  lines.push('');

  const header = ['STAGE', 'CLUSTERS', 'PHASE', 'DEPLOY STARTED', 'DEPLOYED', 'PROMOTED'];
  const rows = r.stages.map((s) => [s.name, String(s.clusters.length), s.phase, offset(s.deployStartedAt), offset(s.deployedAt), offset(s.promotedAt)]);
  lines.push(...table([header, ...rows]));
  for (const s of r.stages) if (s.failureMessage) lines.push(`  ${s.name}: ${s.failureMessage}`);
  lines.push('');

  lines.push('TIMELINE');
  const timeline: string[][] = [];
  const events = r.events;
  for (let i = 0; i < events.length; ) {
    const e = events[i]!;
    let j = i + 1;
    if (e.cluster !== null) {
      while (j < events.length && sameGroup(events[j]!, e)) j++;
    }
    if (j - i >= FOLD_AT) {
      const first = events[i]!.cluster;
      const last = events[j - 1]!.cluster;
      timeline.push([offset(e.at), rfc3339(e.at), e.stage ?? '-', e.type, `${j - i} clusters (${first} ... ${last}): ${e.message}`]);
      i = j;
    } else {
      timeline.push([offset(e.at), rfc3339(e.at), e.stage ?? '-', e.type, e.cluster ? `${e.cluster}: ${e.message}` : e.message]);
      i++;
    }
  }
  lines.push(...table(timeline));
  return `${lines.join('\n')}\n`;
}

function sameGroup(a: SimulationEvent, b: SimulationEvent): boolean {
  return a.cluster !== null && a.at === b.at && a.type === b.type && a.stage === b.stage && stripCluster(a) === stripCluster(b);
}

function stripCluster(e: SimulationEvent): string {
  return e.cluster ? e.message.replaceAll(e.cluster, '') : e.message;
}

/** Left-aligned columns; the last column is not padded. */
function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}
