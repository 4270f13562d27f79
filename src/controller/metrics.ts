// What the controller tells Prometheus (`/metrics`), through prom-client: the registry,
// exposition format and process metrics are that library's, the meaning is here.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StagePhase } from '../engine/types.ts';

/** The gate each waiting phase stands for, as operators name them. */
const GATES: Partial<Record<StagePhase, string>> = {
  Deploying: 'deploy',
  Soaking: 'soak',
  Verifying: 'checks',
  CheckingHealth: 'checks',
  AwaitingWindow: 'window',
  AwaitingApproval: 'approval',
};

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #promotions: Gauge;
  readonly #transitions: Counter;
  readonly #reconcile: Histogram;
  readonly #queue: Histogram;
  readonly #gate: Histogram;
  readonly #leader: Gauge;
  readonly #watchRestarts: Counter;
  readonly #writes: Counter;
  /** Per promotion/stage: the phase it is in and since when (server time). */
  readonly #since = new Map<string, { phase: StagePhase; at: number }>();
  readonly #current = new Map<string, StagePhase>();

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#promotions = new Gauge({
      name: 'kubectl_promotion_promotions',
      help: 'ClusterPromotions by the phase of their current stage',
      labelNames: ['phase'],
      registers,
    });
    this.#transitions = new Counter({
      name: 'kubectl_promotion_stage_transitions_total',
      help: 'Stage transitions the controller made, by kind (StageStarted, StagePromoted, PromotionCompleted...)',
      labelNames: ['transition'],
      registers,
    });
    this.#reconcile = new Histogram({
      name: 'kubectl_promotion_reconcile_duration_seconds',
      help: 'Time to reconcile one ClusterPromotion, its writes included',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#queue = new Histogram({
      name: 'kubectl_promotion_queue_duration_seconds',
      help: 'Time a ClusterPromotion waited, from the change that made it due to the start of its reconcile',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#gate = new Histogram({
      name: 'kubectl_promotion_gate_duration_seconds',
      help: 'Time a stage spent at each gate (deploy, soak, checks, window, approval), on the API server clock',
      labelNames: ['gate'],
      buckets: [1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 7 * 24 * 3600],
      registers,
    });
    this.#leader = new Gauge({
      name: 'kubectl_promotion_leader',
      help: '1 while this replica holds the leader Lease and may write',
      registers,
    });
    this.#watchRestarts = new Counter({
      name: 'kubectl_promotion_watch_restarts_total',
      help: 'Watch streams re-opened after a failure, or re-listed after 410 Gone, by resource',
      labelNames: ['resource'],
      registers,
    });
    this.#writes = new Counter({
      name: 'kubectl_promotion_writes_total',
      help: 'Writes to the API by kind and outcome (written, conflict, refused, dry-run)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.#leader.set(0);
  }

  leader(leading: boolean): void {
    this.#leader.set(leading ? 1 : 0);
  }

  watchRestarted(resource: string): void {
    this.#watchRestarts.inc({ resource });
  }

  write(kind: string, outcome: string): void {
    this.#writes.inc({ kind, outcome });
  }

  reconciled(seconds: number): void {
    this.#reconcile.observe(seconds);
  }

  queued(seconds: number): void {
    this.#queue.observe(seconds);
  }

  transition(kind: string): void {
    this.#transitions.inc({ transition: kind });
  }

  /** The phases of a promotion after a reconcile, at server time `now`: gate times and the phase gauge. */
  phases(
    promotion: string,
    current: string | undefined,
    phases: readonly { name: string; phase: StagePhase }[],
    now: number,
  ): void {
    for (const { name, phase } of phases) {
      const key = `${promotion}\u0000${name}`;
      const was = this.#since.get(key);
      if (was?.phase === phase) continue;
      const gate = was ? GATES[was.phase] : undefined;
      if (was && gate) this.#gate.observe({ gate }, Math.max(0, (now - was.at) / 1000));
      this.#since.set(key, { phase, at: now });
    }
    const phase = phases.find((p) => p.name === current)?.phase ?? phases[0]?.phase;
    if (phase) this.#current.set(promotion, phase);
    this.#countPhases();
  }

  forget(promotion: string): void {
    this.#current.delete(promotion);
    for (const key of [...this.#since.keys()]) if (key.startsWith(`${promotion}\u0000`)) this.#since.delete(key);
    this.#countPhases();
  }

  #countPhases(): void {
    this.#promotions.reset();
    const counts = new Map<string, number>();
    for (const phase of this.#current.values()) counts.set(phase, (counts.get(phase) ?? 0) + 1);
    for (const [phase, n] of counts) this.#promotions.set({ phase }, n);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
