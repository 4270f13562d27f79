// `simulate` in a terminal: the promotion view on the alternate screen, fed by a Rehearsal on a
// compressed clock, until the person quits; then the terminal is given back as it was.
import { useSyncExternalStore } from 'react';
import { render } from 'ink';
import { PromotionApp } from '../../../src/view/components/PromotionApp.tsx';
import { realTimer, type FrameTimer } from '../../../src/view/frames.ts';
import { withFullScreen, type ProcessHooks } from '../../../src/view/terminal.ts';
import type { Simulation, SimulationResult } from '../../../simulator/driver.ts';
import { Rehearsal, type QuitHow, type TerminalSize } from './rehearsal.ts';

export interface RehearsalAppProps {
  rehearsal: Rehearsal;
  color: boolean;
  unicode: boolean;
}

/** The view of a rehearsal: PromotionApp with the rehearsal's frames and its keys wired to it. */
export function RehearsalApp({ rehearsal, color, unicode }: RehearsalAppProps) {
  const frame = useSyncExternalStore(rehearsal.subscribe, rehearsal.getFrame);
  return (
    <PromotionApp
      model={frame.model}
      clock={frame.clock}
      rows={frame.rows}
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
    />
  );
}

export interface InteractiveOptions {
  sim: Simulation;
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

/**
 * Ink clears the whole screen when a frame fills the terminal, so the view gets one row less
 * than the terminal has.
 */
export function viewSize(stdout: { rows?: number; columns?: number }): TerminalSize {
  return { rows: Math.max(1, (stdout.rows || 24) - 1), columns: stdout.columns || 80 };
}

/** Runs the rehearsal on the terminal until the person quits (q or Ctrl-C). */
export async function runInteractive(o: InteractiveOptions): Promise<InteractiveEnd> {
  const rehearsal = new Rehearsal({ sim: o.sim, speed: o.speed, timer: o.timer ?? realTimer, size: viewSize(o.stdout) });
  return withFullScreen(
    o.stdout,
    async () => {
      const app = render(<RehearsalApp rehearsal={rehearsal} color={o.color} unicode={o.unicode} />, {
        stdout: o.stdout,
        stdin: o.stdin,
        exitOnCtrlC: false,
        patchConsole: false,
        maxFps: 10,
      });
      const onResize = () => rehearsal.resize(viewSize(o.stdout));
      o.stdout.on('resize', onResize);
      try {
        rehearsal.start();
        const how = await rehearsal.quitted;
        return { how, result: await rehearsal.close() };
      } finally {
        o.stdout.off('resize', onResize);
        rehearsal.stop();
        app.unmount();
        await app.waitUntilExit().catch(() => {});
      }
    },
    o.proc,
  );
}
