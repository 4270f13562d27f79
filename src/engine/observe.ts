// Reading a ClusterPromotion's status back: which phase each stage is in, which gate holds it and
// since when it waits. The engine writes status in the phrases of description.ts (the same ones
// Sveltos's own controller, addon-controller up to v1.13.0, writes); this is the other half, next to
// it, so that a phase is decided and read in one folder.
//
// Both controllers write the same `currentStatusDescription` phrases with a ` (time)` suffix, but
// they differ in two ways that matter here:
//   - our engine keeps the suffix while the phrase stays the same (the moment the wait began);
//     Sveltos rewrites it on every reconcile (about every two minutes), so it only says "seen at";
//   - our engine sets `lastPromotionTime` once, when the final stage passes; Sveltos sets it every
//     time a stage starts.
// Pure: the time is passed in, nothing is read but the promotion and the world.
import type { ClusterProfile, ClusterPromotion, ClusterSummary, Stage, StageStatus } from '../api/types.ts';
import { parseWindow, windowState } from '../schedule/window.ts';
import { assessDeployment, matchingClusters } from './deployment.ts';
import * as D from './description.ts';
import { mainProfileName } from './names.ts';
import { gatesOf, type Gates } from './trigger.ts';
import type { StagePhase, World } from './types.ts';

/**
 * The engine's phases plus one only an observer sees: the spec says `approved: true` but the
 * status still says the stage awaits approval, because the controller has not acted on it yet.
 */
export type ObservedPhase = StagePhase | 'ApprovedAwaitingController';

/** Who wrote the status, as far as it can be told (see the file comment). */
export type StatusDialect = 'engine' | 'sveltos';

/** Instants in epoch milliseconds; absent when they do not apply or are unknown. */
export interface StageTimes {
  /** The stage's profile was applied (lastUpdateReconciledTime). */
  startedAt?: number;
  /** Every cluster was last seen deployed (lastSuccessfulAppliedTime). */
  deployedAt?: number;
  /** lastStatusCheckTime. */
  checkedAt?: number;
  /** The time suffix of currentStatusDescription. */
  describedAt?: number;
  soakEndsAt?: number;
  windowOpensAt?: number;
  windowClosesAt?: number;
  /** When the current wait (soak, gate, deployment) began, as well as can be told. */
  waitingSince?: number;
  /** When the stage passed its gates (the next stage started, or the promotion completed). */
  promotedAt?: number;
}

/** What was learnt from a stage's clusters and summaries (the view counts them while listing them). */
export interface StageEvidence {
  progress: {
    /** Clusters that run the promotion's profileSpec with every feature Provisioned. */
    provisioned: number;
    /** Clusters of the stage that count: ready ones the selector matches, and any with a summary. */
    total: number;
    failing: number;
  };
  /** Summaries of the stage's profile. */
  summaries: number;
  /** Some summary of the stage's profile has a feature that failed for good. */
  permanentFailure: boolean;
  /** The stage's profile carries its post-delay checks (worked out when first asked, then kept here). */
  checksAppended?: boolean;
  /** The stage's own profile counts as deployed, as the engine counts it (worked out when first asked). */
  mainDeployed?: boolean;
}

export interface ObservedStage {
  phase: ObservedPhase;
  trigger: Gates['kind'];
  /** Manual stages: the spec says `approved: true` (given early, it is honoured at the gate). */
  approved: boolean;
  /** The description's phrase, without the time suffix; null when there is none. */
  description: string | null;
  failureMessage: string | null;
  times: StageTimes;
}

export interface ObservedPromotion {
  /** Index of the current stage in spec order; null before the controller has started. */
  current: number | null;
  dialect: StatusDialect;
  /** A condition a person should know about that belongs to no stage. */
  note: string | null;
  /** In spec order. */
  stages: ObservedStage[];
}

// Phrases only Sveltos's controller writes (profile_utils.go and the promotion controller there).
const SVELTOS_ONLY_DESCRIPTION = /^(All matching clusters are successfully deployed\.|No matching clusters found for )/;
// (Both write "ClusterSummary <name> is not yet provisioned." while a stage deploys.)
const SVELTOS_ONLY_FAILURE = /^Failed to (fetch ClusterProfile|create ProfileScope)\.$/;

/** Reads every stage's phase and times from the promotion's status, its spec and the world. */
export function observePromotion(
  promotion: ClusterPromotion,
  world: World,
  now: number,
  evidence: (stage: Stage, index: number) => StageEvidence,
): ObservedPromotion {
  const spec = promotion.spec;
  const status = promotion.status ?? {};
  const stages = spec.stages ?? [];
  const entries = new Map((status.stages ?? []).map((e) => [e.name, e]));
  const name = promotion.metadata.name;

  const currentName = status.currentStageName;
  const found = currentName ? stages.findIndex((s) => s.name === currentName) : -1;
  const current = found >= 0 ? found : null;
  let note: string | null = null;
  if (currentName && current === null) {
    note = `status names stage ${currentName}, which the spec no longer has: the controller restarts the pipeline`;
  }

  const finalPassed =
    current === stages.length - 1 && phraseOf(entries.get(currentName!)) === D.SUCCESSFULLY_PROVISIONED;
  const dialect = detectDialect(status.stages ?? [], status.lastPromotionTime, finalPassed);

  const observed = stages.map((stage, index): ObservedStage => {
    const entry = entries.get(stage.name);
    const lists = evidence(stage, index);
    let gates: Gates | null = null;
    let gateError: string | null = null;
    try {
      gates = gatesOf(stage);
    } catch (e) {
      gateError = (e as Error).message;
    }
    const base: ObservedStage = {
      phase: 'Pending',
      trigger: gates?.kind ?? (stage.trigger?.manual ? 'manual' : stage.trigger?.auto ? 'auto' : 'none'),
      approved: stage.trigger?.manual?.approved === true,
      description: null,
      failureMessage: null,
      times: {},
    };
    if (current === null || index > current) return base;
    const { phrase, since } = D.splitDescription(entry?.currentStatusDescription);
    base.description = phrase || null;
    base.failureMessage = entry?.failureMessage ?? null;
    base.times = entry ? baseTimes(entry, since) : {};
    if (index < current) {
      base.phase = 'Promoted';
      base.failureMessage = null;
      const next = entries.get(stages[index + 1]!.name);
      const promotedAt = time(next?.lastUpdateReconciledTime);
      if (promotedAt !== undefined) base.times.promotedAt = promotedAt;
      return base;
    }
    const ctx: CurrentContext = {
      stage,
      entry: entry ?? { name: stage.name },
      phrase,
      gates,
      gateError,
      lists,
      now,
      dialect,
      isFinal: index === stages.length - 1,
      world,
      promotionName: name,
      lastPromotionTime: status.lastPromotionTime,
    };
    return { ...base, ...currentStage(ctx, base.times) };
  });
  return { current, dialect, note, stages: observed };
}

interface CurrentContext {
  stage: Stage;
  entry: StageStatus;
  phrase: string;
  gates: Gates | null;
  gateError: string | null;
  lists: StageEvidence;
  now: number;
  dialect: StatusDialect;
  isFinal: boolean;
  world: World;
  promotionName: string;
  lastPromotionTime: string | undefined;
}

/** Phase and times of the stage the pipeline is at. */
function currentStage(
  ctx: CurrentContext,
  times: StageTimes,
): Pick<ObservedStage, 'phase' | 'times' | 'failureMessage'> {
  const { phrase, gates, entry, now } = ctx;
  const out = {
    phase: 'Deploying' as ObservedPhase,
    times: { ...times },
    failureMessage: entry.failureMessage ?? null,
  };
  const deployed = times.deployedAt !== undefined;
  const soakEnd = deployed && gates && gates.delayMs > 0 ? times.deployedAt! + gates.delayMs : undefined;
  // A gate is reached no earlier than the end of the soak; for Sveltos status that is the best
  // "waiting since" there is, as its suffix moves with every reconcile.
  const gateSince = () =>
    ctx.dialect === 'engine'
      ? (times.describedAt ?? soakEnd ?? times.deployedAt)
      : (soakEnd ?? times.deployedAt ?? times.describedAt);

  if (ctx.gateError) {
    out.phase = 'Failed';
    out.failureMessage = ctx.gateError;
    out.times.waitingSince = times.describedAt;
    return out;
  }

  let until: number | undefined;
  if (phrase === D.SUCCESSFULLY_PROVISIONED) {
    out.phase = ctx.isFinal ? 'Completed' : 'Promoted';
    // Both controllers write this phrase at the moment the stage passes; lastPromotionTime is that
    // moment only for our engine (Sveltos sets it when a stage starts).
    const passedAt = times.describedAt ?? (ctx.isFinal ? time(ctx.lastPromotionTime) : undefined);
    if (passedAt !== undefined) out.times.promotedAt = passedAt;
    out.failureMessage = null;
  } else if ((until = D.delayedUntilOf(phrase)) !== undefined) {
    out.phase = 'Soaking';
    out.times.soakEndsAt = until;
    out.times.waitingSince = times.deployedAt ?? times.describedAt;
  } else if (D.isWindowClosed(phrase)) {
    out.phase = 'AwaitingWindow';
    out.times.waitingSince = gateSince();
    const opensAt = D.windowClosedUntilOf(phrase);
    if (opensAt !== undefined) out.times.windowOpensAt = opensAt;
    Object.assign(out.times, windowTimes(gates, now, out.times.windowOpensAt));
  } else if (phrase === D.AWAITING_APPROVAL) {
    out.phase = gates?.approved ? 'ApprovedAwaitingController' : 'AwaitingApproval';
    out.times.waitingSince = gateSince();
  } else if (phrase === D.RUNNING_HEALTH_CHECKS || phrase === D.AWAITING_HEALTH_CHECKS) {
    out.phase = ctx.lists.permanentFailure ? 'Failed' : verifying(ctx) ? 'Verifying' : 'CheckingHealth';
    out.times.waitingSince = gateSince();
  } else if (
    deployed &&
    phrase === D.PROVISIONING &&
    entry.failureMessage &&
    !D.isWaitingMessage(entry.failureMessage)
  ) {
    // Our engine holds a deployed stage this way when a gate cannot be evaluated (a bad window).
    out.phase = 'Failed';
    out.times.waitingSince = times.describedAt;
  } else if (!deployed || phrase === D.PROVISIONING) {
    out.phase = ctx.lists.progress.failing > 0 && ctx.lists.permanentFailure ? 'Failed' : 'Deploying';
    out.times.waitingSince = times.startedAt ?? times.describedAt;
  } else {
    // Deployed, and a phrase the gates have not overwritten yet (Sveltos's "All matching clusters
    // are successfully deployed."): tell from the spec which gate holds it.
    out.phase = inferGate(ctx, soakEnd);
    out.times.waitingSince = out.phase === 'Soaking' ? times.deployedAt : gateSince();
    if (out.phase === 'Soaking') out.times.soakEndsAt = soakEnd;
    if (out.phase === 'AwaitingWindow') Object.assign(out.times, windowTimes(gates, now, undefined));
  }
  if (out.phase !== 'Soaking' && soakEnd !== undefined && out.phase !== 'Deploying' && out.phase !== 'Failed') {
    out.times.soakEndsAt = soakEnd;
  }
  return out;
}

function inferGate(ctx: CurrentContext, soakEnd: number | undefined): ObservedPhase {
  const { gates, now } = ctx;
  if (!gates) return 'CheckingHealth';
  if (soakEnd !== undefined && now < soakEnd) return 'Soaking';
  if (gates.kind === 'manual') return gates.approved ? 'ApprovedAwaitingController' : 'AwaitingApproval';
  if (gates.window) {
    try {
      if (!windowState(parseWindow(gates.window), new Date(now)).open) return 'AwaitingWindow';
    } catch {
      return 'Failed';
    }
  }
  // Nothing holds it but the readiness re-check every stage goes through (rule 3).
  return 'CheckingHealth';
}

/**
 * Both health phrases cover two steps (rule 3): the verification profile being deployed, and the
 * stage's own profile, with the checks appended, being deployed again. The engine writes "Running"
 * when it applies either profile, and "Awaiting" while the clusters catch up: the stage's profile
 * first, then the verification profile.
 */
function verifying(ctx: CurrentContext): boolean {
  const gates = ctx.gates;
  if (!gates || gates.verification.length === 0) return false;
  const health = healthEvidence(ctx.world, ctx.promotionName, ctx.stage, gates, ctx.lists);
  if (ctx.phrase === D.AWAITING_HEALTH_CHECKS) return health.mainDeployed();
  return gates.postChecks.length === 0 || !health.checksAppended();
}

/**
 * Where the stage's own profile stands in the health steps, each worked out when first asked and
 * kept in the evidence: read from the profile the engine wrote where the world has it, and from
 * the summaries where it does not (a view given only summaries). Evidence published by the
 * controller (src/api/published-progress.ts) arrives with both already settled.
 */
export function healthEvidence(
  world: World,
  promotionName: string,
  stage: Stage,
  gates: Gates,
  lists: StageEvidence,
): { mainDeployed(): boolean; checksAppended(): boolean } {
  const profileName = mainProfileName(promotionName, stage.name);
  const main = () => profileNamed(world, promotionName, profileName);
  return {
    mainDeployed: () => {
      if (lists.mainDeployed !== undefined) return lists.mainDeployed;
      const profile = main();
      const { progress } = lists;
      return (lists.mainDeployed = profile
        ? assessDeployment(profile, matchingClusters(world, stage.clusterSelector), world).deployed
        : progress.total > 0 && progress.provisioned === progress.total && lists.summaries > 0);
    },
    checksAppended: () => {
      if (lists.checksAppended !== undefined) return lists.checksAppended;
      const profile = main();
      return (lists.checksAppended = profile
        ? carriesChecks(profile.spec.validateHealths, gates)
        : summariesCarryChecks(world.summariesOf(profileName), gates));
    },
  };
}

function profileNamed(world: World, promotion: string, name: string): ClusterProfile | undefined {
  for (const p of world.profilesOf(promotion)) if (p.metadata.name === name) return p;
  return undefined;
}

function carriesChecks(validateHealths: readonly { name: string }[] | undefined, gates: Gates): boolean {
  const names = new Set(gates.postChecks.map((c) => c.name));
  return (validateHealths ?? []).some((v) => names.has(v.name));
}

function summariesCarryChecks(main: Iterable<ClusterSummary>, gates: Gates): boolean {
  for (const s of main) if (carriesChecks(s.spec.clusterProfileSpec.validateHealths, gates)) return true;
  return false;
}

function windowTimes(
  gates: Gates | null,
  now: number,
  opensAt: number | undefined,
): Pick<StageTimes, 'windowOpensAt' | 'windowClosesAt'> {
  if (!gates?.window) return opensAt === undefined ? {} : { windowOpensAt: opensAt };
  try {
    const w = parseWindow(gates.window);
    let opens = opensAt;
    if (opens === undefined) {
      const state = windowState(w, new Date(now));
      if (state.open) return state.changesAt ? { windowClosesAt: state.changesAt.getTime() } : {};
      opens = state.changesAt?.getTime();
    }
    if (opens === undefined) return {};
    const then = windowState(w, new Date(opens));
    return {
      windowOpensAt: opens,
      ...(then.open && then.changesAt ? { windowClosesAt: then.changesAt.getTime() } : {}),
    };
  } catch {
    return opensAt === undefined ? {} : { windowOpensAt: opensAt };
  }
}

function baseTimes(entry: StageStatus, since: string | null): StageTimes {
  const t: StageTimes = {};
  const set = (k: keyof StageTimes, v: string | null | undefined) => {
    const n = time(v);
    if (n !== undefined) t[k] = n;
  };
  set('startedAt', entry.lastUpdateReconciledTime);
  set('deployedAt', entry.lastSuccessfulAppliedTime);
  set('checkedAt', entry.lastStatusCheckTime);
  set('describedAt', since);
  return t;
}

function time(v: string | null | undefined): number | undefined {
  if (!v) return undefined;
  const n = Date.parse(v);
  return Number.isNaN(n) ? undefined : n;
}

function phraseOf(entry: StageStatus | undefined): string {
  return D.splitDescription(entry?.currentStatusDescription).phrase;
}

function detectDialect(
  entries: readonly StageStatus[],
  lastPromotionTime: string | undefined,
  finalPassed: boolean,
): StatusDialect {
  if (lastPromotionTime && !finalPassed) return 'sveltos';
  for (const e of entries) {
    if (SVELTOS_ONLY_DESCRIPTION.test(phraseOf(e))) return 'sveltos';
    if (e.failureMessage && SVELTOS_ONLY_FAILURE.test(e.failureMessage)) return 'sveltos';
  }
  return 'engine';
}
