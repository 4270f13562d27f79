// Running a full-screen view: the pieces every interactive command shares (`watch` on a live
// cluster, `simulate` in a terminal). The command keeps its state in a controller outside React
// that publishes frames (a FrameStore, redrawn through the FrameScheduler's discipline); the
// component only reads the latest frame and turns keys into calls on the controller. This module
// puts such a component on the terminal and gives the terminal back however it ends.
import type { ReactElement } from 'react';
import { useSyncExternalStore } from 'react';
import { render } from 'ink';
import { ViewOutput, viewSize, withFullScreen, type ProcessHooks, type TerminalSize } from './terminal.ts';

/** Where a view's frames come from: the latest one, and a call when there is a newer one. */
export interface FrameStore<F> {
  getFrame(): F;
  subscribe(listener: () => void): () => void;
}

/** The latest frame of a store, re-rendering when it publishes another. */
export function useFrame<F>(store: FrameStore<F>): F {
  return useSyncExternalStore(store.subscribe, store.getFrame);
}

export interface FullScreenRun<T> {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** Settles when the view is done (the person quit); its value is what the run returns. */
  until: Promise<T>;
  /** Told the new size when the terminal is resized. */
  onResize?(size: TerminalSize): void;
  proc?: ProcessHooks;
}

/**
 * Draws `element` on the alternate screen until `until` settles, then unmounts it and restores the
 * terminal, also when `until` rejects (the error reaches the caller after the terminal is back).
 * The caller loads this module after preferReactProduction() (react-production.ts).
 */
export function runFullScreen<T>(element: ReactElement, o: FullScreenRun<T>): Promise<T> {
  return withFullScreen(
    o.stdout,
    async () => {
      const output = new ViewOutput(o.stdout);
      // The view lays out its frame for the new size first; the frame after it is drawn whole on a
      // cleared screen (ViewOutput), so nothing of the old size stays behind.
      const onResize = () => {
        output.resized();
        o.onResize?.(viewSize(o.stdout));
      };
      o.stdout.on('resize', onResize);
      // Ctrl-C arrives as a key in raw mode: the view decides what it means (quit, exit 130).
      const ink = render(element, {
        stdout: output as unknown as NodeJS.WriteStream,
        stdin: o.stdin,
        exitOnCtrlC: false,
        patchConsole: false,
        maxFps: 10,
      });
      try {
        return await o.until;
      } finally {
        o.stdout.off('resize', onResize);
        ink.unmount();
        await ink.waitUntilExit().catch(() => {});
      }
    },
    o.proc,
  );
}
