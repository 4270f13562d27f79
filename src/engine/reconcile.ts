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
function ownedProfiles(promotion: ClusterPromotion, world: World): Map<string, ClusterProfile> {
  const out = new Map<string, ClusterProfile>();
  for (const p of world.profilesOf(promotion.metadata.name)) {
    if ((p.metadata.ownerReferences ?? []).some((o) => refersTo(o, promotion))) out.set(p.metadata.name, p);
  }
  return out;
}

function profileMatches(actual: ClusterProfile | undefined, desired: ClusterProfile): boolean {
  if (!actual) return false;
  if (!sameValue(actual.spec, desired.spec)) return false;
  const labels = actual.metadata.labels ?? {};
  const annotations = actual.metadata.annotations ?? {};
  return (
    Object.entries(desired.metadata.labels ?? {}).every(([k, v]) => labels[k] === v) &&
    Object.entries(desired.metadata.annotations ?? {}).every(([k, v]) => annotations[k] === v)
  );
}

class Reconciliation {
  private readonly status: ClusterPromotionStatus;
  private readonly profiles: Map<string, ClusterProfile>;
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
    this.status = structuredClone(promotion.status ?? {});
    this.profiles = ownedProfiles(promotion, world);
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
    const expected = new Set<string>();
    for (const s of stages) {
      expected.add(mainProfileName(this.name, s.name));
      expected.add(verificationProfileName(this.name, s.name));
    }
    for (const profileName of this.profiles.keys()) {
      if (!expected.has(profileName)) this.deleteProfile(profileName, 'its stage no longer exists');
    }
  }

  private deleteProfile(profileName: string, why: string): void {
    this.deletes.push(profileName);
    this.profiles.delete(profileName);
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
    if (!profileMatches(this.profiles.get(desired.metadata.name), desired)) this.apply.push(desired);
    const verification = verificationProfileName(this.name, stage.name);
    if (this.profiles.has(verification)) this.deleteProfile(verification, 'a new deployment of its stage started');
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
    const main = this.profiles.get(base.metadata.name);
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
      verification = this.profiles.get(desired.metadata.name);
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

  private entryFor(stageName: string): StageStatus {
    const entries = (this.status.stages ??= []);
    let entry = entries.find((e) => e.name === stageName);
    if (!entry) {
      entry = { name: stageName, lastUpdateReconciledTime: rfc3339(this.now) };
      entries.push(entry);
    }
    return entry;
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
    const changed = canonicalJson(this.status) !== canonicalJson(this.promotion.status ?? {});
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
