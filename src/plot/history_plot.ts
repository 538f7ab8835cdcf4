/**
 * Training-history charts, after `plot_training_history` in the 2018 notebook (cells 13-14):
 * two panels side by side, "Training and validation accuracy" and "Training and validation
 * loss"; one colour per head; training values as dots, validation values as lines.
 *
 * The chart is a Vega-Lite spec (`historySpec`, pure, reusable by an HTML report), compiled to
 * Vega and rendered headlessly to SVG, then rasterised to PNG with sharp (librsvg).
 */
import sharp from 'sharp';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { fail } from '../core/errors.js';
import { useDejaVuTextMetrics } from './text_width.js';

/** Keras/TF.js-style history: metric name → one value per epoch. */
import type { HistoryRecord } from '../core/history.js';

export type { HistoryRecord };

export interface HistorySpecOptions {
  /** Overall title above both panels. */
  title?: string;
  /** Width of each panel's plotting area in px (default 420). */
  width?: number;
  /** Height of each panel's plotting area in px (default 300). */
  height?: number;
  /**
   * 1-based epochs at which a new training phase starts (e.g. `[11]` when 10 phase-1 epochs are
   * followed by phase-2 epochs). Each is drawn as a dashed vertical rule between epoch `s - 1`
   * and `s`, labelled "phase 2", "phase 3", … (or `phaseLabels`).
   */
  phaseStarts?: number[];
  /** Labels for the rules in `phaseStarts`, same order (default "phase 2", "phase 3", …). */
  phaseLabels?: string[];
  /** One colour per head, in head order (default: blue, red, then the Tableau palette). */
  colors?: string[];
  /** Also plot the overall `loss` / `val_loss` (grey) in the loss panel (default false, as the notebook). */
  showTotalLoss?: boolean;
}

export interface HistoryPlotOptions extends HistorySpecOptions {
  /** Rasterisation density for the PNG (default 144 dpi = 2× the SVG's pixel size). */
  density?: number;
}

/** Matplotlib's 'b' and 'r' first (as the notebook), then the rest of the Tableau 10 palette. */
export const DEFAULT_HEAD_COLORS: readonly string[] = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const TOTAL_LOSS_COLOR = '#555555';
const FONT = 'DejaVu Sans, Verdana, Helvetica, Arial, sans-serif';

export const ACCURACY_TITLE = 'Training and validation accuracy';
export const LOSS_TITLE = 'Training and validation loss';

/** One row of the long-format data behind the chart. */
export interface HistoryRow {
  epoch: number;
  value: number;
  /** Head name, or "total" for `loss`/`val_loss`. */
  head: string;
  split: 'training' | 'validation';
  metric: 'acc' | 'loss';
  /** Legend label, e.g. "Color training acc". */
  series: string;
}

export interface HeadKeys {
  head: string;
  acc: string;
  valAcc?: string;
  loss?: string;
  valLoss?: string;
}

const ACC_SUFFIXES = ['_acc', '_accuracy'] as const;

/**
 * Heads named by `<head>_acc` (or `<head>_accuracy`, as newer Keras writes it) keys, in key
 * order. `val_<head>_acc` is the validation series of `<head>`, not a head of its own.
 */
export function discoverHeads(history: HistoryRecord): HeadKeys[] {
  const keys = Object.keys(history);
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(history, k);
  const heads: HeadKeys[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    const suffix = ACC_SUFFIXES.find((s) => key.endsWith(s) && key.length > s.length);
    if (suffix === undefined) continue;
    if (key.startsWith('val_') && has(key.slice(4))) continue; // validation of another head
    const head = key.slice(0, -suffix.length);
    if (seen.has(head)) continue; // both color_acc and color_accuracy: first wins
    seen.add(head);
    const opt = (k: string): string | undefined => (has(k) ? k : undefined);
    heads.push({
      head,
      acc: key,
      valAcc: opt(`val_${key}`),
      loss: opt(`${head}_loss`),
      valLoss: opt(`val_${head}_loss`),
    });
  }
  return heads;
}

/** "color" → "Color", "sleeve_length" → "Sleeve length". */
export function headLabel(head: string): string {
  const spaced = head.replace(/_/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** Legend label as the notebook writes it: "Color training acc", "Type validation loss". */
export function seriesLabel(head: string, split: 'training' | 'validation', metric: 'acc' | 'loss'): string {
  const name = head === 'total' ? 'Total' : headLabel(head);
  return `${name} ${split} ${metric}`;
}

function rowsFor(
  history: HistoryRecord,
  key: string | undefined,
  head: string,
  split: 'training' | 'validation',
  metric: 'acc' | 'loss',
): HistoryRow[] {
  if (key === undefined) return [];
  const values = history[key];
  if (!Array.isArray(values)) {
    fail('E_ARGS', `history["${key}"] must be an array of numbers, got ${typeof values}.`);
  }
  const series = seriesLabel(head, split, metric);
  const rows: HistoryRow[] = [];
  values.forEach((v, i) => {
    // NaN / null / undefined (e.g. an epoch without validation) leave a gap instead of breaking the scale.
    if (typeof v === 'number' && Number.isFinite(v)) rows.push({ epoch: i + 1, value: v, head, split, metric, series });
  });
  return rows;
}

interface SeriesDef {
  head: string;
  color: string;
  training: HistoryRow[];
  validation: HistoryRow[];
}

/** Number of epochs = length of the longest series. */
export function epochCount(history: HistoryRecord): number {
  let n = 0;
  for (const v of Object.values(history)) if (Array.isArray(v)) n = Math.max(n, v.length);
  return n;
}

/** Vega expression literal for a JS string (JSON string syntax is valid in Vega expressions). */
const lit = (s: string): string => JSON.stringify(s);

/* eslint-disable @typescript-eslint/no-explicit-any -- Vega-Lite's spec types are huge unions; the builder assembles plain JSON. */
type Json = Record<string, any>;

function panel(
  title: string,
  metric: 'acc' | 'loss',
  defs: SeriesDef[],
  nEpochs: number,
  opts: Required<Pick<HistorySpecOptions, 'width' | 'height'>> & HistorySpecOptions,
): Json {
  const domain: string[] = [];
  const range: string[] = [];
  const layers: Json[] = [];
  const xField = {
    field: 'epoch',
    type: 'quantitative',
    title: 'Epoch',
    scale: { domain: [0.5, nEpochs + 0.5], nice: false, zero: false },
    axis: {
      tickMinStep: 1,
      format: 'd',
      grid: false,
      ...(nEpochs <= 30 ? { values: Array.from({ length: nEpochs }, (_, i) => i + 1) } : {}),
    },
  };
  const yField = {
    field: 'value',
    type: 'quantitative',
    title: metric === 'acc' ? 'Accuracy' : 'Loss',
    scale: metric === 'acc' ? { zero: false } : { zero: true },
  };
  for (const d of defs) {
    const trainLabel = seriesLabel(d.head, 'training', metric);
    const valLabel = seriesLabel(d.head, 'validation', metric);
    domain.push(trainLabel, valLabel);
    range.push(d.color, d.color);
    if (d.training.length > 0) {
      layers.push({
        data: { values: d.training },
        mark: { type: 'point', filled: true, size: 45, opacity: 1 },
        encoding: {
          x: xField,
          y: yField,
          color: { field: 'series', type: 'nominal' },
          tooltip: [
            { field: 'series', type: 'nominal', title: 'Series' },
            { field: 'epoch', type: 'quantitative', title: 'Epoch' },
            { field: 'value', type: 'quantitative', title: 'Value', format: '.4f' },
          ],
        },
      });
    }
    if (d.validation.length > 0) {
      layers.push({
        data: { values: d.validation },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: xField,
          y: yField,
          color: { field: 'series', type: 'nominal' },
          order: { field: 'epoch', type: 'quantitative' },
        },
      });
    }
  }

  // Phase numbering follows epoch order: the first start after epoch 1 begins phase 2.
  const given = opts.phaseStarts ?? [];
  const starts = [...new Set(given.filter((s) => Number.isFinite(s) && s > 1 && s <= nEpochs))].sort((a, b) => a - b);
  if (starts.length > 0) {
    const rules = starts.map((s, i) => ({ x: s - 0.5, label: opts.phaseLabels?.[given.indexOf(s)] ?? `phase ${i + 2}` }));
    layers.push({
      data: { values: rules },
      mark: { type: 'rule', strokeDash: [6, 4], color: '#666666', strokeWidth: 1.5 },
      encoding: { x: { field: 'x', type: 'quantitative' } },
    });
    layers.push({
      data: { values: rules },
      mark: {
        type: 'text',
        // Above the plotting area (between panel title and frame) so it never covers data.
        align: 'center',
        baseline: 'bottom',
        y: -4,
        color: '#444444',
        fontSize: 11,
        fontStyle: 'italic',
      },
      encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
    });
  }

  // Legend symbols: a dot for training series, a line segment for validation series (as in
  // matplotlib's legend for 'bo' vs 'b'). The label → colour map is known here, so the symbol
  // colours are written as literal arrays rather than looked up in a (generated) scale name.
  const labels = `[${domain.map(lit).join(',')}]`;
  const colors = `[${range.map(lit).join(',')}]`;
  const valLabels = `[${domain.filter((_, i) => i % 2 === 1).map(lit).join(',')}]`;
  const colorOf = `${colors}[indexof(${labels}, datum.value)]`;
  const isVal = `indexof(${valLabels}, datum.value) >= 0`;
  const legend: Json = {
    title: null,
    orient: 'bottom',
    direction: 'horizontal',
    columns: 2,
    columnPadding: 24,
    rowPadding: 6,
    labelFontSize: 12,
    labelLimit: 0,
    symbolSize: 110,
    symbolStrokeWidth: 2.5,
    // Vega-Lite's legend `encoding` (not Vega's `encode`): channel → value definitions.
    encoding: {
      symbols: {
        shape: { value: { expr: `${isVal} ? 'stroke' : 'circle'` } },
        fill: { value: { expr: `${isVal} ? 'transparent' : ${colorOf}` } },
        stroke: { value: { expr: colorOf } },
        strokeWidth: { value: { expr: `${isVal} ? 2.5 : 0` } },
        opacity: { value: 1 },
      },
    },
  };
  // The colour scale (fixed domain order = legend order) and legend live on the first
  // colour-encoded layer; the other layers of the panel share it.
  const first = layers.find((l) => l.encoding?.color !== undefined);
  if (first) first.encoding.color = { ...first.encoding.color, scale: { domain, range }, legend };

  return {
    title: { text: title, fontSize: 15, fontWeight: 'bold', anchor: 'middle', font: FONT, offset: starts.length > 0 ? 20 : 8 },
    width: opts.width,
    height: opts.height,
    layer: layers,
    resolve: { scale: { color: 'shared' } },
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Pure Vega-Lite spec for the two-panel history chart. Throws E_ARGS if no `<head>_acc` key
 * is present or no epoch has a value.
 */
export function historySpec(history: HistoryRecord, opts: HistorySpecOptions = {}): TopLevelSpec {
  if (history === null || typeof history !== 'object') {
    fail('E_ARGS', `history must be an object of metric arrays, got ${history === null ? 'null' : typeof history}.`);
  }
  const heads = discoverHeads(history);
  if (heads.length === 0) {
    fail(
      'E_ARGS',
      `history has no "<head>_acc" key, so no head can be plotted; got keys [${Object.keys(history).join(', ')}]. ` +
        'Pass the history of a multi-output model compiled with metrics: ["accuracy"].',
    );
  }
  const nEpochs = epochCount(history);
  if (nEpochs === 0) fail('E_ARGS', 'history has no epochs: every metric array is empty.');
  const width = opts.width ?? 420;
  const height = opts.height ?? 300;
  const palette = opts.colors ?? DEFAULT_HEAD_COLORS;

  const accDefs: SeriesDef[] = [];
  const lossDefs: SeriesDef[] = [];
  heads.forEach((h, i) => {
    const color = palette[i % palette.length] ?? DEFAULT_HEAD_COLORS[i % DEFAULT_HEAD_COLORS.length]!;
    accDefs.push({
      head: h.head,
      color,
      training: rowsFor(history, h.acc, h.head, 'training', 'acc'),
      validation: rowsFor(history, h.valAcc, h.head, 'validation', 'acc'),
    });
    if (h.loss !== undefined || h.valLoss !== undefined) {
      lossDefs.push({
        head: h.head,
        color,
        training: rowsFor(history, h.loss, h.head, 'training', 'loss'),
        validation: rowsFor(history, h.valLoss, h.head, 'validation', 'loss'),
      });
    }
  });
  if (opts.showTotalLoss && (history.loss !== undefined || history.val_loss !== undefined)) {
    lossDefs.push({
      head: 'total',
      color: TOTAL_LOSS_COLOR,
      training: rowsFor(history, history.loss !== undefined ? 'loss' : undefined, 'total', 'training', 'loss'),
      validation: rowsFor(history, history.val_loss !== undefined ? 'val_loss' : undefined, 'total', 'validation', 'loss'),
    });
  }

  const po = { ...opts, width, height };
  // A history without any loss key (e.g. metrics only) gets the accuracy panel alone.
  const panels = [panel(ACCURACY_TITLE, 'acc', accDefs, nEpochs, po)];
  if (lossDefs.length > 0) panels.push(panel(LOSS_TITLE, 'loss', lossDefs, nEpochs, po));
  const spec: Json = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 16,
    ...(opts.title ? { title: { text: opts.title, fontSize: 17, anchor: 'middle', font: FONT, offset: 12 } } : {}),
    hconcat: panels,
    spacing: 40,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    config: {
      font: FONT,
      view: { stroke: '#bbbbbb' },
      axis: { labelFontSize: 11, titleFontSize: 12, titlePadding: 8, gridColor: '#eeeeee' },
      legend: { labelFont: FONT },
    },
  };
  return spec as TopLevelSpec;
}

/** Compile a Vega-Lite spec and render it to SVG headlessly (no DOM, no canvas). */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  useDejaVuTextMetrics(); // real widths for layout/legends when Vega has no canvas to measure with
  const vgSpec = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render the two-panel history chart to SVG and PNG. */
export async function renderHistoryPlot(
  history: HistoryRecord,
  opts: HistoryPlotOptions = {},
): Promise<{ svg: string; png: Buffer }> {
  const svg = await renderVegaLiteSvg(historySpec(history, opts));
  const png = await sharp(Buffer.from(svg), { density: opts.density ?? 144 })
    .flatten({ background: '#ffffff' })
    .png()
    .toBuffer();
  return { svg, png };
}
