// `watch` in a terminal without its screen: which promotion is shown, the frames the view draws
// (from the LiveFleet's watches, and once a second for the clock and countdowns), the banner while
// a stream is down, and what `a` and the promotion keys do. Time comes from an injected timer, so
// tests drive it without sleeping; the source is anything shaped like a LiveFleet.
import type { ClockView } from '../view/components/Header.tsx';
import type { PromotionAppProps } from '../view/components/PromotionApp.tsx';
import { overallTone, type Tone } from '../view/glyphs.ts';
import { FrameScheduler, sameView, type FrameTimer } from '../view/frames.ts';
import type { PromotionView } from '../view/model.ts';
import type { TerminalSize } from '../view/terminal.ts';
import { humanDuration } from '../duration.ts';
import { clockTime } from '../view/format.ts';
import type { LiveEta } from './eta.ts';
import { ForecastLine } from './forecast-line.ts';
import type { FleetHealth, LiveFleet } from './fleet.ts';

export type WatchSource = Pick<LiveFleet, 'views' | 'viewOf' | 'health' | 'onChange' | 'serverNow'>;

/** q or Ctrl-C, as the view tells them apart. */
export type QuitHow = Parameters<PromotionAppProps['onQuit']>[0];

export type Notice = NonNullable<PromotionAppProps['notice']>;

export interface WatchTab {
  name: string;
  tone: Tone;
}

/** What the screen shows: PromotionApp's props but its callbacks, and what is around it. */
export interface WatchFrame {
  /** The promotion shown; null when there is none (yet, or any more). */
  model: PromotionView | null;
  /** What to say instead when there is no model. */
  empty: string;
  clock: Extract<ClockView, { mode: 'live' }>;
  /** A stream is down: what the person must know about the data shown. */
  banner: string | null;
  /** Several promotions (watch without NAME): one tab each, the shown one `selected`. */
  tabs: { items: WatchTab[]; selected: number } | null;
  notice: Notice | null;
  /** `e`: the forecast line of the promotion shown (null while the forecast is off). */
  forecast: string | null;
  rows: number;
  columns: number;
}

export interface LiveWatchOptions {
  source: WatchSource;
  /** Watch this promotion only; all of them otherwise. */
  name?: string;
  /** Where the data comes from, for the messages ("context prod"). */
  context: string;
  timer: FrameTimer;
  size: TerminalSize;
  /** Approves `stage` of `promotion` (the person already said yes); resolves to what was done. */
  approve(promotion: string, stage: string): Promise<string>;
  /**
   * Forecasts the rest of `promotion`'s rollout from the server's `now` (`e`). It must not hold the
   * event loop (the runs go to worker threads): keys and frames go on while it runs.
   */
  forecast?(promotion: string, now: number): Promise<LiveEta>;
}

/** Clock ticks: once a second, on the second, which is what the header and countdowns show. */
const TICK_MS = 1000;
const WAITING_FOR_IT = 'waiting for it to come back (q quits)';

/**
 * The order of the tabs: promotions waiting for a person first (the longest wait first), then the
 * rest by name, so that the one someone should look at is where the view opens.
 */
export function watchOrder(views: readonly PromotionView[]): PromotionView[] {
  const waitingSince = (v: PromotionView): number | null => {
    const s = v.stages.find((x) => x.phase === 'AwaitingApproval');
    return s ? (s.times.waitingSince ?? v.now) : null;
  };
  return [...views].sort((a, b) => {
    const wa = waitingSince(a);
    const wb = waitingSince(b);
    if (wa !== null && wb !== null && wa !== wb) return wa - wb;
    if ((wa === null) !== (wb === null)) return wa === null ? 1 : -1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** The banner line for the streams' health; null while they are live and the server answers. */
export function healthBanner(h: FleetHealth, now: number): string | null {
  const since = h.currentAsOf === null ? '' : `; data as of ${clockTime(h.currentAsOf, now)}`;
  if (h.state === 'reconnecting')
    return `reconnecting to the API server (${h.lastError ?? 'the stream ended'})${since}`;
  if (h.silentSince !== null) {
    const silent = humanDuration(Math.max(0, now - h.silentSince));
    return `no answer from the API server for ${silent}${since}; reconnecting when it answers`;
  }
  return null;
}

/** Whether the data shown is not known to be current: then nothing counts down on it. */
export function isStale(h: FleetHealth): boolean {
  return h.state === 'reconnecting' || h.silentSince !== null;
}

export class LiveWatch {
  readonly quitted: Promise<QuitHow>;
  readonly #o: LiveWatchOptions;
  readonly #scheduler: FrameScheduler<WatchFrame>;
  readonly #listeners = new Set<() => void>();
  #resolveQuit!: (how: QuitHow) => void;
  #size: TerminalSize;
  #frame: WatchFrame;
  /** The promotion shown, by name, so that it stays shown when the tabs re-order. */
  #selected: string | null;
  #order: string[] = [];
  #notice: Notice | null = null;
  #tick: unknown = null;
  #offChange: (() => void) | null = null;
  /** `e`, when the view can forecast. */
  readonly forecast: ForecastLine | null;

  constructor(options: LiveWatchOptions) {
    this.#o = options;
    this.#size = options.size;
    this.#selected = options.name ?? null;
    this.quitted = new Promise<QuitHow>((resolve) => (this.#resolveQuit = resolve));
    const run = options.forecast;
    // A forecast that ends draws the next frame, which starts another if the rollout moved on.
    this.forecast = run ? new ForecastLine({ run, changed: () => this.#scheduler.flush() }) : null;
    this.#frame = this.#compute();
    this.#scheduler = new FrameScheduler({
      timer: options.timer,
      compute: () => this.#compute(),
      same: sameFrame,
      draw: (frame) => {
        this.#frame = frame;
        for (const l of [...this.#listeners]) l();
      },
    });
  }

  // ---- what the view reads ------------------------------------------------------------------------------

  readonly getFrame = (): WatchFrame => this.#frame;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  // ---- running -----------------------------------------------------------------------------------------

  /** Follows the source's changes and the clock; the source's streams are the caller's to start. */
  start(): void {
    if (this.#offChange) return;
    this.#offChange = this.#o.source.onChange(() => this.#scheduler.request());
    this.#scheduler.flush();
    this.#scheduleTick();
  }

  stop(): void {
    this.#offChange?.();
    this.#offChange = null;
    if (this.#tick !== null) this.#o.timer.clearTimeout(this.#tick);
    this.#tick = null;
    this.#scheduler.stop();
  }

  // ---- the person's actions -----------------------------------------------------------------------------

  /** Shows the next (+1) or previous (-1) promotion of the tabs, wrapping around. */
  select(delta: 1 | -1): void {
    if (this.#order.length < 2) return;
    const at = Math.max(0, this.#order.indexOf(this.#selected ?? ''));
    this.#selected = this.#order[(at + delta + this.#order.length) % this.#order.length]!;
    // A notice about the promotion left behind would be read as one about this one.
    this.#notice = null;
    this.#scheduler.flush();
  }

  /** `a` then `y` in the view: writes the approval and tells how it went. */
  approve(stage: string): Promise<void> {
    const promotion = this.#frame.model?.name;
    if (!promotion) return Promise.resolve();
    return this.#o.approve(promotion, stage).then(
      (message) => this.#say(message),
      (e: unknown) => this.#say(`not approved: ${(e as Error).message}`),
    );
  }

  quit(how: QuitHow): void {
    this.#resolveQuit(how);
  }

  resize(size: TerminalSize): void {
    this.#size = size;
    this.#scheduler.flush();
  }

  // ---- frames ------------------------------------------------------------------------------------------

  #scheduleTick(): void {
    const timer = this.#o.timer;
    this.#tick = timer.setTimeout(
      () => {
        this.#scheduler.request();
        this.#scheduleTick();
      },
      TICK_MS - (timer.now() % TICK_MS),
    );
  }

  #say(text: string): void {
    this.#notice = { id: (this.#notice?.id ?? 0) + 1, text };
    this.#scheduler.flush();
  }

  #compute(): WatchFrame {
    const o = this.#o;
    // Everything shown is on the server's clock, the data's age included.
    const now = new Date(o.source.serverNow(o.timer.now()));
    const local = o.source.health();
    const onServerClock = (t: number | null) => (t === null ? null : o.source.serverNow(t));
    const health = {
      ...local,
      currentAsOf: onServerClock(local.currentAsOf),
      silentSince: onServerClock(local.silentSince),
    };
    const frame: WatchFrame = {
      model: null,
      empty: '',
      clock: { mode: 'live', receivedAt: health.currentAsOf, stale: isStale(health) },
      banner: healthBanner(health, now.getTime()),
      tabs: null,
      notice: this.#notice,
      forecast: null,
      rows: this.#size.rows,
      columns: this.#size.columns,
    };
    if (o.name !== undefined) {
      frame.model = o.source.viewOf(o.name, now);
      frame.empty = `clusterpromotion ${o.name} is gone from context ${o.context}; ${WAITING_FOR_IT}`;
      frame.forecast = this.forecast?.lineFor(frame.model, now.getTime()) ?? null;
      return frame;
    }
    const views = watchOrder(o.source.views(now).map((v) => v.view));
    this.#order = views.map((v) => v.name);
    if (views.length === 0) {
      frame.empty = `no ClusterPromotion in context ${o.context} yet; waiting for one (q quits)`;
      return frame;
    }
    let at = this.#order.indexOf(this.#selected ?? '');
    if (at < 0) at = 0;
    this.#selected = this.#order[at]!;
    frame.model = views[at]!;
    frame.tabs = { items: views.map((v) => ({ name: v.name, tone: overallTone(v.phase) })), selected: at };
    frame.forecast = this.forecast?.lineFor(frame.model, now.getTime()) ?? null;
    return frame;
  }
}

function sameFrame(a: WatchFrame, b: WatchFrame): boolean {
  if (a.rows !== b.rows || a.columns !== b.columns || a.notice?.id !== b.notice?.id) return false;
  if (a.forecast !== b.forecast) return false;
  if (a.banner !== b.banner || a.empty !== b.empty || a.clock.stale !== b.clock.stale) return false;
  // The header shows the data's age to the second.
  const age = (f: WatchFrame) =>
    f.clock.receivedAt === null || !f.model ? null : Math.floor((f.model.now - f.clock.receivedAt) / 1000);
  if (age(a) !== age(b)) return false;
  if (JSON.stringify(a.tabs) !== JSON.stringify(b.tabs)) return false;
  if (a.model === null || b.model === null) return a.model === b.model;
  return sameView(a.model, b.model);
}
