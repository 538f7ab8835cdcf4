/** Compare over runs (./compare_stats.ts): mean, sample std, min–max per architecture, and their tables. */
import { describe, expect, it } from 'vitest';
import { compareStats, formatCompareCell, formatCompareMarkdown, formatCompareTable } from './compare_stats.js';
import type { EvalRecord, EvalResult } from './evaluate.js';
import { evaluateMetrics, type Metrics } from './metrics.js';

/** Records from "truth>pred" strings, combos seen iff listed in `train`. */
function result(heads: { name: string; vocab: string[] }[], train: string[], pairs: string[]): EvalResult {
  const records: EvalRecord[] = pairs.map((s, i) => {
    const [t, p] = s.split('>') as [string, string];
    const truth = t.split('_');
    const pred = p.split('_');
    return { path: `img/${t}/${i}.jpg`, truth, pred, prob: pred.map(() => 0.9), combo: t, seen: train.includes(t) };
  });
  return { heads, records, trainCombos: train, failures: [] };
}

describe('compare over runs', () => {
  const heads = [
    { name: 'color', vocab: ['black', 'blue'] },
    { name: 'type', vocab: ['dress', 'jeans'] },
  ];
  const train = ['black_jeans', 'blue_dress'];
  // Au = 1/2, 2/2, 0/2 over three seeds; As = 1 in all
  const run = (unseen: string[]): Metrics => evaluateMetrics(result(heads, train, ['black_jeans>black_jeans', 'blue_dress>blue_dress', ...unseen]));
  const split = [
    run(['black_dress>black_dress', 'black_dress>black_jeans']),
    run(['black_dress>black_dress', 'black_dress>black_dress']),
    run(['black_dress>black_jeans', 'black_dress>blue_dress']),
  ];
  const multi = [run(['black_dress>black_jeans', 'black_dress>black_jeans'])];

  it('mean and sample std (n − 1), min and max', () => {
    const t = compareStats([{ name: 'split', metrics: split }]);
    const au = t.models[0]!.stats.Au!;
    expect(au.mean).toBeCloseTo(0.5, 12);
    expect(au.sd).toBeCloseTo(0.5, 12); // values .5, 1, 0: squares .25+.25 → /2 → .25
    expect([au.min, au.max, au.runs]).toEqual([0, 1, 3]);
    expect(t.metrics.map((x) => x.key)).toEqual(['As', 'Au', 'H', 'shortcut', 'color.seen', 'color.unseen', 'type.seen', 'type.unseen']);
  });

  it('cells: ± std, (min–max), single run, none', () => {
    const s = { mean: 0.5, sd: 0.5, min: 0, max: 1, runs: 3 };
    expect(formatCompareCell(s)).toBe('50.0 ± 50.0');
    expect(formatCompareCell(s, 'range')).toBe('50.0 (0.0–100.0)');
    expect(formatCompareCell({ ...s, runs: 1, sd: NaN })).toBe('50.0');
    expect(formatCompareCell(undefined)).toBe('–');
  });

  it('text table: one column per architecture, says which spread', () => {
    const t = formatCompareTable([
      { name: 'split', metrics: split },
      { name: 'multilabel', metrics: multi },
    ]);
    expect(t).toMatch(/metric \(%\)\s+split \(3 runs\)\s+multilabel \(1 run\)/);
    expect(t).toMatch(/exact match unseen \(Au\)\s+50\.0 ± 50\.0\s+0\.0/);
    expect(t).toMatch(/shortcut rate\s+50\.0 ± 50\.0\s+100\.0/);
    expect(t).toContain('sample standard deviation');
    expect(formatCompareTable([{ name: 'split', metrics: split }], { spread: 'range' })).toMatch(/Au\)\s+50\.0 \(0\.0–100\.0\)[\s\S]*min–max/);
  });

  it('markdown table', () => {
    const md = formatCompareMarkdown([
      { name: 'split', metrics: split },
      { name: 'multi|label', metrics: multi },
    ]);
    const lines = md.split('\n');
    expect(lines[0]).toBe('| metric (%) | split (3 runs) | multi\\|label (1 run) |');
    expect(lines[1]).toBe('| :-- | --: | --: |');
    expect(md).toContain('| exact match unseen (Au) | 50.0 ± 50.0 | 0.0 |');
    expect(md).toMatch(/_Percent; mean ± sample standard deviation/);
  });
});
