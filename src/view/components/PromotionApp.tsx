// The whole view: header, stage tree, key line; and the keys. Everything it shows comes from the
// props (the model, the clock, the terminal size); what it does goes out through callbacks, so the
// same view serves the simulation and a live cluster.
import { useEffect, useRef, useState } from 'react';
import { Box } from 'ink';
import { ASCII_GLYPHS, UNICODE_GLYPHS } from '../glyphs.ts';
import { helpLines, maxHelpScroll } from '../help.ts';
import { INITIAL_UI, clusterCursor, isExpanded, planFrame, selectedStage, type UiState } from '../layout.ts';
import type { PromotionView } from '../model.ts';
import { Header, type ClockView } from './Header.tsx';
import { Footer, HelpOverlay } from './Help.tsx';
import { ThemeContext, type Theme } from './Line.tsx';
import { StageTree } from './StageTree.tsx';
import { useKeys } from './useKeys.ts';

/** What only a simulation can do. */
export interface SimulationControls {
  onTogglePause(): void;
  /** +1 faster, -1 slower; the caller picks the steps. */
  onSpeed(direction: 1 | -1): void;
  /** Makes the cluster's next deploy attempt fail (`namespace/name`). */
  onFailNext(clusterKey: string): void;
}

export interface PromotionAppProps {
  model: PromotionView;
  clock: ClockView;
  /** Terminal size: the frame is never taller than `rows` nor wider than `columns`. */
  rows: number;
  columns: number;
  color: boolean;
  unicode: boolean;
  /** Called after the person confirmed with `y`. */
  onApprove(stage: string): void;
  /** `quit` for q, `interrupt` for Ctrl-C (a command exits 130 then). */
  onQuit(how: 'quit' | 'interrupt'): void;
  simulation?: SimulationControls;
  /** `e` shows or hides a forecast (a view that has one: watch, simulate). */
  onToggleForecast?(): void;
  /**
   * Something the caller has to say (e.g. a refused approval): shown like the answer to a key,
   * until the next key. A new `id` shows it again, even with the same text.
   */
  notice?: { id: number; text: string } | null;
  /** Start with the help overlay open (for the help's golden frame). */
  initialUi?: Partial<UiState>;
}

export function PromotionApp(props: PromotionAppProps) {
  const { model, rows, columns } = props;
  const [ui, setUi] = useState<UiState>({ ...INITIAL_UI, ...props.initialUi });
  // Keys can arrive faster than React re-renders; each key must see the state the previous left.
  const uiRef = useRef(ui);
  uiRef.current = ui;
  const update = (next: UiState) => {
    uiRef.current = next;
    setUi(next);
  };

  const plan = planFrame(model, ui, rows);
  const theme: Theme = { color: props.color, glyphs: props.unicode ? UNICODE_GLYPHS : ASCII_GLYPHS, columns };
  const simulated = props.simulation !== undefined;
  const forecast = props.onToggleForecast !== undefined;

  const notice = props.notice;
  // A notice is shown once per id: a new text with the same id is not a new notice.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the notice id alone
  useEffect(() => {
    if (notice) update({ ...uiRef.current, flash: notice.text });
  }, [notice?.id]);

  useKeys((input, key) => {
    const cur = uiRef.current;
    if (key.ctrl && input === 'c') return props.onQuit('interrupt');
    if (cur.confirm) {
      if (input === 'y' || input === 'Y') {
        props.onApprove(cur.confirm);
        return update({ ...cur, confirm: null, flash: `approval sent for stage ${cur.confirm}` });
      }
      return update({ ...cur, confirm: null, flash: 'approval cancelled' });
    }
    const ui = cur.flash ? { ...cur, flash: null } : cur;
    if (ui.help) {
      if (input === 'q') return props.onQuit('quit');
      if (input === '?' || key.escape) return update({ ...ui, help: false, helpScroll: 0 });
      const last = maxHelpScroll(helpLines(theme.glyphs, simulated, columns, forecast).length, plan.bodyRows);
      const page = Math.max(1, plan.bodyRows - 2);
      const by = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : 0;
      const paged = key.pageDown ? page : key.pageUp ? -page : by;
      return update({ ...ui, helpScroll: Math.min(last, Math.max(0, ui.helpScroll + paged)) });
    }
    const sel = selectedStage(model, ui);
    const stage = model.stages[sel];
    const moveCluster = (delta: number) => {
      if (!stage || stage.clusters.length === 0) return update(ui);
      const at = Math.min(stage.clusters.length - 1, Math.max(0, clusterCursor(stage, ui) + delta));
      update({ ...ui, expanded: { ...ui.expanded, [stage.name]: true }, clusterKey: stage.clusters[at]!.key });
    };
    const page = Math.max(1, plan.bodyRows - model.stageCount - 2);

    if (key.upArrow) return update({ ...ui, selected: Math.max(0, sel - 1), clusterKey: null });
    if (key.downArrow) return update({ ...ui, selected: Math.min(model.stageCount - 1, sel + 1), clusterKey: null });
    if (key.return && stage)
      return update({ ...ui, expanded: { ...ui.expanded, [stage.name]: !isExpanded(model, ui, sel) } });
    if (input === 'j') return moveCluster(1);
    if (input === 'k') return moveCluster(-1);
    if (key.pageDown) return moveCluster(page);
    if (key.pageUp) return moveCluster(-page);
    if (input === '?') return update({ ...ui, help: true, helpScroll: 0 });
    if (input === 'q') return props.onQuit('quit');
    if (input === 'a' && stage) return update(approveRequest(ui, stage));
    if (input === 'e' && props.onToggleForecast) {
      props.onToggleForecast();
      return update(ui);
    }
    const sim = props.simulation;
    if (sim && input === ' ') {
      sim.onTogglePause();
      return update(ui);
    }
    if (sim && (input === '+' || input === '=')) {
      sim.onSpeed(1);
      return update(ui);
    }
    if (sim && (input === '-' || input === '_')) {
      sim.onSpeed(-1);
      return update(ui);
    }
    if (sim && input === 'f' && stage) {
      const cluster = isExpanded(model, ui, sel) ? stage.clusters[clusterCursor(stage, ui)] : undefined;
      if (!cluster) return update({ ...ui, flash: 'pick a cluster first: expand a stage (enter) and move with j/k' });
      sim.onFailNext(cluster.key);
      return update({ ...ui, clusterKey: cluster.key, flash: `the next deploy attempt on ${cluster.key} will fail` });
    }
    if (ui !== cur) update(ui);
  });

  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={columns}>
        <Header model={model} clock={props.clock} rows={rows} />
        {ui.help ? (
          <HelpOverlay rows={plan.bodyRows} simulated={simulated} scroll={ui.helpScroll} forecast={forecast} />
        ) : (
          <StageTree model={model} rows={plan.body} stale={props.clock.mode === 'live' && props.clock.stale === true} />
        )}
        {rows > plan.headerRows ? (
          <Footer confirm={ui.confirm} flash={ui.flash} simulated={simulated} forecast={forecast} />
        ) : null}
      </Box>
    </ThemeContext.Provider>
  );
}

function approveRequest(ui: UiState, stage: PromotionView['stages'][number]): UiState {
  if (stage.trigger !== 'manual') return { ...ui, flash: `stage ${stage.name} has no manual gate to approve` };
  if (stage.phase === 'Promoted' || stage.phase === 'Completed')
    return { ...ui, flash: `stage ${stage.name} has already passed its gate` };
  if (stage.approved) return { ...ui, flash: `stage ${stage.name} is already approved` };
  return { ...ui, confirm: stage.name };
}
