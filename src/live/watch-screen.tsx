// `watch`'s screen: the promotion view (PromotionApp) under a row of tabs when several promotions
// are watched and a banner while a stream is down, all drawn from the LiveWatch's latest frame.
// Left/right (or tab) switch promotions; `e` shows the forecast line under the tabs; everything else
// is PromotionApp's.
import { Box } from 'ink';
import { PromotionApp } from '../view/components/PromotionApp.tsx';
import { Line, ThemeContext, type Seg, type Theme } from '../view/components/Line.tsx';
import { ASCII_GLYPHS, UNICODE_GLYPHS, type Glyphs } from '../view/glyphs.ts';
import { useFrame } from '../view/run.tsx';
import { useKeys } from '../view/components/useKeys.ts';
import type { LiveWatch, WatchFrame } from './watch.ts';

export interface WatchScreenProps {
  watch: LiveWatch;
  color: boolean;
  unicode: boolean;
}

export function WatchScreen({ watch, color, unicode }: WatchScreenProps) {
  const frame = useFrame(watch);
  useKeys((input, key) => {
    if (frame.model === null) {
      if (key.ctrl && input === 'c') watch.quit('interrupt');
      else if (input === 'q') watch.quit('quit');
      return;
    }
    if (key.leftArrow) watch.select(-1);
    else if (key.rightArrow || key.tab) watch.select(1);
  });
  const glyphs = unicode ? UNICODE_GLYPHS : ASCII_GLYPHS;
  const theme: Theme = { color, glyphs, columns: frame.columns };
  const above: Seg[][] = [];
  if (frame.tabs) above.push(tabSegs(frame.tabs, glyphs, unicode, frame.columns));
  if (frame.banner) above.push([{ text: `${glyphs.tone.failed} ${frame.banner}`, tone: 'failed', bold: true }]);
  if (frame.forecast) above.push([{ text: frame.forecast, tone: 'waitingOnTime' }]);
  const shown = above.slice(0, frame.rows);
  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={frame.columns}>
        {shown.map((segs, i) => (
          <Line key={i} segs={segs} />
        ))}
        {frame.model ? (
          // Keyed by promotion: another promotion starts with its own selection and expansions.
          <PromotionApp
            key={frame.model.name}
            model={frame.model}
            clock={frame.clock}
            rows={frame.rows - shown.length}
            columns={frame.columns}
            color={color}
            unicode={unicode}
            notice={frame.notice}
            onApprove={(stage) => void watch.approve(stage)}
            onQuit={(how) => watch.quit(how)}
            {...(watch.forecast ? { onToggleForecast: () => watch.forecast?.toggle() } : {})}
          />
        ) : frame.rows > shown.length ? (
          <Line segs={[{ text: frame.empty, tone: 'waitingOnTime' }]} />
        ) : null}
      </Box>
    </ThemeContext.Provider>
  );
}

/**
 * One tab per promotion, its overall glyph and name; the shown one in brackets (and reversed in
 * colour). When they do not all fit, the row keeps the shown one and its neighbours, marking cuts.
 */
export function tabSegs(
  tabs: NonNullable<WatchFrame['tabs']>,
  glyphs: Glyphs,
  unicode: boolean,
  columns: number,
): Seg[] {
  const hint = `  ${unicode ? '←/→' : '<-/->'} promotion`;
  const text = (i: number) => {
    const t = tabs.items[i]!;
    const label = `${glyphs.tone[t.tone]} ${t.name}`;
    return i === tabs.selected ? `[${label}]` : ` ${label} `;
  };
  const width = (s: string) => [...s].length;
  const room = columns - width(hint) - 2 * width(glyphs.ellipsis);
  let first = tabs.selected;
  let last = tabs.selected;
  let used = width(text(tabs.selected));
  for (let grew = true; grew; ) {
    grew = false;
    if (last + 1 < tabs.items.length && used + 1 + width(text(last + 1)) <= room) {
      used += 1 + width(text(++last));
      grew = true;
    }
    if (first > 0 && used + 1 + width(text(first - 1)) <= room) {
      used += 1 + width(text(--first));
      grew = true;
    }
  }
  const segs: Seg[] = [];
  if (first > 0) segs.push({ text: glyphs.ellipsis, dim: true });
  for (let i = first; i <= last; i++) {
    if (i > first) segs.push({ text: ' ' });
    const t = tabs.items[i]!;
    segs.push(
      i === tabs.selected
        ? { text: text(i), tone: t.tone, bold: true, inverse: true }
        : { text: text(i), tone: t.tone },
    );
  }
  if (last < tabs.items.length - 1) segs.push({ text: glyphs.ellipsis, dim: true });
  segs.push({ text: hint, dim: true });
  return segs;
}
