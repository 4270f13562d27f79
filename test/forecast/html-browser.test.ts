// The HTML report in a real browser: Debian's chromium, headless (.ci/run installs it). The page
// must render with no console error and nothing fetched, and the screenshot must show the charts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPromotions } from '../../src/api/validate.ts';
import { loadFleet } from '../../simulator/fleet-file.ts';
import { runForecast } from '../../simulator/forecast/montecarlo.ts';
import { formatForecastHtml } from '../../simulator/forecast/render/html.ts';
import { parseApproval } from '../../plugin/commands/simulate/args.ts';
import { countColour, decodePng } from './png.ts';

function findChromium(): string | null {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() ||
      null
    );
  } catch {
    return null;
  }
}
const chromium = findChromium();

/** Renders the page headless: the screenshot and what the browser logged of the page's console. */
function render(html: string, dir: string): { png: Buffer; console: string[] } {
  const page = join(dir, 'page.html');
  const shot = join(dir, 'shot.png');
  writeFileSync(page, html);
  const r = spawnSync(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--enable-logging=stderr',
      '--v=0',
      '--window-size=1000,1600',
      `--screenshot=${shot}`,
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, `chromium failed: ${r.stderr}`);
  // Chromium logs a page's console messages (and failed loads) as CONSOLE lines.
  const consoleLines = r.stderr.split('\n').filter((l) => /CONSOLE|net::ERR_|Refused to/.test(l));
  return { png: readFileSync(shot), console: consoleLines };
}

describe('the HTML forecast in a headless browser', {
  skip: chromium === null ? 'chromium is not installed (.ci/run installs it)' : false,
}, () => {
  it('renders with no console error; the screenshot shows the Gantt bars, completion and deadline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forecast-browser-'));
    try {
      const root = new URL('../../', import.meta.url).pathname;
      const { promotions } = await loadPromotions([`${root}examples/forecast/promotion.yaml`]);
      const fleet = await loadFleet([`${root}examples/forecast/fleet.yaml`]);
      const start = Date.parse('2025-06-06T15:00:00Z');
      const forecast = await runForecast(
        {
          promotion: promotions[0]!,
          fleet,
          start,
          horizonMs: 30 * 86_400_000,
          approvals: [parseApproval('production@~2h')],
          runs: 12,
          seed: 1,
          deadlineMs: Date.parse('2025-06-08T09:00:00Z'),
        },
        { threads: 1 },
      );
      const { png, console: logged } = render(formatForecastHtml(forecast), dir);
      assert.deepEqual(logged, []);
      const image = decodePng(png);
      assert.equal(image.width, 1000);
      // The light scheme's colours (render/html.ts): the median bars, completion, the deadline.
      assert.ok(countColour(image, '#2563eb') > 2000, 'median bars and histogram in blue');
      assert.ok(countColour(image, '#16a34a') > 200, 'the completion range in green');
      assert.ok(countColour(image, '#dc2626') > 100, 'the deadline in red');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('would see a console error (the check above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forecast-browser-'));
    try {
      const { console: logged } = render('<!DOCTYPE html><p>x</p><script>console.error("broken chart")</script>', dir);
      assert.ok(
        logged.some((l) => l.includes('broken chart')),
        logged.join('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
