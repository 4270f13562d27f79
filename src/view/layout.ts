// Which rows a frame shows. The terminal's height is a hard limit: the stages always get a row
// each, then the expanded stages share what is left for their clusters (a long list scrolls around
// the cursor), and if even the stage rows do not fit, they scroll around the selected stage.
// Pure: the components only draw the rows planned here, so height is decided in one place.
import type { PromotionView, StageView } from './model.ts';

export interface UiState {
  /** Selected stage; null follows the current stage as the rollout moves. */
  selected: number | null;
  /** Explicit expand/collapse choices by stage name; otherwise only the current stage is open. */
  expanded: Readonly<Record<string, boolean>>;
  /** Cluster cursor in the selected stage, by key so that it stays put when the list re-sorts. */
  clusterKey: string | null;
  help: boolean;
  /** Lines the help is scrolled down by, when it is taller than the terminal. */
  helpScroll: number;
  /** A stage waiting for y/n before it is approved. */
  confirm: string | null;
  /** A one-line notice shown in place of the key help until the next key. */
  flash: string | null;
}

export const INITIAL_UI: UiState = {
  selected: null,
  expanded: {},
  clusterKey: null,
  help: false,
  helpScroll: 0,
  confirm: null,
  flash: null,
};

export type BodyRow =
  | { kind: 'stage'; stage: number; selected: boolean; expanded: boolean }
  | { kind: 'message'; stage: number; text: string; last: boolean }
  | { kind: 'cluster'; stage: number; cluster: number; last: boolean; cursor: boolean }
  | {
      kind: 'more';
      stage: number;
      direction: 'up' | 'down';
      count: number;
      last: boolean;
      /** Printed once (get), there is no key to scroll with: the row only counts. */
      printed?: boolean;
    }
  | { kind: 'failing'; stage: number }
  | { kind: 'stagesMore'; direction: 'up' | 'down'; count: number };

export interface FramePlan {
  headerRows: number;
  body: BodyRow[];
  /** Rows the body may use; the body never has more. */
  bodyRows: number;
}

export function selectedStage(model: PromotionView, ui: UiState): number {
  const last = Math.max(0, model.stageCount - 1);
  return Math.min(last, Math.max(0, ui.selected ?? model.current ?? 0));
}

export function isExpanded(model: PromotionView, ui: UiState, index: number): boolean {
  const stage = model.stages[index];
  if (!stage) return false;
  return ui.expanded[stage.name] ?? index === model.current;
}

/** Index of the cluster cursor in the selected stage's list (0 when unset or gone). */
export function clusterCursor(stage: StageView | undefined, ui: UiState): number {
  if (!stage || ui.clusterKey === null) return 0;
  const i = stage.clusters.findIndex((c) => c.key === ui.clusterKey);
  return Math.max(i, 0);
}

/** The message row an expanded stage shows above its clusters, if any. */
function stageMessage(stage: StageView): string | null {
  if (stage.clusters.length === 0) return 'no cluster matches the stage selector';
  if (stage.phase === 'Failed' && stage.failureMessage && stage.progress.failing === 0) return stage.failureMessage;
  return null;
}

export function planFrame(model: PromotionView, ui: UiState, rows: number): FramePlan {
  const headerRows = model.note ? 3 : 2;
  const footerRows = 1;
  const bodyRows = Math.max(0, rows - headerRows - footerRows);
  if (ui.help) return { headerRows, body: [], bodyRows };

  const selected = selectedStage(model, ui);
  const open = model.stages.map((_, i) => isExpanded(model, ui, i));
  let fixed = 0;
  for (const [i, s] of model.stages.entries()) {
    fixed += 1;
    if (open[i]) fixed += stageMessage(s) ? 1 : 0;
    else if (s.progress.failing > 0) fixed += 1;
  }
  const alloc = share(
    model.stages.flatMap((s, i) => (open[i] ? [{ index: i, need: s.clusters.length }] : [])),
    bodyRows - fixed,
    selected,
  );

  const body: BodyRow[] = [];
  let selectedRow = 0;
  for (const [i, s] of model.stages.entries()) {
    if (i === selected) selectedRow = body.length;
    body.push({ kind: 'stage', stage: i, selected: i === selected, expanded: open[i]! });
    if (!open[i]) {
      if (s.progress.failing > 0) body.push({ kind: 'failing', stage: i });
      continue;
    }
    const cursor = i === selected ? clusterCursor(s, ui) : 0;
    const w = clusterWindow(s.clusters.length, alloc.get(i) ?? 0, cursor);
    const message = stageMessage(s);
    const last = w.end === w.start && w.above === 0 && w.below === 0;
    if (message) body.push({ kind: 'message', stage: i, text: message, last });
    if (w.above > 0) body.push({ kind: 'more', stage: i, direction: 'up', count: w.above, last: false });
    for (let c = w.start; c < w.end; c++) {
      body.push({
        kind: 'cluster',
        stage: i,
        cluster: c,
        last: c === w.end - 1 && w.below === 0,
        cursor: i === selected && c === cursor,
      });
    }
    if (w.below > 0) body.push({ kind: 'more', stage: i, direction: 'down', count: w.below, last: true });
  }
  return { headerRows, body: scrollStages(body, bodyRows, selectedRow), bodyRows };
}

/**
 * Splits `rows` among the expanded stages so that small lists are shown whole and the rest share
 * equally; rows left over by the rounding go to the selected stage first.
 */
function share(wants: { index: number; need: number }[], rows: number, selected: number): Map<number, number> {
  const out = new Map<number, number>();
  let left = Math.max(0, rows);
  const pending = [...wants].sort((a, b) => a.need - b.need);
  while (pending.length > 0) {
    const each = Math.floor(left / pending.length);
    if (pending[0]!.need <= each) {
      const w = pending.shift()!;
      out.set(w.index, w.need);
      left -= w.need;
      continue;
    }
    let extra = left - each * pending.length;
    const order = [...pending].sort((a, b) =>
      a.index === selected ? -1 : b.index === selected ? 1 : a.index - b.index,
    );
    for (const w of order) {
      out.set(w.index, each + (extra > 0 ? 1 : 0));
      if (extra > 0) extra--;
    }
    break;
  }
  return out;
}

/**
 * Which of `count` clusters fit in `rows` rows, keeping the cursor in view; a row at either end
 * says how many more there are when the list is cut there.
 */
export function clusterWindow(
  count: number,
  rows: number,
  cursor: number,
): { start: number; end: number; above: number; below: number } {
  if (count <= rows) return { start: 0, end: count, above: 0, below: 0 };
  if (rows <= 0) return { start: 0, end: 0, above: 0, below: 0 };
  if (rows === 1) return { start: 0, end: 0, above: 0, below: count };
  const at = Math.min(Math.max(0, cursor), count - 1);
  let visible = Math.max(1, rows - 2);
  let start = Math.min(Math.max(0, at - Math.floor(visible / 2)), count - visible);
  if (start === 0) {
    visible = rows - 1;
  } else if (start + visible >= count) {
    visible = rows - 1;
    start = count - visible;
  }
  const end = start + visible;
  return { start, end, above: start, below: count - end };
}

/** Cuts the body to `rows`, keeping the selected stage (and what follows it) in view. */
function scrollStages(body: BodyRow[], rows: number, selectedRow: number): BodyRow[] {
  if (body.length <= rows) return body;
  if (rows <= 0) return [];
  const clamp = (n: number) => Math.min(Math.max(0, n), body.length - rows);
  if (rows < 3) return body.slice(clamp(selectedRow), clamp(selectedRow) + rows);
  // A row at each cut end says how many stages it hides; the top one must not cover the selection.
  let start = clamp(selectedRow - Math.floor(rows / 3));
  if (start > 0 && start >= selectedRow) start = selectedRow - 1;
  const end = start + rows;
  const out = body.slice(start, end);
  const stagesIn = (part: BodyRow[]) => part.filter((r) => r.kind === 'stage').length;
  if (start > 0) out[0] = { kind: 'stagesMore', direction: 'up', count: stagesIn(body.slice(0, start + 1)) };
  if (end < body.length)
    out[out.length - 1] = { kind: 'stagesMore', direction: 'down', count: stagesIn(body.slice(end - 1)) };
  return out;
}
