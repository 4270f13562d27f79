// `kubectl promotion get NAME --forecast` on a rollout served by `simulate --serve`, mid-way: the
// rehearsals resume from the promotion's status and the live profiles and summaries (as kubectl
// shows them), draw deploy times from those the completed stage showed, and forecast the rest.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../plugin/cli.ts';
import type { Io } from '../../plugin/command.ts';
import { getCommand } from '../../plugin/commands/get/index.ts';
import { parseDeployTime } from '../../plugin/commands/get/forecast.ts';
import type { LiveDeps } from '../../plugin/live.ts';
import { FakeTimers } from '../kube/fake-timers.ts';
import { KUBECTL, kubectl } from '../apiserver/helpers.ts';
import { chart, cluster, env, s, T0 } from '../simulator/helpers.ts';
import { serveRollout, type Harness } from '../serve/helpers.ts';

const kubectlMissing = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).error !== undefined;

// staging: 6 clusters deploying in 40s to 90s, a 5m soak; production: 6 clusters, then done.
const STAGING_TIMES = [40, 50, 60, 70, 80, 90];
let h: Harness;
const deps: LiveDeps = {
  timers: new FakeTimers(0),
  interrupted: () => new AbortController().signal,
  client: { sleep: async () => {} },
};

async function get(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: Readable.from(['']),
    env: {},
  };
  const code = await runCli(
    ['get', 'rollout', ...args, '--kubeconfig', h.server.kubeconfig(), '--no-color'],
    // Real time held still, as the served clock is: "now" is the server's virtual now.
    [getCommand(deps)],
    io,
  );
  return { code, stdout, stderr };
}

interface ForecastJson {
  from: string;
  deployTimes: { source: string; observed: number; p50Seconds: number; p90Seconds: number };
  stage: { name: string; p50: string; p90: string; p50Seconds: number; p90Seconds: number };
  completion: { p50: string; p90: string; p50Seconds: number; p90Seconds: number };
  outcomes: { completed: number; awaitingApproval: number };
}

describe('get --forecast on a served rollout, mid-way', () => {
  before(async () => {
    h = await serveRollout({
      promotions: [
        {
          apiVersion: 'config.projectsveltos.io/v1beta1',
          kind: 'ClusterPromotion',
          metadata: { name: 'rollout' },
          spec: {
            profileSpec: { syncMode: 'Continuous', helmCharts: [chart] },
            stages: [
              { name: 'staging', clusterSelector: env('staging'), trigger: { auto: { delay: '5m' } } },
              { name: 'production', clusterSelector: env('production') },
            ],
          },
        },
      ],
      fleet: {
        clusters: [
          ...STAGING_TIMES.map((t, i) => cluster(`staging-${i + 1}`, { env: 'staging' }, { deployTimeMs: s(t) })),
          ...STAGING_TIMES.map((_, i) => cluster(`prod-${i + 1}`, { env: 'production' }, { deployTimeMs: s(600) })),
        ],
      },
    });
    // staging deployed at 1m30s, soaked until 6m30s: production has been deploying for 30s.
    await h.served.advanceTo(T0 + s(420));
  });
  after(() => h.close());

  it('kubectl sees the rollout mid-way: production deploying, staging’s summaries with their lastAppliedTime', {
    skip: kubectlMissing && process.env.CI === undefined ? `${KUBECTL} is not installed` : false,
  }, async () => {
    const stage = await kubectl(h.server, [
      'get',
      'clusterpromotion',
      'rollout',
      '-o',
      'jsonpath={.status.currentStageName}',
    ]);
    assert.equal(stage.stdout, 'production');
    const applied = await kubectl(h.server, [
      'get',
      'clustersummaries',
      '-l',
      'projectsveltos.io/cluster-profile-name=rollout-staging',
      '-o',
      'jsonpath={range .items[*]}{.spec.clusterName}={.status.featureSummaries[0].lastAppliedTime}{"\\n"}{end}',
    ]);
    assert.deepEqual(
      applied.stdout.trim().split('\n').sort(),
      STAGING_TIMES.map((t, i) => `staging-${i + 1}=${new Date(T0 + s(t)).toISOString().replace('.000Z', 'Z')}`),
    );
  });

  it('forecasts production and completion after now, from the deploy times staging showed', async () => {
    const r = await get(['--forecast', '-o', 'json', '--runs', '50', '--seed', '7']);
    assert.equal(r.code, 0, r.stderr);
    const { forecast } = JSON.parse(r.stdout) as { forecast: ForecastJson };
    const now = T0 + s(420);
    assert.equal(forecast.from, new Date(now).toISOString().replace('.000Z', 'Z'));
    // Nearest-rank over the six observed durations: median 60s, P90 90s.
    assert.deepEqual(forecast.deployTimes, { source: 'observed', observed: 6, p50Seconds: 60, p90Seconds: 90 });
    assert.equal(forecast.stage.name, 'production');
    assert.ok(Date.parse(forecast.stage.p50) > now, `production's median ${forecast.stage.p50} is after now`);
    assert.ok(forecast.stage.p90Seconds >= forecast.stage.p50Seconds);
    // Production started deploying 30s ago: the forecast's draws put its end some 30s to 3m ahead,
    // not the 10m the fleet file would say (the forecast knows only what the rollout showed).
    assert.ok(forecast.completion.p50Seconds > 0 && forecast.completion.p50Seconds <= 180, r.stdout);
    assert.equal(forecast.outcomes.completed, 1);
    const again = await get(['--forecast', '-o', 'json', '--runs', '50', '--seed', '7']);
    assert.deepEqual(
      (JSON.parse(again.stdout) as { forecast: ForecastJson }).forecast,
      forecast,
      'same seed, same figures',
    );
    const other = await get(['--forecast', '-o', 'json', '--runs', '50', '--seed', '8']);
    assert.notDeepEqual(
      (JSON.parse(other.stdout) as { forecast: ForecastJson }).forecast.completion,
      forecast.completion,
    );
  });

  it('prints the forecast under the tree, marked as one', async () => {
    const r = await get(['--forecast', '--runs', '20']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stdout.includes(
        '\nForecast (20 runs, seed 1, from 2030-01-01T00:07:00Z; ' +
          'deploy times as this rollout has shown on 6 clusters: median 1m, P90 1m30s):\n',
      ),
      r.stdout,
    );
    const when = String.raw`2030-01-01T00:\d\d:\d\dZ \(in \S+\)`;
    assert.match(r.stdout, new RegExp(`^ {2}production passes its gates {3}median ${when} {3}P90 ${when}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {2}rollout complete {14}median ${when} {3}P90 ${when}$`, 'm'));
  });

  it('takes --deploy-time for a rollout that showed too few deploys; refuses what is not a duration', async () => {
    assert.deepEqual(parseDeployTime('2m'), { kind: 'fixed', ms: s(120) });
    assert.deepEqual(parseDeployTime('2m/6m'), { kind: 'logNormal', p50Ms: s(120), p90Ms: s(360) });
    const bad = await get(['--forecast', '--deploy-time', '6m/2m']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--deploy-time 6m\/2m: the P90 must not be shorter than the median/);
    const lonely = await get(['--runs', '10']);
    assert.match(lonely.stderr, /--runs is for a forecast: add --forecast/);
    const yaml = await get(['--forecast', '-o', 'yaml']);
    assert.match(yaml.stderr, /--forecast prints with the tree or with -o json, not -o yaml/);
  });
});
