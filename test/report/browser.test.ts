import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCES } from '../../src/config/baseline.ts';
import { loadBaseline } from '../../src/report/baseline/load.ts';
import { rebuildWithBaseline } from '../../src/report/baseline/record.ts';
import { htmlReporter } from '../../src/report/html/reporter.ts';
import { jsonReporter } from '../../src/report/reporters/json.ts';
import { rebuildReport } from '../../src/run/rebuild.ts';
import {
  failingContractsRun,
  HOSTILE,
  hostileRun,
  passingRun,
  soakRun,
  writeRunDir,
} from '../fixtures/report/runs.ts';
import { REPO_ROOT, tempDir } from '../helpers/cli.ts';
import { findChromium } from '../helpers/system-tools.ts';

const SHOTS = path.join(REPO_ROOT, 'test-output', 'report');
const CHROMIUM = findChromium('test/report/browser.test.ts (the HTML report in Chromium)');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

let browser: Browser;
const dirs: Record<string, string> = {};

beforeAll(async () => {
  if (!CHROMIUM) return;
  mkdirSync(SHOTS, { recursive: true });
  const root = tempDir('shakedown-report-');
  const reporters = () => [jsonReporter(), htmlReporter()];
  for (const [name, events] of Object.entries({
    passing: passingRun(),
    failing: failingContractsRun(),
    hostile: hostileRun(),
  })) {
    dirs[name] = writeRunDir(path.join(root, name), events);
    await rebuildReport(dirs[name], reporters());
  }
  // Last night's soak, and tonight's: slower, crossing its p95 threshold, compared with last night.
  const lastNight = writeRunDir(
    path.join(root, 'last-night'),
    soakRun({ seed: 1, runId: '2026-11-22T02-00-00Z-bbbbbb' }),
  );
  await rebuildReport(lastNight, reporters());
  dirs.soak = writeRunDir(path.join(root, 'soak'), soakRun({ seed: 2, latencyFactor: 1.6 }));
  await rebuildWithBaseline(dirs.soak, reporters(), {
    baseline: loadBaseline(lastNight),
    tolerances: DEFAULT_TOLERANCES,
    force: false,
  });
  dirs.truncated = writeRunDir(path.join(root, 'truncated'), failingContractsRun({ unfinished: true }), {
    cutLastLine: true,
  });
  await rebuildReport(dirs.truncated, reporters());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  url: string;
  errors: string[];
  requests: string[];
  dialogs: string[];
}

async function open(
  name: string,
  options: { width?: number; colorScheme?: 'light' | 'dark'; url?: string } = {},
): Promise<Opened> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const url = options.url ?? pathToFileURL(path.join(dirs[name], 'index.html')).href;
  const opened: Opened = { page, url, errors: [], requests: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') opened.errors.push(m.text());
  });
  page.on('pageerror', (e) => opened.errors.push(e.message));
  page.on('request', (r) => opened.requests.push(r.url()));
  page.on('dialog', async (d) => {
    opened.dialogs.push(d.message());
    await d.dismiss();
  });
  await page.goto(url);
  await page.waitForLoadState('load');
  return opened;
}

/** Nothing but the page itself was requested, and nothing complained (CSP violations log errors). */
function expectSelfContained(o: Opened): void {
  expect(o.errors).toEqual([]);
  expect(o.requests).toEqual([o.url]);
  expect(o.dialogs).toEqual([]);
}

const visibleChecks = (page: Page) => page.locator('li.check:visible').count();

describe.runIf(CHROMIUM)('the HTML report in Chromium, from file://', () => {
  it('shows a passing run: banner, counts, the verdict filter and the search', async () => {
    const o = await open('passing');
    const { page } = o;
    await expect.poll(() => page.locator('header.banner h1').innerText()).toContain('PASS');
    expect(await page.locator('header.banner').getAttribute('class')).toContain('pass');
    expect(await page.locator('header.banner .counts').innerText()).toContain(
      '8 passed · 0 failed · 1 warned · 1 skipped',
    );
    expect(await visibleChecks(page)).toBe(10);

    await page.getByRole('button', { name: /^pass/ }).click();
    expect(await page.getByRole('button', { name: /^pass/ }).getAttribute('aria-pressed')).toBe('false');
    expect(await visibleChecks(page)).toBe(2);
    await expect.poll(() => page.locator('#shown-count').innerText()).toBe('2 of 10 checks shown');
    await page.getByRole('button', { name: /^pass/ }).click();

    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search');
    await page.keyboard.type('webhook.');
    expect(await visibleChecks(page)).toBe(3);
    await page.locator('#search').fill('no such check');
    expect(await visibleChecks(page)).toBe(0);
    expect(await page.locator('.no-match:visible').count()).toBe(2);
    await page.locator('#search').fill('');
    await page.screenshot({ path: path.join(SHOTS, 'passing.png'), fullPage: true });
    expectSelfContained(o);
    await page.context().close();
  }, 60_000);

  it('shows a failing run: a failure expands to its evidence, by mouse and by keyboard, with a curl to copy', async () => {
    const o = await open('failing');
    const { page } = o;
    expect(await page.locator('header.banner h1').innerText()).toContain('FAIL');
    const failure = page.locator('details.failure').first();
    expect(await failure.locator('.evidence').isVisible()).toBe(false);
    await failure.locator('summary').click();
    expect(await failure.locator('.evidence').isVisible()).toBe(true);
    const evidence = await failure.locator('.evidence').innerText();
    expect(evidence).toContain('/id: must be string');
    expect(evidence).toContain('GET http://127.0.0.1:4100/v1/sessions/ses_123');
    expect(evidence).toContain('{"id":42,"state":"open"}');
    expect(evidence).toContain('totalMs');
    expect(await failure.locator('.curl code').innerText()).toContain('$SHAKEDOWN_TOKEN');
    await failure.locator('button.copy').click();
    await expect.poll(() => failure.locator('button.copy').innerText()).toMatch(/Copied|Selected/);

    const second = page.locator('details.failure').nth(1);
    await second.locator('summary').focus();
    await page.keyboard.press('Enter');
    expect(await second.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);

    await page.getByRole('button', { name: /^fail/ }).click();
    expect(await page.locator('details.failure:visible').count()).toBe(0);
    await page.getByRole('button', { name: /^fail/ }).click();
    await page.getByRole('button', { name: 'Expand failures' }).click();
    expect(await page.locator('details.failure[open]').count()).toBe(4);

    expect(await page.locator('table.coverage-table td.cov.fail').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'failing.png'), fullPage: true });
    expectSelfContained(o);
    await page.context().close();
  }, 60_000);

  it('is usable at phone width in dark mode', async () => {
    const o = await open('failing', { width: 390, colorScheme: 'dark' });
    const { page } = o;
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(13, 17, 23)');
    await page.locator('details.failure summary').first().click();
    await page.screenshot({ path: path.join(SHOTS, 'failing-phone-dark.png'), fullPage: true });
    expectSelfContained(o);
    await page.context().close();
  }, 60_000);

  it('draws the soak charts with their data, thresholds, and the changes since the baseline', async () => {
    const o = await open('soak');
    const { page } = o;
    expect(await page.locator('header.banner h1').innerText()).toContain('FAIL');
    const charts = page.locator('.chart');
    expect(await charts.count()).toBe(17);
    const drawn = await charts.evaluateAll((els) =>
      els.map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return { points: 0, inked: 0 };
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked += 1;
        return { points: Number((el as HTMLElement).dataset.points), inked };
      }),
    );
    for (const chart of drawn) {
      expect(chart.points).toBeGreaterThan(0);
      expect(chart.inked).toBeGreaterThan(500);
    }
    const rtt = page.locator('figure', { hasText: 'event_rtt_ms — p50' });
    expect(await rtt.locator('.u-legend').innerText()).toContain('threshold event_rtt_ms p(95)<100');
    expect(await rtt.locator('.chart-summary').innerText()).toContain('not met (the check failed)');
    expect(await rtt.locator('.chart').getAttribute('role')).toBe('img');

    const panel = page.locator('#since-baseline');
    expect(await panel.innerText()).toContain('2026-11-22T02-00-00Z-bbbbbb');
    expect(await panel.locator('tr.regression').count()).toBeGreaterThan(0);
    expect(await page.locator('table.metrics .delta.regression').count()).toBeGreaterThan(0);
    await panel.getByRole('link').first().click();
    expect(
      await page.evaluate(() => (document.querySelector(location.hash) as HTMLDetailsElement | null)?.open),
    ).toBe(true);
    const regression = page.locator('section.group[data-group="baseline.no-metric-regression"] li.check');
    expect(await regression.innerText()).toContain('regressed beyond tolerance');

    await page.screenshot({ path: path.join(SHOTS, 'soak.png'), fullPage: true });
    expectSelfContained(o);
    await page.context().close();
  }, 60_000);

  it('renders hostile evidence as text: no dialog, no script runs, the strings visible', async () => {
    const o = await open('hostile');
    const { page } = o;
    await page.getByRole('button', { name: 'Expand failures' }).click();
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img, svg, iframe').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(3);
    const text = await page.locator('main').innerText();
    for (const s of [HOSTILE.script, HOSTILE.img, HOSTILE.svg, HOSTILE.attr]) expect(text).toContain(s);
    expect(await page.locator('header.banner').innerText()).toContain(HOSTILE.attr);
    await page.mouse.move(300, 120);
    await page.screenshot({ path: path.join(SHOTS, 'hostile.png'), fullPage: true });
    expectSelfContained(o);
    await page.context().close();
  }, 60_000);

  it('works the same served over HTTP by a plain static server', async () => {
    const server = createServer((req, res) => {
      const file = path.join(
        dirs.soak,
        path.normalize(decodeURIComponent(req.url ?? '/')).replace(/^([/\\])+/, ''),
      );
      if (!file.startsWith(dirs.soak) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const o = await open('soak', { url: `http://127.0.0.1:${port}/index.html` });
      const points = await o.page
        .locator('.chart')
        .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.points)));
      expect(points.length).toBe(17);
      expect(points.every((n) => n > 0)).toBe(true);
      expectSelfContained(o);
      await o.page.context().close();
    } finally {
      server.close();
    }
  }, 60_000);

  it('marks a run rebuilt from a truncated events.ndjson incomplete and shows every complete record', async () => {
    const lines = readFileSync(path.join(dirs.truncated, 'events.ndjson'), 'utf8').split('\n');
    const complete = lines.slice(0, -1).map((l) => JSON.parse(l));
    const checkTitles = complete.filter((e) => e.type === 'check').map((e) => e.result.title as string);
    expect(checkTitles.length).toBeGreaterThan(3);

    const o = await open('truncated');
    const { page } = o;
    expect(await page.locator('header.banner h1').innerText()).toContain('INCOMPLETE');
    expect(await page.locator('header.banner').innerText()).toContain('did not finish');
    const shown = await page.locator('li.check summary .title').allInnerTexts();
    expect(shown.sort()).toEqual([...checkTitles].sort());
    await page.screenshot({ path: path.join(SHOTS, 'truncated.png'), fullPage: true });
    expectSelfContained(o);
    await page.context().close();
  }, 60_000);
});
