// The key line at the bottom, the y/n question, and the `?` overlay, as help.ts fits them to the
// terminal.
import { fitKeyHints, helpLines, helpWindow, keyBindings } from '../help.ts';
import { Line, useTheme, type Seg } from './Line.tsx';

export function Footer({
  confirm,
  flash,
  simulated,
  forecast = false,
}: {
  confirm: string | null;
  flash: string | null;
  simulated: boolean;
  forecast?: boolean;
}) {
  const { glyphs, columns } = useTheme();
  if (confirm)
    return <Line segs={[{ text: `Approve stage ${confirm}? (y/n)`, tone: 'waitingOnPerson', bold: true }]} />;
  if (flash) return <Line segs={[{ text: flash, tone: 'waitingOnTime' }]} />;
  return <Line segs={[{ text: fitKeyHints(keyBindings(glyphs, simulated, forecast), columns), dim: true }]} />;
}

/** The help in `rows` rows, `scroll` lines down; a row at a cut end says how much is hidden there. */
export function HelpOverlay({
  rows,
  simulated,
  scroll,
  forecast = false,
}: {
  rows: number;
  simulated: boolean;
  scroll: number;
  forecast?: boolean;
}) {
  const { glyphs, columns } = useTheme();
  const lines = helpLines(glyphs, simulated, columns, forecast);
  const w = helpWindow(lines.length, Math.max(0, rows), scroll);
  const shown: Seg[][] = [];
  if (w.above > 0) shown.push([{ text: `${glyphs.up} ${w.above} more line${w.above === 1 ? '' : 's'}`, dim: true }]);
  shown.push(...lines.slice(w.start, w.end));
  if (w.below > 0)
    shown.push([
      { text: `${glyphs.down} ${w.below} more line${w.below === 1 ? '' : 's'} (${glyphs.down}/j scroll)`, dim: true },
    ]);
  return (
    <>
      {shown.map((segs, i) => (
        <Line key={i} segs={segs} />
      ))}
    </>
  );
}
