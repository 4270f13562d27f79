// `simulate --runs N -o html`: one self-contained page (inline CSS and SVG, no script, nothing
// fetched) for a change manager: the summary, a Gantt chart of the stages, the histogram of
// completion times and the cumulative probability of having completed, with the deadline on both.
import { humanDuration } from '../../../src/duration.ts';
import { fullTime } from '../../../src/view/format.ts';
import { rfc3339 } from '../../../src/rfc3339.ts';
import { GATE_KINDS, type GateKind } from '../figures.ts';
import { OUTCOMES, type Forecast } from '../reduce.ts';
import { percent } from './text.ts';
import { timeAxis, type TimeAxis } from './scale.ts';

const GATE_COLOUR: Record<GateKind, string> = {
  deploy: '#3b82f6',
  soak: '#14b8a6',
  checks: '#a855f7',
  window: '#f59e0b',
  approval: '#ef4444',
};

const CSS = `
:root { color-scheme: light dark; --fg: #1f2933; --muted: #6b7280; --grid: #e5e7eb; --bg: #ffffff;
  --range: #bfdbfe; --likely: #2563eb; --done: #16a34a; --deadline: #dc2626; }
@media (prefers-color-scheme: dark) { :root { --fg: #e5e7eb; --muted: #9ca3af; --grid: #374151; --bg: #111827;
  --range: #1e3a8a; --likely: #60a5fa; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  margin: 2rem auto; max-width: 960px; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.muted { color: var(--muted); } .big { font-size: 1.25rem; font-weight: 600; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.card { border: 1px solid var(--grid); border-radius: 8px; padding: .6rem .9rem; min-width: 10rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--grid); }
th { font-weight: 600; color: var(--muted); }
svg { width: 100%; height: auto; display: block; } svg text { fill: var(--fg); font-size: 12px; }
svg .grid { stroke: var(--grid); } svg .axis { fill: var(--muted); }
svg .range { fill: var(--range); } svg .likely { fill: var(--likely); }
svg .median { stroke: var(--fg); stroke-width: 2; }
svg .done { fill: var(--done); } svg .curve { fill: none; stroke: var(--likely); stroke-width: 2; }
svg .deadline { stroke: var(--deadline); stroke-width: 2; stroke-dasharray: 6 4; }
svg .deadline-label { fill: var(--deadline); }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .3em;
  vertical-align: -1px; }
`;

export function formatForecastHtml(f: Forecast): string {
  const title = `Forecast of ${f.promotion}`;
  const c = f.completion;
  const cards = [
    card(
      'Completed',
      percent(f.outcomes.Completed),
      OUTCOMES.filter((o) => o !== 'Completed' && f.outcomes[o] > 0)
        .map((o) => `${o} ${percent(f.outcomes[o])}`)
        .join(', ') || 'of all runs',
    ),
    card(
      'Median completion',
      c.p50 === null ? 'none' : `+${humanDuration(c.p50)}`,
      c.p50 === null ? '' : fullTime(f.startedAt + c.p50),
    ),
    card(
      'P90 completion',
      c.p90 === null ? 'none' : `+${humanDuration(c.p90)}`,
      c.p90 === null ? '' : fullTime(f.startedAt + c.p90),
    ),
  ];
  if (f.deadline) cards.push(card('By the deadline', percent(f.deadline.probability), fullTime(f.deadline.at)));
  const stageRows = f.stages
    .map(
      (s) =>
        `<tr><td>${esc(s.name)}</td><td>${percent(f.runs === 0 ? 0 : s.reached / f.runs)}</td>` +
        `<td>${at(s.deployStarted.p50)}</td><td>${at(s.promoted.p10)}</td><td>${at(s.promoted.p50)}</td>` +
        `<td>${at(s.promoted.p90)}</td>` +
        GATE_KINDS.map((g) => `<td>${s.waiting[g] > 0 ? humanDuration(s.waiting[g]) : '–'}</td>`).join('') +
        '</tr>',
    )
    .join('\n');
  const legend = GATE_KINDS.map(
    (g) => `<span><span class="swatch" style="background:${GATE_COLOUR[g]}"></span>${g}</span>`,
  ).join(' ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="muted">${f.runs} rehearsals (seed ${f.seed}) from ${rfc3339(f.startedAt)}. A forecast, not a promise:
times are from the start, percentiles over the runs that reached each point.</p>
<div class="cards">${cards.join('')}</div>
<h2>Stages</h2>
${ganttSvg(f)}
<p class="muted">Bars: light from the earliest start (P10) to the latest promotion (P90), dark from the median
start to the median promotion (marked); the last row is completion.</p>
<h2>Where the time goes</h2>
${waitingSvg(f)}
<p class="muted">${legend}: mean time a run spent in each kind of gate.</p>
<table>
<thead><tr><th>Stage</th><th>Reached</th><th>Starts P50</th><th>Promoted P10</th><th>P50</th><th>P90</th>
${GATE_KINDS.map((g) => `<th>${g}</th>`).join('')}</tr></thead>
<tbody>
${stageRows}
</tbody>
</table>
<h2>When it completes</h2>
${histogramSvg(f)}
<h2>Chance of having completed by</h2>
${cumulativeSvg(f)}
</body>
</html>
`;
}

const W = 900;
const LEFT = 130;
const RIGHT = 20;
const PLOT = W - LEFT - RIGHT;

function ganttSvg(f: Forecast): string {
  const axis = timeAxis(f, 10);
  const rowH = 28;
  const rows = [...f.stages.map((s) => ({ name: s.name, start: s.deployStarted, end: s.promoted })), null];
  const top = 10;
  const h = top + rows.length * rowH + 30;
  const x = scaleX(axis);
  const parts: string[] = [grid(axis, top, top + rows.length * rowH, x)];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const label = r ? r.name : 'completion';
    parts.push(`<text x="${LEFT - 10}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(label)}</text>`);
    if (r) {
      if (r.start.p10 === null) return;
      const end = r.end.p90 ?? axis.endMs;
      parts.push(
        rect(
          x(r.start.p10),
          y + 6,
          x(end) - x(r.start.p10),
          rowH - 12,
          'range',
          `P10 start +${humanDuration(r.start.p10)}, P90 promoted ${at(r.end.p90)}`,
        ),
      );
      if (r.start.p50 !== null && r.end.p50 !== null) {
        parts.push(
          rect(
            x(r.start.p50),
            y + 9,
            x(r.end.p50) - x(r.start.p50),
            rowH - 18,
            'likely',
            `median +${humanDuration(r.start.p50)} to +${humanDuration(r.end.p50)}`,
          ),
        );
        parts.push(
          `<line class="median" x1="${x(r.end.p50)}" x2="${x(r.end.p50)}" y1="${y + 3}" y2="${y + rowH - 3}"/>`,
        );
      }
    } else {
      const c = f.completion;
      if (c.p10 === null || c.p50 === null || c.p90 === null) return;
      parts.push(
        rect(
          x(c.p10),
          y + 9,
          x(c.p90) - x(c.p10),
          rowH - 18,
          'done',
          `completion P10 +${humanDuration(c.p10)} to P90 +${humanDuration(c.p90)}`,
        ),
      );
      parts.push(`<line class="median" x1="${x(c.p50)}" x2="${x(c.p50)}" y1="${y + 3}" y2="${y + rowH - 3}"/>`);
    }
  });
  parts.push(deadlineLine(f, axis, x, top, top + rows.length * rowH));
  return svg(h, parts);
}

function waitingSvg(f: Forecast): string {
  const rowH = 24;
  const top = 6;
  const h = top + f.stages.length * rowH + 8;
  let max = 1;
  for (const s of f.stages)
    max = Math.max(
      max,
      GATE_KINDS.reduce((sum, g) => sum + s.waiting[g], 0),
    );
  const parts: string[] = [];
  f.stages.forEach((s, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${LEFT - 10}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(s.name)}</text>`);
    let from = LEFT;
    for (const g of GATE_KINDS) {
      const w = (s.waiting[g] / max) * (PLOT - 80);
      if (w <= 0) continue;
      parts.push(
        `<rect x="${r1(from)}" y="${y + 4}" width="${r1(w)}" height="${rowH - 8}" fill="${GATE_COLOUR[g]}">` +
          `<title>${g}: ${humanDuration(s.waiting[g])}</title></rect>`,
      );
      from += w;
    }
    const total = GATE_KINDS.reduce((sum, g) => sum + s.waiting[g], 0);
    parts.push(`<text x="${r1(from + 6)}" y="${y + rowH / 2 + 4}" class="axis">${humanDuration(total)}</text>`);
  });
  return svg(h, parts);
}

function histogramSvg(f: Forecast): string {
  const values = f.completions;
  if (values.length === 0) return '<p>No run completed.</p>';
  const axis = timeAxis(f, 10);
  const x = scaleX(axis);
  const bins = 40;
  const lo = values[0]!;
  const hi = values[values.length - 1]!;
  const width = Math.max((hi - lo) / bins, 1);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  const top = 10;
  const plotH = 160;
  const h = top + plotH + 30;
  const most = Math.max(...counts);
  const parts: string[] = [grid(axis, top, top + plotH, x)];
  counts.forEach((n, i) => {
    if (n === 0) return;
    const from = lo + i * width;
    const bh = (n / most) * plotH;
    const bw = Math.max(2, x(from + width) - x(from) - 1);
    parts.push(
      rect(
        x(from),
        top + plotH - bh,
        bw,
        bh,
        'likely',
        `${n} runs completing +${humanDuration(from)} to +${humanDuration(from + width)}`,
      ),
    );
  });
  parts.push(`<text class="axis" x="${LEFT - 8}" y="${top + 4}" text-anchor="end">${most} runs</text>`);
  parts.push(`<text class="axis" x="${LEFT - 8}" y="${top + plotH}" text-anchor="end">0</text>`);
  parts.push(deadlineLine(f, axis, x, top, top + plotH));
  return svg(h, parts);
}

function cumulativeSvg(f: Forecast): string {
  const values = f.completions;
  if (values.length === 0) return '<p>No run completed.</p>';
  const axis = timeAxis(f, 10);
  const x = scaleX(axis);
  const top = 10;
  const plotH = 180;
  const h = top + plotH + 30;
  const y = (p: number) => r1(top + plotH - p * plotH);
  const parts: string[] = [grid(axis, top, top + plotH, x)];
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line class="grid" x1="${LEFT}" x2="${LEFT + PLOT}" y1="${y(p)}" y2="${y(p)}"/>`);
    parts.push(`<text class="axis" x="${LEFT - 8}" y="${y(p) + 4}" text-anchor="end">${p * 100}%</text>`);
  }
  // A step for each run: the share of all runs (failed ones included) complete by that time.
  let d = `M${x(0)},${y(0)}`;
  values.forEach((v, i) => {
    d += ` H${x(v)} V${y((i + 1) / f.runs)}`;
  });
  d += ` H${x(axis.endMs)}`;
  parts.push(`<path class="curve" d="${d}"/>`);
  if (f.deadline && axis.deadlineMs !== null) {
    parts.push(deadlineLine(f, axis, x, top, top + plotH));
    const yy = y(f.deadline.probability);
    parts.push(`<circle cx="${x(axis.deadlineMs)}" cy="${yy}" r="4" class="done"/>`);
    // Beside the point, on whichever side has room.
    const right = x(axis.deadlineMs) < LEFT + PLOT * 0.7;
    parts.push(
      `<text class="deadline-label" x="${x(axis.deadlineMs) + (right ? 8 : -8)}" y="${yy + 16}" ` +
        `text-anchor="${right ? 'start' : 'end'}">${percent(f.deadline.probability)} by the deadline</text>`,
    );
  }
  return svg(h, parts);
}

function scaleX(axis: TimeAxis): (ms: number) => number {
  return (ms) => r1(LEFT + (Math.min(Math.max(ms, 0), axis.endMs) / axis.endMs) * PLOT);
}

function grid(axis: TimeAxis, top: number, bottom: number, x: (ms: number) => number): string {
  return axis.ticks
    .map(
      (t) =>
        `<line class="grid" x1="${x(t.ms)}" x2="${x(t.ms)}" y1="${top}" y2="${bottom}"/>` +
        `<text class="axis" x="${x(t.ms)}" y="${bottom + 16}" text-anchor="middle">${t.label}</text>`,
    )
    .join('');
}

function deadlineLine(f: Forecast, axis: TimeAxis, x: (ms: number) => number, top: number, bottom: number): string {
  if (!f.deadline || axis.deadlineMs === null) return '';
  const dx = x(axis.deadlineMs);
  return (
    `<line class="deadline" x1="${dx}" x2="${dx}" y1="${top - 4}" y2="${bottom}">` +
    `<title>deadline ${fullTime(f.deadline.at)}</title></line>` +
    `<text class="deadline-label" x="${dx - 4}" y="${top + 8}" text-anchor="end">deadline</text>`
  );
}

function svg(h: number, parts: string[]): string {
  return `<svg viewBox="0 0 ${W} ${h}" xmlns="http://www.w3.org/2000/svg" role="img">${parts.join('')}</svg>`;
}

function rect(x: number, y: number, w: number, h: number, cls: string, title: string): string {
  const box = `x="${r1(x)}" y="${r1(y)}" width="${r1(Math.max(w, 2))}" height="${r1(h)}"`;
  return `<rect class="${cls}" ${box} rx="3"><title>${esc(title)}</title></rect>`;
}

function card(label: string, value: string, note: string): string {
  return (
    `<div class="card"><div class="muted">${esc(label)}</div><div class="big">${esc(value)}</div>` +
    `<div class="muted">${esc(note)}</div></div>`
  );
}

function at(ms: number | null): string {
  return ms === null ? '–' : `+${humanDuration(ms)}`;
}

function r1(n: number): number {
  return Math.round(n * 10) / 10;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
