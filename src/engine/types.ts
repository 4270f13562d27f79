// The engine's contract: what it is given and what it returns. The engine is a pure function of
// (promotion, world, now); whoever calls it (the simulator, a controller) applies the writes and
// calls again at `requeueAt` or when the world changes.
import type {
  ClusterProfile,
  ClusterPromotionStatus,
  ClusterRef,
  ClusterSummary,
  LabelSelector,
} from '../api/types.ts';

/** What the engine can observe besides the promotion itself. */
export interface World {
  /** Every managed cluster, ready or not. */
  clusters(): Iterable<ClusterRef>;
  /** ClusterProfiles labelled as belonging to the promotion (`config.projectsveltos.io/promotionname`). */
  profilesOf(promotionName: string): Iterable<ClusterProfile>;
  /** ClusterSummaries labelled with the profile's name (`projectsveltos.io/cluster-profile-name`). */
  summariesOf(profileName: string): Iterable<ClusterSummary>;
  /**
   * The ready clusters the selector matches, in the order of clusters(): for a world that indexes
   * its clusters by label, so that each stage does not pass over the whole fleet.
   */
  matchingClusters?(selector: LabelSelector | undefined): readonly ClusterRef[];
}

/** RFC 6902 operations; `test` guards every spec write so that a concurrent edit is never lost. */
export type JsonPatchOp =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'add' | 'replace'; path: string; value: unknown };

export const ENGINE_EVENT_TYPES = [
  'PipelineStarted',
  'PipelineRestarted',
  'StageStarted',
  'StageDeployed',
  'StageFailing',
  'StageRecovered',
  'SoakStarted',
  'VerificationDeployed',
  'HealthChecksAdded',
  'HealthChecksPassed',
  'AwaitingWindow',
  'AwaitingApproval',
  'StagePromoted',
  'ApprovalReset',
  'PromotionCompleted',
  'ProfileDeleted',
] as const;
export type EngineEventType = (typeof ENGINE_EVENT_TYPES)[number];

export interface EngineEvent {
  type: EngineEventType;
  stage: string | null;
  message: string;
}

/**
 * Where a stage stands, as the engine decided it in this reconcile. The same names are used by the
 * view model and by `simulate -o json`.
 */
export const STAGE_PHASES = [
  'Pending',
  'Deploying',
  'Soaking',
  'Verifying',
  'CheckingHealth',
  'AwaitingWindow',
  'AwaitingApproval',
  'Promoted',
  'Completed',
  'Failed',
] as const;
export type StagePhase = (typeof STAGE_PHASES)[number];

export interface ReconcileResult {
  /** Profiles to create or replace (the whole desired object; the caller applies it). */
  apply: ClusterProfile[];
  /** Names of ClusterProfiles to delete. */
  delete: string[];
  /** The new status, or null when it did not change. */
  status: ClusterPromotionStatus | null;
  /** A guarded JSON Patch on the promotion (the `automaticReset` of an approval), or null. */
  specPatch: JsonPatchOp[] | null;
  /** The exact moment the engine must look again even if nothing changes; null: only on change. */
  requeueAt: Date | null;
  /** What happened in this reconcile, for timelines and Kubernetes Events. */
  events: EngineEvent[];
  /** The phase of every stage of the spec after this reconcile, in spec order. */
  phases: { name: string; phase: StagePhase }[];
}
