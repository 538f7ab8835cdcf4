/**
 * The shape-blind color branch: every pooling variant is a function of the multiset of pixel
 * colors, so the same pixels rearranged give the same prediction; the notebook's color CNN, which
 * sees shape, does not have that property (so the test can fail). onnxruntime, which runs
 * inference, computes the same as TF.js for every variant.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../core/tf.js';
import { initBackend } from '../core/backend.js';
import { PIXEL_POOLS, resolveConfig, type PixelPool } from '../core/defaults.js';
import { seededInitializers } from './init.js';
import { cnnBranch, pixelBranch } from './branches.js';
import { applyPhase, backboneOf, buildModel } from './build.js';
import { planBranches } from '../train/plan.js';
import { OrtModel } from '../onnx/session.js';
import { Rng } from '../core/rng.js';

const H = 24;
const W = 20;

/** A garment-like image: a dark block (the "garment") on a light background, plus noise. */
function image(rng: Rng): Float32Array {
  const x = new Float32Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    for (let c = 0; c < W; c++) {
      const inside = y >= 6 && y < 18 && c >= 5 && c < 14;
      for (let k = 0; k < 3; k++) x[(y * W + c) * 3 + k] = (inside ? [0.1, 0.15, 0.6][k] : 0.85) + 0.05 * rng.next();
    }
  }
  return x;
}

/** The same pixels in another order (a seeded shuffle of pixel positions; channels stay together). */
function shuffled(x: Float32Array, rng: Rng): Float32Array {
  const order = Array.from({ length: H * W }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const out = new Float32Array(x.length);
  order.forEach((from, to) => out.set(x.subarray(from * 3, from * 3 + 3), to * 3));
  return out;
}

function predict(model: tf.LayersModel, xs: Float32Array[]): number[][] {
  return tf.tidy(() => (model.predict(tf.tensor4d(Float32Array.from(xs.flatMap((x) => [...x])), [xs.length, H, W, 3])) as tf.Tensor).arraySync() as number[][]);
}

describe('the pixel color branch is shape-blind', () => {
  beforeAll(async () => { await initBackend({ backend: 'cpu' }); });

  it.each(PIXEL_POOLS.map((p) => [p]))('%s pooling: the same pixels rearranged give the same color prediction', (pool) => {
    const branch = pixelBranch('color', 3, H, W, seededInitializers(3), pool as PixelPool);
    try {
      const rng = new Rng(11);
      const x = image(rng);
      const [a, b] = predict(branch, [x, shuffled(x, rng)]);
      // Summation order differs between the two, nothing else.
      for (let k = 0; k < 3; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-5);
      // Not trivially constant: another image (the garment's color changed) changes the answer.
      const other = image(rng).map((v, i) => (i % 3 === 0 && v < 0.5 ? 0.7 : v));
      const [c] = predict(branch, [other]);
      expect(Math.max(...a.map((v, k) => Math.abs(v - c[k])))).toBeGreaterThan(1e-4);
    } finally {
      branch.dispose();
    }
  });

  it("the notebook's color CNN, which sees shape, answers differently for the rearranged pixels", () => {
    const cfg = resolveConfig({});
    const branch = cnnBranch('color', 3, { ...cfg.model.cnn, firstKernel: 3, firstStride: 1, filters: [8, 8, 8] }, H, W, seededInitializers(3));
    try {
      const rng = new Rng(11);
      const x = image(rng);
      const [a, b] = predict(branch, [x, shuffled(x, rng)]);
      expect(Math.max(...a.map((v, k) => Math.abs(v - b[k])))).toBeGreaterThan(1e-4);
    } finally {
      branch.dispose();
    }
  });

  it('is no conv base: it trains from the first phase, and a frozen prefix never includes its 1x1 convolutions', () => {
    const cfg = resolveConfig({ model: { height: H, width: W, branches: { color: 'pixel', type: 'backbone' }, backbone: { backbone: 'scratch' }, pixel: { pool: 'attention' } } });
    const model = buildModel(cfg.model, [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }], 5);
    try {
      expect(backboneOf(model, 'color')).toBeNull();
      applyPhase(model, cfg.model.heads, cfg.phases[0]);
      const names = model.trainableWeights.map((w) => w.originalName);
      for (const layer of ['color_px1', 'color_px2', 'color_gate', 'color_dense1']) expect(names.some((n) => n.startsWith(layer)), layer).toBe(true);
      expect(planBranches(model, cfg.model.heads).segments.find((s) => s.head === 'color')!.frozenCount).toBe(0);
    } finally {
      model.dispose();
    }
  });

  it.each(PIXEL_POOLS.map((p) => [p]))('%s pooling: onnxruntime (what predict and evaluate run) agrees with TF.js', async (pool) => {
    await initBackend();
    const cfg = resolveConfig({ model: { height: H, width: W, branches: { color: 'pixel', type: 'backbone' }, backbone: { backbone: 'scratch' }, pixel: { pool: pool as PixelPool } } });
    const model = buildModel(cfg.model, [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }], 5);
    const ort = await OrtModel.create(model, { threads: 1, inputLayout: 'nhwc' });
    try {
      expect(ort, 'onnxruntime-node is installed in this project').not.toBeNull();
      const rng = new Rng(2);
      const x = Float32Array.from([...image(rng), ...image(rng)]);
      const want = tf.tidy(() => (model.predict(tf.tensor4d(x, [2, H, W, 3])) as tf.Tensor[])[0].arraySync() as number[][]);
      const [got] = await ort!.runArrays([{ data: x, shape: [2, H, W, 3] }]);
      want.flat().forEach((v, i) => expect(Math.abs(v - got.data[i])).toBeLessThan(1e-5));
    } finally {
      await ort?.dispose();
      model.dispose();
    }
  });
});
