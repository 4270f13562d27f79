// Golden frames: the view at fixed virtual times, colour off, compared with test/view/golden/*.txt.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertGolden, renderApp } from './render.tsx';
import { awaitingApproval, awaitingWindow, bigStage, completed, deployingWithFailure, soaking } from './scenarios.ts';
import { T0 } from './fixtures.ts';

describe('the view, frame by frame (golden files)', () => {
  it('soaking: a countdown to the end of the soak', () => {
    const r = renderApp(soaking());
    assert.match(r.frame(), /soak ends in 3m12s \(03:06Z\)/);
    assertGolden('soaking', r.frame());
    r.unmount();
  });

  it(
    'deploying with a failing cluster: the cluster and its message, failing first, under the active stage ' + 'only',
    () => {
      const r = renderApp(deployingWithFailure());
      assert.match(r.frame(), /✖ default\/staging-2\s+Failed\s+Helm: chart kyverno: timed out/);
      assertGolden('deploying-failing', r.frame());
      r.unmount();
    },
  );

  it("shows a message's escape sequences instead of obeying them", () => {
    const r = renderApp(deployingWithFailure('\u001b[2J\u001b]0;owned\u0007chart failed\r'));
    assert.match(r.frame(), /default\/staging-2\s+Failed\s+Helm: \^\[\[2J\^\[\]0;owned\^Gchart failed\\r/);
    assert.doesNotMatch(r.frame(), /\u001b\[2J|\u0007/);
    r.unmount();
  });

  it('the same in ASCII, for terminals that are not UTF-8', () => {
    const r = renderApp(deployingWithFailure(), { unicode: false });
    assert.doesNotMatch(r.frame(), /[^\x20-\x7E\n]/, 'nothing but printable ASCII');
    assertGolden('deploying-failing-ascii', r.frame());
    r.unmount();
  });

  it('awaiting approval on a live clock: how long it has waited, the key to approve, the age of the data', () => {
    const model = awaitingApproval();
    const r = renderApp(model, { clock: { mode: 'live', receivedAt: model.now - 4_000 }, simulation: undefined });
    assert.match(r.frame(), /waiting for approval for 13m17s \(a to approve\)/);
    assert.match(r.frame(), /data 4s old/);
    assertGolden('awaiting-approval-live', r.frame());
    r.unmount();
  });

  it('awaiting the window: when it opens and closes', () => {
    const r = renderApp(awaitingWindow(), { clock: { mode: 'simulated', speed: 300, paused: true, ended: false } });
    assert.match(r.frame(), /AwaitingWindow +\S+ 3\/3 {2}opens in 18h30m \(22:00Z\), closes 01-03 06:00Z$/m);
    assert.match(r.frame(), /PAUSED/);
    assertGolden('awaiting-window-paused', r.frame());
    r.unmount();
  });

  it('completed: every stage done, the simulation says how to leave', () => {
    const r = renderApp(completed(), { clock: { mode: 'simulated', speed: 60, paused: false, ended: true } });
    assert.match(r.frame(), /Completed/);
    assertGolden('completed', r.frame());
    r.unmount();
  });

  it('help overlay: every key and glyph', () => {
    const r = renderApp(soaking(), { initialUi: { help: true } });
    assertGolden('help', r.frame());
    r.unmount();
  });

  it("help overlay of a live watch: only the keys it has, no f (a rehearsal's)", () => {
    const model = awaitingApproval();
    const r = renderApp(model, {
      clock: { mode: 'live', receivedAt: model.now },
      simulation: undefined,
      initialUi: { help: true },
    });
    assert.match(r.frame(), /\n {2}a {10}approve the selected manual stage/);
    assert.doesNotMatch(r.frame(), /\bf\b|space|speed/);
    assert.match(r.frame(), /the list under a stage shows failing clusters first/i);
    r.unmount();
  });

  it("a failed stage's message heads its clusters: only the tree's last row closes it (└─)", () => {
    const model = deployingWithFailure();
    const stage = model.stages[1]!;
    const failed = {
      ...stage,
      phase: 'Failed' as const,
      failureMessage: 'stage staging: trigger.auto.delay: invalid duration "bogus"',
      progress: { ...stage.progress, failing: 0 },
      clusters: stage.clusters.map(({ message: _, ...c }) => ({ ...c, state: 'Provisioned' as const })),
    };
    const r = renderApp({ ...model, stages: model.stages.map((s) => (s === stage ? failed : s)) });
    const tree = r
      .frame()
      .split('\n')
      .filter((l) => /[├└]─/.test(l));
    assert.deepEqual(
      tree.map((l) => l.match(/[├└]─ \S+/)![0]),
      ['├─ stage', '├─ ✔', '└─ ✔'],
    );
    r.unmount();
  });

  it('2,000 clusters in one stage: the list scrolls within the terminal, failing clusters first', () => {
    const r = renderApp(bigStage(2000), { rows: 24, columns: 100 });
    const lines = r.frame().split('\n');
    assert.equal(lines.length, 24, 'exactly the terminal height, not one row more');
    assert.ok(
      lines.every((l) => l.length <= 100),
      'no row wider than the terminal',
    );
    assert.match(r.frame(), /↓ 1,98\d more clusters/);
    assertGolden('two-thousand-clusters', r.frame());
    r.unmount();
  });
});

describe('the view never outgrows the terminal', () => {
  for (const [rows, columns] of [
    [24, 80],
    [10, 60],
    [5, 40],
    [3, 20],
    [1, 10],
  ] as const) {
    it(`${rows}x${columns}: at most ${rows} rows of at most ${columns} columns`, () => {
      for (const model of [bigStage(2000), deployingWithFailure(), completed()]) {
        const r = renderApp(model, { rows, columns });
        const lines = r.frame().split('\n');
        assert.ok(lines.length <= rows, `${lines.length} rows`);
        assert.ok(
          lines.every((l) => [...l].length <= columns),
          `too wide: ${lines.find((l) => [...l].length > columns)}`,
        );
        r.unmount();
      }
    });
  }

  it('a message in wide characters (two cells each) is still cut at the terminal edge', () => {
    const message = '部署在集群上失败：等待条件超时，请检查图表和集群的状态。'.repeat(3);
    const model = deployingWithFailure();
    const stage = model.stages[1]!;
    const clusters = stage.clusters.map((c) => (c.state === 'Failed' ? { ...c, message: `Helm: ${message}` } : c));
    const r = renderApp(
      { ...model, stages: model.stages.map((s) => (s === stage ? { ...s, clusters } : s)) },
      { rows: 24, columns: 80 },
    );
    const cells = (line: string) =>
      [...line].reduce((n, ch) => n + (/\p{Script=Han}|[\u3000-\u303f\uff00-\uffef]/u.test(ch) ? 2 : 1), 0);
    const row = r
      .frame()
      .split('\n')
      .find((l) => l.includes('部署'));
    assert.ok(row, 'the failing cluster and its message are shown');
    assert.ok(cells(row) <= 80, `${cells(row)} cells wide: ${row}`);
    r.unmount();
  });

  it('a message over several lines stays on its row', () => {
    const model = deployingWithFailure();
    const stage = model.stages[1]!;
    const clusters = stage.clusters.map((c) =>
      c.state === 'Failed'
        ? { ...c, message: 'Helm: install failed:\n\terror validating data\r\nrelease kyverno failed' }
        : c,
    );
    const r = renderApp(
      { ...model, stages: model.stages.map((s) => (s === stage ? { ...s, clusters } : s)) },
      { rows: 24, columns: 100 },
    );
    assert.match(r.frame(), /✖ default\/staging-2 +Failed +Helm: install failed: {2}error validating data {2}release/);
    const oneLineMessage = renderApp(deployingWithFailure(), { rows: 24, columns: 100 });
    assert.equal(
      r.frame().split('\n').length,
      oneLineMessage.frame().split('\n').length,
      'no row more than with a one-line message',
    );
    oneLineMessage.unmount();
    r.unmount();
  });

  it('scrolls the stages themselves when there are more than rows, keeping the selected one in view', async () => {
    const model = bigStage(10);
    const many: typeof model = {
      ...model,
      stageCount: 40,
      stages: Array.from({ length: 40 }, (_, i) => ({ ...model.stages[0]!, index: i, name: `stage-${i}` })),
      current: 30,
    };
    const r = renderApp(many, { rows: 12 });
    const frame = r.frame();
    assert.ok(frame.split('\n').length <= 12);
    assert.match(frame, /› ✔ stage-30/);
    assert.match(frame, /↑ \d+ more stages/);
    assert.match(frame, /↓ \d+ more stages/);
    r.unmount();
  });

  it('pins the clock: the same model renders the same frame', () => {
    const a = renderApp(soaking());
    const b = renderApp(soaking());
    assert.equal(a.frame(), b.frame());
    assert.match(a.frame(), new RegExp(T0.toISOString().slice(0, 10)));
    a.unmount();
    b.unmount();
  });
});
