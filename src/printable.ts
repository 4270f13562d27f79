// Text that came from a file or a cluster (names, messages, paths) on its way to a terminal. A
// control character in it could move the cursor, recolour or clear the screen, retitle the window
// or hide what follows; as kubectl's printers do (cli-runtime's EscapeTerminal), ESC is shown as ^[
// and CR as \r, and so, in caret notation, is every other control character but tab and newline.
// C1 controls (U+0080-U+009F, which some terminals obey as ESC sequences) are shown as \u0085.

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\r') return '\\r';
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    if (code === 0x7f) return '^?';
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
