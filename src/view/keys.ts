// Keys as the views act on them: one at a time. Ink hands a handler each escape sequence on its own
// but a run of plain characters as one input (meant for pasted text), so `jj` or `++` typed fast,
// or repeated by a key held down over ssh, arrive as one string that matches no key. This splits
// such a run into its keys, control characters (enter, tab, Ctrl-C) included. Pure, so that what a
// chunk means is tested without a terminal.
import type { Key } from 'ink';

export interface KeyPress {
  input: string;
  key: Key;
}

/** Ink's Key with nothing pressed: what a plain character arrives with. */
export const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** One character as the key it is: enter, tab, backspace, Ctrl-letter, or itself. */
function keyOf(ch: string): KeyPress {
  const code = ch.codePointAt(0)!;
  if (ch === '\r' || ch === '\n') return { input: '', key: { ...NO_KEY, return: true } };
  if (ch === '\t') return { input: '', key: { ...NO_KEY, tab: true } };
  if (code === 0x7f || code === 0x08) return { input: '', key: { ...NO_KEY, backspace: true } };
  // Ctrl-A to Ctrl-Z are the codes 1 to 26: Ink reports them as the letter with ctrl.
  if (code >= 1 && code <= 26) return { input: String.fromCharCode(code + 96), key: { ...NO_KEY, ctrl: true } };
  return { input: ch, key: { ...NO_KEY, shift: /^[A-Z]$/.test(ch) } };
}

/**
 * The keys in what Ink reported as one input. A named key (an arrow, enter, escape) or a single
 * character is one key; a run of several characters is one key per character.
 */
export function keyPresses(input: string, key: Key): KeyPress[] {
  const chars = [...input];
  if (chars.length <= 1) return [{ input, key }];
  return chars.map(keyOf);
}
