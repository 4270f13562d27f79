// `simulate --runs N -o text`: the forecast for a terminal. A summary, a table per stage with the
// waiting breakdown, and a Gantt chart: per stage a bar from the earliest start (P10) to the latest
// promotion (P90), solid between the median start and the median promotion, the median promotion
// marked; the completion row with its median; the deadline as a vertical line. Colour only where
// the caller allows it (a terminal, no NO_COLOR, no --no-color), ASCII where the terminal is not UTF-8.
import { humanDuration } from '../../../src/duration.ts';
import { fullTime } from '../../../src/view/format.ts';
import { rfc3339 } from '../../../src/rfc3339.ts';
import { GATE_KINDS } from '../figures.ts';
import { OUTCOMES, type Forecast, type Spread } from '../reduce.ts';
import { timeAxis } from './scale.ts';

export interface TextOptions {
  color: boolean;
  unicode: boolean;
  /** Columns to fill (the terminal's width; 80 when not a terminal). */
  columns: number;
}

interface ChartGlyphs {
  range: string;
  likely: string;
  median: string;
  deadline: string;
  tick: string;
  axis: string;
}

const UNICODE: ChartGlyphs = { range: '─', likely: '█', median: '┃', deadline: '┊', tick: '┬', axis: '─' };
const ASCII: ChartGlyphs = { range: '-', likely: '=', median: '|', deadline: '!', tick: '+', axis: '-' };

const SGR = { dim: '2', bold: '1', cyan: '36', red: '31', green: '32', yellow: '33' } as const;

export function formatForecastText(f: Forecast, options: TextOptions): string {
  const paint = (code: string, text: string) => (options.color && text !== '' ? `\x1b[${code}m${text}\x1b[0m` : text);
  const lines: string[] = [];
  const at = (ms: number | null) => (ms === null ? '-' : `+${humanDuration(ms)}`);

  lines.push(
    paint(SGR.bold, `Forecast of ${f.promotion}: ${f.runs} runs, seed ${f.seed}, from ${rfc3339(f.startedAt)}`),
  );
  const outcomes = OUTCOMES.filter((o) => f.outcomes[o] > 0 || o === 'Completed')
    .map((o) => `${o} ${percent(f.outcomes[o])}`)
    .join(', ');
  lines.push(`  outcomes    ${outcomes}`);
  const c = f.completion;
  if (c.p50 === null) {
    lines.push('  completion  no run completed');
  } else {
    lines.push(`  completion  P10 ${at(c.p10)}, P50 ${at(c.p50)}, P90 ${at(c.p90)}, mean ${at(c.mean)}`);
    lines.push(
      `              P50 at ${fullTime(f.startedAt + c.p50)}, P90 at ${fullTime(f.startedAt + (c.p90 ?? c.p50))}`,
    );
  }
  if (f.deadline) {
    lines.push(
      `  deadline    ${paint(SGR.red, rfc3339(f.deadline.at))}: ` +
        `${percent(f.deadline.probability)} of runs complete by then`,
    );
  }
  lines.push('');

  const header = [
    'STAGE',
    'REACHED',
    'STARTS P50',
    'PROMOTED P10',
    'P50',
    'P90',
    ...GATE_KINDS.map((g) => g.toUpperCase()),
  ];
  const rows = f.stages.map((s) => [
    s.name,
    percent(f.runs === 0 ? 0 : s.reached / f.runs),
    at(s.deployStarted.p50),
    at(s.promoted.p10),
    at(s.promoted.p50),
    at(s.promoted.p90),
    ...GATE_KINDS.map((g) => (s.waiting[g] > 0 ? humanDuration(s.waiting[g]) : '-')),
  ]);
  lines.push(...table([header, ...rows]));
  lines.push(`  (${GATE_KINDS.join(', ')}: mean time a run spent in each kind of gate)`);
  lines.push('');
  lines.push(...gantt(f, options, paint));
  return `${lines.join('\n')}\n`;
}

function gantt(f: Forecast, options: TextOptions, paint: (code: string, text: string) => string): string[] {
  const g = options.unicode ? UNICODE : ASCII;
  const labels = [...f.stages.map((s) => s.name), 'completion'];
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const width = Math.max(20, options.columns - labelWidth - 3);
  const axis = timeAxis(f, Math.max(1, Math.floor(width / 10)));
  const col = (ms: number) => Math.min(width - 1, Math.max(0, Math.round((ms / axis.endMs) * (width - 1))));
  const deadline = axis.deadlineMs === null ? null : col(axis.deadlineMs);

  type Cell = { ch: string; code: string | null };
  const blank = (): Cell[] => Array.from({ length: width }, () => ({ ch: ' ', code: null }));
  const fill = (cells: Cell[], from: number, to: number, ch: string, code: string | null) => {
    for (let i = from; i <= to; i++) cells[i] = { ch, code };
  };
  const render = (cells: Cell[]) => {
    // The deadline runs through everything but a median mark, so that it reads as one line.
    if (deadline !== null && cells[deadline]!.ch !== g.median) cells[deadline] = { ch: g.deadline, code: SGR.red };
    let out = '';
    for (let i = 0; i < cells.length; ) {
      let j = i;
      while (j < cells.length && cells[j]!.code === cells[i]!.code) j++;
      const text = cells
        .slice(i, j)
        .map((x) => x.ch)
        .join('');
      out += cells[i]!.code ? paint(cells[i]!.code!, text) : text;
      i = j;
    }
    return out.trimEnd();
  };

  const out: string[] = [];
  // The axis: tick labels above a ruler.
  const labelsRow = Array.from({ length: width + 12 }, () => ' ');
  const ruler = Array.from({ length: width }, () => g.axis);
  let freeFrom = 0;
  for (const t of axis.ticks) {
    const x = col(t.ms);
    ruler[x] = g.tick;
    const start = Math.min(x, width - t.label.length);
    if (start < freeFrom) continue;
    for (let k = 0; k < t.label.length; k++) labelsRow[start + k] = t.label[k]!;
    freeFrom = start + t.label.length + 1;
  }
  const pad = ' '.repeat(labelWidth + 2);
  out.push(`${pad}${labelsRow.join('').trimEnd()}`);
  out.push(`${pad}${paint(SGR.dim, ruler.join(''))}`);

  for (const s of f.stages) {
    const cells = blank();
    if (s.deployStarted.p10 !== null) {
      const reach = (sp: Spread, fallback: number) => sp.p90 ?? sp.p50 ?? fallback;
      const from = col(s.deployStarted.p10);
      const to = col(reach(s.promoted, axis.endMs));
      fill(cells, from, to, g.range, SGR.dim);
      if (s.deployStarted.p50 !== null && s.promoted.p50 !== null) {
        fill(cells, col(s.deployStarted.p50), col(s.promoted.p50), g.likely, SGR.cyan);
        cells[col(s.promoted.p50)] = { ch: g.median, code: SGR.bold };
      }
    }
    out.push(`${s.name.padEnd(labelWidth)}  ${render(cells)}`);
  }
  const cells = blank();
  const c = f.completion;
  if (c.p10 !== null && c.p50 !== null && c.p90 !== null) {
    fill(cells, col(c.p10), col(c.p90), g.range, SGR.green);
    cells[col(c.p50)] = { ch: g.median, code: SGR.bold };
  }
  out.push(`${'completion'.padEnd(labelWidth)}  ${render(cells)}`);
  const key = `${g.likely} median start to median promotion, ${g.range} P10 start to P90 promotion, ${g.median} median`;
  const deadlineKey =
    axis.deadlineMs !== null
      ? `, ${g.deadline} deadline`
      : axis.deadlineBeyond && f.deadline
        ? `; the deadline (+${humanDuration(Math.max(0, f.deadline.at - f.startedAt))}) is off the chart`
        : '';
  out.push(`${pad}${paint(SGR.dim, key + deadlineKey)}`);
  return out;
}

export function percent(x: number): string {
  const p = x * 100;
  return `${p === 0 || p === 100 || p >= 10 ? p.toFixed(p % 1 === 0 ? 0 : 1) : p.toFixed(1)}%`;
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
