// What the keys are called, in the key line at the bottom and in the `?` help, and how both fit the
// terminal: the key line drops the least important keys first (q and ? stay longest), the help is
// wrapped to the width and scrolls when it is taller than the rows it has. Pure, so that fitting
// is tested without rendering; Help.tsx draws the result.
import type { Glyphs, Tone } from './glyphs.ts';

/** A run of text in one style (the shape of Line.tsx's Seg). */
export interface Styled {
  text: string;
  tone?: Tone;
  dim?: boolean;
  bold?: boolean;
}

export interface KeyBinding {
  keys: string;
  /** The key line's word for it. */
  hint: string;
  /** The help's sentence. */
  what: string;
  /** 1 is kept longest when the key line must shrink. */
  rank: number;
}

/**
 * The keys a view has, in the order they are listed; only a simulation has space, +/- and f, only a
 * view that can forecast (watch, simulate) has e.
 */
export function keyBindings(g: Glyphs, simulated: boolean, forecast = false): KeyBinding[] {
  return [
    { keys: `${g.up}/${g.down}`, hint: `${g.up}${g.down} stage`, what: 'select a stage', rank: 5 },
    { keys: g.enter, hint: `${g.enter} expand`, what: 'expand or collapse the selected stage', rank: 6 },
    {
      keys: 'j/k',
      hint: 'j/k cluster',
      what: 'move the cluster cursor in the selected stage (PgUp/PgDn: a page)',
      rank: 7,
    },
    { keys: 'a', hint: 'a approve', what: 'approve the selected manual stage (asks y/n)', rank: 3 },
    ...(simulated
      ? [
          { keys: 'space', hint: 'space pause', what: 'pause or resume the simulated clock', rank: 4 },
          { keys: '+/-', hint: '+/- speed', what: 'double or halve the simulation speed', rank: 8 },
          { keys: 'f', hint: 'f fail', what: "make the cursor cluster's next deploy attempt fail", rank: 9 },
        ]
      : []),
    ...(forecast
      ? [
          {
            keys: 'e',
            hint: 'e forecast',
            what: 'show or hide the forecast: median and P90 of when the current stage and the rollout are done',
            rank: 10,
          },
        ]
      : []),
    {
      keys: '?',
      hint: '? help',
      what: `show or hide this help (${g.up}/${g.down} or j/k scroll it, PgUp/PgDn a page, esc closes it)`,
      rank: 2,
    },
    {
      keys: 'q, Ctrl-C',
      hint: 'q quit',
      what: simulated ? 'quit, then print the summary timeline (Ctrl-C: quit without it)' : 'quit',
      rank: 1,
    },
  ];
}

const HINT_GAP = '  ';

/** The terminal cells of text the view writes itself: every character and glyph it uses is one cell. */
function cells(text: string): number {
  return [...text].length;
}

/**
 * The key line for `width` columns: every hint when they fit, else without the least important
 * ones (the listed order is kept), so that `? help` and `q quit` are the last to go.
 */
export function fitKeyHints(bindings: readonly KeyBinding[], width: number): string {
  const kept = [...bindings];
  const line = () => kept.map((b) => b.hint).join(HINT_GAP);
  while (kept.length > 1 && cells(line()) > width) {
    const least = kept.reduce((a, b) => (b.rank > a.rank ? b : a));
    kept.splice(kept.indexOf(least), 1);
  }
  return line();
}

/** Words of `text` in lines of at most `width` cells; a word longer than that is cut. */
export function wrapWords(text: string, width: number): string[] {
  const room = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (cells(next) <= room) {
      line = next;
      continue;
    }
    if (line !== '') lines.push(line);
    line = word;
    while (cells(line) > room) {
      lines.push([...line].slice(0, room).join(''));
      line = [...line].slice(room).join('');
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

const KEY_COLUMN = 10;

/** Every line of the help for `columns` columns: the keys, a note, and what the glyphs mean. */
export function helpLines(g: Glyphs, simulated: boolean, columns: number, forecast = false): Styled[][] {
  const lines: Styled[][] = [[{ text: 'Keys', bold: true }]];
  const indent = 2 + KEY_COLUMN + 1;
  const narrow = columns < indent + 20;
  for (const b of keyBindings(g, simulated, forecast)) {
    if (narrow) {
      // Too narrow for two columns: the key on its line, what it does under it.
      lines.push([{ text: `  ${b.keys}` }]);
      for (const l of wrapWords(b.what, columns - 4)) lines.push([{ text: `    ${l}` }]);
      continue;
    }
    const wrapped = wrapWords(b.what, columns - indent);
    lines.push([{ text: `  ${b.keys.padEnd(KEY_COLUMN)} ${wrapped[0]}` }]);
    for (const l of wrapped.slice(1)) lines.push([{ text: `${' '.repeat(indent)}${l}` }]);
  }
  const note = simulated
    ? 'The cluster cursor (j/k) picks the cluster for f; the list shows failing clusters first.'
    : 'The list under a stage shows failing clusters first.';
  for (const l of wrapWords(note, columns)) lines.push([{ text: l, dim: true }]);
  lines.push([{ text: 'Glyphs', bold: true }]);
  const t = g.tone;
  const legend: Styled[] = [
    { text: `${t.done} done`, tone: 'done' },
    { text: `${t.progressing} progressing`, tone: 'progressing' },
    { text: `${t.waitingOnTime} waiting on time`, tone: 'waitingOnTime' },
    { text: `${t.waitingOnPerson} waiting on a person`, tone: 'waitingOnPerson' },
    { text: `${t.failed} failed`, tone: 'failed' },
    { text: `${t.notStarted} not started`, tone: 'notStarted' },
  ];
  // As many glyphs on a row as fit, so that none is cut at the edge.
  let row: Styled[] = [];
  let used = 0;
  for (const item of legend) {
    const need = 2 + cells(item.text);
    if (row.length > 0 && used + need > columns) {
      lines.push(row);
      row = [];
      used = 0;
    }
    row.push({ text: '  ' }, item);
    used += need;
  }
  lines.push(row);
  return lines;
}

export interface HelpWindow {
  /** The first line shown. */
  start: number;
  end: number;
  /** Lines hidden above and below, each said on a row of its own. */
  above: number;
  below: number;
}

/** The furthest the help scrolls in `rows` rows: its last line on the last row. */
export function maxHelpScroll(total: number, rows: number): number {
  if (total <= rows || rows < 2) return Math.max(0, total - Math.max(1, rows));
  // Scrolled down, the top row says how many lines are above.
  return total - (rows - 1);
}

/** Which lines of a help `total` lines long are shown in `rows` rows, scrolled by `scroll`. */
export function helpWindow(total: number, rows: number, scroll: number): HelpWindow {
  if (total <= rows) return { start: 0, end: total, above: 0, below: 0 };
  if (rows <= 0) return { start: 0, end: 0, above: 0, below: 0 };
  const start = Math.min(Math.max(0, scroll), maxHelpScroll(total, rows));
  if (rows === 1) return { start, end: start + 1, above: 0, below: 0 };
  const markers = (start > 0 ? 1 : 0) + (start + rows - (start > 0 ? 1 : 0) < total ? 1 : 0);
  const end = Math.min(total, start + rows - markers);
  return { start, end, above: start, below: total - end };
}
