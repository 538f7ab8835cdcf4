import { describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import type { EvalRecord, EvalResult } from './evaluate.js';
import {
  evaluateMetrics,
  formatMetricsTable,
  harmonicMean,
  wilson,
} from './metrics.js';

const r4 = (x: number): number => Number(x.toFixed(4));

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

/**
 * 2 heads, trained on black_jeans, blue_dress, red_dress; tested also on the unseen
 * black_dress and blue_jeans. Hand counts are in the comments of each expectation.
 */
function twoHead(): EvalResult {
  return result(
    [
      { name: 'color', vocab: ['black', 'blue', 'red'] },
      { name: 'type', vocab: ['dress', 'jeans'] },
    ],
    ['black_jeans', 'blue_dress', 'red_dress'],
    [
      // seen: 8 images, 6 exact
      'black_jeans>black_jeans',
      'black_jeans>black_jeans',
      'black_jeans>blue_jeans', // colour wrong
      'blue_dress>blue_dress',
      'blue_dress>blue_dress',
      'red_dress>red_dress',
      'red_dress>red_jeans', // type wrong
      'red_dress>red_dress',
      // unseen: 8 images, 2 exact, 4 shortcuts
      'black_dress>black_jeans', // shortcut (keeps black)
      'black_dress>black_jeans', // shortcut
      'black_dress>black_dress', // right
      'black_dress>blue_dress', // shortcut (keeps dress)
      'blue_jeans>blue_dress', // shortcut (keeps blue)
      'blue_jeans>blue_jeans', // right
      'blue_jeans>red_dress', // seen combo, keeps nothing: not a shortcut
      'blue_jeans>red_jeans', // keeps jeans but red_jeans is unseen: not a shortcut
    ],
  );
}

describe('wilson', () => {
  it('Wilson(8, 10) = [0.4902, 0.9433]', () => {
    const w = wilson(8, 10);
    expect(w.rate).toBe(0.8);
    expect(w.n).toBe(10);
    expect(w.k).toBe(8);
    expect(r4(w.lo)).toBe(0.4902);
    expect(r4(w.hi)).toBe(0.9433);
  });

  it('matches the closed formula (centre ± half-width)', () => {
    const z = 1.96;
    const n = 10;
    const p = 0.8;
    const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
    const half = ((z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n)));
    expect(wilson(8, 10).lo).toBeCloseTo(centre - half, 12);
    expect(wilson(8, 10).hi).toBeCloseTo(centre + half, 12);
  });

  it('Wilson(0, 10) = [0, 0.2775] and Wilson(10, 10) = [0.7225, 1], exact at the ends', () => {
    const a = wilson(0, 10);
    expect(a.rate).toBe(0);
    expect(a.lo).toBe(0);
    expect(r4(a.hi)).toBe(0.2775);
    const b = wilson(10, 10);
    expect(b.rate).toBe(1);
    expect(r4(b.lo)).toBe(0.7225);
    expect(b.hi).toBe(1);
  });

  it('n = 0 gives rate NaN and [0, 1]', () => {
    expect(wilson(0, 0)).toEqual({ rate: NaN, lo: 0, hi: 1, n: 0, k: 0 });
  });

  it('a smaller z gives a narrower interval', () => {
    const w90 = wilson(8, 10, 1.645);
    expect(w90.lo).toBeGreaterThan(wilson(8, 10).lo);
    expect(w90.hi).toBeLessThan(wilson(8, 10).hi);
  });

  it('rejects impossible counts with E_ARGS', () => {
    expect(() => wilson(11, 10)).toThrow(BranchnetError);
    expect(() => wilson(-1, 10)).toThrow(/successes/);
    expect(() => wilson(1.5, 10)).toThrow(/integer/);
  });
});

describe('harmonicMean', () => {
  it('of 0.9 and 0.6 is 0.72', () => {
    expect(harmonicMean(0.9, 0.6)).toBeCloseTo(0.72, 12);
  });
  it('is 0 when either is 0 (also both)', () => {
    expect(harmonicMean(0, 0.8)).toBe(0);
    expect(harmonicMean(0.8, 0)).toBe(0);
    expect(harmonicMean(0, 0)).toBe(0);
  });
  it('is NaN when either is NaN', () => {
    expect(harmonicMean(NaN, 0.5)).toBeNaN();
    expect(harmonicMean(0, NaN)).toBeNaN();
  });
});

describe('evaluateMetrics: 2 heads, 3 seen and 2 unseen combinations', () => {
  const m = evaluateMetrics(twoHead());

  it('counts images and combinations', () => {
    expect(m.counts).toEqual({ images: 16, seen: 8, unseen: 8, failures: 0, seenCombos: 3, unseenCombos: 2 });
  });

  it('exact match As = 6/8, Au = 2/8, H = 0.375', () => {
    expect([m.exact.seen.k, m.exact.seen.n]).toEqual([6, 8]);
    expect(m.exact.seen.rate).toBe(0.75);
    expect([m.exact.unseen.k, m.exact.unseen.n]).toEqual([2, 8]);
    expect(m.exact.unseen.rate).toBe(0.25);
    expect(m.exact.harmonic).toBeCloseTo(0.375, 12); // 2·0.75·0.25 / 1.0
    expect([m.exact.all.k, m.exact.all.n]).toEqual([8, 16]);
  });

  it('shortcut rate = 4/8 with its Wilson interval', () => {
    expect([m.shortcut.k, m.shortcut.n]).toEqual([4, 8]);
    expect(m.shortcut.rate).toBe(0.5);
    expect(r4(m.shortcut.lo)).toBe(r4(wilson(4, 8).lo));
    expect(r4(m.shortcut.lo)).toBe(0.2152);
    expect(r4(m.shortcut.hi)).toBe(0.7848);
  });

  it('per-head accuracy seen / unseen / all', () => {
    const [color, type] = m.heads;
    expect(color!.name).toBe('color');
    expect([color!.seen.k, color!.seen.n, color!.unseen.k, color!.unseen.n, color!.all.k]).toEqual([7, 8, 5, 8, 12]);
    expect([type!.seen.k, type!.seen.n, type!.unseen.k, type!.unseen.n, type!.all.k]).toEqual([7, 8, 4, 8, 11]);
  });

  it('confusion matrices, rows = truth, cols = prediction, split seen / unseen', () => {
    const [color, type] = m.heads;
    expect(color!.labels).toEqual(['black', 'blue', 'red']);
    expect(color!.confusion.seen).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [0, 0, 3],
    ]);
    expect(color!.confusion.unseen).toEqual([
      [3, 1, 0],
      [0, 2, 2],
      [0, 0, 0],
    ]);
    expect(color!.confusion.all).toEqual([
      [5, 2, 0],
      [0, 4, 2],
      [0, 0, 3],
    ]);
    expect(type!.labels).toEqual(['dress', 'jeans']);
    expect(type!.confusion.seen).toEqual([
      [4, 1],
      [0, 3],
    ]);
    expect(type!.confusion.unseen).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(type!.confusion.all).toEqual([
      [6, 3],
      [2, 5],
    ]);
  });

  it('per-combination numbers, seen first then unseen, alphabetical', () => {
    expect(m.combos.map((c) => [c.combo, c.seen, c.n])).toEqual([
      ['black_jeans', true, 3],
      ['blue_dress', true, 2],
      ['red_dress', true, 3],
      ['black_dress', false, 4],
      ['blue_jeans', false, 4],
    ]);
    const bj = m.combos[0]!;
    expect(bj.truth).toEqual(['black', 'jeans']);
    expect([bj.exact.k, bj.headAccuracy[0]!.k, bj.headAccuracy[1]!.k]).toEqual([2, 2, 3]);
    expect(bj.top).toMatchObject({ combo: 'black_jeans', count: 2, correct: true });
    const rd = m.combos[2]!;
    expect([rd.exact.k, rd.headAccuracy[0]!.k, rd.headAccuracy[1]!.k]).toEqual([2, 3, 2]);
    const bd = m.combos[3]!;
    expect([bd.exact.k, bd.headAccuracy[0]!.k, bd.headAccuracy[1]!.k]).toEqual([1, 3, 2]);
    expect(bd.top).toMatchObject({ combo: 'black_jeans', count: 2, share: 0.5, seen: true, shortcut: true, kept: ['color'] });
    // a four-way tie is broken alphabetically
    expect(m.combos[4]!.top.combo).toBe('blue_dress');
  });

  it('where the unseen combinations went', () => {
    expect(m.unseen.map((u) => [u.combo, u.n, u.shortcut.k])).toEqual([
      ['black_dress', 4, 3],
      ['blue_jeans', 4, 1],
    ]);
    expect(m.unseen[0]!.predictions.map((p) => [p.combo, p.count, p.seen, p.correct, p.shortcut, p.kept])).toEqual([
      ['black_jeans', 2, true, false, true, ['color']],
      ['black_dress', 1, false, true, false, ['color', 'type']],
      ['blue_dress', 1, true, false, true, ['type']],
    ]);
    expect(m.unseen[1]!.predictions.map((p) => [p.combo, p.shortcut, p.kept])).toEqual([
      ['blue_dress', true, ['color']],
      ['blue_jeans', false, ['color', 'type']],
      ['red_dress', false, []],
      ['red_jeans', false, ['type']],
    ]);
  });

  it('never reports averaged per-label binary accuracy', () => {
    expect(JSON.stringify(Object.keys(m))).not.toMatch(/binary|perLabel/i);
  });

  it('formats the terminal table with Wilson intervals', () => {
    const t = formatMetricsTable(m, { title: 'split model' });
    expect(t.split('\n')[0]).toBe('split model');
    expect(t).toMatch(/seen \(n=8\)\s+unseen \(n=8\)/);
    expect(t).toMatch(/color accuracy\s+87\.5% \[52\.9–97\.8\]\s+62\.5% \[30\.6–86\.3\]/);
    expect(t).toMatch(/type accuracy\s+87\.5% \[52\.9–97\.8\]\s+50\.0% \[21\.5–78\.5\]/);
    expect(t).toMatch(/exact match \(As \/ Au\)\s+75\.0% \[40\.9–92\.9\]\s+25\.0% \[7\.1–59\.1\]/);
    expect(t).toMatch(/H = 2·As·Au\/\(As\+Au\)\s+37\.5%/);
    expect(t).toMatch(/shortcut rate\s+50\.0% \[21\.5–78\.5\]/);
    expect(t).toContain('16 images (3 seen, 2 unseen combinations)');
  });
});

describe('evaluateMetrics: 3 heads', () => {
  const res = result(
    [
      { name: 'color', vocab: ['black', 'white'] },
      { name: 'type', vocab: ['dress', 'shirt'] },
      { name: 'size', vocab: ['s', 'l'] },
    ],
    ['black_dress_s', 'white_shirt_l'],
    [
      'black_dress_s>black_dress_s',
      'white_shirt_l>white_shirt_l',
      'white_shirt_l>white_shirt_s', // size wrong
      'black_shirt_l>black_shirt_l', // right
      'black_shirt_l>white_shirt_l', // shortcut: keeps shirt, l
      'black_shirt_l>black_dress_s', // shortcut: keeps black
      'black_shirt_l>white_dress_s', // unseen prediction, keeps nothing
    ],
  );
  const m = evaluateMetrics(res);

  it('As = 2/3, Au = 1/4, H = 4/11, shortcut = 2/4', () => {
    expect(m.exact.seen.rate).toBeCloseTo(2 / 3, 12);
    expect(m.exact.unseen.rate).toBe(0.25);
    expect(m.exact.harmonic).toBeCloseTo(4 / 11, 12);
    expect([m.shortcut.k, m.shortcut.n]).toEqual([2, 4]);
  });

  it('per-head accuracy and a 3-head confusion matrix', () => {
    expect(m.heads.map((h) => [h.name, h.seen.k, h.seen.n, h.unseen.k, h.unseen.n])).toEqual([
      ['color', 3, 3, 2, 4],
      ['type', 3, 3, 2, 4],
      ['size', 2, 3, 2, 4],
    ]);
    expect(m.heads[2]!.labels).toEqual(['s', 'l']);
    expect(m.heads[2]!.confusion.seen).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(m.heads[2]!.confusion.unseen).toEqual([
      [0, 0],
      [2, 2],
    ]);
  });

  it('kept labels name the heads', () => {
    const u = m.unseen[0]!;
    expect(u.combo).toBe('black_shirt_l');
    const byCombo = Object.fromEntries(u.predictions.map((p) => [p.combo, p.kept]));
    expect(byCombo).toEqual({
      black_shirt_l: ['color', 'type', 'size'],
      white_shirt_l: ['type', 'size'],
      black_dress_s: ['color'],
      white_dress_s: [],
    });
  });
});

describe('evaluateMetrics: edge cases', () => {
  it('no unseen images: Au NaN, H NaN, shortcut n = 0, table shows –', () => {
    const m = evaluateMetrics(result([{ name: 'color', vocab: ['a', 'b'] }, { name: 'type', vocab: ['x'] }], ['a_x', 'b_x'], ['a_x>a_x', 'b_x>a_x']));
    expect(m.exact.unseen.rate).toBeNaN();
    expect(m.exact.harmonic).toBeNaN();
    expect(m.shortcut.n).toBe(0);
    expect(formatMetricsTable(m)).toMatch(/shortcut rate\s+–/);
  });

  it('labels outside the vocabulary get their own row and column', () => {
    const m = evaluateMetrics(result([{ name: 'color', vocab: ['a'] }, { name: 'type', vocab: ['x'] }], ['a_x'], ['a_x>a_x', 'z_x>a_x']));
    expect(m.heads[0]!.labels).toEqual(['a', 'z']);
    expect(m.heads[0]!.confusion.all).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it('a record with the wrong number of labels fails with E_ARGS naming it', () => {
    const r = result([{ name: 'color', vocab: ['a'] }, { name: 'type', vocab: ['x'] }], ['a_x'], ['a_x>a_x']);
    r.records[0]!.pred = ['a'];
    expect(() => evaluateMetrics(r)).toThrow(/img\/a_x\/0\.jpg.*expected 2/);
  });
});
