/**
 * Learnability-trivia baseline: can colour or type be read off trivially? Fits multinomial
 * logistic regression (softmax regression, plain TypeScript) on (a) each image's mean RGB and
 * (b) its 8×8 area downscale (192 features), and reports held-out accuracies. A data set where
 * these stay far below a CNN's accuracy makes a network learn shape for type and the garment's
 * colour (not the frame's average) for colour.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { fail } from '../core/errors.js';
import { Rng } from '../core/rng.js';

export interface TriviaResult {
  images: { train: number; test: number };
  classes: { color: string[]; type: string[] };
  /** Accuracy of always guessing the most frequent class of the training part. */
  majority: { color: number; type: number };
  typeFromMeanRgb: number;
  typeFrom8x8: number;
  colorFromMeanRgb: number;
  colorFrom8x8: number;
}

export interface TriviaOptions {
  /** Shuffle seed for the split (default 1). */
  seed?: number;
  /** Fraction of images held out for scoring (default 0.25). */
  testFraction?: number;
  /** Gradient-descent iterations (default 600). */
  iterations?: number;
}

/** Mean RGB (3 values) and 8×8 area-averaged downscale (192 values, row-major RGB) in [0, 1]. */
export function triviaFeatures(rgb: Uint8Array, width: number, height: number): { mean: Float64Array; grid: Float64Array } {
  const mean = new Float64Array(3);
  const grid = new Float64Array(192);
  const count = new Float64Array(64);
  for (let y = 0; y < height; y++) {
    const gy = Math.floor((y * 8) / height);
    for (let x = 0; x < width; x++) {
      const gx = Math.floor((x * 8) / width);
      const cell = gy * 8 + gx;
      const i = 3 * (y * width + x);
      for (let c = 0; c < 3; c++) {
        const v = rgb[i + c]! / 255;
        mean[c] += v;
        grid[3 * cell + c] += v;
      }
      count[cell]++;
    }
  }
  for (let c = 0; c < 3; c++) mean[c] /= width * height;
  for (let k = 0; k < 64; k++) for (let c = 0; c < 3; c++) grid[3 * k + c] /= count[k]!;
  return { mean, grid };
}

export interface SoftmaxModel {
  k: number;
  d: number;
  /** Weights k × d, then k biases. */
  w: Float64Array;
  b: Float64Array;
  mu: Float64Array;
  sd: Float64Array;
}

/**
 * Multinomial logistic regression by full-batch gradient descent with momentum on standardised
 * features and a small L2 penalty.
 */
export function fitSoftmax(X: readonly Float64Array[], y: readonly number[], k: number, iterations = 600, l2 = 1e-4): SoftmaxModel {
  const n = X.length;
  const d = X[0]!.length;
  const mu = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mu[j] += x[j]! / n;
  for (const x of X) for (let j = 0; j < d; j++) sd[j] += (x[j]! - mu[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const Z = X.map((x) => x.map((v, j) => (v - mu[j]!) / sd[j]!));
  const w = new Float64Array(k * d);
  const b = new Float64Array(k);
  const vw = new Float64Array(k * d);
  const vb = new Float64Array(k);
  const gw = new Float64Array(k * d);
  const gb = new Float64Array(k);
  const p = new Float64Array(k);
  const lr = 0.2;
  for (let it = 0; it < iterations; it++) {
    gw.fill(0);
    gb.fill(0);
    for (let i = 0; i < n; i++) {
      const z = Z[i]!;
      let mx = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = b[c]!;
        for (let j = 0; j < d; j++) s += w[c * d + j]! * z[j]!;
        p[c] = s;
        if (s > mx) mx = s;
      }
      let tot = 0;
      for (let c = 0; c < k; c++) {
        p[c] = Math.exp(p[c]! - mx);
        tot += p[c]!;
      }
      for (let c = 0; c < k; c++) {
        const g = p[c]! / tot - (y[i] === c ? 1 : 0);
        gb[c] += g / n;
        for (let j = 0; j < d; j++) gw[c * d + j] += (g * z[j]!) / n;
      }
    }
    for (let q = 0; q < k * d; q++) {
      vw[q] = 0.9 * vw[q]! - lr * (gw[q]! + l2 * w[q]!);
      w[q] += vw[q]!;
    }
    for (let c = 0; c < k; c++) {
      vb[c] = 0.9 * vb[c]! - lr * gb[c]!;
      b[c] += vb[c]!;
    }
  }
  return { k, d, w, b, mu, sd };
}

export function predictSoftmax(m: SoftmaxModel, x: Float64Array): number {
  let best = 0;
  let bestS = -Infinity;
  for (let c = 0; c < m.k; c++) {
    let s = m.b[c]!;
    for (let j = 0; j < m.d; j++) s += (m.w[c * m.d + j]! * (x[j]! - m.mu[j]!)) / m.sd[j]!;
    if (s > bestS) {
      bestS = s;
      best = c;
    }
  }
  return best;
}

function accuracy(m: SoftmaxModel, X: readonly Float64Array[], y: readonly number[]): number {
  let ok = 0;
  X.forEach((x, i) => {
    if (predictSoftmax(m, x) === y[i]) ok++;
  });
  return X.length ? ok / X.length : 0;
}

/** Lists <dir>/{train,test}/<color>_<type>/*.png. */
async function listImages(dir: string): Promise<{ file: string; color: string; type: string }[]> {
  const out: { file: string; color: string; type: string }[] = [];
  for (const split of ['train', 'test']) {
    const sd = join(dir, split);
    if (!existsSync(sd)) continue;
    for (const combo of (await readdir(sd)).sort()) {
      const m = /^([a-z]+)_([a-z]+)$/.exec(combo);
      if (!m) continue;
      for (const f of (await readdir(join(sd, combo))).sort()) {
        if (f.endsWith('.png')) out.push({ file: join(sd, combo, f), color: m[1]!, type: m[2]! });
      }
    }
  }
  return out;
}

/**
 * Pools every image of a generated (or real, same layout) data set, shuffles, holds out
 * `testFraction`, and reports how well logistic regression reads colour and type from the mean
 * RGB and from the 8×8 downscale.
 */
export async function triviaBaseline(dir: string, opts: TriviaOptions = {}): Promise<TriviaResult> {
  const items = await listImages(dir);
  if (items.length < 8) fail('E_DATA_EMPTY', `triviaBaseline: found ${items.length} images under ${dir}/{train,test}/<color>_<type>/; need at least 8.`);
  const colors = [...new Set(items.map((i) => i.color))].sort();
  const types = [...new Set(items.map((i) => i.type))].sort();
  const feats = await Promise.all(
    items.map(async (it) => {
      const { data, info } = await sharp(it.file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return triviaFeatures(data, info.width, info.height);
    }),
  );
  const order = items.map((_, i) => i);
  const rng = new Rng(`trivia:${opts.seed ?? 1}`);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nTest = Math.max(1, Math.round(order.length * (opts.testFraction ?? 0.25)));
  const testIdx = order.slice(0, nTest);
  const trainIdx = order.slice(nTest);
  const yc = items.map((i) => colors.indexOf(i.color));
  const yt = items.map((i) => types.indexOf(i.type));
  const iters = opts.iterations ?? 600;
  const score = (which: 'mean' | 'grid', y: number[], k: number): number => {
    const m = fitSoftmax(trainIdx.map((i) => feats[i]![which]), trainIdx.map((i) => y[i]!), k, iters);
    return accuracy(m, testIdx.map((i) => feats[i]![which]), testIdx.map((i) => y[i]!));
  };
  const majority = (y: number[], k: number): number => {
    const counts = new Array<number>(k).fill(0);
    for (const i of trainIdx) counts[y[i]!]!++;
    const top = counts.indexOf(Math.max(...counts));
    return testIdx.filter((i) => y[i] === top).length / testIdx.length;
  };
  return {
    images: { train: trainIdx.length, test: testIdx.length },
    classes: { color: colors, type: types },
    majority: { color: majority(yc, colors.length), type: majority(yt, types.length) },
    typeFromMeanRgb: score('mean', yt, types.length),
    typeFrom8x8: score('grid', yt, types.length),
    colorFromMeanRgb: score('mean', yc, colors.length),
    colorFrom8x8: score('grid', yc, colors.length),
  };
}
