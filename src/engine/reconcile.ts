// The ClusterPromotion state machine (docs/semantics.md), as one pure function of the promotion,
// the observed world and the time. Everything it must remember lives in the promotion's status and in
// the profiles it writes, so a restarted engine resumes exactly where it stood.
//
// One reconcile makes at most one step that depends on the world catching up (writing a profile),
// then returns; its caller applies the writes and reconciles again when they are visible, or at
// `requeueAt`, whichever comes first.
import type { ClusterProfile, ClusterPromotion, ClusterPromotionStatus, Stage, StageStatus } from '../api/types.ts';
import { rfc3339 } from '../rfc3339.ts';
import { parseWindow, windowState } from '../schedule/window.ts';
import { withBundledDefaults } from '../schema/index.ts';
import { canonicalJson, sameValue } from './canonical.ts';
import { assessDeployment, failureSummary, matchingClusters, type DeploymentState } from './deployment.ts';
import * as D from './description.ts';
import { profileSpecHash, stagesHash } from './hash.ts';
import { mainProfileName, verificationProfileName } from './names.ts';
import { mainProfile, verificationProfile } from './profiles.ts';
import { gatesOf, type Gates } from './trigger.ts';
import type { EngineEvent, EngineEventType, JsonPatchOp, ReconcileResult, StagePhase, World } from './types.ts';

export function reconcile(promotion: ClusterPromotion, world: World, now: Date): ReconcileResult {
  return new Reconciliation(promotion, world, now).run();
}

/** Deleting a promotion: its profiles go with it, unless the user asked to keep them. */
export function reconcileDelete(
  promotion: ClusterPromotion,
  world: World,
): { apply: ClusterProfile[]; delete: string[] } {
  const owned = ownedProfiles(promotion, world);
  if (promotion.spec.preserveClusterProfilesOnDelete) {
    // The owner reference would let Kubernetes' garbage collector delete them anyway: drop it.
    const apply = [...owned.values()].map((p) => ({
      ...p,
      metadata: {
        ...p.metadata,
        ownerReferences: (p.metadata.ownerReferences ?? []).filter((o) => !refersTo(o, promotion)),
      },
    }));
    return { apply, delete: [] };
  }
  return { apply: [], delete: [...owned.keys()] };
}

function refersTo(owner: { kind: string; name: string; uid: string }, promotion: ClusterPromotion): boolean {
  if (owner.kind !== 'ClusterPromotion' || owner.name !== promotion.metadata.name) return false;
  return !owner.uid || !promotion.metadata.uid || owner.uid === promotion.metadata.uid;
}

/** Profiles labelled for the promotion and owned by it: someone else's profile is never touched. */
function ownedProfiles(promotion: ClusterPromotion, world: World): ReadonlyMap<string, ClusterProfile> {
  return ownedState(promotion, world).owned;
}

/**
 * What a world's profiles of one promotion came to at the last reconcile: the list it gave, those
 * of them the promotion owns, and which of those no stage has any more. A reconcile compares the
 * list it is given with the last one object by object (a world hands back the objects it holds,
 * replaced when they change), so that only the profiles added, changed or removed are looked at:
 * a pipeline of N stages does not pay N profiles at every reconcile.
 */
interface OwnedState {
  key: string;
  list: readonly ClusterProfile[];
  owned: Map<string, ClusterProfile>;
  /** The expected names `stale` was worked out against. */
  expected: ReadonlySet<string> | null;
  stale: Set<string>;
}

const ownedStates = new WeakMap<World, Map<string, OwnedState>>();

function ownedState(promotion: ClusterPromotion, world: World): OwnedState {
  const key = `${promotion.metadata.name}\u0000${promotion.metadata.uid ?? ''}`;
  const listed = world.profilesOf(promotion.metadata.name);
  const list = Array.isArray(listed) ? (listed as readonly ClusterProfile[]) : [...listed];
  let states = ownedStates.get(world);
  if (!states) ownedStates.set(world, (states = new Map()));
  const isOwned = (p: ClusterProfile) => (p.metadata.ownerReferences ?? []).some((o) => refersTo(o, promotion));
  const last = states.get(promotion.metadata.name);
  if (last?.key === key && catchUp(last, list, isOwned)) return last;
  const owned = new Map<string, ClusterProfile>();
  for (const p of list) if (isOwned(p)) owned.set(p.metadata.name, p);
  const state: OwnedState = { key, list, owned, expected: null, stale: new Set() };
  states.set(promotion.metadata.name, state);
  return state;
}

/**
 * Brings the state up to the new list when it differs from the last by profiles changed in place,
 * removed, or added at the end (how worlds change their lists); false when it cannot tell, and the
 * state must be worked out again.
 */
function catchUp(state: OwnedState, list: readonly ClusterProfile[], isOwned: (p: ClusterProfile) => boolean): boolean {
  const last = state.list;
  if (last === list) return true;
  const removed = (p: ClusterProfile) => {
    state.owned.delete(p.metadata.name);
    state.stale.delete(p.metadata.name);
  };
  const seen = (p: ClusterProfile) => {
    const name = p.metadata.name;
    if (!isOwned(p)) return removed(p);
    state.owned.set(name, p);
    if (state.expected && !state.expected.has(name)) state.stale.add(name);
  };
  let i = 0;
  let j = 0;
  while (i < list.length && j < last.length) {
    const now = list[i]!;
    const before = last[j]!;
    if (now === before) {
      i++;
      j++;
    } else if (now.metadata.name === before.metadata.name) {
      seen(now);
      i++;
      j++;
    } else if (j + 1 < last.length && last[j + 1]!.metadata.name === now.metadata.name) {
      removed(before);
      j++;
    } else {
      return false;
    }
  }
  for (; j < last.length; j++) removed(last[j]!);
  for (; i < list.length; i++) seen(list[i]!);
  state.list = list;
  return true;
}

/** The names of the profiles the stages may have (main and verification); one set per list of stages. */
function expectedProfileNames(promotion: string, stages: readonly Stage[]): ReadonlySet<string> {
  const cached = expectedCache.get(stages);
  if (cached?.promotion === promotion) return cached.names;
  const names = new Set<string>();
  for (const s of stages) {
    names.add(mainProfileName(promotion, s.name));
    names.add(verificationProfileName(promotion, s.name));
  }
  expectedCache.set(stages, { promotion, names });
  return names;
}

const expectedCache = new WeakMap<readonly Stage[], { promotion: string; names: ReadonlySet<string> }>();

/** Owned profiles no stage has any more, in the world's order. */
function staleProfiles(state: OwnedState, promotion: string, stages: readonly Stage[]): string[] {
  const expected = expectedProfileNames(promotion, stages);
  if (state.expected !== expected) {
    state.expected = expected;
    state.stale = new Set([...state.owned.keys()].filter((name) => !expected.has(name)));
  }
  if (state.stale.size === 0) return [];
  return state.list.map((p) => p.metadata.name).filter((name) => state.stale.has(name));
}

function profileMatches(actual: ClusterProfile | undefined, desired: ClusterProfile): boolean {
  if (!actual) return false;
  if (!sameValue(actual.spec, desired.spec) && !sameValue(asStored(actual.spec), asStored(desired.spec))) return false;
  const labels = actual.metadata.labels ?? {};
  const annotations = actual.metadata.annotations ?? {};
  return (
    Object.entries(desired.metadata.labels ?? {}).every(([k, v]) => labels[k] === v) &&
    Object.entries(desired.metadata.annotations ?? {}).every(([k, v]) => annotations[k] === v)
  );
}

/**
 * A spec as the API server stores it, the CRD's defaults filled in: the verification profile the
 * engine builds leaves `reloader` and `stopMatchingBehavior` out, and read back it has them.
 */
function asStored(spec: ClusterProfile['spec']): ClusterProfile['spec'] {
  return withBundledDefaults('ClusterProfile', { spec }).spec;
}

class Reconciliation {
  /** The status as read; never edited. */
  private readonly original: ClusterPromotionStatus;
  /**
   * The status being decided: a copy of the original's fields and of its list of stages, whose
   * entries are shared with the original until one is changed (entryFor copies it first). A
   * reconcile touches one or two entries: copying and comparing them all would make every
   * reconcile cost as much as the pipeline is long.
   */
  private readonly status: ClusterPromotionStatus;
  private readonly copied = new WeakSet<StageStatus>();
  /** The owned profiles as read (kept between reconciles, never changed here), and those this reconcile deleted. */
  private readonly ownedState: OwnedState;
  private readonly deleted = new Set<string>();
  private readonly apply: ClusterProfile[] = [];
  private readonly deletes: string[] = [];
  private readonly events: EngineEvent[] = [];
  private specPatch: JsonPatchOp[] | null = null;
  private requeueAt: Date | null = null;
  private current = 0;
  private currentPhase: StagePhase = 'Pending';
  private completed = false;

  constructor(
    private readonly promotion: ClusterPromotion,
    private readonly world: World,
    private readonly now: Date,
  ) {
    this.original = promotion.status ?? {};
    this.status = { ...this.original };
    if (this.original.stages) this.status.stages = [...this.original.stages];
    this.ownedState = ownedState(promotion, world);
  }

  private profile(name: string): ClusterProfile | undefined {
    return this.deleted.has(name) ? undefined : this.ownedState.owned.get(name);
  }

  run(): ReconcileResult {
    const stages = this.promotion.spec.stages ?? [];
    if (stages.length > 0) {
      this.removeStaleProfiles(stages);
      if (!this.restartIfChanged(stages)) this.reconcileCurrentStage(stages);
    }
    return this.result(stages);
  }

  private get name(): string {
    return this.promotion.metadata.name;
  }

  private event(type: EngineEventType, stage: string | null, message: string): void {
    this.events.push({ type, stage, message });
  }

  /** Profiles of stages that no longer exist (rule 1). */
  private removeStaleProfiles(stages: readonly Stage[]): void {
    for (const profileName of staleProfiles(this.ownedState, this.name, stages)) {
      this.deleteProfile(profileName, 'its stage no longer exists');
    }
  }

  private deleteProfile(profileName: string, why: string): void {
    this.deletes.push(profileName);
    this.deleted.add(profileName);
    this.event('ProfileDeleted', null, `ClusterProfile ${profileName} deleted: ${why}`);
  }

  /** Rule 1: a changed profileSpec or a changed list of stages starts the pipeline over. */
  private restartIfChanged(stages: readonly Stage[]): boolean {
    const ph = profileSpecHash(this.promotion.spec.profileSpec ?? {});
    const sh = stagesHash(this.promotion.spec);
    const current = stages.findIndex((s) => s.name === this.status.currentStageName);
    const fresh = !this.status.profileSpecHash && !this.status.stagesHash;
    if (!fresh && this.status.profileSpecHash === ph && this.status.stagesHash === sh && current >= 0) {
      this.current = current;
      return false;
    }
    if (fresh) {
      this.event('PipelineStarted', null, `promotion ${this.name} started with ${stages.length} stage(s)`);
    } else {
      const why = [
        this.status.profileSpecHash !== ph ? 'profileSpec changed' : '',
        this.status.stagesHash !== sh ? 'stages changed' : '',
      ]
        .filter(Boolean)
        .join(' and ');
      this.event(
        'PipelineRestarted',
        null,
        `pipeline restarted from stage ${stages[0]!.name}: ${why || 'no current stage'}`,
      );
    }
    this.status.profileSpecHash = ph;
    this.status.stagesHash = sh;
    this.status.stages = [];
    delete this.status.lastPromotionTime;
    this.startStage(stages, 0);
    return true;
  }

  /** Applies a stage's profile with the current spec and makes it the current stage. */
  private startStage(stages: readonly Stage[], index: number): void {
    const stage = stages[index]!;
    const desired = mainProfile(this.promotion, stage);
    if (!profileMatches(this.profile(desired.metadata.name), desired)) this.apply.push(desired);
    const verification = verificationProfileName(this.name, stage.name);
    if (this.profile(verification)) this.deleteProfile(verification, 'a new deployment of its stage started');
    const entries = (this.status.stages ?? []).filter((e) => e.name !== stage.name);
    entries.push({
      name: stage.name,
      lastUpdateReconciledTime: rfc3339(this.now),
      currentStatusDescription: D.describe(undefined, D.PROVISIONING, this.now),
    });
    this.status.stages = entries;
    this.status.currentStageName = stage.name;
    this.current = index;
    this.currentPhase = 'Deploying';
    this.event('StageStarted', stage.name, `stage ${stage.name}: ClusterProfile ${desired.metadata.name} applied`);
    // A trigger that cannot be read holds the stage from its start, as every later reconcile does.
    try {
      gatesOf(stage);
    } catch (e) {
      this.hold(entries[entries.length - 1]!, 'Failed', D.PROVISIONING, (e as Error).message);
    }
  }

  private reconcileCurrentStage(stages: readonly Stage[]): void {
    const stage = stages[this.current]!;
    const isFinal = this.current === stages.length - 1;
    if (isFinal && this.status.lastPromotionTime) {
      this.completed = true;
      return;
    }
    const entry = this.entryFor(stage.name);

    let gates: Gates;
    try {
      gates = gatesOf(stage);
    } catch (e) {
      this.hold(entry, 'Failed', D.PROVISIONING, (e as Error).message);
      return;
    }

    const base = mainProfile(this.promotion, stage);
    const withChecks = mainProfile(this.promotion, stage, gates.postChecks);
    const main = this.profile(base.metadata.name);
    const deployedAt = entry.lastSuccessfulAppliedTime ? Date.parse(entry.lastSuccessfulAppliedTime) : null;
    const soakEnd = deployedAt === null ? null : deployedAt + gates.delayMs;
    const soaked = soakEnd !== null && this.now.getTime() >= soakEnd;

    // Before the soak ends either content is legitimate (a lengthened delay must not drop checks
    // already appended); anything else, or a missing profile, is put back.
    if (!soaked && !(profileMatches(main, base) || profileMatches(main, withChecks))) {
      this.apply.push(base);
      this.hold(entry, 'Deploying', D.PROVISIONING);
      return;
    }
    const clusters = matchingClusters(this.world, stage.clusterSelector);

    if (deployedAt === null) {
      const state = assessDeployment(main!, clusters, this.world);
      if (!state.deployed) {
        this.holdOnDeployment(entry, state, 'Deploying', D.PROVISIONING);
        return;
      }
      entry.lastSuccessfulAppliedTime = rfc3339(this.now);
      entry.lastStatusCheckTime = entry.lastSuccessfulAppliedTime;
      this.clearFailure(entry);
      this.event('StageDeployed', stage.name, `stage ${stage.name}: ${state.total} cluster(s) provisioned`);
      const end = Date.parse(entry.lastSuccessfulAppliedTime) + gates.delayMs;
      if (this.now.getTime() < end) {
        this.soak(entry, end);
        return;
      }
    } else if (!soaked) {
      this.soak(entry, soakEnd!);
      return;
    }

    // After the soak: verification deployment, then health checks, then the re-check (rule 3).
    let verification: ClusterProfile | undefined;
    if (gates.verification.length > 0) {
      const desired = verificationProfile(this.promotion, stage, gates.verification);
      verification = this.profile(desired.metadata.name);
      if (!profileMatches(verification, desired)) {
        this.apply.push(desired);
        this.event(
          'VerificationDeployed',
          stage.name,
          `stage ${stage.name}: verification ClusterProfile ${desired.metadata.name} applied`,
        );
        this.hold(entry, 'Verifying', D.RUNNING_HEALTH_CHECKS);
        return;
      }
    }
    const desiredMain = gates.postChecks.length > 0 ? withChecks : base;
    if (!profileMatches(main, desiredMain)) {
      this.apply.push(desiredMain);
      if (gates.postChecks.length > 0) {
        const names = gates.postChecks.map((c) => c.name).join(', ');
        this.event(
          'HealthChecksAdded',
          stage.name,
          `stage ${stage.name}: health checks ${names} added to ClusterProfile ${base.metadata.name}`,
        );
      }
      this.hold(entry, 'CheckingHealth', D.RUNNING_HEALTH_CHECKS);
      return;
    }
    const state = assessDeployment(main!, clusters, this.world);
    if (!state.deployed) {
      this.holdOnDeployment(entry, state, 'CheckingHealth', D.AWAITING_HEALTH_CHECKS);
      return;
    }
    if (verification) {
      const vstate = assessDeployment(verification, clusters, this.world);
      if (!vstate.deployed) {
        this.holdOnDeployment(entry, vstate, 'Verifying', D.AWAITING_HEALTH_CHECKS);
        return;
      }
    }
    const wasChecking = [D.RUNNING_HEALTH_CHECKS, D.AWAITING_HEALTH_CHECKS].includes(
      D.splitDescription(entry.currentStatusDescription).phrase,
    );
    this.clearFailure(entry);
    if (wasChecking)
      this.event(
        'HealthChecksPassed',
        stage.name,
        `stage ${stage.name}: health checks passed on ${state.total} cluster(s)`,
      );

    if (gates.kind === 'auto' && gates.window) {
      let ws: { open: boolean; changesAt: Date | null };
      try {
        ws = windowState(parseWindow(gates.window), this.now);
      } catch (e) {
        this.hold(
          entry,
          'Failed',
          D.PROVISIONING,
          `stage ${stage.name}: trigger.auto.promotionWindow: ${(e as Error).message}`,
        );
        return;
      }
      if (!ws.open) {
        const phrase = ws.changesAt ? D.windowClosedUntil(ws.changesAt) : D.WINDOW_NEVER_OPENS;
        if (this.hold(entry, 'AwaitingWindow', phrase)) {
          this.event(
            'AwaitingWindow',
            stage.name,
            `stage ${stage.name}: promotion window closed${ws.changesAt ? `, opens at ${rfc3339(ws.changesAt)}` : ''}`,
          );
        }
        this.requeueAt = ws.changesAt;
        return;
      }
    }
    if (gates.kind === 'manual' && !gates.approved) {
      if (this.hold(entry, 'AwaitingApproval', D.AWAITING_APPROVAL)) {
        this.event('AwaitingApproval', stage.name, `stage ${stage.name}: waiting for manual approval`);
      }
      return;
    }
    this.advance(stages, stage, entry, gates, verification);
  }

  /** Rule 4 and 5: the stage passed its gates; the next stage starts, or the promotion is complete. */
  private advance(
    stages: readonly Stage[],
    stage: Stage,
    entry: StageStatus,
    gates: Gates,
    verification: ClusterProfile | undefined,
  ): void {
    if (verification) this.deleteProfile(verification.metadata.name, `stage ${stage.name} advanced`);
    this.describe(entry, D.SUCCESSFULLY_PROVISIONED);
    if (gates.kind === 'manual' && gates.automaticReset) {
      const i = this.current;
      // Guarded so that a concurrent edit (a stage renamed or moved, the approval already revoked)
      // makes the patch fail instead of resetting the wrong stage.
      this.specPatch = [
        { op: 'test', path: `/spec/stages/${i}/name`, value: stage.name },
        { op: 'test', path: `/spec/stages/${i}/trigger/manual/approved`, value: true },
        { op: 'remove', path: `/spec/stages/${i}/trigger/manual/approved` },
      ];
      this.event('ApprovalReset', stage.name, `stage ${stage.name}: approval consumed (automaticReset)`);
    }
    const next = stages[this.current + 1];
    if (next) {
      this.event('StagePromoted', stage.name, `stage ${stage.name} promoted to ${next.name}`);
      this.startStage(stages, this.current + 1);
      return;
    }
    this.status.lastPromotionTime = rfc3339(this.now);
    this.completed = true;
    this.event('StagePromoted', stage.name, `stage ${stage.name} passed its gates`);
    this.event('PromotionCompleted', null, `promotion ${this.name} completed`);
  }

  private soak(entry: StageStatus, end: number): void {
    const at = new Date(end);
    if (this.hold(entry, 'Soaking', D.delayedUntil(at))) {
      this.event('SoakStarted', entry.name, `stage ${entry.name}: soaking until ${rfc3339(at)}`);
    }
    this.requeueAt = at;
  }

  /**
   * Not deployed: a failing cluster is the failureMessage; with none failing, what Sveltos writes
   * there while clusters catch up ("ClusterSummary <name> is not yet provisioned.").
   */
  private holdOnDeployment(entry: StageStatus, state: DeploymentState, phase: StagePhase, phrase: string): void {
    const permanent = state.failures.some((f) => f.permanent);
    this.hold(entry, permanent ? 'Failed' : phase, phrase, failureSummary(state.failures) ?? state.waiting);
  }

  /** Keeps the stage where it is; returns whether its description changed (a new wait began). */
  private hold(entry: StageStatus, phase: StagePhase, phrase: string, failure?: string): boolean {
    this.currentPhase = phase;
    if (failure !== undefined) this.setFailure(entry, failure);
    else this.clearFailure(entry);
    return this.describe(entry, phrase);
  }

  private describe(entry: StageStatus, phrase: string): boolean {
    const before = entry.currentStatusDescription;
    entry.currentStatusDescription = D.describe(before, phrase, this.now);
    return entry.currentStatusDescription !== before;
  }

  /**
   * A waiting message (D.isWaitingMessage) is no failure: no StageFailing for it, and the check time
   * moves when the outcome does (nothing, waiting, failing, another failure), not when the waiting
   * message names the next summary.
   */
  private setFailure(entry: StageStatus, message: string): void {
    const before = entry.failureMessage;
    if (before === message) return;
    const wasFailing = before !== undefined && !D.isWaitingMessage(before);
    const waiting = D.isWaitingMessage(message);
    if (!wasFailing && !waiting) this.event('StageFailing', entry.name, message);
    if (wasFailing && waiting) this.recovered(entry);
    entry.failureMessage = message;
    if (!(waiting && D.isWaitingMessage(before))) entry.lastStatusCheckTime = rfc3339(this.now);
  }

  private clearFailure(entry: StageStatus): void {
    const before = entry.failureMessage;
    if (before === undefined) return;
    delete entry.failureMessage;
    entry.lastStatusCheckTime = rfc3339(this.now);
    if (!D.isWaitingMessage(before)) this.recovered(entry);
  }

  private recovered(entry: StageStatus): void {
    this.event('StageRecovered', entry.name, `stage ${entry.name}: no cluster failing any more`);
  }

  /** The stage's entry, this reconcile's own copy, to be changed freely. */
  private entryFor(stageName: string): StageStatus {
    const entries = (this.status.stages ??= []);
    const i = entries.findIndex((e) => e.name === stageName);
    if (i < 0) {
      const entry = { name: stageName, lastUpdateReconciledTime: rfc3339(this.now) };
      entries.push(entry);
      this.copied.add(entry);
      return entry;
    }
    let entry = entries[i]!;
    if (!this.copied.has(entry)) {
      entry = { ...entry };
      entries[i] = entry;
      this.copied.add(entry);
    }
    return entry;
  }

  /** Whether the status differs from the one read, as canonicalJson would tell (only changed entries are compared). */
  private statusChanged(): boolean {
    const a = this.status as Record<string, unknown>;
    const b = this.original as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (key !== 'stages' && canonicalJson(a[key]) !== canonicalJson(b[key])) return true;
    }
    const sa = this.status.stages;
    const sb = this.original.stages;
    if (sa === undefined || sb === undefined) return sa !== sb;
    if (sa.length !== sb.length) return true;
    return sa.some((e, i) => e !== sb[i] && canonicalJson(e) !== canonicalJson(sb[i]));
  }

  private result(stages: readonly Stage[]): ReconcileResult {
    const phases = stages.map((s, i) => {
      let phase: StagePhase;
      if (this.completed) phase = i === stages.length - 1 ? 'Completed' : 'Promoted';
      else if (i < this.current) phase = 'Promoted';
      else if (i > this.current) phase = 'Pending';
      else phase = this.currentPhase;
      return { name: s.name, phase };
    });
    const changed = this.statusChanged();
    return {
      apply: this.apply,
      delete: this.deletes,
      status: changed ? this.status : null,
      specPatch: this.specPatch,
      requeueAt: this.requeueAt,
      events: this.events,
      phases,
    };
  }
}
