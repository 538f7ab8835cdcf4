/**
 * A self-contained `report.html`: opens from disk with no server and no network. Every chart is
 * inline SVG rendered headlessly by Vega-Lite, every image a `data:` URI, the CSS inline; no
 * scripts, fonts or remote resources.
 *
 * Sections: headline seen/unseen table for every model (As, Au, H, shortcut rate, per-head
 * accuracy, 95% Wilson intervals), optional comparison over runs, training curves, confusion
 * heatmaps per head (seen / unseen), per-combination table, where unseen combinations'
 * predictions went, prediction grids, data summary, backend, timings and config.
 *
 * Takes plain data only (metrics from ./metrics.ts, histories, configs); never imports TF.js.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { TrainConfig } from '../core/defaults.js';
import { historySpec, renderVegaLiteSvg } from '../plot/history_plot.js';
import { concatHistory, type History } from '../core/history.js';
import type { DataSummary } from '../data/summary.js';
import type { CheckReport } from '../data/check.js';
import { NONE, formatInterval, pct, type Rate } from './format.js';
import { compareStats, formatCompareCell, type CompareRow, type HeadMetrics, type Metrics, type Spread } from './metrics.js';

export interface ReportTiming {
  phase: string;
  seconds: number;
  imagesPerSecond: number;
}

export interface ReportModel {
  /** Shown as column and section title, e.g. "split (2 branches)" or "multilabel baseline". */
  name: string;
  history?: History;
  metrics?: Metrics;
  config?: TrainConfig;
  /** Backend description, e.g. "wasm, 2 threads, SIMD". */
  backend?: string;
  timings?: ReportTiming[];
  data?: DataSummary;
  /** The data check train ran first (data/check.ts); its problems get a section. */
  check?: CheckReport;
}

export interface ReportInput {
  title: string;
  /** One or several models, shown side by side. */
  models: ReportModel[];
  /** Prediction grids, already rendered (wrong heads marked), as PNG. */
  grid?: { png: Buffer | Uint8Array; caption: string }[];
  /** Architectures over several runs: rows (rendered as a table) or ready-made Markdown (shown verbatim). */
  compare?: { rows: CompareRow[]; spread?: Spread } | { markdown: string };
  createdAt: Date | string;
  notes?: string[];
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/**
 * Escape text for HTML element content and attribute values.
 * @example escapeHtml('<script>"x"') // "&lt;script&gt;&quot;x&quot;"
 */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;

/**
 * Prefix every `id` in an SVG (and the `url(#…)` / `href="#…"` references to it), so several
 * inline SVGs in one page never share clip-path or gradient ids.
 */
export function isolateSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, a: string, id: string) => `${a}${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${prefix}-${id})` : m))
    .replace(/(href=")#([^"]+)"/g, (m, a: string, id: string) => (ids.has(id) ? `${a}#${prefix}-${id}"` : m));
}

let chartCounter = 0;

/** Render a Vega-Lite spec to an inline SVG string with ids private to this chart. */
async function inlineChart(spec: TopLevelSpec, label: string): Promise<string> {
  const svg = await renderVegaLiteSvg(spec);
  const body = isolateSvgIds(svg, `c${++chartCounter}`).replace(/^<svg /, `<svg role="img" aria-label="${e(label)}" `);
  return `<div class="chart">${body}</div>`;
}

async function chartOrError(make: () => TopLevelSpec, label: string): Promise<string> {
  try {
    return await inlineChart(make(), label);
  } catch (err) {
    return `<p class="warn">Could not draw ${e(label)}: ${e((err as Error).message)}</p>`;
  }
}

/** A rate as a table cell: value, Wilson interval, k/n. */
function rateCell(r: Rate | undefined): string {
  if (r === undefined) return `<td class="num none">${NONE}</td>`;
  if (r.n === 0) return `<td class="num none" title="no images">${NONE}</td>`;
  return `<td class="num"><span class="v">${pct(r.rate)}</span> <span class="ci">${formatInterval(r)}</span><span class="k b">${r.k}/${r.n}</span></td>`;
}

const badge = (seen: boolean): string => (seen ? '<span class="badge seen">seen</span>' : '<span class="badge unseen">unseen</span>');

function section(id: string, title: string, body: string, intro = ''): string {
  return `<section id="${id}"><h2>${e(title)}</h2>${intro ? `<p class="intro">${intro}</p>` : ''}${body}</section>`;
}

function none(what: string): string {
  return `<p class="none">${e(what)}</p>`;
}

const FONT = 'DejaVu Sans, Verdana, Helvetica, Arial, sans-serif';

// ---------------------------------------------------------------------------------------------
// Charts

/**
 * Vega-Lite heatmaps of one head's confusion matrices, seen and unseen side by side, with the
 * count written in every cell (rows = true label, columns = prediction).
 */
export function confusionSpec(head: HeadMetrics, opts: { splits?: ('seen' | 'unseen' | 'all')[] } = {}): TopLevelSpec {
  const splits = opts.splits ?? ['seen', 'unseen'];
  const labels = head.labels;
  const step = Math.max(28, Math.min(44, 8 + 7 * Math.max(...labels.map((l) => l.length), 1)));
  const panels = splits.map((split) => {
    const m = head.confusion[split];
    const n = m.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
    const max = Math.max(1, ...m.flat());
    const values = labels.flatMap((t, i) => labels.map((p, j) => ({ truth: t, pred: p, count: m[i]![j]!, diag: i === j })));
    const axisLabels = { labelLimit: 140, labelFontSize: 11, titleFontSize: 12 };
    return {
      title: { text: `${split} combinations (n=${n})`, fontSize: 13, anchor: 'middle', font: FONT },
      data: { values },
      width: { step },
      height: { step },
      encoding: {
        x: { field: 'pred', type: 'nominal', sort: labels, title: `predicted ${head.name}`, axis: { ...axisLabels, labelAngle: labels.some((l) => l.length > 4) ? -40 : 0 } },
        y: { field: 'truth', type: 'nominal', sort: labels, title: `true ${head.name}`, axis: axisLabels },
      },
      layer: [
        {
          mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 1 },
          encoding: {
            color: {
              condition: { test: 'datum.count == 0', value: '#f6f7f9' },
              field: 'count',
              type: 'quantitative',
              scale: { scheme: 'blues', domain: [0, max] },
              legend: null,
            },
            tooltip: [
              { field: 'truth', title: 'true' },
              { field: 'pred', title: 'predicted' },
              { field: 'count', type: 'quantitative' },
            ],
          },
        },
        {
          mark: { type: 'text', fontSize: 12, font: FONT },
          encoding: {
            text: { field: 'count', type: 'quantitative' },
            color: {
              condition: [
                { test: `datum.count > ${max * 0.55}`, value: '#ffffff' },
                { test: 'datum.count == 0', value: '#b8b8b8' },
              ],
              value: '#1a1a1a',
            },
          },
        },
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 8,
    title: { text: head.name, fontSize: 14, anchor: 'start', font: FONT },
    hconcat: panels,
    spacing: 36,
    resolve: { scale: { color: 'independent' } },
    config: { font: FONT, view: { stroke: null }, axis: { domain: false, ticks: false } },
  } as unknown as TopLevelSpec;
}

const OUTCOMES = ['correct', 'shortcut', 'other seen combination', 'other unseen combination'] as const;
const OUTCOME_COLORS = ['#2ca02c', '#d62728', '#ff9f4a', '#9a9a9a'];

/** Stacked bars: for each unseen combination, the share of its images per outcome. */
export function unseenOutcomeSpec(metrics: Metrics): TopLevelSpec {
  const values = metrics.unseen.flatMap((u) =>
    OUTCOMES.map((outcome) => {
      const count = u.predictions
        .filter((p) => (outcome === 'correct' ? p.correct : outcome === 'shortcut' ? p.shortcut : !p.correct && !p.shortcut && p.seen === (outcome === 'other seen combination')))
        .reduce((s, p) => s + p.count, 0);
      return { combo: `${u.combo} (n=${u.n})`, outcome, order: OUTCOMES.indexOf(outcome), count, share: u.n ? count / u.n : 0 };
    }).filter((v) => v.count > 0),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 8,
    data: { values },
    width: 520,
    height: { step: 26 },
    encoding: {
      y: { field: 'combo', type: 'nominal', title: 'unseen combination', sort: null, axis: { labelLimit: 220, labelFontSize: 11 } },
      x: { field: 'share', type: 'quantitative', stack: 'zero', title: 'share of its images', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      order: { field: 'order', type: 'quantitative' },
    },
    layer: [
      {
        mark: { type: 'bar', stroke: '#ffffff', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'outcome',
            type: 'nominal',
            title: 'prediction',
            scale: { domain: [...OUTCOMES], range: OUTCOME_COLORS },
            legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 0 },
          },
          tooltip: [
            { field: 'combo', title: 'true' },
            { field: 'outcome' },
            { field: 'count', type: 'quantitative' },
            { field: 'share', type: 'quantitative', format: '.1%' },
          ],
        },
      },
      {
        mark: { type: 'text', align: 'right', dx: -5, color: '#ffffff', fontSize: 11, font: FONT },
        encoding: {
          x: { field: 'share', type: 'quantitative', stack: 'zero' },
          text: { field: 'count', type: 'quantitative' },
          opacity: { condition: { test: 'datum.share >= 0.06', value: 1 }, value: 0 },
        },
      },
    ],
    config: { font: FONT, view: { stroke: null } },
  } as unknown as TopLevelSpec;
}

// ---------------------------------------------------------------------------------------------
// Sections

function headNames(models: ReportModel[]): string[] {
  const names: string[] = [];
  for (const m of models) for (const h of m.metrics?.heads ?? []) if (!names.includes(h.name)) names.push(h.name);
  return names;
}

function headlineSection(models: ReportModel[]): string {
  const withMetrics = models.filter((m) => m.metrics);
  if (withMetrics.length === 0) return section('headline', 'Seen vs unseen combinations', none('No evaluation metrics were given.'));
  const head = `<tr><th>metric</th>${models.map((m) => `<th class="num">${e(m.name)}</th>`).join('')}</tr>`;
  const row = (label: string, cell: (m: Metrics) => string, cls = ''): string =>
    `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${label}</th>${models.map((m) => (m.metrics ? cell(m.metrics) : `<td class="num none">${NONE}</td>`)).join('')}</tr>`;
  const rows = [
    row('images: seen / unseen combinations', (m) => `<td class="num">${m.counts.seen} / ${m.counts.unseen}<span class="k b">${m.counts.seenCombos} / ${m.counts.unseenCombos} combos</span></td>`),
    row('exact match, seen (A<sub>s</sub>)', (m) => rateCell(m.exact.seen), 'key'),
    row('exact match, unseen (A<sub>u</sub>)', (m) => rateCell(m.exact.unseen), 'key'),
    row('H = 2·A<sub>s</sub>·A<sub>u</sub>/(A<sub>s</sub>+A<sub>u</sub>)', (m) => `<td class="num"><span class="v">${pct(m.exact.harmonic)}</span></td>`, 'key'),
    row('shortcut rate (unseen)', (m) => rateCell(m.shortcut), 'key'),
  ];
  for (const h of headNames(models)) {
    rows.push(row(`${e(h)} accuracy, seen`, (m) => rateCell(m.heads.find((x) => x.name === h)?.seen)));
    rows.push(row(`${e(h)} accuracy, unseen`, (m) => rateCell(m.heads.find((x) => x.name === h)?.unseen)));
  }
  const failures = models.filter((m) => m.metrics?.counts.failures);
  const failNote = failures.length
    ? `<p class="warn">${failures.map((m) => `${e(m.name)}: ${m.metrics!.counts.failures} image(s) could not be evaluated`).join('; ')}.</p>`
    : '';
  return section(
    'headline',
    'Seen vs unseen combinations',
    `<table class="headline">${head}${rows.join('')}</table>${failNote}`,
    'A<sub>s</sub> / A<sub>u</sub>: share of images with <em>every</em> head right, on combinations seen / not seen in training. ' +
      'H is their harmonic mean. Shortcut rate: unseen-combination images predicted as a <em>seen</em> combination that keeps at least one true label ' +
      '(a black dress called black jeans). Brackets: 95% Wilson interval; small numbers: right / images.',
  );
}

function compareSection(compare: ReportInput['compare']): string {
  if (!compare) return '';
  if ('markdown' in compare) {
    return section('compare', 'Architectures over runs', `<pre class="md">${e(compare.markdown)}</pre>`);
  }
  const spread = compare.spread ?? 'std';
  const t = compareStats(compare.rows);
  const head = `<tr><th>metric (%)</th>${t.models.map((m) => `<th class="num">${e(m.name)}<span class="k b">${m.runs} run${m.runs === 1 ? '' : 's'}</span></th>`).join('')}</tr>`;
  const rows = t.metrics.map((mt) => `<tr><th scope="row">${e(mt.label)}</th>${t.models.map((m) => `<td class="num">${e(formatCompareCell(m.stats[mt.key], spread))}</td>`).join('')}</tr>`);
  const note = spread === 'std' ? 'Mean ± sample standard deviation (n − 1) over runs (seeds / held-out rotations), in percent.' : 'Mean (min–max) over runs (seeds / held-out rotations), in percent.';
  return section('compare', 'Architectures over runs', `<table>${head}${rows.join('')}</table>`, e(note));
}

async function curvesSection(models: ReportModel[]): Promise<string> {
  const parts: string[] = [];
  for (const m of models) {
    if (!m.history || m.history.phases.length === 0) {
      parts.push(`<h3>${e(m.name)}</h3>${none('No training history.')}`);
      continue;
    }
    const { history, phaseStarts } = concatHistory(m.history);
    const phaseLabels = m.history.phases.slice(1).map((p) => p.name);
    parts.push(
      `<h3>${e(m.name)}</h3>` +
        (await chartOrError(() => historySpec(history, { phaseStarts, phaseLabels, width: 360, height: 240 }), `training curves of ${m.name}`)),
    );
  }
  return section('curves', 'Training curves', parts.join(''), 'Dots: training; lines: validation; dashed rules: start of a new training phase.');
}

async function confusionSection(models: ReportModel[]): Promise<string> {
  const parts: string[] = [];
  for (const m of models) {
    if (!m.metrics) continue;
    const charts: string[] = [];
    for (const h of m.metrics.heads) charts.push(await chartOrError(() => confusionSpec(h), `confusion matrices of ${h.name} for ${m.name}`));
    parts.push(`<h3>${e(m.name)}</h3><div class="charts">${charts.join('')}</div>`);
  }
  if (parts.length === 0) return '';
  return section('confusion', 'Confusion matrices', parts.join(''), 'Rows: true label; columns: predicted label; counts of images, seen and unseen combinations apart.');
}

function combosSection(models: ReportModel[]): string {
  const parts: string[] = [];
  for (const m of models) {
    const mt = m.metrics;
    if (!mt) continue;
    const head = `<tr><th>combination</th><th></th><th class="num">images</th><th class="num">exact match</th>${mt.heads.map((h) => `<th class="num">${e(h.name)}</th>`).join('')}<th>most frequent prediction</th></tr>`;
    const rows = mt.combos.map((c) => {
      const top = c.top;
      const topCls = top.correct ? 'ok' : top.shortcut ? 'bad' : '';
      const topNote = top.correct ? '' : top.shortcut ? ' <span class="badge shortcut">shortcut</span>' : '';
      return (
        `<tr class="${c.seen ? 'seen' : 'unseen'}"><th scope="row" class="combo">${e(c.combo)}</th><td>${badge(c.seen)}</td><td class="num">${c.n}</td>` +
        rateCell(c.exact) +
        c.headAccuracy.map((r) => rateCell(r)).join('') +
        `<td class="${topCls}">${e(top.combo)} <span class="k">${top.count}/${c.n}</span>${topNote}</td></tr>`
      );
    });
    parts.push(`<h3>${e(m.name)}</h3><table class="combos">${head}${rows.join('')}</table>`);
  }
  if (parts.length === 0) return '';
  return section('combinations', 'Per combination', parts.join(''), 'Per-head columns: accuracy of that head on the combination’s images.');
}

async function unseenSection(models: ReportModel[]): Promise<string> {
  const parts: string[] = [];
  for (const m of models) {
    const mt = m.metrics;
    if (!mt) continue;
    if (mt.unseen.length === 0) {
      parts.push(`<h3>${e(m.name)}</h3>${none('No unseen combinations were evaluated.')}`);
      continue;
    }
    const chart = await chartOrError(() => unseenOutcomeSpec(mt), `where unseen predictions went for ${m.name}`);
    const rows = mt.unseen.map((u) => {
      const chips = u.predictions
        .map((p) => {
          const kind = p.correct ? 'ok' : p.shortcut ? 'shortcut' : p.seen ? 'seen' : 'other';
          const what = p.correct ? 'correct' : p.shortcut ? `shortcut, keeps ${p.kept.join(' + ')}` : p.seen ? 'seen combination' : 'unseen combination';
          return `<span class="chip ${kind}" title="${e(what)}">${e(p.combo)} <b>${p.count}</b> <span class="k">${pct(p.share, 0)}</span></span>`;
        })
        .join(' ');
      return `<tr><th scope="row" class="combo">${e(u.combo)}</th><td class="num">${u.n}</td>${rateCell(u.shortcut)}<td>${chips}</td></tr>`;
    });
    parts.push(
      `<h3>${e(m.name)}</h3>${chart}<table class="unseen"><tr><th>unseen combination</th><th class="num">images</th><th class="num">shortcut rate</th><th>predicted as (count, share)</th></tr>${rows.join('')}</table>`,
    );
  }
  if (parts.length === 0) return '';
  return section(
    'unseen',
    'Where unseen combinations went',
    parts.join(''),
    '<span class="chip ok">correct</span> <span class="chip shortcut">shortcut: a seen combination keeping a true label</span> ' +
      '<span class="chip seen">another seen combination</span> <span class="chip other">another unseen combination</span>',
  );
}

function gridSection(grid: ReportInput['grid']): string {
  if (!grid || grid.length === 0) return '';
  const figs = grid.map(
    (g, i) =>
      `<figure class="grid"><img alt="${e(g.caption || `prediction grid ${i + 1}`)}" src="data:image/png;base64,${Buffer.from(g.png).toString('base64')}"><figcaption>${e(g.caption)}</figcaption></figure>`,
  );
  return section('grids', 'Predictions', figs.join(''), 'Predicted labels above each image; heads predicted wrongly in red.');
}

const MAX_SKIPPED_ROWS = 300;

function dataSection(models: ReportModel[]): string {
  // Models trained on the same data share one summary.
  const groups = new Map<string, { data: DataSummary; names: string[]; holdOut: Set<string> }>();
  for (const m of models) {
    if (!m.data) continue;
    const key = JSON.stringify(m.data);
    const g = groups.get(key) ?? { data: m.data, names: [], holdOut: new Set<string>() };
    g.names.push(m.name);
    for (const c of m.config?.data.holdOut ?? []) g.holdOut.add(c);
    groups.set(key, g);
  }
  if (groups.size === 0) return '';
  const parts = [...groups.values()].map(({ data, names, holdOut }) => {
    const facts = [
      ['source', e(data.source)],
      ['heads', data.heads.map((h) => `${e(h.name)} <span class="k">[${h.vocab.map(e).join(', ')}]</span>`).join('<br>')],
      ['images', String(data.images)],
      ['training / validation / held out', `${data.train} / ${data.val} / ${data.heldOut}`],
      ['skipped files', String(data.skipped.length)],
    ];
    const combos = Object.entries(data.combos).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const comboRows = combos.map(
      ([c, n]) => `<tr${holdOut.has(c) ? ' class="unseen"' : ''}><th scope="row" class="combo">${e(c)}</th><td class="num">${n}</td><td>${holdOut.has(c) ? '<span class="badge unseen">held out</span>' : ''}</td></tr>`,
    );
    const skipped = data.skipped.slice(0, MAX_SKIPPED_ROWS).map((s) => `<tr><td class="path">${e(s.path)}</td><td>${e(s.reason)}</td></tr>`);
    const more = data.skipped.length > MAX_SKIPPED_ROWS ? `<p class="k">… and ${data.skipped.length - MAX_SKIPPED_ROWS} more.</p>` : '';
    return (
      `<h3>${e(names.join(', '))}</h3><div class="cols"><table class="facts">${facts.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</table>` +
      `<table class="combos"><tr><th>combination</th><th class="num">images</th><th></th></tr>${comboRows.join('')}</table></div>` +
      (data.skipped.length ? `<h4>Skipped files</h4><table class="skipped"><tr><th>file</th><th>reason</th></tr>${skipped.join('')}</table>${more}` : '')
    );
  });
  return section('data', 'Data set', parts.join(''));
}

/** The data check's problems, one table per distinct check (models trained on one data set share it). */
function checkSection(models: ReportModel[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const m of models) {
    if (!m.check?.problems.length) continue;
    const key = JSON.stringify(m.check);
    if (seen.has(key)) continue;
    seen.add(key);
    const { fatal, warning, info } = m.check.counts;
    const rows = m.check.problems.slice(0, MAX_SKIPPED_ROWS).map((p) => `<tr><td>${p.severity === 'info' ? 'note' : e(p.severity)}</td><td><code>${e(p.code)}</code></td><td class="path">${e(p.subject)}</td><td>${e(p.message)}</td></tr>`);
    const more = m.check.problems.length > MAX_SKIPPED_ROWS ? `<p class="k">… and ${m.check.problems.length - MAX_SKIPPED_ROWS} more.</p>` : '';
    parts.push(`<p>${e(m.check.source)}: ${m.check.images} usable images; ${fatal} fatal, ${warning} warnings, ${info} notes.</p><table class="check"><tr><th>severity</th><th>problem</th><th>path</th><th>what and how to fix</th></tr>${rows.join('')}</table>${more}`);
  }
  return parts.length ? section('check', 'Data check', parts.join(''), 'Found before training (branchnet check); files named in warnings were left out.') : '';
}

function runSection(models: ReportModel[]): string {
  const parts: string[] = [];
  for (const m of models) {
    if (!m.backend && !m.timings?.length && !m.config) continue;
    let html = `<h3>${e(m.name)}</h3>`;
    if (m.backend) html += `<p><b>Backend:</b> ${e(m.backend)}</p>`;
    if (m.timings?.length) {
      const total = m.timings.reduce((s, t) => s + t.seconds, 0);
      html +=
        '<table class="timings"><tr><th>phase</th><th class="num">seconds</th><th class="num">images / s</th></tr>' +
        m.timings.map((t) => `<tr><th scope="row">${e(t.phase)}</th><td class="num">${t.seconds.toFixed(1)}</td><td class="num">${Number.isFinite(t.imagesPerSecond) ? t.imagesPerSecond.toFixed(1) : NONE}</td></tr>`).join('') +
        `<tr class="total"><th scope="row">total</th><td class="num">${total.toFixed(1)}</td><td></td></tr></table>`;
    }
    if (m.config) html += `<details><summary>Config (JSON)</summary><pre>${e(JSON.stringify(m.config, null, 2))}</pre></details>`;
    parts.push(html);
  }
  if (parts.length === 0) return '';
  return section('run', 'Backend, timings and config', parts.join(''));
}

const CSS = `
:root{--fg:#1d2330;--muted:#6b7280;--line:#e3e6eb;--bg:#ffffff;--soft:#f6f7f9;--seen:#2f6f4f;--seen-bg:#e6f4ec;--unseen:#9a4d00;--unseen-bg:#fff1e0;--bad:#b42318;--bad-bg:#fde8e6;--ok:#1f7a3a;--ok-bg:#e5f5ea}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:40px 0 8px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:16px;margin:24px 0 8px}h4{font-size:14px;margin:16px 0 6px}
.meta,.k,.intro,.none{color:var(--muted)}.intro{margin:0 0 12px;max-width:900px}.none{font-style:italic}
nav{margin:12px 0 0;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:13px}nav a{color:#2456a6;text-decoration:none}nav a:hover{text-decoration:underline}
ul.notes{background:var(--soft);border-left:4px solid #c9ced6;padding:8px 12px 8px 28px;margin:12px 0}
table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}
tr:first-child th{border-bottom:2px solid #cfd4db;font-weight:600;vertical-align:bottom}
th[scope=row]{font-weight:500}
.num{text-align:right;white-space:nowrap}
.v{font-weight:600}.ci{color:var(--muted);font-size:12px}.k{font-size:11px;color:var(--muted)}.b{display:block}
table.headline tr.key th,table.headline tr.key td{background:#f3f6fb}
table.headline td{min-width:170px}
tr.unseen th.combo{color:var(--unseen)}
.combo,.path{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.badge{display:inline-block;font-size:11px;padding:1px 7px;border-radius:9px;font-weight:600}
.badge.seen{color:var(--seen);background:var(--seen-bg)}.badge.unseen{color:var(--unseen);background:var(--unseen-bg)}.badge.shortcut{color:var(--bad);background:var(--bad-bg)}
td.ok{color:var(--ok)}td.bad{color:var(--bad)}
.chip{display:inline-block;margin:1px 2px;padding:1px 8px;border-radius:10px;font-size:12px;border:1px solid var(--line);background:var(--soft);white-space:nowrap}
.chip.ok{background:var(--ok-bg);border-color:#b8e0c4}.chip.shortcut{background:var(--bad-bg);border-color:#f3b8b1}.chip.seen{background:#fff4e6;border-color:#f5d3a8}.chip.other{background:#f0f0f0}
.chart{margin:8px 0 16px;overflow-x:auto}.chart svg{max-width:100%;height:auto}
.charts{display:flex;flex-wrap:wrap;gap:12px 32px;align-items:flex-start}
.cols{display:flex;flex-wrap:wrap;gap:8px 40px;align-items:flex-start}
figure.grid{margin:12px 0 24px}figure.grid img{max-width:100%;height:auto;border:1px solid var(--line)}figcaption{color:var(--muted);font-size:13px;margin-top:4px}
pre{background:var(--soft);border:1px solid var(--line);padding:10px 12px;overflow-x:auto;font-size:12px;line-height:1.45}
details{margin:8px 0}summary{cursor:pointer;color:#2456a6}
.warn{color:var(--bad)}
tr.total th,tr.total td{font-weight:600;border-top:2px solid #cfd4db}
footer{margin-top:48px;color:var(--muted);font-size:12px}
@media print{nav{display:none}h2{break-after:avoid}}
`;

/**
 * Render the whole report as one self-contained HTML string.
 * @example const html = await renderReport({ title: 'black dress', models: [{ name: 'split', metrics }], createdAt: new Date() })
 */
export async function renderReport(input: ReportInput): Promise<string> {
  const models = input.models ?? [];
  const created = input.createdAt instanceof Date ? input.createdAt.toISOString() : String(input.createdAt);
  const sections: [string, string, string][] = [];
  const add = (id: string, title: string, html: string): void => {
    if (html) sections.push([id, title, html]);
  };
  add('headline', 'Seen vs unseen', headlineSection(models));
  add('compare', 'Over runs', compareSection(input.compare));
  add('curves', 'Training curves', await curvesSection(models));
  add('confusion', 'Confusion matrices', await confusionSection(models));
  add('combinations', 'Per combination', combosSection(models));
  add('unseen', 'Unseen combinations', await unseenSection(models));
  add('grids', 'Predictions', gridSection(input.grid));
  add('data', 'Data set', dataSection(models));
  add('check', 'Data check', checkSection(models));
  add('run', 'Backend & config', runSection(models));

  const nav = `<nav>${sections.map(([id, title]) => `<a href="#${id}">${e(title)}</a>`).join('')}</nav>`;
  const notes = input.notes?.length ? `<ul class="notes">${input.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '';
  const modelNames = models.map((m) => e(m.name)).join(', ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(input.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body><main>',
    `<header><h1>${e(input.title)}</h1><div class="meta">${e(created)} · ${models.length} model${models.length === 1 ? '' : 's'}${modelNames ? `: ${modelNames}` : ''}</div>${notes}${nav}</header>`,
    ...sections.map(([, , html]) => html),
    '<footer>Generated by branchnet. Self-contained: charts are inline SVG (Vega-Lite), images are embedded.</footer>',
    '</main></body></html>',
    '',
  ].join('\n');
}

/**
 * Render the report and write it atomically (temp file in the same folder, then rename).
 * @example await writeReport('runs/a/report.html', input)
 */
export async function writeReport(file: string, input: ReportInput): Promise<void> {
  const html = await renderReport(input);
  const dir = path.dirname(path.resolve(file));
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, html, 'utf8');
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
