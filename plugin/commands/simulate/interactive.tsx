// `simulate` in a terminal: the promotion view on the alternate screen, fed by a Rehearsal on a
// compressed clock (and the forecast line of `e` above it), until the person quits; then the
// terminal is given back as it was.
import { Box } from 'ink';
import { Line, ThemeContext, type Theme } from '../../../src/view/components/Line.tsx';
import { PromotionApp } from '../../../src/view/components/PromotionApp.tsx';
import { ASCII_GLYPHS, UNICODE_GLYPHS } from '../../../src/view/glyphs.ts';
import { realTimer, type FrameTimer } from '../../../src/view/frames.ts';
import { runFullScreen, useFrame } from '../../../src/view/run.tsx';
import { viewSize, type ProcessHooks } from '../../../src/view/terminal.ts';
import type { Simulation, SimulationResult } from '../../../simulator/driver.ts';
import { Rehearsal, type QuitHow, type RehearsalOptions } from './rehearsal.ts';

export interface RehearsalAppProps {
  rehearsal: Rehearsal;
  color: boolean;
  unicode: boolean;
}

/**
 * The view of a rehearsal: PromotionApp with the rehearsal's frames and its keys wired to it, under
 * the forecast line while `e` has it on.
 */
export function RehearsalApp({ rehearsal, color, unicode }: RehearsalAppProps) {
  const frame = useFrame(rehearsal);
  const theme: Theme = { color, glyphs: unicode ? UNICODE_GLYPHS : ASCII_GLYPHS, columns: frame.columns };
  const above = frame.forecast !== null && frame.rows > 1 ? 1 : 0;
  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={frame.columns}>
        {above > 0 && <Line segs={[{ text: frame.forecast!, tone: 'waitingOnTime' }]} />}
        <PromotionApp
          model={frame.model}
          clock={frame.clock}
          rows={frame.rows - above}
          columns={frame.columns}
          color={color}
          unicode={unicode}
          notice={frame.notice}
          onApprove={(stage) => rehearsal.approve(stage)}
          onQuit={(how) => rehearsal.quit(how)}
          simulation={{
            onTogglePause: () => rehearsal.togglePause(),
            onSpeed: (direction) => rehearsal.changeSpeed(direction),
            onFailNext: (cluster) => rehearsal.failNext(cluster),
          }}
          {...(rehearsal.forecast ? { onToggleForecast: () => rehearsal.forecast?.toggle() } : {})}
        />
      </Box>
    </ThemeContext.Provider>
  );
}

export interface InteractiveOptions {
  sim: Simulation;
  /** `e` (see RehearsalOptions.forecast); without it the view has no forecast key. */
  forecast?: RehearsalOptions['forecast'];
  speed: number;
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  color: boolean;
  unicode: boolean;
  timer?: FrameTimer;
  proc?: ProcessHooks;
}

export interface InteractiveEnd {
  how: QuitHow;
  result: SimulationResult;
}

/** Runs the rehearsal on the terminal until the person quits (q or Ctrl-C). */
export async function runInteractive(o: InteractiveOptions): Promise<InteractiveEnd> {
  const rehearsal = new Rehearsal({
    sim: o.sim,
    speed: o.speed,
    timer: o.timer ?? realTimer,
    size: viewSize(o.stdout),
    ...(o.forecast ? { forecast: o.forecast } : {}),
  });
  rehearsal.start();
  try {
    const how = await runFullScreen(<RehearsalApp rehearsal={rehearsal} color={o.color} unicode={o.unicode} />, {
      stdout: o.stdout,
      stdin: o.stdin,
      until: rehearsal.quitted,
      onResize: (size) => rehearsal.resize(size),
      ...(o.proc ? { proc: o.proc } : {}),
    });
    return { how, result: await rehearsal.close() };
  } finally {
    rehearsal.stop();
  }
}
