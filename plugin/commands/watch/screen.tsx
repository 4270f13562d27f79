// `watch` on a terminal: the WatchScreen on the alternate screen until the person quits. Loaded
// only on a terminal, after preferReactProduction(): piped output never loads React or Ink.
import { WatchScreen } from '../../../src/live/watch-screen.tsx';
import type { LiveWatch, QuitHow } from '../../../src/live/watch.ts';
import { runFullScreen } from '../../../src/view/run.tsx';

export interface ScreenOptions {
  watch: LiveWatch;
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  color: boolean;
  unicode: boolean;
}

export function runWatchScreen(o: ScreenOptions): Promise<QuitHow> {
  return runFullScreen(<WatchScreen watch={o.watch} color={o.color} unicode={o.unicode} />, {
    stdout: o.stdout,
    stdin: o.stdin,
    until: o.watch.quitted,
    onResize: (size) => o.watch.resize(size),
  });
}
