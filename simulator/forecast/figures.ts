// What one rehearsal of a forecast leaves behind: a handful of numbers per stage, small enough to
// send from a worker thread and keep for thousands of runs (the run's events and objects are not).
import type { StagePhase } from '../../src/engine/types.ts';
import type { Outcome } from '../driver.ts';

/** The kinds of gate a stage waits in, as a forecast breaks its time down. */
export const GATE_KINDS = ['deploy', 'soak', 'checks', 'window', 'approval'] as const;
export type GateKind = (typeof GATE_KINDS)[number];

/** Which gate a stage in this phase waits in; null for a phase that is no wait of its own. */
export function gateOf(phase: StagePhase): GateKind | null {
  switch (phase) {
    case 'Deploying':
      return 'deploy';
    case 'Soaking':
      return 'soak';
    case 'Verifying':
    case 'CheckingHealth':
      return 'checks';
    case 'AwaitingWindow':
      return 'window';
    case 'AwaitingApproval':
      return 'approval';
    default:
      return null;
  }
}

export interface StageFigures {
  /** Milliseconds from the start; null: it never happened in this run. */
  deployStartedMs: number | null;
  deployedMs: number | null;
  promotedMs: number | null;
  /** Milliseconds the stage spent in each kind of gate. */
  waitingMs: Record<GateKind, number>;
}

export interface RunFigures {
  outcome: Outcome;
  /** Milliseconds from the start to completion; null when the run did not complete. */
  completedMs: number | null;
  stages: StageFigures[];
}

export function noWaiting(): Record<GateKind, number> {
  return { deploy: 0, soak: 0, checks: 0, window: 0, approval: 0 };
}
