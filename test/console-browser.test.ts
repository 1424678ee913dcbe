import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { operatorDeps, type OperatorTables } from '../operator/wiring.js';
import { eventSubject } from '../operator/replay.js';
import { villageSignature } from '../functions/village-cash-out/signature.js';
import { bundleAssets } from '../operator/console/assets.js';
import { startConsole, type RunningConsole } from '../operator/console/server.js';
import { loadFixture } from './support/events.js';
import { post, startTestGateway } from './support/local-gateway.js';
import { stripeEvent, stripeSignature } from './support/stripe-events.js';
import { silentLogger } from './support/telemetry.js';

/** Debian's `chromium` package (no browser download is possible here); CHROMIUM_PATH overrides. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim().split('\n')[0] : undefined;
}

const chromium = findChromium();
const SCREENSHOTS = path.join(process.cwd(), 'test-output', 'console');
const HOW_TO_INSTALL = 'apt-get update && apt-get install -y chromium';

if (!chromium) {
  console.warn(
    `The console's browser test was SKIPPED: Chromium is not installed. Install it with: ${HOW_TO_INSTALL} (or set CHROMIUM_PATH).`,
  );
}

const describeInBrowser = chromium ? describe : describe.skip;
jest.setTimeout(120_000);

describeInBrowser('the operator console in a real browser (headless Chromium)', () => {
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let consoleServer: RunningConsole;
  let deps: ReturnType<typeof operatorDeps>;
  let browser: Browser;
  let page: Page;
  let cashOutId: string;
  let failedEventId: string;

  /** Every page fits a 1366 px wide laptop screen: nothing cut off or scrolled sideways. */
  const widths: Record<string, { page: number; window: number }> = {};
  const shot = async (name: string) => {
    // A table may scroll inside its figure rather than widen the page; at this width none needs to.
    widths[name] = (await page.evaluate(`({
      page: Math.max(document.documentElement.scrollWidth, ...[...document.querySelectorAll('figure, table')].map((element) => element.getBoundingClientRect().left + element.scrollWidth)),
      window: window.innerWidth,
    })`)) as { page: number; window: number };
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const clickAndWait = (selector: string) => Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    gateway = await startTestGateway();

    // A cash-out paid through the gateway, as Village sends it.
    cashOutId = `co_browser_${Date.now().toString(36)}`;
    const body = JSON.stringify({ ...loadFixture('village', 'cash-out'), cash_out_id: cashOutId });
    const paid = await post(`${gateway.gateway.url}/webhooks/village/cash-out`, body, [
      ['content-type', 'application/json'],
      ['x-village-signature-256', villageSignature(gateway.secret('VILLAGE_WEBHOOK_SECRET'), body)],
    ]);
    expect(paid.status).toBe(200);
    const payoutId = (JSON.parse(paid.body) as { stripe: { id: string } }).stripe.id;

    // Then Stripe fails the payout: Village was told 200, so it needs an operator. The event
    // comes after the payout it names, as Stripe's do (the fixture's own `created` is a fixed
    // moment, which a payout made now has passed).
    const failed = stripeEvent(
      'payout.failed',
      { id: payoutId, metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1LocalSampleAda', created: Math.floor(Date.now() / 1000) + 1 },
    );
    failedEventId = failed.id;
    const eventBody = JSON.stringify(failed);
    const answer = await post(`${gateway.gateway.url}/webhooks/stripe`, eventBody, [
      ['content-type', 'application/json'],
      ['stripe-signature', stripeSignature(eventBody, [gateway.secret('STRIPE_WEBHOOK_SECRET')])],
    ]);
    expect(JSON.parse(answer.body)).toMatchObject({ outcome: 'applied' });

    deps = operatorDeps({
      tables: gateway.tables as unknown as OperatorTables,
      endpoint: gateway.dynamoEndpoint,
      who: 'local',
      logger: silentLogger(),
      stripeEnv: { STRIPE_API_BASE: process.env.STRIPE_API_BASE, STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY },
    });
    consoleServer = await startConsole({ deps, assets: await bundleAssets(), where: 'the test gateway', livemode: false }, { port: 0 });
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 768 });
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.close();
    deps?.close();
    await gateway?.stop();
  });

  test('finds the escalated cash-out, opens its page, acknowledges it and replays its Stripe event', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

    await page.goto(consoleServer.url, { waitUntil: 'load' });
    await page.waitForSelector('#cash-outs-per-hour');
    // The chart script ran (Chart.js sizes its canvas) under the page's content security policy.
    await page.waitForFunction("document.getElementById('cash-outs-per-hour').width > 0");
    expect(await page.$eval('#attention', (element) => element.textContent ?? '')).toContain('failed after a 200');
    await shot('01-home');

    // Find it in the list by its recipient, then open its page.
    await page.goto(`${consoleServer.url}/cash-outs`, { waitUntil: 'load' });
    await page.type('input[name="recipient"]', 'ada@example.com');
    await clickAndWait('form.filters button[type="submit"]');
    expect(await page.$$eval('tr[data-cash-out]', (rows) => rows.map((row) => row.getAttribute('data-cash-out')))).toContain(cashOutId);
    await shot('02-cash-outs');
    await clickAndWait(`tr[data-cash-out="${cashOutId}"] a`);
    const story = await page.$eval('#story', (element) => element.textContent ?? '');
    expect(story).toContain('Village was answered 200');
    expect(story).toContain('payout.failed');
    await shot('03-cash-out');

    await page.type('#acknowledge textarea[name="note"]', 'Payout failed after the 200: asked Ada for new bank details.');
    await clickAndWait('#acknowledge button[type="submit"]');
    expect(page.url()).toContain('acknowledged=1');
    expect(await page.$eval('.acknowledged', (element) => element.textContent ?? '')).toContain('asked Ada for new bank details');
    expect(await page.$eval('#story', (element) => element.textContent ?? '')).toContain('Acknowledged');
    await shot('04-acknowledged');

    await clickAndWait(`tr[data-event="stripe:${failedEventId}"] button[value="0"]`);
    const result = await page.$eval('#replay-results', (element) => element.textContent ?? '');
    expect(result).toMatch(/stale|applied/);
    expect(await page.$eval('main', (element) => element.textContent ?? '')).toContain('Recorded as local');
    await shot('05-replayed');
    expect(await gatewayHistory()).toEqual([expect.objectContaining({ who: 'local', action: 'replay' })]);

    await page.goto(`${consoleServer.url}/events?q=${failedEventId}`, { waitUntil: 'load' });
    expect(page.url()).toContain(encodeURIComponent(`stripe:${failedEventId}`));
    await shot('06-event');

    // Reconcile now shows the decision first: a cash-out that failed is finished, nothing to do.
    await page.goto(`${consoleServer.url}/cash-outs/${cashOutId}`, { waitUntil: 'load' });
    await clickAndWait('#reconcile button[type="submit"]');
    expect(await page.$eval('#reconcile-decision', (element) => element.textContent ?? '')).toContain('Nothing to do now');
    await shot('07-reconcile-decision');

    for (const [name, pathname] of [
      ['08-events', '/events'],
      ['09-records', '/records'],
      ['10-just-wallet-records', '/records?kind=just_wallet_payout'],
    ] as const) {
      await page.goto(`${consoleServer.url}${pathname}`, { waitUntil: 'load' });
      await shot(name);
    }
    expect(errors).toEqual([]);
    const tooWide = Object.entries(widths).filter(([, width]) => width.page > width.window);
    expect(tooWide).toEqual([]);
    expect(Object.keys(widths)).toHaveLength(10);
  });

  const gatewayHistory = () => deps.history.list(eventSubject(`stripe:${failedEventId}`));
});

if (!chromium) {
  test.skip(`browser test skipped: Chromium is not installed (${HOW_TO_INSTALL})`, () => undefined);
}
