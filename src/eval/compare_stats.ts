/**
 * Architectures compared over runs (seeds / rotations of the held-out combinations): mean,
 * sample std, min and max of each headline metric, and their text / Markdown tables.
 */
import { markdownTable, NONE, textTable } from './format.js';
import type { Metrics } from './metrics.js';

/** One architecture's runs (seeds / rotations of the held-out combinations). */
export interface CompareRow {
  name: string;
  metrics: Metrics[];
}

/** How the spread over runs is written: sample standard deviation or min–max. */
export type Spread = 'std' | 'range';

export interface CompareStat {
  /** Mean over the runs where the metric exists (NaN if none). */
  mean: number;
  /** Sample standard deviation (n − 1); NaN with fewer than 2 runs. */
  sd: number;
  min: number;
  max: number;
  /** Runs that contributed a value. */
  runs: number;
}

export interface CompareTable {
  metrics: { key: string; label: string }[];
  models: { name: string; runs: number; stats: Record<string, CompareStat> }[];
}

/** The metrics compared across runs, as fractions: key, label, value. */
function compareValues(m: Metrics): { key: string; label: string; value: number }[] {
  const out = [
    { key: 'As', label: 'exact match seen (As)', value: m.exact.seen.rate },
    { key: 'Au', label: 'exact match unseen (Au)', value: m.exact.unseen.rate },
    { key: 'H', label: 'H (harmonic mean)', value: m.exact.harmonic },
    { key: 'shortcut', label: 'shortcut rate', value: m.shortcut.rate },
  ];
  for (const h of m.heads) {
    out.push({ key: `${h.name}.seen`, label: `${h.name} acc seen`, value: h.seen.rate });
    out.push({ key: `${h.name}.unseen`, label: `${h.name} acc unseen`, value: h.unseen.rate });
  }
  return out;
}

/**
 * Mean, sample std, min and max of each headline metric per architecture over its runs.
 * @example compareStats([{ name: 'split', metrics: [m1, m2] }]).models[0].stats.Au.mean
 */
export function compareStats(rows: CompareRow[]): CompareTable {
  const metrics: { key: string; label: string }[] = [];
  const known = new Set<string>();
  const models = rows.map((row) => {
    const values = new Map<string, number[]>();
    for (const m of row.metrics) {
      for (const v of compareValues(m)) {
        if (!known.has(v.key)) {
          known.add(v.key);
          metrics.push({ key: v.key, label: v.label });
        }
        if (!values.has(v.key)) values.set(v.key, []);
        if (Number.isFinite(v.value)) values.get(v.key)!.push(v.value);
      }
    }
    const stats: Record<string, CompareStat> = {};
    for (const [key, xs] of values) {
      const n = xs.length;
      const mean = n ? xs.reduce((a, b) => a + b, 0) / n : NaN;
      const sd = n >= 2 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : NaN;
      stats[key] = { mean, sd, min: n ? Math.min(...xs) : NaN, max: n ? Math.max(...xs) : NaN, runs: n };
    }
    return { name: row.name, runs: row.metrics.length, stats };
  });
  return { metrics, models };
}

/**
 * One cell of the comparison, in percent: "93.3 ± 2.1" (std) or "93.3 (91.0–95.2)" (range);
 * a single run gives the value alone, no runs "–".
 */
export function formatCompareCell(s: CompareStat | undefined, spread: Spread = 'std'): string {
  if (s === undefined || s.runs === 0 || !Number.isFinite(s.mean)) return NONE;
  const p = (x: number): string => (x * 100).toFixed(1);
  if (s.runs < 2) return p(s.mean);
  return spread === 'std' ? `${p(s.mean)} ± ${p(s.sd)}` : `${p(s.mean)} (${p(s.min)}–${p(s.max)})`;
}

function compareGrid(rows: CompareRow[], spread: Spread): { header: string[]; body: string[][]; note: string } {
  const t = compareStats(rows);
  const header = ['metric (%)', ...t.models.map((m) => `${m.name} (${m.runs} run${m.runs === 1 ? '' : 's'})`)];
  const body = t.metrics.map((mt) => [mt.label, ...t.models.map((m) => formatCompareCell(m.stats[mt.key], spread))]);
  const note =
    spread === 'std'
      ? 'Percent; mean ± sample standard deviation (n − 1) over runs (seeds / held-out rotations).'
      : 'Percent; mean (min–max) over runs (seeds / held-out rotations).';
  return { header, body, note };
}

/**
 * Architectures side by side over runs, as plain text: one row per metric, one column per
 * architecture, each cell mean ± sample std (or mean (min–max) with `spread: 'range'`).
 * @example console.log(formatCompareTable([{ name: 'split', metrics: runsA }, { name: 'multilabel', metrics: runsB }]))
 */
export function formatCompareTable(rows: CompareRow[], opts: { spread?: Spread; title?: string } = {}): string {
  const g = compareGrid(rows, opts.spread ?? 'std');
  return [...(opts.title ? [opts.title] : []), textTable(g.header, g.body), g.note].join('\n');
}

/**
 * The same comparison as a Markdown table (for READMEs and reports), with the note below.
 * @example formatCompareMarkdown(rows, { spread: 'range' })
 */
export function formatCompareMarkdown(rows: CompareRow[], opts: { spread?: Spread; title?: string } = {}): string {
  const g = compareGrid(rows, opts.spread ?? 'std');
  return [...(opts.title ? [`**${opts.title}**`, ''] : []), markdownTable(g.header, g.body), '', `_${g.note}_`].join('\n');
}
