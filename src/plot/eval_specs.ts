/**
 * The Vega-Lite specs of the evaluation report's charts: confusion heatmaps per head and where
 * the predictions of unseen combinations went. Specs only (plain data in, JSON out); rendering is
 * renderVegaLiteSvg's (./history_plot.ts).
 */
import type { TopLevelSpec } from 'vega-lite';

const FONT = 'DejaVu Sans, Verdana, Helvetica, Arial, sans-serif';

/** One head's confusion counts, as eval/metrics.ts's HeadMetrics carries them. */
export interface ConfusionHead {
  name: string;
  /** Rows and columns of the matrices. */
  labels: string[];
  /** counts[truth][prediction], indexed like `labels`. */
  confusion: { all: number[][]; seen: number[][]; unseen: number[][] };
}

/** Where each unseen combination's predictions went, as eval/metrics.ts's Metrics carries it. */
export interface UnseenOutcomes {
  unseen: {
    combo: string;
    n: number;
    predictions: { count: number; correct: boolean; shortcut: boolean; seen: boolean }[];
  }[];
}

/**
 * Vega-Lite heatmaps of one head's confusion matrices, seen and unseen side by side, with the
 * count written in every cell (rows = true label, columns = prediction).
 */
export function confusionSpec(head: ConfusionHead, opts: { splits?: ('seen' | 'unseen' | 'all')[] } = {}): TopLevelSpec {
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
export function unseenOutcomeSpec(metrics: UnseenOutcomes): TopLevelSpec {
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
