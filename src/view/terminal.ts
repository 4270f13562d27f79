// The terminal around a full-screen view: the alternate screen (so the person's scrollback is left
// as it was) and a hidden cursor, both given back however the view ends: a normal return, an
// exception, SIGTERM/SIGINT/SIGHUP, or process.exit from anywhere.

export const ENTER_ALT_SCREEN = '\u001B[?1049h';
export const LEAVE_ALT_SCREEN = '\u001B[?1049l';
export const HIDE_CURSOR = '\u001B[?25l';
export const SHOW_CURSOR = '\u001B[?25h';
/** The alternate screen keeps the cursor where the shell left it; the view is drawn from the top. */
export const CURSOR_HOME = '\u001B[H';

export interface TerminalStream {
  write(chunk: string): unknown;
}

/** The part of `process` this needs; injected so tests can send signals without dying. */
export interface ProcessHooks {
  on(event: 'exit' | NodeJS.Signals, listener: (...args: unknown[]) => void): unknown;
  off(event: 'exit' | NodeJS.Signals, listener: (...args: unknown[]) => void): unknown;
  kill(pid: number, signal: NodeJS.Signals): unknown;
  pid: number;
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export class FullScreen {
  readonly #out: TerminalStream;
  readonly #proc: ProcessHooks;
  #active = false;
  readonly #onExit = () => this.leave();
  readonly #onSignal = (signal: unknown) => {
    this.leave();
    // Die of the same signal, as the shell expects, now that our handler is gone.
    this.#proc.kill(this.#proc.pid, signal as NodeJS.Signals);
  };

  constructor(out: TerminalStream, proc: ProcessHooks = process) {
    this.#out = out;
    this.#proc = proc;
  }

  get active(): boolean {
    return this.#active;
  }

  enter(): void {
    if (this.#active) return;
    this.#active = true;
    this.#proc.on('exit', this.#onExit);
    for (const s of SIGNALS) this.#proc.on(s, this.#onSignal);
    this.#out.write(ENTER_ALT_SCREEN + CURSOR_HOME + HIDE_CURSOR);
  }

  /** Gives the terminal back; safe to call more than once. */
  leave(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#proc.off('exit', this.#onExit);
    for (const s of SIGNALS) this.#proc.off(s, this.#onSignal);
    this.#out.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
  }
}

/** Runs `body` on the alternate screen and restores the terminal whatever happens. */
export async function withFullScreen<T>(
  out: TerminalStream,
  body: () => Promise<T>,
  proc: ProcessHooks = process,
): Promise<T> {
  const screen = new FullScreen(out, proc);
  screen.enter();
  try {
    return await body();
  } finally {
    screen.leave();
  }
}

export interface TerminalSize {
  rows: number;
  columns: number;
}

/**
 * The size a full-screen view may use on `stdout`: one row less than the terminal has, because Ink
 * clears the whole screen (a visible flash) whenever a frame fills it.
 */
export function viewSize(stdout: { rows?: number; columns?: number }): TerminalSize {
  return { rows: Math.max(1, (stdout.rows || 24) - 1), columns: stdout.columns || 80 };
}
