// The terminal view's header and stage tree, drawn once as text: `get NAME` prints what `watch NAME`
// would show, without the keys line or the cursor, tall enough for every stage and a screenful of
// clusters.
import { renderToString } from 'ink';
import { Header, type ClockView } from '../view/components/Header.tsx';
import { ThemeContext } from '../view/components/Line.tsx';
import { StageTree } from '../view/components/StageTree.tsx';
import { ASCII_GLYPHS, UNICODE_GLYPHS } from '../view/glyphs.ts';
import { type BodyRow, INITIAL_UI, planFrame } from '../view/layout.ts';
import type { PromotionView } from '../view/model.ts';

export interface TreeOptions {
  columns: number;
  color: boolean;
  unicode: boolean;
  /** When the data was received from the API server (epoch ms). */
  receivedAt: number;
  /** Clusters shown under the expanded stage at most (the rest are counted). */
  clusterRows?: number;
}

export function renderTree(view: PromotionView, o: TreeOptions): string {
  const clock: ClockView = { mode: 'live', receivedAt: o.receivedAt };
  const header = view.note ? 3 : 2;
  const rows = header + view.stageCount * 2 + (o.clusterRows ?? 20);
  const plan = planFrame(view, INITIAL_UI, rows + 1);
  // Printed once, nothing is selected: no cursor, no key hint such as "(a to approve)".
  const body = plan.body.map((row): BodyRow => {
    if (row.kind === 'stage') return { ...row, selected: false };
    if (row.kind === 'cluster') return { ...row, cursor: false };
    if (row.kind === 'more') return { ...row, printed: true };
    return row;
  });
  const text = renderToString(
    <ThemeContext.Provider
      value={{ color: o.color, glyphs: o.unicode ? UNICODE_GLYPHS : ASCII_GLYPHS, columns: o.columns }}
    >
      <Header model={view} clock={clock} rows={header} />
      <StageTree model={view} rows={body} />
    </ThemeContext.Provider>,
    { columns: o.columns },
  );
  return `${text.replace(/\s+$/, '')}\n`;
}
