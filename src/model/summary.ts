/**
 * The per-branch summary, as plain data and as the Keras-style table the notebook prints
 * (cells 10 and 16): one row per branch with its output shape and parameter count, then
 * total / trainable / non-trainable.
 */
import type { tf } from '../core/tf.js';
import { countParams } from './build.js';

export interface SummaryRow {
  name: string;
  kind: string;
  outputShape: (number | null)[];
  params: number;
  trainable: number;
}

export interface ModelSummary {
  rows: SummaryRow[];
  total: number;
  trainable: number;
  nonTrainable: number;
}

export function summarize(model: tf.LayersModel): ModelSummary {
  const rows: SummaryRow[] = model.layers.map((l) => ({
    name: l.name,
    kind: l.getClassName(),
    outputShape: (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as (number | null)[],
    params: l.countParams(),
    trainable: countParams(l.trainableWeights),
  }));
  const total = model.countParams();
  const trainable = countParams(model.trainableWeights);
  return { rows, total, trainable, nonTrainable: total - trainable };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatSummary(s: ModelSummary, title?: string): string {
  const shape = (sh: (number | null)[]) => `(${sh.map((d) => (d === null ? 'None' : d)).join(', ')})`;
  const cols = [['Layer (type)', 34], ['Output Shape', 24], ['Param #', 14], ['Trainable', 12]] as const;
  const line = (c: string) => c.repeat(cols.reduce((a, [, w]) => a + w, 0));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(cols[i][1])).join('').trimEnd();
  const out: string[] = [];
  if (title) out.push(title);
  out.push(line('_'), row(cols.map(([h]) => h)), line('='));
  s.rows.forEach((r, i) => {
    out.push(row([`${r.name} (${r.kind})`, shape(r.outputShape), fmt(r.params), fmt(r.trainable)]));
    out.push(line(i === s.rows.length - 1 ? '=' : '_'));
  });
  out.push(`Total params: ${fmt(s.total)}`, `Trainable params: ${fmt(s.trainable)}`, `Non-trainable params: ${fmt(s.nonTrainable)}`, line('_'));
  return out.join('\n');
}
