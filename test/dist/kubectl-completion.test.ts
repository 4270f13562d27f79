// Completion through kubectl: `kubectl __complete promotion ...` (what kubectl's own shell
// completion runs at each TAB) finds kubectl_complete-promotion on PATH and hands it the words typed
// after `promotion`. Here the npm package's two executables sit in a bin folder, and promotion
// names come from a served API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COMMANDS } from '../../plugin/registry.ts';
import { autoStage, manualStage, promotionObject, putPromotion, serve } from '../live/served.ts';
import type { Served } from '../live/served.ts';
import { kubectlOnlyFolder, pluginCompletionSkip } from './kubectl.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NO_FILE_COMPLETION = 4;
const run = promisify(execFile);

interface Completion {
  values: string[];
  lines: string[];
  directive: number;
}

describe('completion through kubectl, with the npm build on PATH', { skip: pluginCompletionSkip() }, () => {
  let work: string;
  let served: Served;
  let path: string;

  before(async () => {
    // npm test builds first; rebuilding here would pull chunks from under tests running beside this one.
    if (!existsSync(join(ROOT, 'dist/kubectl-promotion.mjs')))
      await run(process.execPath, ['build/build.mjs'], { cwd: ROOT });
    work = mkdtempSync(join(tmpdir(), 'kp-completion-'));
    const bin = join(work, 'bin');
    mkdirSync(bin);
    // What npm's bin links amount to, with the Node.js that runs the tests.
    for (const name of ['kubectl-promotion', 'kubectl_complete-promotion']) {
      writeFileSync(
        join(bin, name),
        `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist', `${name}.mjs`)}" "$@"\n`,
      );
      chmodSync(join(bin, name), 0o755);
    }
    path = `${bin}:${kubectlOnlyFolder(work)}`;
    served = await serve();
    putPromotion(
      served.store,
      promotionObject('checkout', [
        autoStage('staging', { env: 'staging' }, '5m'),
        manualStage('production', { env: 'production' }),
      ]),
    );
    putPromotion(
      served.store,
      promotionObject('payments', [
        autoStage('development', { env: 'dev' }),
        autoStage('uat', { env: 'uat' }),
        manualStage('production', { env: 'production' }),
      ]),
    );
  });

  after(async () => {
    await served?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // Not spawnSync: the served API answers from this process, which must stay free to do it.
  async function complete(words: string[], kubeconfig = join(work, 'no-kubeconfig')): Promise<Completion> {
    const { stdout } = await run('kubectl', ['__complete', 'promotion', ...words], {
      env: { PATH: path, HOME: join(work, 'home'), KUBECONFIG: kubeconfig },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const lines = stdout.trimEnd().split('\n');
    const last = lines.pop() ?? '';
    assert.match(last, /^:\d+$/, `kubectl's answer ends with the directive: ${stdout}`);
    return { values: lines.map((l) => l.split('\t')[0]!), lines, directive: Number(last.slice(1)) };
  }

  it('offers every command, with its description, for `kubectl promotion <TAB>`', async () => {
    const r = await complete(['']);
    assert.deepEqual(
      r.values,
      COMMANDS.map((c) => c.name),
    );
    assert.ok(
      r.lines.includes(`simulate\t${COMMANDS.find((c) => c.name === 'simulate')!.describe}`),
      r.lines.join('\n'),
    );
    assert.equal(r.directive, NO_FILE_COMPLETION);
  });

  it('offers the flags of the command typed, after a dash', async () => {
    assert.deepEqual((await complete(['simulate', '--fl'])).values, ['--fleet']);
    assert.deepEqual((await complete(['simulate', '--o'])).values, ['--output', '--output-file']);
  });

  it('offers the promotions of the API server KUBECONFIG points at', async () => {
    const r = await complete(['approve', ''], served.kubeconfig);
    assert.deepEqual(r.values.sort(), ['checkout', 'payments']);
    assert.equal(r.directive, NO_FILE_COMPLETION);
    assert.deepEqual((await complete(['get', 'pay'], served.kubeconfig)).values, ['payments']);
  });

  it('offers them from a --kubeconfig typed after the plugin name too (kubectl refuses it before)', async () => {
    assert.deepEqual((await complete(['approve', '--kubeconfig', served.kubeconfig, ''])).values.sort(), [
      'checkout',
      'payments',
    ]);
  });

  it('offers the stages of the promotion named before, for --stage', async () => {
    assert.deepEqual((await complete(['approve', 'payments', '--stage', ''], served.kubeconfig)).values, [
      'development',
      'uat',
      'production',
    ]);
  });

  it('offers no promotion, and no file names, when no API server can be reached', async () => {
    assert.deepEqual(await complete(['approve', '']), { values: [], lines: [], directive: NO_FILE_COMPLETION });
  });
});
