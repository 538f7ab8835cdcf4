/**
 * The web page in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
 * it loads the page `branchnet serve` serves, goes offline, is given two images through its file input, and must
 * show the labels `predict` gives for the same files, with probabilities within 1e-3. It saves
 * a screenshot (docs/web-page.png when BRANCHNET_SCREENSHOT says so). Without chromium this test FAILS (CI installs it: apt-get install -y chromium).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { initBackend } from '../src/core/backend.js';
import { Predictor, type Prediction } from '../src/eval/predict.js';
import { makeTinyModel, type TinyModel } from './model_fixture.js';
import { serveStatic, startPageServer, type PageServer } from './static_server.js';
import { exportModel } from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Shown { file: string; heads: Record<string, { label: string; shownLabel: string; probabilities: Record<string, number> }> }

describe('the web page', () => {
  let m: TinyModel;
  let server: PageServer;
  let browser: Browser;
  let expected: Prediction[];

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: this browser test needs Debian's chromium (apt-get install -y chromium); it does not skip`);
    }
    execFileSync(process.execPath, [path.resolve('scripts/build-web.mjs')]);
    await initBackend();
    m = await makeTinyModel();
    const p = await Predictor.load(m.modelDir, { winograd: false });
    expected = (await p.predictFiles(m.images)).predictions;
    p.dispose();
    server = await startPageServer(m.modelDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (m) fs.rmSync(m.root, { recursive: true, force: true });
  });

  it('shows the labels predict gives and probabilities within 1e-3, computed offline in the browser', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 820 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });

    await page.goto(server.url);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    expect(await page.locator('#model-info').innerText()).toMatch(/color\s+black, blue, red/);

    // Keyboard and labels: the first Tab stop is the file input, named by its visible label.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('files');
    expect(await page.getByLabel('Choose images').count()).toBe(1);

    // From here on nothing may come from the network: the page works on what it loaded.
    const loaded = server.requests.length;
    await context.setOffline(true);
    await page.setInputFiles('#files', m.images);
    await page.waitForFunction(() => document.querySelectorAll('.card[data-state="done"]').length === 2, undefined, { timeout: 60_000 });
    expect(server.requests.length).toBe(loaded);

    const shown: Shown[] = await page.$$eval('.card', (cards) => cards.map((c) => ({
      file: (c as HTMLElement).dataset.file!,
      heads: Object.fromEntries(Array.from(c.querySelectorAll<HTMLElement>('.head')).map((h) => [h.dataset.head!, {
        label: h.dataset.label!,
        shownLabel: h.querySelector('h3 strong')!.textContent!,
        probabilities: Object.fromEntries(Array.from(h.querySelectorAll<HTMLElement>('.bar')).map((b) => [b.dataset.class!, Number(b.dataset.probability)])),
      }])),
    })));
    expect(shown.map((s) => s.file).sort()).toEqual(m.images.map((f) => path.basename(f)).sort());
    let maxDiff = 0;
    for (const want of expected) {
      const got = shown.find((s) => s.file === path.basename(want.path))!;
      for (const [head, h] of Object.entries(want.heads)) {
        expect(got.heads[head]!.label, `${want.path} ${head}`).toBe(h.label);
        expect(got.heads[head]!.shownLabel).toBe(h.label);
        for (const [cls, p] of Object.entries(h.probabilities)) {
          const d = Math.abs(got.heads[head]!.probabilities[cls]! - p);
          maxDiff = Math.max(maxDiff, d);
          expect(d, `${want.path} ${head} ${cls}`).toBeLessThan(1e-3);
        }
      }
    }
    console.log(`web page vs predict: max |probability difference| ${maxDiff.toExponential(2)} over ${expected.length} images`);
    expect(errors, `requests: ${server.requests.join(" ")}`).toEqual([]);

    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    fs.mkdirSync('docs', { recursive: true });
    // The README's picture is refreshed on request only (a test must not rewrite tracked files):
    // BRANCHNET_SCREENSHOT=docs/web-page.png npx vitest run test/web_page.test.ts
    const shot = await page.screenshot({ fullPage: true, ...(process.env.BRANCHNET_SCREENSHOT ? { path: process.env.BRANCHNET_SCREENSHOT } : {}) });
    expect(shot.length).toBeGreaterThan(1000);
    await context.close();
  });

  it('says so, and takes no images, when the model was trained with a resize it cannot reproduce', async () => {
    // The exported site (as on any static host), its branchnet.json claiming bilinear resizing (libvips' fixed-point kernel).
    const site = path.join(m.root, 'site-bilinear');
    await exportModel({ model: m.modelDir, format: 'web', out: site, overwrite: true });
    const metaFile = path.join(site, 'model', 'branchnet.json');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    meta.config.data.interpolation = 'bilinear';
    fs.writeFileSync(metaFile, JSON.stringify(meta));
    const other = await serveStatic(site);
    const page = await browser.newPage();
    try {
      await page.goto(other.url);
      await page.waitForSelector('#status[data-state="error"]', { timeout: 60_000 });
      expect(await page.locator('#status').innerText()).toMatch(/trained with "bilinear" resizing, which the page cannot reproduce exactly \(it can: nearest, area\)/);
      expect(await page.locator('#files').isDisabled()).toBe(true);
    } finally {
      await page.close();
      await other.close();
    }
  });
});
