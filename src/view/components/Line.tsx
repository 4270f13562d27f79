// One terminal row. Every row of the view goes through here, so that no row is ever wider than
// the terminal (a wrapped row would make the frame taller than planned) and colour is all or
// nothing: with colour off a frame is plain text.
import { createContext, useContext } from 'react';
import { Text } from 'ink';
import { ASCII_GLYPHS, type Glyphs, type Tone } from '../glyphs.ts';

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

/** Cuts segments to `width` cells (every glyph of this view is one cell), marking the cut. */
export function fitSegs(segs: readonly Seg[], width: number, ellipsis: string): Seg[] {
  const total = segs.reduce((n, s) => n + [...s.text].length, 0);
  if (total <= width) return [...segs];
  const mark = [...ellipsis].length <= width ? ellipsis : '';
  let room = width - [...mark].length;
  const out: Seg[] = [];
  for (const s of segs) {
    if (room <= 0) break;
    const chars = [...s.text];
    out.push({ ...s, text: chars.slice(0, room).join('') });
    room -= Math.min(room, chars.length);
  }
  out.push({ text: mark });
  return out;
}

// SGR codes for the tones (the 16 basic colours every terminal has) and the attributes. Each row
// is one string in one <Text>: a frame is dozens of rows, and one React element per styled run
// would multiply what React and Ink must lay out on every frame.
const SGR_COLOR: Record<Tone, number> = { done: 32, progressing: 36, waitingOnTime: 33, waitingOnPerson: 35, failed: 31, notStarted: 90 };

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
  const fitted = fitSegs(segs, columns, glyphs.ellipsis);
  const text = fitted.map((s) => (color ? styled(s) : s.text)).join('');
  return <Text wrap="truncate-end">{text === '' ? ' ' : text}</Text>;
}
