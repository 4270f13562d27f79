// The terminal around a full-screen view: the alternate screen (so the person's scrollback is left
// as it was) and a hidden cursor, both given back however the view ends: a normal return, an
// exception, SIGTERM/SIGINT/SIGHUP, or process.exit from anywhere.

export const ENTER_ALT_SCREEN = '\u001B[?1049h';
export const LEAVE_ALT_SCREEN = '\u001B[?1049l';
export const HIDE_CURSOR = '\u001B[?25l';
export const SHOW_CURSOR = '\u001B[?25h';
/** The alternate screen keeps the cursor where the shell left it; the view is drawn from the top. */
export const CURSOR_HOME = '\u001B[H';
export const CLEAR_SCREEN = '\u001B[2J';
/** Ink brackets a frame in these (synchronized output) where the terminal supports them. */
const BEGIN_SYNC = '\u001B[?2026h';

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

/**
 * The terminal as a full-screen Ink view sees it. On a resize Ink erases the lines it believes it
 * wrote and draws again, but the terminal has re-wrapped the old frame by then (a row cut shorter
 * becomes two), so the count is wrong and rows or fragments of the old frame stay on screen; and
 * Ink's own resize handler draws the old frame at the new width before the view has laid out the
 * new one. So Ink is not told of resizes: the owner calls `resized()` once the view has its new
 * size, and the next frame Ink writes is drawn on a cleared screen from the top.
 */
export class ViewOutput {
  readonly #out: NodeJS.WriteStream;
  #clearNext = false;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  get columns(): number {
    return this.#out.columns;
  }

  get rows(): number {
    return this.#out.rows;
  }

  get isTTY(): boolean {
    return this.#out.isTTY === true;
  }

  /** The terminal changed size: the next frame starts from a blank screen. */
  resized(): void {
    this.#clearNext = true;
  }

  write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
    let text = chunk;
    // Cleared inside the synchronized update, when Ink opens one, so the terminal shows no blank.
    if (this.#clearNext && chunk !== BEGIN_SYNC) {
      this.#clearNext = false;
      text = CLEAR_SCREEN + CURSOR_HOME + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    }
    return (this.#out.write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(text, ...rest);
  }

  // Ink listens for 'resize' and 'drain'; resizes reach the view through its owner instead, and a
  // frame is small enough never to wait for 'drain'.
  on(_event: string, _listener: (...args: unknown[]) => void): this {
    return this;
  }

  off(_event: string, _listener: (...args: unknown[]) => void): this {
    return this;
  }

  removeListener(event: string, listener: (...args: unknown[]) => void): this {
    return this.off(event, listener);
  }
}
