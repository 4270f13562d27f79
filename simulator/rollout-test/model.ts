// A RolloutTest as the runner sees it once read and checked: a promotion, a fleet, a virtual start,
// events scripted at virtual moments and expectations about the rehearsal that follows. Times are
// absolute milliseconds; `where` is the line of the test file each item came from, for reports.
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { StagePhase } from '../../src/engine/types.ts';
import type { Outcome } from '../driver.ts';
import type { FleetClusterSpec, FleetSpec } from '../fleet-spec.ts';

export const ROLLOUT_TEST_API_VERSION = 'kubectl-promotion.dev/v1alpha1';
export const ROLLOUT_TEST_KIND = 'RolloutTest';

export interface Where {
  file: string;
  line: number;
  column: number;
}

export function formatWhere(w: Where): string {
  return `${w.file}:${w.line}:${w.column}`;
}

/** What a scripted event does. `cluster` is `namespace/name`, resolved against the fleet when read. */
export type TestAction =
  /** RFC 7386 merge patch of the promotion (its spec, labels and annotations), as `kubectl patch --type merge`. */
  | { kind: 'patch'; patch: Record<string, unknown> }
  | { kind: 'approve'; stage: string }
  | { kind: 'revoke'; stage: string }
  | {
      kind: 'cluster';
      cluster: string;
      ready?: boolean;
      /** null removes the label. */
      labels?: Record<string, string | null>;
      metrics?: Record<string, number>;
      failNextDeploy?: boolean;
    }
  | { kind: 'addCluster'; cluster: FleetClusterSpec }
  | { kind: 'removeCluster'; cluster: string }
  | { kind: 'restartController' };

export type TestEvent = TestAction & { at: number; where: Where };

/** Phase of a stage at one instant, after everything that happened at that instant. */
export interface PhaseAt {
  kind: 'phaseAt';
  stage: string;
  phase: StagePhase;
  at: number;
}

/** A stage reaches a phase within bounds: never before `notBefore`, at the latest at `by`. */
export interface PhaseWithin {
  kind: 'phaseWithin';
  stage: string;
  phase: StagePhase;
  notBefore?: number;
  by?: number;
}

/** How the run ends, reached no later than `by`. */
export interface OutcomeBy {
  kind: 'outcome';
  outcome: Outcome;
  by?: number;
}

/** The stage's status.failureMessage at an instant matches a regular expression. */
export interface FailureMessageAt {
  kind: 'failureMessage';
  stage: string;
  at: number;
  pattern: RegExp;
}

/** An event of the timeline (engine, fleet or script) happened, or never did, within bounds. */
export interface EventSeen {
  kind: 'event';
  event: string;
  stage?: string;
  cluster?: string;
  messagePattern?: RegExp;
  at?: number;
  notBefore?: number;
  by?: number;
  never: boolean;
}

export type Expectation = (PhaseAt | PhaseWithin | OutcomeBy | FailureMessageAt | EventSeen) & { where: Where };

export interface RolloutTest {
  name: string;
  where: Where;
  promotion: ClusterPromotion;
  fleet: FleetSpec;
  start: number;
  horizonMs: number;
  seed: number;
  /** In the order they apply: by time, then as written. */
  events: TestEvent[];
  expect: Expectation[];
}
