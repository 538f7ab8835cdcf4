import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/defaults.js';
import type { History } from '../core/history.js';
import type { DataSummary } from '../data/summary.js';
import type { EvalRecord, EvalResult } from './evaluate.js';
import { evaluateMetrics, type Metrics } from './metrics.js';
import { confusionSpec, escapeHtml, isolateSvgIds, renderReport, writeReport, type ReportInput } from './report.js';

const HEADS = [
  { name: 'color', vocab: ['black', 'blue', 'red'] },
  { name: 'type', vocab: ['dress', 'jeans'] },
];
const TRAIN = ['black_jeans', 'blue_dress', 'red_dress'];

function result(pairs: string[], heads = HEADS, train = TRAIN): EvalResult {
  const records: EvalRecord[] = pairs.map((s, i) => {
    const [t, p] = s.split('→') as [string, string];
    const truth = t.split('_');
    const pred = p.split('_');
    return { path: `test/${t}/${i}.jpg`, truth, pred, prob: pred.map(() => 0.9), combo: t, seen: train.includes(t) };
  });
  return { heads, records, trainCombos: train, failures: [] };
}

/** Same hand-counted fixture as metrics.test.ts: As 6/8, Au 2/8, H 0.375, shortcut 4/8. */
const SPLIT_PAIRS = [
  'black_jeans→black_jeans',
  'black_jeans→black_jeans',
  'black_jeans→blue_jeans',
  'blue_dress→blue_dress',
  'blue_dress→blue_dress',
  'red_dress→red_dress',
  'red_dress→red_jeans',
  'red_dress→red_dress',
  'black_dress→black_jeans',
  'black_dress→black_jeans',
  'black_dress→black_dress',
  'black_dress→blue_dress',
  'blue_jeans→blue_dress',
  'blue_jeans→blue_jeans',
  'blue_jeans→red_dress',
  'blue_jeans→red_jeans',
];
/** A baseline that always falls back to seen combinations: Au 0/8, shortcut 8/8. */
const MULTI_PAIRS = [
  ...SPLIT_PAIRS.slice(0, 8),
  'black_dress→black_jeans',
  'black_dress→black_jeans',
  'black_dress→black_jeans',
  'black_dress→blue_dress',
  'blue_jeans→blue_dress',
  'blue_jeans→blue_dress',
  'blue_jeans→black_jeans',
  'blue_jeans→blue_dress',
];

const ramp = (n: number, a: number, b: number): number[] => Array.from({ length: n }, (_, i) => Number((a + ((b - a) * i) / Math.max(1, n - 1)).toFixed(4)));

function history(): History {
  const phase = (name: string, n: number, from: number, to: number) => ({
    name,
    epochs: n,
    seconds: 30 * n,
    imagesPerSecond: 66.7,
    trainableParams: 1000,
    history: {
      loss: ramp(n, 1.2 - from, 1.2 - to),
      color_loss: ramp(n, 0.9 - from, 0.9 - to),
      type_loss: ramp(n, 1 - from, 1 - to),
      color_acc: ramp(n, 0.5 + from / 2, 0.5 + to / 2),
      type_acc: ramp(n, 0.45 + from / 2, 0.45 + to / 2),
      val_color_acc: ramp(n, 0.55 + from / 2, 0.5 + to / 2),
      val_type_acc: ramp(n, 0.5 + from / 2, 0.45 + to / 2),
      val_color_loss: ramp(n, 0.85 - from, 0.9 - to),
      val_type_loss: ramp(n, 0.95 - from, 1 - to),
    },
  });
  return { phases: [phase('phase1', 6, 0, 0.6), phase('phase2', 3, 0.6, 0.8)] };
}

function dataSummary(extraCombo?: string): DataSummary {
  return {
    source: 'synth/train',
    heads: HEADS,
    images: 1200,
    train: 760,
    val: 190,
    heldOut: 250,
    combos: { black_jeans: 300, blue_dress: 300, red_dress: 350, black_dress: 250, ...(extraCombo ? { [extraCombo]: 1 } : {}) },
    skipped: [
      { path: 'synth/train/black_jeans/broken.jpg', reason: 'could not decode: truncated JPEG' },
      { path: 'synth/train/notes.txt', reason: 'not an image' },
    ],
  };
}

async function tinyPng(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 6, channels: 3, background: '#ff0000' } }).png().toBuffer();
}

let split: Metrics;
let multi: Metrics;
let input: ReportInput;
let html: string;

beforeAll(async () => {
  split = evaluateMetrics(result(SPLIT_PAIRS));
  multi = evaluateMetrics(result(MULTI_PAIRS));
  const config = resolveConfig({ data: { holdOut: ['black_dress'] } });
  input = {
    title: 'Black dress: split vs multilabel',
    createdAt: '2026-01-02T03:04:05Z',
    notes: ['Held out: black_dress.'],
    models: [
      {
        name: 'split',
        history: history(),
        metrics: split,
        config,
        backend: 'wasm, 2 threads, SIMD',
        timings: [
          { phase: 'phase1', seconds: 180, imagesPerSecond: 66.7 },
          { phase: 'phase2', seconds: 90.5, imagesPerSecond: 44.4 },
        ],
        data: dataSummary(),
      },
      { name: 'multilabel', history: history(), metrics: multi, config, backend: 'cpu', data: dataSummary() },
    ],
    grid: [{ png: await tinyPng(), caption: 'unseen combinations, split model' }],
    compare: {
      rows: [
        { name: 'split', metrics: [split, split] },
        { name: 'multilabel', metrics: [multi] },
      ],
    },
  };
  html = await renderReport(input);
}, 120_000);

/** The text of one `<section id=…>`. */
function sectionHtml(page: string, id: string): string {
  const start = page.indexOf(`<section id="${id}">`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('</section>', start));
}

describe('renderReport', () => {
  it('is a complete HTML document with the title and notes escaped', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Black dress: split vs multilabel</title>');
    expect(html).toContain('<li>Held out: black_dress.</li>');
    expect(html).toContain('2026-01-02T03:04:05Z');
  });

  it('headline table: As, Au, H, shortcut and per-head accuracy with Wilson intervals for both models', () => {
    const s = sectionHtml(html, 'headline');
    // split: As 6/8 = 75.0% [40.9–92.9], Au 2/8 = 25.0% [7.1–59.1], H 37.5%, shortcut 4/8
    expect(s).toContain('<span class="v">75.0%</span> <span class="ci">[40.9–92.9]</span><span class="k b">6/8</span>');
    expect(s).toContain('<span class="v">25.0%</span> <span class="ci">[7.1–59.1]</span><span class="k b">2/8</span>');
    expect(s).toContain('<span class="v">37.5%</span>');
    expect(s).toContain('<span class="v">50.0%</span> <span class="ci">[21.5–78.5]</span><span class="k b">4/8</span>');
    // color seen 7/8
    expect(s).toContain('<span class="v">87.5%</span> <span class="ci">[52.9–97.8]</span><span class="k b">7/8</span>');
    // multilabel: Au 0/8 → 0.0% [0.0–32.4], H 0, shortcut 8/8
    expect(s).toContain('<span class="v">0.0%</span> <span class="ci">[0.0–32.4]</span><span class="k b">0/8</span>');
    expect(s).toContain('<span class="v">100.0%</span> <span class="ci">[67.6–100.0]</span><span class="k b">8/8</span>');
    expect(s).toMatch(/<th class="num">split<\/th><th class="num">multilabel<\/th>/);
    for (const label of ['color accuracy, seen', 'color accuracy, unseen', 'type accuracy, seen', 'type accuracy, unseen']) expect(s).toContain(label);
  });

  it('has every section, each with its numbers', () => {
    for (const id of ['headline', 'compare', 'curves', 'confusion', 'combinations', 'unseen', 'grids', 'data', 'run']) {
      expect(html).toContain(`<section id="${id}">`);
      expect(html).toContain(`<a href="#${id}">`);
    }
    const combos = sectionHtml(html, 'combinations');
    expect(combos).toMatch(/black_dress<\/th><td><span class="badge unseen">unseen<\/span><\/td><td class="num">4<\/td>/);
    expect(combos).toMatch(/black_jeans<\/th><td><span class="badge seen">seen<\/span><\/td><td class="num">3<\/td>/);
    expect(combos).toContain('black_jeans <span class="k">2/4</span> <span class="badge shortcut">shortcut</span>');
    const unseen = sectionHtml(html, 'unseen');
    expect(unseen).toContain('title="shortcut, keeps color">black_jeans <b>2</b> <span class="k">50%</span>');
    expect(unseen).toContain('title="correct">black_dress <b>1</b>');
    const compare = sectionHtml(html, 'compare');
    expect(compare).toContain('exact match unseen (Au)');
    expect(compare).toContain('<td class="num">25.0 ± 0.0</td>');
    const data = sectionHtml(html, 'data');
    expect(data).toContain('<h3>split, multilabel</h3>'); // same data: shown once
    expect(data).toMatch(/black_dress<\/th><td class="num">250<\/td><td><span class="badge unseen">held out<\/span>/);
    expect(data).toContain('could not decode: truncated JPEG');
    expect(data).toContain('760 / 190 / 250');
    const run = sectionHtml(html, 'run');
    expect(run).toContain('wasm, 2 threads, SIMD');
    expect(run).toContain('<td class="num">90.5</td><td class="num">44.4</td>');
    expect(run).toContain('<td class="num">270.5</td>'); // total seconds
    expect(run).toMatch(/<details><summary>Config \(JSON\)<\/summary><pre>\{\n {2}&quot;model&quot;/);
    expect(run).toContain('&quot;black_dress&quot;');
  });

  it('embeds the charts as inline SVG (Vega-Lite) and the grid as a data: URI', () => {
    const curves = sectionHtml(html, 'curves');
    expect(curves.match(/<svg /g)).toHaveLength(2);
    expect(curves).toContain('Training and validation accuracy');
    expect(curves).toContain('phase2'); // the phase rule's label
    const confusion = sectionHtml(html, 'confusion');
    expect(confusion.match(/<svg /g)).toHaveLength(4); // 2 models × 2 heads
    expect(confusion).toContain('seen combinations (n=8)');
    expect(confusion).toContain('unseen combinations (n=8)');
    expect(confusion).toContain('role-mark'); // drawn by Vega, not by hand
    expect(sectionHtml(html, 'unseen').match(/<svg /g)).toHaveLength(2);
    expect(html).toMatch(/<img alt="unseen combinations, split model" src="data:image\/png;base64,iVBORw0KGgo/);
  });

  it('confusion heatmaps write the count in each cell', async () => {
    const spec = confusionSpec(split.heads[0]!) as unknown as { hconcat: { data: { values: { truth: string; pred: string; count: number }[] } }[] };
    const unseenCells = spec.hconcat[1]!.data.values;
    expect(unseenCells.find((v) => v.truth === 'blue' && v.pred === 'red')!.count).toBe(2);
    const s = sectionHtml(html, 'confusion');
    // split, color, seen: [[2,1,0],[0,2,0],[0,0,3]] → text marks 2 1 0 0 2 0 0 0 3 among the texts
    const texts = [...s.matchAll(/aria-roledescription="text mark"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts.slice(0, 9)).toEqual(['2', '1', '0', '0', '2', '0', '0', '0', '3']);
  });

  it('references no remote resource and has no script', () => {
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script|<link|@import/i);
  });

  it('the same input gives the same page, however many reports were drawn before it', async () => {
    await renderReport({ title: 'another', createdAt: 'x', models: [{ name: 'a', metrics: multi }] });
    const again = await renderReport(input);
    expect(again).toBe(html);
  });

  it('ids of the inline SVGs are unique in the page', () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(isolateSvgIds('<svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#clip1"/></svg>', 'c9')).toBe(
      '<svg><clipPath id="c9-clip1"/><g clip-path="url(#c9-clip1)"/><use href="#c9-clip1"/></svg>',
    );
  });

  it('escapes a <script> in a combination, a label, a path and a model name', async () => {
    const evil = '<script>alert(1)</script>';
    const heads = [
      { name: 'color', vocab: ['black', evil] },
      { name: 'type', vocab: ['dress'] },
    ];
    const m = evaluateMetrics(result([`black_dress→${evil}_dress`, `${evil}_dress→black_dress`], heads, ['black_dress']));
    const data = dataSummary(`${evil}_dress`);
    data.skipped.push({ path: `x/${evil}.jpg`, reason: `bad "${evil}"` });
    const page = await renderReport({
      title: `report ${evil}`,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      notes: [evil],
      models: [{ name: `model ${evil}`, metrics: m, data, backend: evil }],
      grid: [{ png: await tinyPng(), caption: evil }],
      compare: { markdown: `| a | ${evil} |` },
    });
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;_dress');
    expect(page).toContain('2026-01-01T00:00:00.000Z');
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  });

  it('works with a model that has nothing but a name', async () => {
    const page = await renderReport({ title: 't', createdAt: 'now', models: [{ name: 'empty' }] });
    expect(page).toContain('No evaluation metrics were given.');
    expect(page).toContain('No training history.');
    expect(page).not.toContain('<section id="confusion">');
  });
});

describe('writeReport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'branchnet-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes atomically, replacing an existing file and leaving no temp file', async () => {
    const file = path.join(dir, 'sub', 'report.html');
    await writeReport(file, { title: 'first', createdAt: 'x', models: [{ name: 'a', metrics: split }] });
    await writeFile(file + '.keep', 'other');
    await writeReport(file, { title: 'second', createdAt: 'x', models: [{ name: 'a', metrics: split }] });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('<title>second</title>');
    expect((await readdir(path.dirname(file))).sort()).toEqual(['report.html', 'report.html.keep']);
  });
});
