// currentStatusDescription, in the phrases Sveltos writes, so that tools reading Sveltos's status read
// ours too. Like Sveltos, a description carries a ` (RFC3339)` suffix; ours is the moment the stage
// entered that state (kept while the phrase stays the same), which makes "waiting since" durable.
// The phrases are written here and read back here (observe.ts reads a whole status).
import { rfc3339 } from '../rfc3339.ts';

export const PROVISIONING = 'Clusters are being provisioned';
export const RUNNING_HEALTH_CHECKS = 'Running Post-Promotion Health Checks';
export const AWAITING_HEALTH_CHECKS = 'Awaiting Health Checks to Pass';
export const AWAITING_APPROVAL = 'Paused: Awaiting Manual Approval';
export const SUCCESSFULLY_PROVISIONED = 'Successfully provisioned';

// failureMessage while a stage's clusters are not all deployed yet, in addon-controller v1.13.0's
// words (profile_utils.go): the first summary that is not in sync with the profile, field by field,
// or not Provisioned. Not a failure: it says what the stage waits for.
export function notYetProvisioned(summary: string): string {
  return `ClusterSummary ${summary} is not yet provisioned.`;
}

/** Sveltos's words for a summary behind the profile's content (its KustomizationRefs one lacks a space). */
export function notInSync(field: 'helmCharts' | 'policyRefs' | 'kustomizationRefs', summary: string): string {
  if (field === 'helmCharts') return `ClusterSummary HelmCharts ${summary} is not in sync.`;
  if (field === 'policyRefs') return `ClusterSummary PolicyRefs ${summary} is not in sync.`;
  return `ClusterSummaryKustomizationRefs ${summary} is not in sync.`;
}

const WAITING =
  /^ClusterSummary(?: HelmCharts| PolicyRefs|KustomizationRefs)? \S+ is not (?:yet provisioned|in sync)\.$/;

/** Whether a failureMessage only says what the stage waits for (see notYetProvisioned). */
export function isWaitingMessage(message: string | null | undefined): boolean {
  return message !== null && message !== undefined && WAITING.test(message);
}

/** A closed promotion window that no schedule opens again (Sveltos has no phrase for it). */
export const WINDOW_NEVER_OPENS = 'Window Closed: no schedule opens it again.';

export function delayedUntil(at: Date): string {
  return `Delayed: Waiting for Time Window: ${rfc3339(at)}`;
}

export function windowClosedUntil(at: Date): string {
  return `Window Closed: Waiting for Next Schedule (${rfc3339(at)}).`;
}

// Read more leniently than written: fractional seconds and offsets, which Sveltos's Go time
// formatting may produce.
const RFC3339 = '(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?(?:Z|[+-]\\d\\d:\\d\\d))';
const DELAYED = new RegExp(`^Delayed: Waiting for Time Window: ${RFC3339}$`);
const WINDOW_CLOSED = new RegExp(`^Window Closed: Waiting for Next Schedule \\(${RFC3339}\\)\\.?$`);

/** When the soak of a `Delayed: ...` phrase ends (epoch ms), or undefined for any other phrase. */
export function delayedUntilOf(phrase: string): number | undefined {
  const m = DELAYED.exec(phrase);
  return m ? Date.parse(m[1]!) : undefined;
}

/** Whether the phrase says the promotion window is closed, with or without a time it opens. */
export function isWindowClosed(phrase: string): boolean {
  return phrase.startsWith('Window Closed:');
}

/** When the window of a `Window Closed: ... (time).` phrase opens (epoch ms), if it says. */
export function windowClosedUntilOf(phrase: string): number | undefined {
  const m = WINDOW_CLOSED.exec(phrase);
  return m ? Date.parse(m[1]!) : undefined;
}

const SUFFIX = / \((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\)$/;

/** Splits a description into its phrase and the time suffix, if any. */
export function splitDescription(description: string | undefined): { phrase: string; since: string | null } {
  if (!description) return { phrase: '', since: null };
  const m = SUFFIX.exec(description);
  if (!m) return { phrase: description, since: null };
  return { phrase: description.slice(0, m.index), since: m[1]! };
}

/** The description to write: the previous one when the phrase did not change, else phrase + now. */
export function describe(previous: string | undefined, phrase: string, now: Date): string {
  if (splitDescription(previous).phrase === phrase && previous) return previous;
  return `${phrase} (${rfc3339(now)})`;
}
