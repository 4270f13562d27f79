// The first rows: which promotion, how it stands as a whole, which stage, and whose clock.
import { humanDuration } from '../../duration.ts';
import { fullTime } from '../format.ts';
import { overallTone } from '../glyphs.ts';
import type { PromotionView } from '../model.ts';
import { Line, useTheme, type Seg } from './Line.tsx';

/** The clock the view runs on: the cluster's (live) or the simulation's. */
export type ClockView =
  | {
      mode: 'live';
      /** When the data shown was last received from the API server (epoch ms); null before any. */
      receivedAt: number | null;
      /**
       * The data is not known to be current (a stream is down, or the server stopped answering):
       * its age is shown as a warning and no countdown runs on it.
       */
      stale?: boolean;
    }
  | {
      mode: 'simulated';
      /** Virtual milliseconds per real millisecond. */
      speed: number;
      paused: boolean;
      /** The rollout finished (or can go no further): the clock no longer matters. */
      ended: boolean;
    };

export const OVERALL_LABEL: Record<PromotionView['phase'], string> = {
  NotStarted: 'Not started',
  Progressing: 'Progressing',
  Waiting: 'Waiting',
  Paused: 'Paused',
  Failed: 'Failed',
  Completed: 'Completed',
};

export function Header({ model, clock, rows }: { model: PromotionView; clock: ClockView; rows: number }) {
  const { glyphs } = useTheme();
  const tone = overallTone(model.phase);
  const stage =
    model.current === null
      ? `${model.stageCount} stage${model.stageCount === 1 ? '' : 's'}`
      : `stage ${model.current + 1} of ${model.stageCount}: ${model.stages[model.current]!.name}`;
  const title: Seg[] = [
    { text: glyphs.tone[tone], tone },
    { text: ' ' },
    { text: model.name, bold: true },
    { text: '  ' },
    { text: OVERALL_LABEL[model.phase], tone, bold: true },
    { text: `  ${glyphs.dot}  ${stage}` },
  ];
  const lines: Seg[][] = [title, clockSegs(model.now, clock, glyphs.times, glyphs.dot)];
  if (model.note) lines.push([{ text: model.note, tone: 'waitingOnTime' }]);
  return (
    <>
      {lines.slice(0, Math.max(0, rows)).map((segs, i) => (
        <Line key={i} segs={segs} />
      ))}
    </>
  );
}

function clockSegs(now: number, clock: ClockView, times: string, dot: string): Seg[] {
  if (clock.mode === 'live') {
    const age = clock.receivedAt === null ? null : Math.max(0, now - clock.receivedAt);
    return [
      { text: `live  ${fullTime(now)}  ${dot}  ` },
      age === null
        ? { text: 'waiting for data', tone: 'waitingOnTime' }
        : {
            text: `data ${humanDuration(age)} old`,
            ...(clock.stale || age > 30_000 ? { tone: 'waitingOnTime' as const } : { dim: true }),
          },
    ];
  }
  const segs: Seg[] = [{ text: `simulated  ${fullTime(now)}  ${dot}  speed ${times}${formatSpeed(clock.speed)}` }];
  if (clock.ended) segs.push({ text: `  ${dot}  ` }, { text: 'rollout ended, q to quit', tone: 'done' });
  else if (clock.paused) segs.push({ text: `  ${dot}  ` }, { text: 'PAUSED', tone: 'waitingOnTime', bold: true });
  return segs;
}

function formatSpeed(speed: number): string {
  return Number.isInteger(speed) ? String(speed) : speed.toFixed(2).replace(/0+$/, '');
}
