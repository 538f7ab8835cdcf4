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
 * Every piece of text goes through the `html` tagged template (../plot/markup.ts), which escapes
 * it; markup is marked with `raw`. Chart ids are numbered per report, so the same input always
 * gives the same page.
 */
import { writeFileAtomic } from '../core/fs.js';
import type { TopLevelSpec } from 'vega-lite';
import type { TrainConfig } from '../core/defaults.js';
import { confusionSpec, unseenOutcomeSpec } from '../plot/eval_specs.js';
import { historySpec, renderVegaLiteSvg } from '../plot/history_plot.js';
import { concatHistory, type History } from '../core/history.js';
import type { DataSummary } from '../data/summary.js';
import type { CheckReport } from '../data/check.js';
import { isolateSvgIds } from '../plot/inline_svg.js';
import { escapeMarkup, html, raw, type Markup } from '../plot/markup.js';
import { compareStats, formatCompareCell, type CompareRow, type Spread } from './compare_stats.js';
import { NONE, formatInterval, pct, type Rate } from './format.js';
import type { Metrics } from './metrics.js';
import { REPORT_CSS } from './report_css.js';

// Moved: the chart specs to ../plot/eval_specs.ts, the SVG id isolation to ../plot/inline_svg.ts,
// the escaping to ../plot/markup.ts. Re-exported here under their old names.
export { confusionSpec, unseenOutcomeSpec, isolateSvgIds };
/** Escape text for HTML content and attribute values (the one escape function, `escapeMarkup`). */
export const escapeHtml = escapeMarkup;

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

/** Numbers the charts of one report (c1, c2, …), so each inline SVG gets ids of its own. */
interface ChartIds {
  next(): string;
}

function chartIds(): ChartIds {
  let n = 0;
  return { next: () => `c${++n}` };
}

/** Render a Vega-Lite spec to an inline SVG with ids private to this chart. */
async function inlineChart(spec: TopLevelSpec, label: string, ids: ChartIds): Promise<Markup> {
  const svg = await renderVegaLiteSvg(spec);
  const body = isolateSvgIds(svg, ids.next()).replace(/^<svg /, `<svg role="img" aria-label="${escapeMarkup(label)}" `);
  return html`<div class="chart">${raw(body)}</div>`;
}

async function chartOrError(make: () => TopLevelSpec, label: string, ids: ChartIds): Promise<Markup> {
  try {
    return await inlineChart(make(), label, ids);
  } catch (err) {
    return html`<p class="warn">Could not draw ${label}: ${(err as Error).message}</p>`;
  }
}

/** A rate as a table cell: value, Wilson interval, k/n. */
function rateCell(r: Rate | undefined): Markup {
  if (r === undefined) return html`<td class="num none">${NONE}</td>`;
  if (r.n === 0) return html`<td class="num none" title="no images">${NONE}</td>`;
  return html`<td class="num"><span class="v">${pct(r.rate)}</span> <span class="ci">${formatInterval(r)}</span><span class="k b">${r.k}/${r.n}</span></td>`;
}

const badge = (seen: boolean): Markup => (seen ? html`<span class="badge seen">seen</span>` : html`<span class="badge unseen">unseen</span>`);

/** A section; '' (nothing) when `body` is '' is the caller's choice. `intro` is markup. */
function section(id: string, title: string, body: Markup | Markup[], intro?: Markup): Markup {
  return html`<section id="${id}"><h2>${title}</h2>${intro ? html`<p class="intro">${intro}</p>` : ''}${body}</section>`;
}

function none(what: string): Markup {
  return html`<p class="none">${what}</p>`;
}

const EMPTY = raw('');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------------------------------------
// Sections

function headNames(models: ReportModel[]): string[] {
  const names: string[] = [];
  for (const m of models) for (const h of m.metrics?.heads ?? []) if (!names.includes(h.name)) names.push(h.name);
  return names;
}

function headlineSection(models: ReportModel[]): Markup {
  const withMetrics = models.filter((m) => m.metrics);
  if (withMetrics.length === 0) return section('headline', 'Seen vs unseen combinations', none('No evaluation metrics were given.'));
  const head = html`<tr><th>metric</th>${models.map((m) => html`<th class="num">${m.name}</th>`)}</tr>`;
  // `label` is markup (it holds <sub>); head names in it are escaped where they are put in.
  const row = (label: Markup, cell: (m: Metrics) => Markup, cls = ''): Markup =>
    html`<tr${cls ? html` class="${cls}"` : ''}><th scope="row">${label}</th>${models.map((m) => (m.metrics ? cell(m.metrics) : html`<td class="num none">${NONE}</td>`))}</tr>`;
  const rows = [
    row(html`images: seen / unseen combinations`, (m) => html`<td class="num">${m.counts.seen} / ${m.counts.unseen}<span class="k b">${m.counts.seenCombos} / ${m.counts.unseenCombos} combos</span></td>`),
    row(raw('exact match, seen (A<sub>s</sub>)'), (m) => rateCell(m.exact.seen), 'key'),
    row(raw('exact match, unseen (A<sub>u</sub>)'), (m) => rateCell(m.exact.unseen), 'key'),
    row(raw('H = 2·A<sub>s</sub>·A<sub>u</sub>/(A<sub>s</sub>+A<sub>u</sub>)'), (m) => html`<td class="num"><span class="v">${pct(m.exact.harmonic)}</span></td>`, 'key'),
    row(html`shortcut rate (unseen)`, (m) => rateCell(m.shortcut), 'key'),
  ];
  for (const h of headNames(models)) {
    rows.push(row(html`${h} accuracy, seen`, (m) => rateCell(m.heads.find((x) => x.name === h)?.seen)));
    rows.push(row(html`${h} accuracy, unseen`, (m) => rateCell(m.heads.find((x) => x.name === h)?.unseen)));
  }
  const failures = models.filter((m) => m.metrics?.counts.failures);
  const failNote = failures.length
    ? html`<p class="warn">${failures.map((m, i) => html`${i ? '; ' : ''}${m.name}: ${m.metrics!.counts.failures} image(s) could not be evaluated`)}.</p>`
    : EMPTY;
  return section(
    'headline',
    'Seen vs unseen combinations',
    html`<table class="headline">${head}${rows}</table>${failNote}`,
    raw(
      'A<sub>s</sub> / A<sub>u</sub>: share of images with <em>every</em> head right, on combinations seen / not seen in training. ' +
        'H is their harmonic mean. Shortcut rate: unseen-combination images predicted as a <em>seen</em> combination that keeps at least one true label ' +
        '(a black dress called black jeans). Brackets: 95% Wilson interval; small numbers: right / images.',
    ),
  );
}

function compareSection(compare: ReportInput['compare']): Markup {
  if (!compare) return EMPTY;
  if ('markdown' in compare) {
    return section('compare', 'Architectures over runs', html`<pre class="md">${compare.markdown}</pre>`);
  }
  const spread = compare.spread ?? 'std';
  const t = compareStats(compare.rows);
  const head = html`<tr><th>metric (%)</th>${t.models.map((m) => html`<th class="num">${m.name}<span class="k b">${plural(m.runs, 'run')}</span></th>`)}</tr>`;
  const rows = t.metrics.map((mt) => html`<tr><th scope="row">${mt.label}</th>${t.models.map((m) => html`<td class="num">${formatCompareCell(m.stats[mt.key], spread)}</td>`)}</tr>`);
  const note = spread === 'std' ? 'Mean ± sample standard deviation (n − 1) over runs (seeds / held-out rotations), in percent.' : 'Mean (min–max) over runs (seeds / held-out rotations), in percent.';
  return section('compare', 'Architectures over runs', html`<table>${head}${rows}</table>`, html`${note}`);
}

async function curvesSection(models: ReportModel[], ids: ChartIds): Promise<Markup> {
  const parts: Markup[] = [];
  for (const m of models) {
    if (!m.history || m.history.phases.length === 0) {
      parts.push(html`<h3>${m.name}</h3>${none('No training history.')}`);
      continue;
    }
    const { history, phaseStarts } = concatHistory(m.history);
    const phaseLabels = m.history.phases.slice(1).map((p) => p.name);
    const chart = await chartOrError(() => historySpec(history, { phaseStarts, phaseLabels, width: 360, height: 240 }), `training curves of ${m.name}`, ids);
    parts.push(html`<h3>${m.name}</h3>${chart}`);
  }
  return section('curves', 'Training curves', parts, html`Dots: training; lines: validation; dashed rules: start of a new training phase.`);
}

async function confusionSection(models: ReportModel[], ids: ChartIds): Promise<Markup> {
  const parts: Markup[] = [];
  for (const m of models) {
    if (!m.metrics) continue;
    const charts: Markup[] = [];
    for (const h of m.metrics.heads) charts.push(await chartOrError(() => confusionSpec(h), `confusion matrices of ${h.name} for ${m.name}`, ids));
    parts.push(html`<h3>${m.name}</h3><div class="charts">${charts}</div>`);
  }
  if (parts.length === 0) return EMPTY;
  return section('confusion', 'Confusion matrices', parts, html`Rows: true label; columns: predicted label; counts of images, seen and unseen combinations apart.`);
}

function combosSection(models: ReportModel[]): Markup {
  const parts: Markup[] = [];
  for (const m of models) {
    const mt = m.metrics;
    if (!mt) continue;
    const head = html`<tr><th>combination</th><th></th><th class="num">images</th><th class="num">exact match</th>${mt.heads.map((h) => html`<th class="num">${h.name}</th>`)}<th>most frequent prediction</th></tr>`;
    const rows = mt.combos.map((c) => {
      const top = c.top;
      const topCls = top.correct ? 'ok' : top.shortcut ? 'bad' : '';
      const topNote = top.correct ? EMPTY : top.shortcut ? html` <span class="badge shortcut">shortcut</span>` : EMPTY;
      return html`<tr class="${c.seen ? 'seen' : 'unseen'}"><th scope="row" class="combo">${c.combo}</th><td>${badge(c.seen)}</td><td class="num">${c.n}</td>${rateCell(c.exact)}${c.headAccuracy.map((r) => rateCell(r))}<td class="${topCls}">${top.combo} <span class="k">${top.count}/${c.n}</span>${topNote}</td></tr>`;
    });
    parts.push(html`<h3>${m.name}</h3><table class="combos">${head}${rows}</table>`);
  }
  if (parts.length === 0) return EMPTY;
  return section('combinations', 'Per combination', parts, html`Per-head columns: accuracy of that head on the combination’s images.`);
}

async function unseenSection(models: ReportModel[], ids: ChartIds): Promise<Markup> {
  const parts: Markup[] = [];
  for (const m of models) {
    const mt = m.metrics;
    if (!mt) continue;
    if (mt.unseen.length === 0) {
      parts.push(html`<h3>${m.name}</h3>${none('No unseen combinations were evaluated.')}`);
      continue;
    }
    const chart = await chartOrError(() => unseenOutcomeSpec(mt), `where unseen predictions went for ${m.name}`, ids);
    const rows = mt.unseen.map((u) => {
      const chips = u.predictions.map((p, i) => {
        const kind = p.correct ? 'ok' : p.shortcut ? 'shortcut' : p.seen ? 'seen' : 'other';
        const what = p.correct ? 'correct' : p.shortcut ? `shortcut, keeps ${p.kept.join(' + ')}` : p.seen ? 'seen combination' : 'unseen combination';
        return html`${i ? ' ' : ''}<span class="chip ${kind}" title="${what}">${p.combo} <b>${p.count}</b> <span class="k">${pct(p.share, 0)}</span></span>`;
      });
      return html`<tr><th scope="row" class="combo">${u.combo}</th><td class="num">${u.n}</td>${rateCell(u.shortcut)}<td>${chips}</td></tr>`;
    });
    parts.push(
      html`<h3>${m.name}</h3>${chart}<table class="unseen"><tr><th>unseen combination</th><th class="num">images</th><th class="num">shortcut rate</th><th>predicted as (count, share)</th></tr>${rows}</table>`,
    );
  }
  if (parts.length === 0) return EMPTY;
  return section(
    'unseen',
    'Where unseen combinations went',
    parts,
    html`<span class="chip ok">correct</span> <span class="chip shortcut">shortcut: a seen combination keeping a true label</span> <span class="chip seen">another seen combination</span> <span class="chip other">another unseen combination</span>`,
  );
}

function gridSection(grid: ReportInput['grid']): Markup {
  if (!grid || grid.length === 0) return EMPTY;
  const figs = grid.map(
    (g, i) =>
      html`<figure class="grid"><img alt="${g.caption || `prediction grid ${i + 1}`}" src="data:image/png;base64,${Buffer.from(g.png).toString('base64')}"><figcaption>${g.caption}</figcaption></figure>`,
  );
  return section('grids', 'Predictions', figs, html`Predicted labels above each image; heads predicted wrongly in red.`);
}

const MAX_SKIPPED_ROWS = 300;

function dataSection(models: ReportModel[]): Markup {
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
  if (groups.size === 0) return EMPTY;
  const parts = [...groups.values()].map(({ data, names, holdOut }) => {
    const facts: [string, Markup][] = [
      ['source', html`${data.source}`],
      ['heads', html`${data.heads.map((h, i) => html`${i ? raw('<br>') : ''}${h.name} <span class="k">[${h.vocab.join(', ')}]</span>`)}`],
      ['images', html`${data.images}`],
      ['training / validation / held out', html`${data.train} / ${data.val} / ${data.heldOut}`],
      ['skipped files', html`${data.skipped.length}`],
    ];
    const combos = Object.entries(data.combos).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const comboRows = combos.map(
      ([c, n]) => html`<tr${holdOut.has(c) ? raw(' class="unseen"') : ''}><th scope="row" class="combo">${c}</th><td class="num">${n}</td><td>${holdOut.has(c) ? html`<span class="badge unseen">held out</span>` : ''}</td></tr>`,
    );
    const skipped = data.skipped.slice(0, MAX_SKIPPED_ROWS).map((s) => html`<tr><td class="path">${s.path}</td><td>${s.reason}</td></tr>`);
    const more = data.skipped.length > MAX_SKIPPED_ROWS ? html`<p class="k">… and ${data.skipped.length - MAX_SKIPPED_ROWS} more.</p>` : EMPTY;
    return html`<h3>${names.join(', ')}</h3><div class="cols"><table class="facts">${facts.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table><table class="combos"><tr><th>combination</th><th class="num">images</th><th></th></tr>${comboRows}</table></div>${
      data.skipped.length ? html`<h4>Skipped files</h4><table class="skipped"><tr><th>file</th><th>reason</th></tr>${skipped}</table>${more}` : EMPTY
    }`;
  });
  return section('data', 'Data set', parts);
}

/** The data check's problems, one table per distinct check (models trained on one data set share it). */
function checkSection(models: ReportModel[]): Markup {
  const seen = new Set<string>();
  const parts: Markup[] = [];
  for (const m of models) {
    if (!m.check?.problems.length) continue;
    const key = JSON.stringify(m.check);
    if (seen.has(key)) continue;
    seen.add(key);
    const { fatal, warning, info } = m.check.counts;
    const rows = m.check.problems.slice(0, MAX_SKIPPED_ROWS).map((p) => html`<tr><td>${p.severity === 'info' ? 'note' : p.severity}</td><td><code>${p.code}</code></td><td class="path">${p.subject}</td><td>${p.message}</td></tr>`);
    const more = m.check.problems.length > MAX_SKIPPED_ROWS ? html`<p class="k">… and ${m.check.problems.length - MAX_SKIPPED_ROWS} more.</p>` : EMPTY;
    parts.push(html`<p>${m.check.source}: ${m.check.images} usable images; ${fatal} fatal, ${warning} warnings, ${info} notes.</p><table class="check"><tr><th>severity</th><th>problem</th><th>path</th><th>what and how to fix</th></tr>${rows}</table>${more}`);
  }
  return parts.length ? section('check', 'Data check', parts, html`Found before training (branchnet check); files named in warnings were left out.`) : EMPTY;
}

function runSection(models: ReportModel[]): Markup {
  const parts: Markup[] = [];
  for (const m of models) {
    if (!m.backend && !m.timings?.length && !m.config) continue;
    const backend = m.backend ? html`<p><b>Backend:</b> ${m.backend}</p>` : EMPTY;
    let timings = EMPTY;
    if (m.timings?.length) {
      const total = m.timings.reduce((s, t) => s + t.seconds, 0);
      timings = html`<table class="timings"><tr><th>phase</th><th class="num">seconds</th><th class="num">images / s</th></tr>${m.timings.map(
        (t) => html`<tr><th scope="row">${t.phase}</th><td class="num">${t.seconds.toFixed(1)}</td><td class="num">${Number.isFinite(t.imagesPerSecond) ? t.imagesPerSecond.toFixed(1) : NONE}</td></tr>`,
      )}<tr class="total"><th scope="row">total</th><td class="num">${total.toFixed(1)}</td><td></td></tr></table>`;
    }
    const config = m.config ? html`<details><summary>Config (JSON)</summary><pre>${JSON.stringify(m.config, null, 2)}</pre></details>` : EMPTY;
    parts.push(html`<h3>${m.name}</h3>${backend}${timings}${config}`);
  }
  if (parts.length === 0) return EMPTY;
  return section('run', 'Backend, timings and config', parts);
}

/**
 * Render the whole report as one self-contained HTML string; the same input always gives the
 * same string.
 * @example const html = await renderReport({ title: 'black dress', models: [{ name: 'split', metrics }], createdAt: new Date() })
 */
export async function renderReport(input: ReportInput): Promise<string> {
  const models = input.models ?? [];
  const created = input.createdAt instanceof Date ? input.createdAt.toISOString() : String(input.createdAt);
  const ids = chartIds();
  const sections: [string, string, Markup][] = [];
  const add = (id: string, title: string, part: Markup): void => {
    if (part.value) sections.push([id, title, part]);
  };
  add('headline', 'Seen vs unseen', headlineSection(models));
  add('compare', 'Over runs', compareSection(input.compare));
  add('curves', 'Training curves', await curvesSection(models, ids));
  add('confusion', 'Confusion matrices', await confusionSection(models, ids));
  add('combinations', 'Per combination', combosSection(models));
  add('unseen', 'Unseen combinations', await unseenSection(models, ids));
  add('grids', 'Predictions', gridSection(input.grid));
  add('data', 'Data set', dataSection(models));
  add('check', 'Data check', checkSection(models));
  add('run', 'Backend & config', runSection(models));

  const nav = html`<nav>${sections.map(([id, title]) => html`<a href="#${id}">${title}</a>`)}</nav>`;
  const notes = input.notes?.length ? html`<ul class="notes">${input.notes.map((n) => html`<li>${n}</li>`)}</ul>` : EMPTY;
  const modelNames = models.map((m) => m.name).join(', ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    html`<title>${input.title}</title>`,
    html`<style>${raw(REPORT_CSS)}</style>`,
    '</head><body><main>',
    html`<header><h1>${input.title}</h1><div class="meta">${created} · ${plural(models.length, 'model')}${modelNames ? `: ${modelNames}` : ''}</div>${notes}${nav}</header>`,
    ...sections.map(([, , part]) => part),
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
  await writeFileAtomic(file, await renderReport(input));
}
