// One terminal row. Every row of the view goes through here, so that no row is ever wider than
// the terminal (a wrapped row would make the frame taller than planned) and colour is all or
// nothing: with colour off a frame is plain text.
import { createContext, memo, useContext } from 'react';
import { printable } from '../../printable.ts';
import { Text, Transform, useIsScreenReaderEnabled } from 'ink';
import stringWidth from 'string-width';
import { ASCII_GLYPHS, UNICODE_GLYPHS, type Glyphs, type Tone } from '../glyphs.ts';

export interface Theme {
  color: boolean;
  glyphs: Glyphs;
  columns: number;
}

export const ThemeContext = createContext<Theme>({ color: false, glyphs: ASCII_GLYPHS, columns: 80 });

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

/** A run of text in one style. */
export interface Seg {
  text: string;
  tone?: Tone;
  dim?: boolean;
  bold?: boolean;
  inverse?: boolean;
}

/** Cuts segments to `width` terminal cells, marking the cut. */
export function fitSegs(segs: readonly Seg[], width: number, ellipsis: string): Seg[] {
  const total = segs.reduce((n, s) => n + cellsOf(s.text), 0);
  if (total <= width) return [...segs];
  const mark = cellsOf(ellipsis) <= width ? ellipsis : '';
  let room = width - cellsOf(mark);
  const out: Seg[] = [];
  for (const s of segs) {
    if (room <= 0) break;
    const cut = cutToCells(s.text, room);
    out.push({ ...s, text: cut.text });
    room -= cut.cells;
  }
  out.push({ text: mark });
  return out;
}

// Printable ASCII and the glyphs of both sets (glyphs.ts): one cell each, so a row of only these
// (nearly every row) is measured by counting. Anything else (a message in Chinese, an emoji) is
// measured by string-width, as terminals draw it.
const GLYPH_CHARS = new Set(
  [UNICODE_GLYPHS, ASCII_GLYPHS].flatMap((g) =>
    [...Object.values(g.tone), ...Object.values(g)].filter((v) => typeof v === 'string').flatMap((v) => [...v]),
  ),
);

function oneCellEach(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 || c > 0x7e) && !GLYPH_CHARS.has(ch)) return false;
  }
  return true;
}

/** The terminal cells `text` takes. */
export function cellsOf(text: string): number {
  // Every character of that set is in the Basic Multilingual Plane: one UTF-16 unit, one cell.
  return oneCellEach(text) ? text.length : stringWidth(text);
}

const graphemes = new Intl.Segmenter();

/** The longest start of `text` that takes at most `room` cells, never half a wide character. */
function cutToCells(text: string, room: number): { text: string; cells: number } {
  if (oneCellEach(text)) return { text: text.slice(0, room), cells: Math.min(room, text.length) };
  let cells = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (cells + w > room) break;
    cells += w;
    end = index + segment.length;
  }
  return { text: text.slice(0, end), cells };
}

/**
 * A row is one line, whatever it shows: tabs and newlines (a multi-line message) as spaces, other
 * control characters made visible (printable.ts), so that no escape sequence from a name or a
 * message reaches the terminal.
 */
function oneLine(seg: Seg): Seg {
  return oneCellEach(seg.text) ? seg : { ...seg, text: printable(seg.text.replace(/[\t\n]|\r(?=\n)/g, ' ')) };
}

// SGR codes for the tones (the 16 basic colours every terminal has) and the attributes. Each row
// is one string in one element: a frame is dozens of rows, and one React element per styled run
// would multiply what React and Ink must lay out on every frame.
const SGR_COLOR: Record<Tone, number> = {
  done: 32,
  progressing: 36,
  waitingOnTime: 33,
  waitingOnPerson: 35,
  failed: 31,
  notStarted: 90,
};

export function styled(seg: Seg): string {
  const codes: number[] = [];
  if (seg.tone && seg.tone !== 'notStarted') codes.push(SGR_COLOR[seg.tone]);
  if (seg.dim || seg.tone === 'notStarted') codes.push(2);
  if (seg.bold) codes.push(1);
  if (seg.inverse) codes.push(7);
  return codes.length === 0 || seg.text === '' ? seg.text : `\u001B[${codes.join(';')}m${seg.text}\u001B[0m`;
}

export function Line({ segs }: { segs: readonly Seg[] }) {
  const { color, glyphs, columns } = useTheme();
  const fitted = fitSegs(segs.map(oneLine), columns, glyphs.ellipsis);
  const text = fitted.map((s) => (color ? styled(s) : s.text)).join('');
  const known = fitted.every((s) => oneCellEach(s.text));
  return <Row text={text === '' ? ' ' : text} known={known} />;
}

/**
 * A row of the view's own characters is handed to Ink as a one-cell placeholder that a Transform
 * replaces with the row when Ink writes its output. Ink would otherwise measure each row with
 * string-width on every frame (a fifth of a frame's time) and keep every row it measured in a
 * cache it never empties (ink 6, vadimdemedes/ink#986): with a clock ticking every second, a
 * watch grew by about a megabyte an hour. The row needs no measuring: fitSegs made it fit, and it
 * is one row high either way. Rows with other characters (wide ones, say), and every row for a
 * screen reader (which reads the children, not the transformed output), go through Ink's own
 * <Text> as before. Memoised on the text, so that a clock tick re-renders only the rows it changed.
 */
const Row = memo(function Row({ text, known }: { text: string; known: boolean }) {
  const screenReader = useIsScreenReaderEnabled();
  if (!known || screenReader) return <Text wrap="truncate-end">{text}</Text>;
  return <Transform transform={() => text}> </Transform>;
});
