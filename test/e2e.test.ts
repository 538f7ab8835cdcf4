/**
 * The notebook's pipeline end to end on tiny generated images at a reduced input size:
 * both phases, save, reload in a fresh Predictor, predict, plot. Runs in CI.
 * The reloaded model is held to the in-memory one: train() evaluates the model it just trained on
 * the validation images before saving (result.metrics), and the reloaded model must give the
 * same numbers on the same images, and colour (a flat fill here) well above chance on new ones.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/onnx/backend.js';
import { train } from '../src/pipeline/train.js';
import { loadManifest } from '../src/data/manifest.js';
import { splitItems } from '../src/data/split.js';
import { evaluate, evaluateItems } from '../src/eval/evaluate.js';
import { evaluateMetrics } from '../src/eval/metrics.js';
import { Predictor } from '../src/eval/predict.js';
import { loadModelDir } from '../src/io/model_dir.js';
import { makeDataset, makeImage, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';

// No augmentation and no dropout in the colour branch: a few dozen steps must teach it the colours.
const QUICK = {
  model: { height: 32, width: 32, backbone: { backbone: 'scratch' as const }, cnn: { dropout: 0 } },
  data: { batchSize: 8, augment: null },
  phases: [
    { epochs: 3, stepsPerEpoch: 10, validationSteps: 2, learningRate: 3e-3 },
    { epochs: 1, stepsPerEpoch: 3, validationSteps: 2 },
  ],
  seed: 7,
};

describe('the pipeline end to end', () => {
  let root: string;
  beforeAll(async () => {
    await initBackend();
    root = await tmpDir();
    await makeDataset(path.join(root, 'train'), NOTEBOOK_COMBOS, 8, { width: 40, height: 50 });
  });

  it('trains both phases, saves, reloads a model that predicts what the trained one did, and predicts', async () => {
    const logs: string[] = [];
    const out = path.join(root, 'model');
    const result = await train({ data: path.join(root, 'train'), out, config: QUICK, log: (m) => logs.push(m) });
    expect(result.history.phases.map((p) => p.epochs)).toEqual([3, 1]);
    const h1 = result.history.phases[0].history;
    for (const key of ['loss', 'color_loss', 'type_loss', 'color_acc', 'type_acc', 'val_color_loss', 'val_type_loss', 'val_color_acc', 'val_type_acc']) {
      expect(h1[key], key).toHaveLength(3);
      expect(Number.isFinite(h1[key][0]), key).toBe(true);
    }
    expect(result.history.phases[0].imagesPerSecond).toBeGreaterThan(0);
    expect((await fs.readdir(out)).sort()).toEqual(['branchnet.json', 'history.json', 'history.png', 'model.json', 'predictions.png', 'report.html', 'weights.bin']);
    const png = await sharp(path.join(out, 'history.png')).metadata();
    expect(png.width).toBeGreaterThan(500);
    expect(result.data.train + result.data.val).toBe(48);

    const saved = await loadModelDir(out);
    expect(saved.meta.heads).toEqual([
      { name: 'color', vocab: ['black', 'blue', 'red'] },
      { name: 'type', vocab: ['dress', 'jeans', 'shirt'] },
    ]);
    expect(saved.meta.config.phases[1].lossWeights).toEqual({ color: 0.1, type: 1 });
    saved.model.dispose();

    // The same validation images train() evaluated the in-memory model on (same split, same seed).
    const inMemory = result.metrics!;
    expect(inMemory.counts.images).toBe(result.data.val + result.data.heldOut);
    const manifest = await loadManifest(path.join(root, 'train'), { heads: result.config.model.heads });
    const split = splitItems(manifest.items, { valFraction: result.config.data.valFraction, seed: result.config.data.seed, holdOut: result.config.data.holdOut });
    const trainCombos = [...new Set(split.train.map((it) => it.combo))];
    const reloaded = await Predictor.load(out);
    try {
      const again = evaluateMetrics(await evaluateItems(reloaded, [...split.val, ...split.heldOut], trainCombos));
      expect(again).toEqual(inMemory); // every confusion matrix and per-combination count
      // It learned: colour is one flat fill per class, so a trained model gets it right on new images far above chance (1/3).
      const fresh = path.join(root, 'fresh');
      for (const [i, combo] of NOTEBOOK_COMBOS.entries()) {
        const [color, type] = combo.split('_');
        for (const seed of [101, 102]) await makeImage(path.join(fresh, combo, `${seed}.png`), color!, type!, { width: 40, height: 50, seed: seed + i });
      }
      const freshMetrics = evaluateMetrics(await evaluate(reloaded, fresh));
      expect(freshMetrics.counts.images).toBe(12);
      expect(freshMetrics.heads.find((h) => h.name === 'color')!.all.rate).toBeGreaterThanOrEqual(10 / 12);
    } finally {
      reloaded.dispose();
    }

    const test = path.join(root, 'unseen');
    await makeImage(path.join(test, 'a.png'), 'black', 'dress', { width: 40, height: 50, seed: 3 });
    await makeImage(path.join(test, 'b.jpg'), 'red', 'jeans', { width: 40, height: 50, seed: 4, format: 'jpeg' });
    const p1 = await Predictor.load(out);
    const first = await p1.predictFiles([path.join(test, 'a.png'), path.join(test, 'b.jpg')]);
    p1.dispose();
    const p2 = await Predictor.load(out);
    const second = await p2.predictFiles([path.join(test, 'a.png'), path.join(test, 'b.jpg')]);
    p2.dispose();
    expect(first.predictions).toHaveLength(2);
    for (const [i, pred] of first.predictions.entries()) {
      for (const head of ['color', 'type']) {
        const a = pred.heads[head].probabilities;
        const b = second.predictions[i].heads[head].probabilities;
        for (const k of Object.keys(a)) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-5);
        expect(Object.values(a).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
      }
    }
  });
});
