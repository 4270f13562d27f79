// The key line at the bottom, the y/n question, and the `?` overlay.
import type { Glyphs } from '../glyphs.ts';
import { Line, useTheme, type Seg } from './Line.tsx';

export function keyBindings(g: Glyphs, simulated: boolean): [string, string][] {
  return [
    [`${g.up}/${g.down}`, 'select a stage'],
    [g.enter, 'expand or collapse the selected stage'],
    ['j/k', 'move the cluster cursor in the selected stage (PgUp/PgDn: a page)'],
    ['a', 'approve the selected manual stage (asks y/n)'],
    ...(simulated
      ? ([
          ['space', 'pause or resume the simulated clock'],
          ['+/-', 'double or halve the simulation speed'],
          ['f', "make the cursor cluster's next deploy attempt fail"],
        ] as [string, string][])
      : []),
    ['?', 'show or hide this help'],
    ['q, Ctrl-C', 'quit'],
  ];
}

export function Footer({
  confirm,
  flash,
  simulated,
}: {
  confirm: string | null;
  flash: string | null;
  simulated: boolean;
}) {
  const { glyphs } = useTheme();
  if (confirm)
    return <Line segs={[{ text: `Approve stage ${confirm}? (y/n)`, tone: 'waitingOnPerson', bold: true }]} />;
  if (flash) return <Line segs={[{ text: flash, tone: 'waitingOnTime' }]} />;
  const short = simulated
    ? `${glyphs.up}${glyphs.down} stage  ${glyphs.enter} expand  j/k cluster  a approve  space pause  +/- ` +
      `speed  f fail  ? help  q quit`
    : `${glyphs.up}${glyphs.down} stage  ${glyphs.enter} expand  j/k cluster  a approve  ? help  q quit`;
  return <Line segs={[{ text: short, dim: true }]} />;
}

export function HelpOverlay({ rows, simulated }: { rows: number; simulated: boolean }) {
  const { glyphs } = useTheme();
  const t = glyphs.tone;
  const lines: Seg[][] = [
    [{ text: 'Keys', bold: true }],
    ...keyBindings(glyphs, simulated).map(([k, what]): Seg[] => [{ text: `  ${k.padEnd(10)} ${what}` }]),
    ...(simulated
      ? [
          [
            {
              text: 'The cluster cursor (j/k) picks the cluster for f; the list shows failing clusters first.',
              dim: true,
            },
          ],
        ]
      : [[{ text: 'The list under a stage shows failing clusters first.', dim: true }]]),
    [{ text: 'Glyphs', bold: true }],
    [
      { text: '  ' },
      { text: `${t.done} done`, tone: 'done' },
      { text: '  ' },
      { text: `${t.progressing} progressing`, tone: 'progressing' },
      { text: '  ' },
      { text: `${t.waitingOnTime} waiting on time`, tone: 'waitingOnTime' },
      { text: '  ' },
      { text: `${t.waitingOnPerson} waiting on a person`, tone: 'waitingOnPerson' },
      { text: '  ' },
      { text: `${t.failed} failed`, tone: 'failed' },
      { text: '  ' },
      { text: `${t.notStarted} not started`, tone: 'notStarted' },
    ],
  ];
  return (
    <>
      {lines.slice(0, Math.max(0, rows)).map((segs, i) => (
        <Line key={i} segs={segs} />
      ))}
    </>
  );
}
