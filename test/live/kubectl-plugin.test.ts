// Through kubectl's own plugin dispatch: `kubectl promotion ...` finds the built kubectl-promotion
// on PATH and hands it the flags, --kubeconfig included, against the served API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ClusterPromotion } from '../../src/api/types.ts';
import { manualStage, promotionObject, putCluster, putPromotion, serve, stageEntry, type Served } from './served.ts';

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const ROOT = path.resolve(import.meta.dirname, '../..');

let served: Served;
let env: NodeJS.ProcessEnv;

before(async () => {
  // npm test builds first; rebuilding here would pull chunks from under tests running beside this one.
  if (!existsSync(path.join(ROOT, 'dist/kubectl-promotion.mjs')))
    await run(process.execPath, ['build/build.mjs'], { cwd: ROOT });
  served = await serve();
  const wrapper = path.join(served.dir, 'kubectl-promotion');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'dist/kubectl-promotion.mjs')}" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  env = { ...process.env, PATH: `${served.dir}${path.delimiter}${process.env.PATH}`, KUBECONFIG: '' };
  putCluster(served.store, 'fleet', 'prod-1', { env: 'production' });
  putPromotion(served.store, promotionObject('checkout', [manualStage('production', { env: 'production' })]), {
    currentStageName: 'production',
    stages: [
      stageEntry('production', 'Paused: Awaiting Manual Approval (2026-03-01T10:00:00Z)', {
        lastSuccessfulAppliedTime: '2026-03-01T09:59:00Z',
      }),
    ],
  });
});
after(() => served?.close());

describe('kubectl promotion, through kubectl plugin dispatch', {
  skip: !existsSync(KUBECTL) && 'kubectl is not installed',
}, () => {
  it('lists the promotions with --kubeconfig passed through', async () => {
    const { stdout } = await run(KUBECTL, ['promotion', 'list', '--kubeconfig', served.kubeconfig], { env });
    assert.match(stdout, /^NAME\s+STAGE\s+PHASE\s+CLUSTERS\s+WAITING-FOR\s+AGE\n/);
    assert.match(stdout, /\ncheckout\s+1\/1 production\s+AwaitingApproval\s+0\/1\s+approval for /);
  });

  it('approves the waiting stage by name with --yes', async () => {
    const { stdout } = await run(
      KUBECTL,
      ['promotion', 'approve', 'checkout', '--yes', '--kubeconfig', served.kubeconfig],
      { env },
    );
    assert.equal(stdout, 'approved stage production of checkout\n');
    const p = served.store.get<ClusterPromotion>('clusterpromotions', 'checkout');
    assert.equal(p.spec.stages[0]!.trigger!.manual!.approved, true);
  });

  it('fails with one line and exit 5 when the API refuses the credentials', async () => {
    await assert.rejects(
      run(KUBECTL, ['promotion', 'list', '--kubeconfig', served.kubeconfig, '--token', 'wrong'], { env }),
      (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 5);
        assert.match(
          e.stderr,
          new RegExp(
            /^error: unauthorized: the API server at https:\/\/127\.0\.0\.1:\d+ rejected the /.source +
              /credentials of context "promotion-sim"; .*\n$/.source,
          ),
        );
        return true;
      },
    );
  });
});
