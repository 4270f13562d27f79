// The key line and the help as the terminal allows them: hints drop the least important keys first,
// so that `? help` and `q quit` always show; the help wraps to the width and scrolls in the rows it has.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ASCII_GLYPHS, UNICODE_GLYPHS } from '../../src/view/glyphs.ts';
import { fitKeyHints, helpLines, helpWindow, keyBindings, maxHelpScroll, wrapWords } from '../../src/view/help.ts';
import { KEY, renderApp } from './render.tsx';
import { awaitingApproval, soaking } from './scenarios.ts';

const lastLine = (frame: string) => frame.split('\n').at(-1) ?? '';
const fits = (frame: string, rows: number, columns: number) => {
  const lines = frame.split('\n');
  assert.ok(lines.length <= rows, `${lines.length} rows in ${rows}:\n${frame}`);
  for (const l of lines) assert.ok([...l].length <= columns, `wider than ${columns}: ${l}`);
};

describe('what q and Ctrl-C do, in the help', () => {
  it('a simulation: q prints the summary timeline, Ctrl-C quits without it; a watch just quits', () => {
    const quit = (simulated: boolean) => keyBindings(UNICODE_GLYPHS, simulated).find((b) => b.hint === 'q quit')!;
    assert.equal(quit(true).what, 'quit, then print the summary timeline (Ctrl-C: quit without it)');
    assert.equal(quit(false).what, 'quit');
  });
});

describe('the key line fits the terminal, the most important keys last to go', () => {
  it('a simulation at 80 columns keeps ? help and q quit, dropping f, then +/-', () => {
    const line = fitKeyHints(keyBindings(UNICODE_GLYPHS, true), 80);
    assert.ok([...line].length <= 80, line);
    assert.match(line, /\? help {2}q quit$/);
    assert.doesNotMatch(line, /f fail/);
    assert.match(line, /^↑↓ stage {2}⏎ expand {2}j\/k cluster {2}a approve {2}space pause/, 'in the listed order');
  });

  it('every hint when there is room; a live watch fits 80 columns whole', () => {
    assert.equal(
      fitKeyHints(keyBindings(UNICODE_GLYPHS, true), 100),
      '↑↓ stage  ⏎ expand  j/k cluster  a approve  space pause  +/- speed  f fail  ? help  q quit',
    );
    assert.equal(
      fitKeyHints(keyBindings(UNICODE_GLYPHS, false), 80),
      '↑↓ stage  ⏎ expand  j/k cluster  a approve  ? help  q quit',
    );
  });

  it('narrower, a approves and q quits to the last', () => {
    assert.equal(fitKeyHints(keyBindings(ASCII_GLYPHS, false), 30), 'a approve  ? help  q quit');
    assert.equal(fitKeyHints(keyBindings(ASCII_GLYPHS, false), 40), '^v stage  a approve  ? help  q quit');
    assert.equal(fitKeyHints(keyBindings(UNICODE_GLYPHS, true), 20), '? help  q quit');
    assert.equal(fitKeyHints(keyBindings(UNICODE_GLYPHS, true), 10), 'q quit');
  });

  it('in the frame at 80x24: the key line of a simulation ends with q quit', () => {
    const r = renderApp(soaking(), { rows: 24, columns: 80 });
    assert.match(lastLine(r.frame()), /\? help {2}q quit$/);
    r.unmount();
  });
});

describe('the help fits the terminal and scrolls', () => {
  it('wraps what a key does under itself, and packs the glyphs into rows that fit', () => {
    for (const columns of [80, 60, 40, 24]) {
      for (const line of helpLines(UNICODE_GLYPHS, true, columns)) {
        const text = line.map((s) => s.text).join('');
        assert.ok([...text].length <= columns, `${columns} columns: ${text}`);
      }
    }
    const at40 = helpLines(UNICODE_GLYPHS, false, 40).map((l) => l.map((s) => s.text).join(''));
    assert.ok(at40.includes('  a          approve the selected manual'), at40.join('\n'));
    assert.ok(at40.includes('             stage (asks y/n)'));
    assert.ok(
      at40.some((l) => l.includes('○ not started')),
      'every glyph is explained',
    );
    assert.deepEqual(wrapWords('one two three', 7), ['one two', 'three']);
    assert.deepEqual(wrapWords('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  });

  it('shows a window of the lines, saying how many are hidden above and below', () => {
    assert.deepEqual(helpWindow(5, 10, 3), { start: 0, end: 5, above: 0, below: 0 }, 'fits: no scrolling');
    assert.deepEqual(helpWindow(20, 6, 0), { start: 0, end: 5, above: 0, below: 15 });
    assert.deepEqual(helpWindow(20, 6, 4), { start: 4, end: 8, above: 4, below: 12 });
    assert.equal(maxHelpScroll(20, 6), 15);
    assert.deepEqual(helpWindow(20, 6, 99), { start: 15, end: 20, above: 15, below: 0 }, 'no further than the end');
  });

  it('at 40x10 the help scrolls with j/k, arrows and PgUp/PgDn, never leaving the terminal', async () => {
    const r = renderApp(awaitingApproval(), { rows: 10, columns: 40, simulation: undefined });
    await r.press('?');
    fits(r.frame(), 10, 40);
    assert.match(r.frame(), /^Keys$/m);
    assert.match(r.frame(), /↓ \d+ more lines \(↓\/j scroll\)/);
    for (let i = 0; i < 40; i++) await r.press('j');
    fits(r.frame(), 10, 40);
    assert.match(r.frame(), /○ not started/, 'scrolled to the end: the last glyph');
    assert.match(r.frame(), /↑ \d+ more lines/);
    assert.doesNotMatch(r.frame(), /more lines \(/, 'nothing hidden below');
    await r.press(KEY.up, 'k');
    assert.doesNotMatch(r.frame(), /○ not started/);
    await r.press('\u001B[5~', '\u001B[5~', '\u001B[5~');
    assert.match(r.frame(), /^Keys$/m, 'PgUp back to the top');
    await r.press(KEY.pageDown);
    assert.doesNotMatch(r.frame(), /^Keys$/m);
    fits(r.frame(), 10, 40);
    await r.press(KEY.escape);
    // Ink holds a lone escape a moment, in case a sequence follows: look until it has let it go.
    for (let i = 0; i < 200 && /more lines/.test(r.frame()); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.doesNotMatch(r.frame(), /more lines/, 'esc closes the help');
    assert.match(r.frame(), /staging/);
    r.unmount();
  });

  it("a live watch's help lists no f, space or speed; a rehearsal's does", () => {
    const live = helpLines(UNICODE_GLYPHS, false, 80).map((l) => l.map((s) => s.text).join(''));
    assert.ok(!live.some((l) => /^ {2}(f|space|\+\/-) /.test(l)), live.join('\n'));
    const sim = helpLines(UNICODE_GLYPHS, true, 80).map((l) => l.map((s) => s.text).join(''));
    assert.ok(sim.some((l) => /^ {2}f {10}make the cursor cluster/.test(l)));
  });
});
