// `simulate` where nobody can press a key (output piped, CI) or with --no-tui: instead of the
// view, one timestamped line per transition as the simulation makes it (a stage's phase changes,
// a cluster fails, a stage fails or recovers, an approval), then the summary. It runs as fast as
// the headless report unless a pace is given (an explicit --speed), so logs can be watched live.
import type { ScaledClock } from '../../../simulator/clock.ts';
import type { Simulation, SimulationEvent, SimulationEventType, SimulationResult } from '../../../simulator/driver.ts';
import { eventText, foldEvents, formatSummary, offset } from '../../../simulator/report.ts';
import { printable } from '../../../src/printable.ts';
import { rfc3339Millis } from '../../../src/rfc3339.ts';

/** The events worth a line of their own; phase changes are read from the simulation. */
export const TRANSITION_EVENTS: ReadonlySet<SimulationEventType> = new Set<SimulationEventType>([
  'DeployFailed',
  'FailedNonRetriable',
  'HealthCheckFailed',
  'StageFailing',
  'StageRecovered',
  'Approved',
  'ApprovalNotApplied',
  'ApprovalReset',
  'Revoked',
  'Scripted',
  'PromotionCompleted',
]);

/** Wide enough for the longest event type (PromotionCompleted, FailedNonRetriable). */
const TYPE_WIDTH = 18;
/** Offsets up to `+9h59m59s` keep the columns straight; longer ones push the line right. */
const OFFSET_WIDTH = 9;

/** Writes the lines for a simulation from now on; `flush()` writes what the last step left. */
export class TransitionLines {
  readonly #sim: Simulation;
  readonly #write: (text: string) => void;
  readonly #stageWidth: number;
  readonly #unsubscribe: (() => void)[];
  #events: SimulationEvent[] = [];
  #phases: Map<string, string>;

  constructor(sim: Simulation, write: (text: string) => void) {
    this.#sim = sim;
    this.#write = write;
    this.#phases = new Map(sim.phases().map((p) => [p.name, p.phase]));
    this.#stageWidth = Math.max(1, ...[...this.#phases.keys()].map((n) => n.length));
    this.#unsubscribe = [
      sim.on((e) => {
        if (TRANSITION_EVENTS.has(e.type)) this.#events.push(e);
      }),
      // A step has settled: its events first, then the phases they led to.
      sim.onChange(() => this.flush()),
    ];
  }

  flush(): void {
    const lines: string[] = [];
    for (const f of foldEvents(this.#events))
      lines.push(this.#line(f.event.at, f.event.stage, f.event.type, eventText(f)));
    this.#events = [];
    const now = this.#sim.nowMs();
    for (const { name, phase } of this.#sim.phases()) {
      const was = this.#phases.get(name);
      if (was === phase) continue;
      this.#phases.set(name, phase);
      lines.push(this.#line(now, name, phase, was === undefined ? 'new stage' : `from ${was}`));
    }
    if (lines.length > 0) this.#write(printable(lines.join('')));
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
  }

  #line(at: number, stage: string | null, what: string, text: string): string {
    const cells = [
      rfc3339Millis(at),
      offset({ startedAt: this.#sim.startMs }, at).padEnd(OFFSET_WIDTH),
      (stage ?? '-').padEnd(this.#stageWidth),
      what.padEnd(TYPE_WIDTH),
      text,
    ];
    return `${cells.join('  ').trimEnd()}\n`;
  }
}

export interface Pace {
  /** Virtual time at the speed asked for, anchored at the simulation's start. */
  clock: ScaledClock;
  /** Waits this many real milliseconds (injected: tests never sleep). */
  sleep(ms: number): Promise<void>;
}

/** Runs the simulation to its end printing the transitions, then the summary; returns the result. */
export async function runWithLines(
  sim: Simulation,
  write: (text: string) => void,
  pace?: Pace,
): Promise<SimulationResult> {
  const lines = new TransitionLines(sim, write);
  try {
    if (pace) {
      await sim.advanceTo(sim.nowMs());
      for (;;) {
        const next = sim.nextEventAt()?.getTime() ?? null;
        if (sim.completed || next === null || next > sim.horizonEnd) break;
        await pace.sleep(pace.clock.realDelayUntil(next) ?? 0);
        await sim.advanceTo(next);
      }
    }
    // What is left (all of it, unpaced) goes as fast as the headless report.
    const result = await sim.run();
    lines.flush();
    write(printable(`\n${formatSummary(result)}`));
    return result;
  } finally {
    lines.stop();
  }
}
