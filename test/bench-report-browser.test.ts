import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import puppeteer, { type Browser } from 'puppeteer-core';
import { HTML_REPORT_FILE, writeHtmlReport, type HtmlReportData } from '../bench/report-html.js';
import { CURVE_PERCENTILES } from '../bench/stats.js';

/** Debian's `chromium` package (no browser download is possible here); CHROMIUM_PATH overrides. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim().split('\n')[0] : undefined;
}

const chromium = findChromium();
const OUT = path.join(process.cwd(), 'test-output', 'bench-report');
if (!chromium)
  console.warn(
    'The bench report browser test was SKIPPED: Chromium is not installed. Install it with: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH).',
  );
const describeInBrowser = chromium ? describe : describe.skip;
jest.setTimeout(120_000);

const summary = (p50: number) => ({ count: 100, p50, p99: p50 * 3, max: p50 * 5, mean: p50 * 1.2 });
const curve = (p50: number) => CURVE_PERCENTILES.map((p) => ({ p, ms: Number((p50 * (0.5 + p / 50)).toFixed(2)) }));
const warm = (id: string, p50: number) => ({ id, latency: summary(p50), distribution: curve(p50) });
const level = (concurrency: number, rps: number) => ({ concurrency, requestsPerSecond: rps, latency: summary(concurrency * 2) });

/** A run's figures, made up but shaped as the bench writes them. */
const REPORT = {
  mode: 'quick',
  startedAt: '2026-12-04T20:00:00.000Z',
  machine: {
    nproc: 2,
    cpuModel: 'test CPU',
    node: 'v24.0.0',
    platform: 'linux x64',
    memoryGb: 8,
    loadAverageAtStart: 1,
    loadAverageAtEnd: 1,
  },
  warm: [warm('floor', 1), warm('stripe-events', 1.6), warm('peer', 4)],
  load: ['just-wallet', 'stripe-events', 'peer'].map((id, k) => ({
    id,
    levels: [level(1, 200 - k * 40), level(8, 500 - k * 80), level(32, 550 - k * 90)],
  })),
} as unknown as HtmlReportData;

/** Run in the page: each canvas, and whether anything was drawn on it (a pixel not transparent). */
const CANVASES = `[...document.querySelectorAll('canvas')].map((canvas) => {
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = false;
  for (let i = 3; i < pixels.length && !drawn; i += 4) drawn = pixels[i] > 0;
  return { id: canvas.id, drawn: canvas.width > 0 && drawn };
})`;

describeInBrowser('the benchmark report in a real browser (headless Chromium)', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const open = async (file: string, screenshot: string) => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    // Nothing may come from the network: the page is self-contained.
    const fetched: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) fetched.push(request.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.screenshot({ path: path.join(OUT, screenshot), fullPage: true });
    const drawn = (await page.evaluate(CANVASES)) as { id: string; drawn: boolean }[];
    await page.close();
    return { drawn, fetched };
  };

  test('the latency distributions and the throughput against concurrency are drawn, with nothing fetched from the network', async () => {
    const file = await writeHtmlReport(REPORT, path.join(OUT, 'report.html'));
    const { drawn, fetched } = await open(file, 'report.png');
    expect(drawn).toEqual([
      { id: 'latency', drawn: true },
      { id: 'throughput', drawn: true },
      { id: 'load-p99', drawn: true },
    ]);
    expect(fetched).toEqual([]);
  });

  // The report of the last run, when there is one (npm run bench writes it): its screenshot is docs/images/bench-report.png.
  (existsSync(HTML_REPORT_FILE) ? test : test.skip)('the last run’s bench/report.html draws its charts', async () => {
    const { drawn } = await open(HTML_REPORT_FILE, 'last-run.png');
    expect(drawn.every((canvas) => canvas.drawn)).toBe(true);
    expect(drawn).toHaveLength(3);
  });
});
