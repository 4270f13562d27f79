// Following promotions as they change, for the commands that print lines rather than draw a view:
// `list -w` (a row again when it changes), `watch` without a terminal and `status` (a line per
// transition). Changes arrive in bursts (one watch event per object): they are coalesced, and every
// burst is judged on the views as they stand after it.
import type { ClusterPromotion } from '../api/types.ts';
import type { Timers } from '../kube/informer.ts';
import type { PromotionView } from '../view/model.ts';
import type { FleetHealth, LiveFleet } from './fleet.ts';
import { formatObjects } from './output.ts';
import { fullTime } from '../view/format.ts';
import { columnWidths, formatTable, tableLine } from '../text-table.ts';
import { listRow, rowCells, rowIdentity } from './rows.ts';
import { formatTransition, transitions } from './transitions.ts';

export interface FollowOptions {
  timers: Timers;
  /** Ends the following (Ctrl-C, or the caller is done). */
  signal: AbortSignal;
  write(text: string): void;
  /** Notes about the connection ("reconnecting ..."), for stderr. */
  note(text: string): void;
}

/**
 * Calls `onBurst` after the first sync and after every burst of changes, until the signal fires or
 * `onBurst` returns true; notes when the streams go down and come back. Rejects with the first
 * list's failure (a missing CRD, RBAC) as a LiveError.
 */
export async function follow(fleet: LiveFleet, o: FollowOptions, onBurst: () => boolean | undefined): Promise<void> {
  if (o.signal.aborted) return;
  fleet.start();
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const stopOnAbort = () => finish();
  o.signal.addEventListener('abort', stopOnAbort, { once: true });
  let offChange: (() => void) | null = null;
  let failure: { error: unknown } | null = null;
  try {
    await Promise.race([fleet.whenSynced(), done]);
    if (o.signal.aborted) return;
    if (onBurst() === true) return;
    let queued = false;
    let lastState: FleetHealth['state'] = 'live';
    let wasSilent = false;
    offChange = fleet.onChange(() => {
      const h = fleet.health();
      if ((h.silentSince !== null) !== wasSilent) {
        wasSilent = h.silentSince !== null;
        if (h.silentSince !== null) {
          const since = fullTime(fleet.serverNow(h.silentSince));
          o.note(`no answer from the API server since ${since}; the data may be stale until it answers`);
        } else o.note('the API server answers again');
      }
      if (h.state !== lastState) {
        if (h.state === 'reconnecting')
          o.note(`connection to the API server lost (${h.lastError ?? 'stream ended'}); reconnecting`);
        if (h.state === 'live' && lastState === 'reconnecting') o.note('reconnected to the API server');
        lastState = h.state;
      }
      // A stream that has not listed what it now follows (a scoped fleet's summaries, re-selected
      // as a stage is added or reached) would show that stage without its clusters: the burst is
      // judged once its list is in (its arrival is a change too).
      if (queued || h.state === 'connecting') return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        if (fleet.health().state === 'connecting') return;
        try {
          if (onBurst() === true) finish();
        } catch (e) {
          failure = { error: e };
          finish();
        }
      });
    });
    await done;
    if (failure) throw (failure as { error: unknown }).error;
  } finally {
    offChange?.();
    o.signal.removeEventListener('abort', stopOnAbort);
    fleet.stop();
  }
}

export interface FleetWatchOptions extends FollowOptions {
  format: 'table' | 'wide' | 'json' | 'yaml' | 'name';
  header: readonly string[];
  /** false: `--no-headers`, the rows alone. */
  withHeader?: boolean;
}

/** `list -w`: the table, then each row again whenever what it says changes. */
export async function watchFleet(fleet: LiveFleet, o: FleetWatchOptions): Promise<void> {
  if (o.format === 'json' || o.format === 'yaml' || o.format === 'name') {
    const format = o.format;
    const printed = new Map<string, ClusterPromotion>();
    await follow(fleet, o, () => {
      const seen = new Set<string>();
      for (const p of fleet.promotions.store.values()) {
        seen.add(p.metadata.name);
        if (printed.get(p.metadata.name)?.metadata.resourceVersion === p.metadata.resourceVersion) continue;
        printed.set(p.metadata.name, p);
        o.write(formatObjects([p], format, true));
      }
      for (const [gone, p] of printed) {
        if (seen.has(gone)) continue;
        printed.delete(gone);
        o.write(formatObjects([p], format, true));
      }
    });
    return;
  }
  const wide = o.format === 'wide';
  const printed = new Map<string, { id: string; cells: string[] }>();
  let widths: number[] | null = null;
  await follow(fleet, o, () => {
    const now = new Date(fleet.serverNow(o.timers.now()));
    const rows = fleet.views(now).map(({ promotion, view }) => listRow(promotion, view));
    if (widths === null) {
      const cells = rows.map((r) => rowCells(r, wide));
      const table = formatTable(o.header, cells, undefined, o.withHeader ?? true);
      widths = columnWidths(o.header, cells);
      o.write(table);
      for (const [i, r] of rows.entries()) printed.set(r.name, { id: rowIdentity(r), cells: cells[i]! });
      return;
    }
    const seen = new Set<string>();
    for (const r of rows) {
      seen.add(r.name);
      const id = rowIdentity(r);
      if (printed.get(r.name)?.id === id) continue;
      const cells = rowCells(r, wide);
      printed.set(r.name, { id, cells });
      o.write(tableLine(cells, widths));
    }
    // A promotion deleted: its last row once more, as kubectl get -w prints a deleted object.
    for (const [gone, { cells }] of printed) {
      if (seen.has(gone)) continue;
      printed.delete(gone);
      o.write(tableLine(cells, widths));
    }
  });
}

/** One timestamped line per stage phase change of one promotion (or of all), until stopped. */
export async function printTransitions(
  fleet: LiveFleet,
  o: FollowOptions,
  name?: string,
  stopWhen?: (view: PromotionView) => boolean,
): Promise<void> {
  const last = new Map<string, PromotionView>();
  await follow(fleet, o, () => {
    const now = new Date(fleet.serverNow(o.timers.now()));
    const views =
      name === undefined ? fleet.views(now).map((v) => v.view) : [fleet.viewOf(name, now)].filter((v) => v !== null);
    const seen = new Set<string>();
    for (const view of views) {
      seen.add(view.name);
      for (const t of transitions(last.get(view.name) ?? null, view))
        o.write(`${formatTransition(t, now.getTime())}\n`);
      last.set(view.name, view);
      if (stopWhen?.(view)) return true;
    }
    for (const [gone, view] of last) {
      if (seen.has(gone)) continue;
      for (const t of transitions(view, null)) o.write(`${formatTransition(t, now.getTime())}\n`);
      last.delete(gone);
    }
    return false;
  });
}
