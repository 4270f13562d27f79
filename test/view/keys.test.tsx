// Keyboard flows: what each key does to the view and which callbacks it calls.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_KEY, keyPresses } from '../../src/view/keys.ts';
import { KEY, renderApp } from './render.tsx';
import { awaitingApproval, bigStage, deployingWithFailure, soaking } from './scenarios.ts';

/** React runs effects and their re-render on a later turn of the event loop. */
const turn = () => new Promise((resolve) => setImmediate(resolve));
const selectedLine = (frame: string) => frame.split('\n').find((l) => l.startsWith('›')) ?? '';
const clusterRows = (frame: string) => frame.split('\n').filter((l) => /^ {2}[› ] (├─|└─) \S default\//.test(l));

describe('keys: selecting and expanding', () => {
  it('up/down move the selection between stages, within bounds', async () => {
    const r = renderApp(deployingWithFailure());
    assert.match(selectedLine(r.frame()), /staging/, 'the current stage is selected at first');
    await r.press(KEY.down);
    assert.match(selectedLine(r.frame()), /production/);
    await r.press(KEY.down);
    assert.match(selectedLine(r.frame()), /production/, 'stays on the last stage');
    await r.press(KEY.up, KEY.up, KEY.up);
    assert.match(selectedLine(r.frame()), /canary/);
    r.unmount();
  });

  it('enter collapses the selected stage and expands another; only the active stage is open at first', async () => {
    const r = renderApp(deployingWithFailure());
    assert.equal(clusterRows(r.frame()).length, 2, 'the active stage shows its clusters');
    await r.press(KEY.enter);
    assert.equal(clusterRows(r.frame()).length, 0, 'collapsed');
    assert.match(
      r.frame(),
      /└─ ✖ 1 failing: default\/staging-2 Helm: chart kyverno/,
      'a collapsed stage still says who is failing',
    );
    await r.press(KEY.down, KEY.enter);
    assert.equal(clusterRows(r.frame()).length, 3, 'production expanded: its three clusters');
    r.unmount();
  });

  it('j/k move the cluster cursor and scroll a long list', async () => {
    const r = renderApp(bigStage(2000), { rows: 12 });
    const cursorRow = () =>
      r
        .frame()
        .split('\n')
        .find((l) => l.startsWith('  › ')) ?? '';
    assert.match(cursorRow(), /prod-00000/);
    await r.press('j', 'j');
    assert.match(cursorRow(), /prod-00014/);
    await r.press('k');
    assert.match(cursorRow(), /prod-00007/);
    for (let i = 0; i < 20; i++) await r.press('j');
    assert.match(r.frame(), /↑ \d+ more clusters/, 'scrolled: the rows above are counted');
    assert.ok(r.frame().split('\n').length <= 12);
    await r.press(KEY.pageDown);
    assert.ok(r.frame().split('\n').length <= 12);
    r.unmount();
  });
});

describe('keys: approving', () => {
  it('a asks for confirmation; n cancels without approving', async () => {
    const r = renderApp(awaitingApproval());
    await r.press('a');
    assert.match(r.frame(), /Approve stage staging\? \(y\/n\)/);
    await r.press('n');
    assert.deepEqual(r.calls.approve, []);
    assert.match(r.frame(), /approval cancelled/);
    r.unmount();
  });

  it('a then y calls onApprove once, with the selected stage', async () => {
    const r = renderApp(awaitingApproval());
    await r.press('a');
    assert.deepEqual(r.calls.approve, [], 'nothing before the answer');
    await r.press('y');
    assert.deepEqual(r.calls.approve, ['staging']);
    assert.match(r.frame(), /approval sent for stage staging/);
    r.unmount();
  });

  it('a on a stage without a manual gate explains instead of asking', async () => {
    const r = renderApp(soaking());
    await r.press('a');
    assert.match(r.frame(), /stage canary has no manual gate to approve/);
    await r.press('y');
    assert.deepEqual(r.calls.approve, []);
    r.unmount();
  });

  it('a manual stage not reached yet can be approved early (honoured at the gate)', async () => {
    const r = renderApp(soaking());
    await r.press(KEY.down, 'a', 'y');
    assert.deepEqual(r.calls.approve, ['staging']);
    r.unmount();
  });
});

describe('keys: the simulation', () => {
  it('space pauses and resumes, + and - change the speed', async () => {
    const r = renderApp(soaking());
    await r.press(' ', '+', '-', '-', ' ');
    assert.equal(r.calls.pause, 2);
    assert.deepEqual(r.calls.speed, [1, -1, -1]);
    r.unmount();
  });

  it('f makes the cursor cluster fail its next deploy attempt', async () => {
    const r = renderApp(deployingWithFailure());
    await r.press('j', 'f');
    assert.deepEqual(r.calls.fail, ['default/staging-1']);
    assert.match(r.frame(), /the next deploy attempt on default\/staging-1 will fail/);
    r.unmount();
  });

  it('without a simulation, space, +, - and f do nothing', async () => {
    const r = renderApp(soaking(), { simulation: undefined, clock: { mode: 'live', receivedAt: null } });
    await r.press(' ', '+', '-', 'f');
    assert.deepEqual([r.calls.pause, r.calls.speed, r.calls.fail], [0, [], []]);
    assert.doesNotMatch(r.frame(), /space pause/);
    r.unmount();
  });
});

describe('keys: help and quitting', () => {
  it('? opens and closes the help overlay', async () => {
    const r = renderApp(soaking());
    await r.press('?');
    assert.match(r.frame(), /^Keys$/m);
    await r.press('?');
    assert.doesNotMatch(r.frame(), /^Keys$/m);
    r.unmount();
  });

  it('q and Ctrl-C call onQuit, Ctrl-C even while a confirmation is open', async () => {
    const r = renderApp(awaitingApproval());
    await r.press('q');
    assert.equal(r.calls.quit, 1);
    await r.press('a', KEY.ctrlC);
    assert.equal(r.calls.quit, 2);
    assert.deepEqual(r.calls.approve, []);
    r.unmount();
  });

  it('onQuit says whether q or Ctrl-C ended the view (Ctrl-C exits 130)', async () => {
    const hows: string[] = [];
    const r = renderApp(soaking(), { onQuit: (how) => hows.push(how) });
    await r.press('q', KEY.ctrlC);
    assert.deepEqual(hows, ['quit', 'interrupt']);
    r.unmount();
  });

  it("a caller's notice shows in place of the key line until the next key; a new id shows it again", async () => {
    const r = renderApp(soaking());
    r.rerenderWith({ notice: { id: 1, text: 'cannot approve: no such stage' } });
    await turn();
    assert.match(r.frame(), /cannot approve: no such stage$/);
    await r.press(KEY.down);
    assert.doesNotMatch(r.frame(), /cannot approve/);
    r.rerenderWith({ notice: { id: 1, text: 'cannot approve: no such stage' } });
    await turn();
    assert.doesNotMatch(r.frame(), /cannot approve/, 'the same notice is not shown twice');
    r.rerenderWith({ notice: { id: 2, text: 'cannot approve: no such stage' } });
    await turn();
    assert.match(r.frame(), /cannot approve: no such stage$/);
    r.unmount();
  });

  it('the selection follows the rollout until the person moves it', async () => {
    const r = renderApp(deployingWithFailure());
    r.rerenderWith({ model: awaitingApproval() });
    assert.match(selectedLine(r.frame()), /staging/);
    const moved = bigStage(3);
    r.rerenderWith({ model: moved });
    assert.match(selectedLine(r.frame()), /production/, 'followed to the new current stage');
    await r.press(KEY.up);
    r.rerenderWith({ model: deployingWithFailure() });
    assert.match(selectedLine(r.frame()), /staging/, 'stays where the person put it');
    r.unmount();
  });
});

describe('keys: several arriving in one chunk (typed fast, or repeated over ssh)', () => {
  it('splits a run of characters into its keys, control characters included', () => {
    const inkSaw = (input: string) => keyPresses(input, { ...NO_KEY });
    assert.deepEqual(
      inkSaw('jj').map((k) => k.input),
      ['j', 'j'],
    );
    assert.deepEqual(
      inkSaw('++-').map((k) => k.input),
      ['+', '+', '-'],
    );
    const [j, enter, ctrlC] = inkSaw('j\r\u0003');
    assert.equal(j!.input, 'j');
    assert.equal(enter!.key.return, true);
    assert.deepEqual([ctrlC!.input, ctrlC!.key.ctrl], ['c', true]);
    assert.equal(inkSaw('aQ')[1]!.key.shift, true, 'a capital letter is shifted, as Ink says of one alone');
    assert.equal(inkSaw('\t')[0]!.input, '\t', 'one character is left as Ink reported it');
    const up = keyPresses('', { ...NO_KEY, upArrow: true });
    assert.equal(up.length, 1, 'a named key is one key');
    assert.equal(up[0]!.key.upArrow, true);
  });

  it('jj moves the cluster cursor twice and ++ doubles the speed twice', async () => {
    const r = renderApp(bigStage(2000), { rows: 12 });
    const cursorRow = () =>
      r
        .frame()
        .split('\n')
        .find((l) => l.startsWith('  › ')) ?? '';
    await r.press('jj');
    assert.match(cursorRow(), /prod-00014/, 'as far as j, j typed one at a time');
    await r.press('++');
    assert.deepEqual(r.calls.speed, [1, 1]);
    await r.press('kk');
    assert.match(cursorRow(), /prod-00000/);
    r.unmount();
  });

  it('a key that closes the help does not swallow the next one of its chunk', async () => {
    const r = renderApp(awaitingApproval());
    await r.press('?');
    await r.press('?a');
    assert.match(r.frame(), /Approve stage staging\? \(y\/n\)/);
    await r.press('y');
    assert.deepEqual(r.calls.approve, ['staging']);
    r.unmount();
  });
});
