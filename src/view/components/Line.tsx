// One terminal row. Every row of the view goes through here, so that no row is ever wider than
// the terminal (a wrapped row would make the frame taller than planned) and colour is all or
// nothing: with colour off a frame is plain text.
import { createContext, useContext } from 'react';
import { Text } from 'ink';
import { ASCII_GLYPHS, TONE_COLOR, type Glyphs, type Tone } from '../glyphs.ts';

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

export function Line({ segs }: { segs: readonly Seg[] }) {
  const { color, glyphs, columns } = useTheme();
  const fitted = fitSegs(segs, columns, glyphs.ellipsis);
  return (
    <Text wrap="truncate-end">
      {fitted.length === 0 || fitted.every((s) => s.text === '') ? ' ' : null}
      {fitted.map((s, i) =>
        color && (s.tone || s.dim || s.bold || s.inverse) ? (
          <Text
            key={i}
            {...(s.tone && s.tone !== 'notStarted' ? { color: TONE_COLOR[s.tone] } : {})}
            dimColor={s.dim === true || s.tone === 'notStarted'}
            bold={s.bold === true}
            inverse={s.inverse === true}
          >
            {s.text}
          </Text>
        ) : (
          s.text
        ),
      )}
    </Text>
  );
}
