// Rendering the view for tests: ink-testing-library, colour off, the clock pinned by the model.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { render } from 'ink-testing-library';
import { PromotionApp, type PromotionAppProps } from '../../src/view/components/PromotionApp.tsx';
import type { PromotionView } from '../../src/view/model.ts';

export const SIMULATED = { mode: 'simulated', speed: 60, paused: false, ended: false } as const;

export interface Calls {
  approve: string[];
  quit: number;
  pause: number;
  speed: number[];
  fail: string[];
}

export function renderApp(model: PromotionView, overrides: Partial<PromotionAppProps> = {}) {
  const calls: Calls = { approve: [], quit: 0, pause: 0, speed: [], fail: [] };
  const props: PromotionAppProps = {
    model,
    clock: SIMULATED,
    rows: 24,
    columns: 100,
    color: false,
    unicode: true,
    onApprove: (s) => calls.approve.push(s),
    onQuit: () => calls.quit++,
    simulation: {
      onTogglePause: () => calls.pause++,
      onSpeed: (d) => calls.speed.push(d),
      onFailNext: (c) => calls.fail.push(c),
    },
    ...overrides,
  };
  const r = render(<PromotionApp {...props} />);
  return {
    ...r,
    calls,
    frame: () => r.lastFrame() ?? '',
    rerenderWith: (next: Partial<PromotionAppProps>) => r.rerender(<PromotionApp {...props} {...next} />),
    /**
     * Types keys and lets Ink and React handle them: after each, turns of the event loop (no
     * wall-clock wait) until a frame is drawn, since React may finish a render on a later turn when
     * the machine is busy; a key that changes nothing draws no frame, and is given 50 turns.
     */
    press: async (...keys: string[]) => {
      for (const k of keys) {
        const drawn = r.frames.length;
        r.stdin.write(k);
        for (let turn = 0; turn < 50 && r.frames.length === drawn; turn++)
          await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  escape: '\u001B',
  ctrlC: '\u0003',
  pageDown: '\u001B[6~',
};

/** Compares a frame with test/view/golden/<name>.txt; UPDATE_GOLDEN=1 rewrites the file instead. */
export function assertGolden(name: string, frame: string): void {
  const file = new URL(`./golden/${name}.txt`, import.meta.url);
  const text = frame.endsWith('\n') ? frame : `${frame}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, text);
    return;
  }
  assert.ok(
    existsSync(file),
    `golden frame ${name}.txt is missing: run the test with UPDATE_GOLDEN=1 and review the file`,
  );
  assert.equal(
    text,
    readFileSync(file, 'utf8'),
    `frame differs from golden/${name}.txt (UPDATE_GOLDEN=1 rewrites it after review)`,
  );
}
