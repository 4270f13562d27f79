// The terminal view with 5,000 clusters in one stage: time per frame (view model + Ink render of
// the planned rows) and memory. A measurement, not a test; targets: under 20 ms a frame and under
// 200 MB. Run: node --import tsx test/bench/view.bench.ts
// React's development build checks every element and is several times slower; the bundled
// command runs the production build, so the benchmark does too.
process.env.NODE_ENV ??= 'production';
const { setFlagsFromString } = await import('node:v8');
const { runInNewContext } = await import('node:vm');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const { createElement } = await import('react');
const { render } = await import('ink-testing-library');
const { PromotionApp } = await import('../../src/view/components/PromotionApp.tsx');
const { FrameScheduler, sameView } = await import('../../src/view/frames.ts');
const { ViewCache, viewOfWorld } = await import('../../src/view/model.ts');
const { worldOf } = await import('../../src/engine/world.ts');
const { MIN, at, cluster, iso, profile, promotion, provisioned, summary } = await import('../view/fixtures.ts');
type PromotionAppProps = import('../../src/view/components/PromotionApp.tsx').PromotionAppProps;

const CLUSTERS = 5000;
const FRAMES = 200;

const p = promotion({
  currentStageName: 'production',
  stages: [
    {
      name: 'canary',
      lastUpdateReconciledTime: iso(0),
      lastSuccessfulAppliedTime: iso(MIN),
      currentStatusDescription: `Successfully provisioned (${iso(6 * MIN)})`,
    },
    {
      name: 'staging',
      lastUpdateReconciledTime: iso(6 * MIN),
      lastSuccessfulAppliedTime: iso(8 * MIN),
      currentStatusDescription: `Successfully provisioned (${iso(20 * MIN)})`,
    },
    {
      name: 'production',
      lastUpdateReconciledTime: iso(20 * MIN),
      currentStatusDescription: `Clusters are being provisioned (${iso(20 * MIN)})`,
    },
  ],
});
const clusters = [cluster('canary-1', 'canary'), cluster('staging-1', 'staging'), cluster('staging-2', 'staging')];
const summaries = provisioned('canary', 'staging');
for (let i = 0; i < CLUSTERS; i++) {
  const name = `prod-${String(i).padStart(5, '0')}`;
  clusters.push(cluster(name, 'production'));
  summaries.push(
    summary(
      'production',
      name,
      i % 50 === 0 ? 'Failed' : i % 3 === 0 ? 'Provisioning' : 'Provisioned',
      i % 50 === 0 ? { message: 'context deadline exceeded' } : {},
    ),
  );
}
const world = worldOf({ clusters, profiles: ['canary', 'staging', 'production'].map((s) => profile(s)), summaries });

// Every 10th frame the world changed (a new version: cluster lists are rebuilt); the others only
// moved the clock, as between two events of a rollout.
const cache = new ViewCache();
let version = 0;
const base = (now: number) => viewOfWorld(p, world, at(now), cache.at(Math.floor(version / 10)));
const props = (model: ReturnType<typeof base>): PromotionAppProps => ({
  model,
  clock: { mode: 'simulated', speed: 60, paused: false, ended: false },
  rows: 50,
  columns: 160,
  color: true,
  unicode: true,
  onApprove: () => {},
  onQuit: () => {},
  simulation: { onTogglePause: () => {}, onSpeed: () => {}, onFailNext: () => {} },
});

const app = render(createElement(PromotionApp, props(base(25 * MIN))));
const modelMs: number[] = [];
const frameMs: number[] = [];
let now = 25 * MIN;
let drawStart = 0;
let peakRss = 0;
let peakHeap = 0;
// Driven through the same scheduler the interactive view uses, with a timer that never waits:
// each step is one virtual second later, so every frame differs from the one before.
const scheduler = new FrameScheduler({
  timer: {
    now: () => Number.MAX_SAFE_INTEGER / 2 + modelMs.length * 1000,
    setTimeout: () => 0,
    clearTimeout: () => {},
  },
  compute: () => {
    const t0 = performance.now();
    const m = base(now);
    modelMs.push(performance.now() - t0);
    drawStart = t0;
    return m;
  },
  same: sameView,
  draw: (m) => {
    app.rerender(createElement(PromotionApp, props(m)));
    frameMs.push(performance.now() - drawStart);
    // The testing library keeps every frame it was given; a terminal keeps none.
    app.frames.length = 0;
    const u = process.memoryUsage();
    peakRss = Math.max(peakRss, u.rss);
    peakHeap = Math.max(peakHeap, u.heapUsed);
  },
});
for (let i = 0; i < FRAMES; i++) {
  now += 1000;
  version++;
  scheduler.request();
}
gc();
const kept = process.memoryUsage();
app.unmount();

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!.toFixed(2);
  return `median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s.at(-1)!.toFixed(2)} ms`;
};
const mem = { rss: peakRss, heapUsed: peakHeap };
console.log(`view with ${CLUSTERS.toLocaleString('en-US')} clusters in one stage, ${frameMs.length} frames of 160x50`);
console.log(`  view model: ${stat(modelMs)}`);
console.log(`  whole frame (model + render): ${stat(frameMs)}   target < 20 ms`);
console.log(
  `  memory (peak while drawing): heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MB, rss ` +
    `${(mem.rss / 2 ** 20).toFixed(0)} MB   target < 200 MB`,
);
console.log(
  `  memory kept (after the last frame and a full GC): heap used ${(kept.heapUsed / 2 ** 20).toFixed(0)} ` +
    `MB, rss ${(kept.rss / 2 ** 20).toFixed(0)} MB`,
);
console.log(
  `  (rss of node with tsx, React and Ink loaded and nothing rendered: about 110 MB on the reference machine)`,
);
