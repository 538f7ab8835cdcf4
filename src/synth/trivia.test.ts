import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitSoftmax, predictSoftmax, synthesize, triviaBaseline, triviaFeatures } from './index.js';
import { Rng } from '../core/rng.js';

const root = await mkdtemp(join(tmpdir(), 'branchnet-trivia-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('logistic regression baseline', () => {
  it('fits separable data perfectly and extracts mean RGB / 8×8 features', () => {
    const r = new Rng('toy');
    const X: Float64Array[] = [];
    const y: number[] = [];
    for (let i = 0; i < 150; i++) {
      const c = i % 3;
      X.push(Float64Array.from([c * 3 + r.normal(0, 0.3), -c + r.normal(0, 0.3)]));
      y.push(c);
    }
    const m = fitSoftmax(X, y, 3, 300);
    expect(X.filter((x, i) => predictSoftmax(m, x) === y[i]).length).toBe(150);

    const rgb = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < 16 * 16; i++) rgb[3 * i] = i < 128 ? 255 : 0; // top half red
    const f = triviaFeatures(rgb, 16, 16);
    expect(f.mean[0]).toBeCloseTo(0.5);
    expect(f.grid.length).toBe(192);
    expect(f.grid[0]).toBe(1);
    expect(f.grid[3 * 63]).toBe(0);
  });
});

describe('learnability trivia: neither attribute can be read off trivially', () => {
  it('logistic regression on mean RGB / 8×8 stays far from a CNN on a balanced 3 × 3 set', async () => {
    const out = join(root, 'balanced');
    // 40 images of each of the 9 combinations, pooled; 25% held out.
    await synthesize({ out, trainCombos: 'all', trainPerCombo: 40, testPerCombo: 0 });
    const t = await triviaBaseline(out);
    expect(t.images.train + t.images.test).toBe(360);
    // Measured at seed 1 (see README): type/mean RGB ≈ 0.28–0.40, type/8×8 ≈ 0.44, colour/mean RGB ≈ 0.72–0.76.
    expect(t.typeFromMeanRgb).toBeLessThan(0.5); // chance is 1/3
    expect(t.typeFrom8x8).toBeLessThan(0.6); // a CNN reaches ≥ 0.95
    expect(t.colorFromMeanRgb).toBeLessThan(0.9);
    // sanity: the same regression does read colour from the 8×8 grid, so it is not broken
    expect(t.colorFrom8x8).toBeGreaterThan(0.8);
  });
});
