// What `simulate` prints: the public JSON report (its field names are a public interface) and a
// readable timeline for people.
import { printable } from '../src/printable.ts';
import { formatDuration } from '../src/duration.ts';
import { rfc3339Millis } from '../src/rfc3339.ts';
import { formatTable } from '../src/text-table.ts';
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

function maybe(ms: number | null): string | null {
  return ms === null ? null : rfc3339Millis(ms);
}

export function toReportJson(r: SimulationResult): SimulationReportJson {
  return {
    promotion: r.promotion,
    startedAt: rfc3339Millis(r.startedAt),
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
    events: r.events.map((e) => ({
      at: rfc3339Millis(e.at),
      stage: e.stage,
      cluster: e.cluster,
      type: e.type,
      message: e.message,
    })),
  };
}

/** Cluster events of one kind at one instant are folded into one line beyond this many. */
const FOLD_AT = 4;

/** A timeline for people: offsets from the start (`+5m0s`) next to absolute times. */
export function formatText(r: SimulationResult): string {
  const timeline = foldEvents(r.events).map((f) => [
    offset(r, f.event.at),
    rfc3339Millis(f.event.at),
    f.event.stage ?? '-',
    f.event.type,
    eventText(f),
  ]);
  const lines = timeline.length === 0 ? '' : formatTable(timeline[0]!, timeline.slice(1), 2);
  // Names and messages come from the files: no raw escape sequence reaches the terminal.
  return printable(`${formatSummary(r)}
TIMELINE
${lines}`);
}

/** The head of the timeline: outcome, reason, times, and a row per stage. */
export function formatSummary(r: SimulationResult): string {
  const lines: string[] = [];
  const took = r.completedAt === null ? '' : ` in ${formatDuration(r.completedAt - r.startedAt)}`;
  lines.push(`Promotion ${r.promotion}: ${r.outcome}${took}`);
  lines.push(`  ${r.reason}`);
  lines.push(
    `  started ${rfc3339Millis(r.startedAt)}, ` +
      `${r.completedAt === null ? `ended ${rfc3339Millis(r.endedAt)}` : `completed ${rfc3339Millis(r.completedAt)}`}`,
  );
  lines.push('');

  const header = ['STAGE', 'CLUSTERS', 'PHASE', 'DEPLOY STARTED', 'DEPLOYED', 'PROMOTED'];
  const rows = r.stages.map((s) => [
    s.name,
    String(s.clusters.length),
    s.phase,
    offset(r, s.deployStartedAt),
    offset(r, s.deployedAt),
    offset(r, s.promotedAt),
  ]);
  lines.push(formatTable(header, rows, 2).trimEnd());
  for (const s of r.stages) if (s.failureMessage) lines.push(`  ${s.name}: ${s.failureMessage}`);
  return `${lines.join('\n')}\n`;
}

/** Time since the start, as `+5m0s`; `-` for a time that never came. */
export function offset(r: { startedAt: number }, ms: number | null): string {
  return ms === null ? '-' : `+${formatDuration(ms - r.startedAt)}`;
}

/** One event, or a run of alike cluster events folded into one line. */
export interface FoldedEvent {
  event: SimulationEvent;
  /** How many events it stands for (1, or FOLD_AT and more). */
  count: number;
  /** The cluster of the run's last event. */
  lastCluster: string | null;
}

/** The events in order, runs of FOLD_AT or more alike cluster events (same instant, kind, stage and message) folded. */
export function foldEvents(events: readonly SimulationEvent[]): FoldedEvent[] {
  const out: FoldedEvent[] = [];
  for (let i = 0; i < events.length; ) {
    const e = events[i]!;
    let j = i + 1;
    if (e.cluster !== null) {
      while (j < events.length && sameGroup(events[j]!, e)) j++;
    }
    if (j - i >= FOLD_AT) {
      out.push({ event: e, count: j - i, lastCluster: events[j - 1]!.cluster });
      i = j;
    } else {
      out.push({ event: e, count: 1, lastCluster: e.cluster });
      i++;
    }
  }
  return out;
}

/** What a (folded) event says, with its cluster or clusters in front. */
export function eventText(f: FoldedEvent): string {
  const e = f.event;
  if (f.count > 1) return `${f.count} clusters (${e.cluster} ... ${f.lastCluster}): ${e.message}`;
  return e.cluster ? `${e.cluster}: ${e.message}` : e.message;
}

function sameGroup(a: SimulationEvent, b: SimulationEvent): boolean {
  return (
    a.cluster !== null &&
    a.at === b.at &&
    a.type === b.type &&
    a.stage === b.stage &&
    stripCluster(a) === stripCluster(b)
  );
}

function stripCluster(e: SimulationEvent): string {
  return e.cluster ? e.message.replaceAll(e.cluster, '') : e.message;
}
