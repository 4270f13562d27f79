// `simulate` in a terminal: the promotion view on the alternate screen, fed by a Rehearsal on a
// compressed clock, until the person quits; then the terminal is given back as it was.
import { PromotionApp } from '../../../src/view/components/PromotionApp.tsx';
import { realTimer, type FrameTimer } from '../../../src/view/frames.ts';
import { runFullScreen, useFrame } from '../../../src/view/run.tsx';
import { viewSize, type ProcessHooks } from '../../../src/view/terminal.ts';
import type { Simulation, SimulationResult } from '../../../simulator/driver.ts';
import { Rehearsal, type QuitHow } from './rehearsal.ts';

export interface RehearsalAppProps {
  rehearsal: Rehearsal;
  color: boolean;
  unicode: boolean;
}

/** The view of a rehearsal: PromotionApp with the rehearsal's frames and its keys wired to it. */
export function RehearsalApp({ rehearsal, color, unicode }: RehearsalAppProps) {
  const frame = useFrame(rehearsal);
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

/** Runs the rehearsal on the terminal until the person quits (q or Ctrl-C). */
export async function runInteractive(o: InteractiveOptions): Promise<InteractiveEnd> {
  const rehearsal = new Rehearsal({
    sim: o.sim,
    speed: o.speed,
    timer: o.timer ?? realTimer,
    size: viewSize(o.stdout),
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
