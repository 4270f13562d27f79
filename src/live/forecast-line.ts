// The `e` line of the interactive views (`watch` on a cluster, `simulate` on its virtual one): off
// until the person asks, then the forecast of the promotion shown, worked out again only when the
// rollout moved on (the clock moving alone does not make a new one), one at a time, and said to be
// updating meanwhile rather than replaced by "computing" each time.
import type { PromotionView } from '../view/model.ts';
import { formatEtaLine, type LiveEta } from './eta.ts';

export interface ForecastLineOptions {
  /**
   * Forecasts the rest of `promotion`'s rollout from `now`. It must not hold the event loop (the
   * runs go to worker threads): keys and frames go on while it runs.
   */
  run(promotion: string, now: number): Promise<LiveEta>;
  /**
   * The line changed (toggled, a forecast ended): the view draws again, which starts the next
   * forecast if the rollout moved on meanwhile.
   */
  changed(): void;
}

export class ForecastLine {
  readonly #o: ForecastLineOptions;
  #on = false;
  /** The last forecast, for which promotion and which state of it (see forecastKey). */
  #eta: { key: string; line: string } | null = null;
  /** The state a forecast is running for; another is started when it ends if the state moved on. */
  #running: string | null = null;

  constructor(options: ForecastLineOptions) {
    this.#o = options;
  }

  /** `e`: shows or hides the line. */
  toggle(): void {
    this.#on = !this.#on;
    this.#o.changed();
  }

  /** The line for the promotion shown (null while off); starts a forecast when its state moved on. */
  lineFor(model: PromotionView | null, now: number): string | null {
    if (!this.#on || !model) return null;
    const key = forecastKey(model);
    if (this.#eta?.key !== key && this.#running === null) this.#start(model.name, key, now);
    if (this.#eta?.key.startsWith(`${model.name}\u0000`)) {
      // Said first: a long line is cut at the terminal's edge.
      return this.#eta.key === key ? this.#eta.line : this.#eta.line.replace(/^forecast/, 'forecast, updating,');
    }
    return 'forecast: computing…';
  }

  #start(name: string, key: string, now: number): void {
    this.#running = key;
    this.#o
      .run(name, now)
      .then(
        (eta) => {
          this.#eta = { key, line: formatEtaLine(eta) };
        },
        (e: unknown) => {
          this.#eta = { key, line: `forecast: failed (${(e as Error).message})` };
        },
      )
      .finally(() => {
        this.#running = null;
        this.#o.changed();
      });
  }
}

/**
 * What a forecast depends on, as the view shows it: the promotion, its stages' phases and their
 * clusters' progress. The clock moving on alone does not make a new forecast.
 */
export function forecastKey(model: PromotionView): string {
  const stages = model.stages.map((s) => `${s.name}:${s.phase}:${s.progress.provisioned}/${s.progress.total}`);
  return `${model.name}\u0000${model.current ?? '-'}\u0000${stages.join(',')}`;
}
