// The words of the view: labels, times and countdowns, as plain strings (so they can be tested
// and measured without rendering).
import { humanDuration } from '../duration.ts';
import type { ClusterState, StageView, ViewStagePhase } from './model.ts';

export const PHASE_LABEL: Record<ViewStagePhase, string> = {
  Pending: 'Pending',
  Deploying: 'Deploying',
  Soaking: 'Soaking',
  Verifying: 'Verifying',
  CheckingHealth: 'CheckingHealth',
  AwaitingWindow: 'AwaitingWindow',
  AwaitingApproval: 'AwaitingApproval',
  ApprovedAwaitingController: 'Approved',
  Promoted: 'Promoted',
  Completed: 'Completed',
  Failed: 'Failed',
};

export const PHASE_LABEL_WIDTH = Math.max(...Object.values(PHASE_LABEL).map((l) => l.length));

export const CLUSTER_LABEL: Record<ClusterState, string> = {
  Failed: 'Failed',
  Provisioning: 'Provisioning',
  Outdated: 'Outdated',
  NotDeployed: 'NotDeployed',
  NotReady: 'NotReady',
  Removing: 'Removing',
  Provisioned: 'Provisioned',
};

/** `03:04:05Z` (`22:00Z` on the minute) on the day of `now`, `01-03 06:00Z` on another (UTC, like the API). */
export function clockTime(t: number, now: number): string {
  const iso = new Date(t).toISOString();
  const time = iso.slice(17, 19) === '00' ? iso.slice(11, 16) : iso.slice(11, 19);
  if (iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10)) return `${time}Z`;
  return `${iso.slice(5, 10)} ${time}Z`;
}

/** `2025-01-02 03:04:05Z`. */
export function fullTime(t: number): string {
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** `in 4m12s`, or `now` once the moment has passed (the controller has yet to notice). */
export function countdown(t: number, now: number): string {
  return t > now ? `in ${humanDuration(t - now)}` : 'now';
}

export function elapsed(since: number, now: number): string {
  return humanDuration(Math.max(0, now - since));
}

/** `1,234` (toLocaleString is slow enough to show in a frame's time). */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * The short sentence after a stage's progress bar: what it waits for and until when. With `stale`
 * data (the API server is not answering) nothing counts down or up, as if the data were fresh: the
 * moments are said as the data has them, and one that has passed as due, unconfirmed.
 */
export function stageDetail(stage: StageView, now: number, stale = false): string {
  const t = stage.times;
  const since =
    t.waitingSince === undefined
      ? ''
      : stale
        ? ` since ${clockTime(t.waitingSince, now)}`
        : ` for ${elapsed(t.waitingSince, now)}`;
  // "soak ends in 4m (10:04Z)"; stale: "soak ends 10:04Z", or once passed "soak due to end 10:04Z, ...".
  const due = (what: string, verb: string, dueVerb: string, at: number) => {
    if (!stale) return `${what}${verb} ${countdown(at, now)} (${clockTime(at, now)})`;
    if (at > now) return `${what}${verb} ${clockTime(at, now)}`;
    return `${what}due to ${dueVerb} ${clockTime(at, now)}, no news since`;
  };
  const failing = stage.progress.failing > 0 ? `, ${count(stage.progress.failing)} failing` : '';
  switch (stage.phase) {
    case 'Pending':
      return '';
    case 'Deploying':
      return `deploying${since}${failing}`;
    case 'Soaking':
      return t.soakEndsAt === undefined ? 'soaking' : due('soak ', 'ends', 'end', t.soakEndsAt);
    case 'Verifying':
      return `verification deployment running${since}${failing}`;
    case 'CheckingHealth':
      return `health checks running${since}${failing}`;
    case 'AwaitingWindow': {
      if (t.windowOpensAt === undefined) return 'window closed, no schedule opens it again';
      const closes = t.windowClosesAt !== undefined ? `, closes ${clockTime(t.windowClosesAt, now)}` : '';
      return `${due('', 'opens', 'open', t.windowOpensAt)}${closes}`;
    }
    case 'AwaitingApproval':
      return `waiting for approval${since}`;
    case 'ApprovedAwaitingController':
      return 'approved, waiting for the controller';
    case 'Promoted':
      return t.promotedAt !== undefined ? `promoted ${clockTime(t.promotedAt, now)}` : 'promoted';
    case 'Completed':
      return t.promotedAt !== undefined ? `completed ${clockTime(t.promotedAt, now)}` : 'completed';
    case 'Failed':
      return stage.failureMessage ?? `${count(stage.progress.failing)} failing`;
  }
}

/** Cuts a string to `width` terminal cells, marking the cut. Every glyph this view uses is one cell wide. */
export function fit(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  const keep = Math.max(0, width - [...ellipsis].length);
  return chars.slice(0, keep).join('') + [...ellipsis].slice(0, width - keep).join('');
}

export function pad(text: string, width: number): string {
  const len = [...text].length;
  return len >= width ? text : text + ' '.repeat(width - len);
}
