// The stages as a tree: one row per stage (glyph, name, phase, progress bar, what it waits for),
// and under an expanded stage its clusters, failing ones first with their messages.
import { CLUSTER_LABEL, PHASE_LABEL, PHASE_LABEL_WIDTH, count, pad, stageDetail } from '../format.ts';
import { clusterTone, stageTone, type Glyphs } from '../glyphs.ts';
import type { BodyRow } from '../layout.ts';
import type { PromotionView, StageView } from '../model.ts';
import { Line, useTheme, type Seg } from './Line.tsx';

const NAME_WIDTH_MAX = 24;
const KEY_WIDTH_MAX = 40;

/** `stale`: the data is not known current, so stage details count nothing down (format.ts). */
export function StageTree({
  model,
  rows,
  stale = false,
}: {
  model: PromotionView;
  rows: readonly BodyRow[];
  stale?: boolean;
}) {
  const { glyphs, columns } = useTheme();
  const nameWidth = Math.min(NAME_WIDTH_MAX, Math.max(0, ...model.stages.map((s) => s.name.length)));
  const countWidth = Math.max(0, ...model.stages.map((s) => progressText(s).length));
  const barWidth = columns >= 120 ? 20 : 10;
  // Cluster keys line up within what is on screen, not across thousands of clusters.
  const keyWidth = Math.min(
    KEY_WIDTH_MAX,
    Math.max(
      0,
      ...rows.map((r) => (r.kind === 'cluster' ? model.stages[r.stage]!.clusters[r.cluster]!.key.length : 0)),
    ),
  );
  return (
    <>
      {rows.map((row) => {
        const segs = rowSegs(row, model, glyphs, { nameWidth, countWidth, barWidth, keyWidth }, stale);
        return <Line key={rowKey(row)} segs={segs} />;
      })}
    </>
  );
}

interface Widths {
  nameWidth: number;
  countWidth: number;
  barWidth: number;
  keyWidth: number;
}

function rowKey(row: BodyRow): string {
  switch (row.kind) {
    case 'stage':
    case 'failing':
      return `${row.kind}-${row.stage}`;
    case 'message':
      return `message-${row.stage}`;
    case 'cluster':
      return `cluster-${row.stage}-${row.cluster}`;
    case 'more':
      return `more-${row.stage}-${row.direction}`;
    case 'stagesMore':
      return `stages-${row.direction}`;
  }
}

function progressText(s: StageView): string {
  return `${count(s.progress.provisioned)}/${count(s.progress.total)}`;
}

export function rowSegs(row: BodyRow, model: PromotionView, g: Glyphs, w: Widths, stale = false): Seg[] {
  switch (row.kind) {
    case 'stage':
      return stageSegs(model.stages[row.stage]!, row.selected, model.now, g, w, stale);
    case 'cluster': {
      const c = model.stages[row.stage]!.clusters[row.cluster]!;
      const tone = clusterTone(c.state);
      const segs: Seg[] = [
        { text: `  ${row.cursor ? g.cursor : ' '} ${row.last ? g.lastBranch : g.branch} ` },
        { text: g.tone[tone], tone },
        { text: ` ${pad(c.key, w.keyWidth)}  `, ...(row.cursor ? { bold: true } : {}) },
        { text: pad(CLUSTER_LABEL[c.state], 12), tone },
      ];
      if (c.message) segs.push({ text: `  ${c.message}`, tone: 'failed' });
      else if (!c.ready) segs.push({ text: '  cluster not ready', dim: true });
      return segs;
    }
    case 'more':
      return [
        { text: `    ${row.last ? g.lastBranch : g.branch} ` },
        {
          text:
            `${row.direction === 'up' ? g.up : g.down} ${count(row.count)} more ` +
            `cluster${row.count === 1 ? '' : 's'}${row.printed ? '' : ' (j/k)'}`,
          dim: true,
        },
      ];
    case 'failing': {
      const s = model.stages[row.stage]!;
      const first = s.clusters.find((c) => c.state === 'Failed');
      return [
        { text: `    ${g.lastBranch} ` },
        { text: g.tone.failed, tone: 'failed' },
        {
          text: ` ${count(s.progress.failing)} failing${first ? `: ${first.key} ${first.message ?? ''}` : ''}`,
          tone: 'failed',
        },
      ];
    }
    case 'message': {
      const s = model.stages[row.stage]!;
      return [
        { text: `    ${row.last ? g.lastBranch : g.branch} ` },
        { text: row.text, ...(s.phase === 'Failed' ? { tone: 'failed' as const } : { dim: true }) },
      ];
    }
    case 'stagesMore': {
      const more = row.count > 0 ? `${count(row.count)} more stage${row.count === 1 ? '' : 's'}` : 'more';
      return [{ text: `  ${row.direction === 'up' ? g.up : g.down} ${more}`, dim: true }];
    }
  }
}

function stageSegs(s: StageView, selected: boolean, now: number, g: Glyphs, w: Widths, stale: boolean): Seg[] {
  const tone = stageTone(s.phase);
  const { provisioned, total } = s.progress;
  const filled = total === 0 ? 0 : Math.round((provisioned / total) * w.barWidth);
  const detail = stageDetail(s, now, stale);
  const hint = s.phase === 'AwaitingApproval' && selected ? ' (a to approve)' : '';
  return [
    { text: selected ? g.cursor : ' ' },
    { text: ' ' },
    { text: g.tone[tone], tone },
    { text: ` ${pad(s.name, w.nameWidth)}  `, ...(selected ? { bold: true } : {}) },
    { text: pad(PHASE_LABEL[s.phase], PHASE_LABEL_WIDTH), tone },
    { text: '  ' },
    {
      text: g.barFull.repeat(filled),
      tone: s.progress.failing > 0 ? 'failed' : tone === 'notStarted' ? 'progressing' : tone,
    },
    { text: g.barEmpty.repeat(w.barWidth - filled), dim: true },
    { text: ` ${pad(progressText(s), w.countWidth)}` },
    ...(detail ? [{ text: `  ${detail}${hint}`, ...(s.phase === 'Failed' ? { tone: 'failed' as const } : {}) }] : []),
  ];
}
