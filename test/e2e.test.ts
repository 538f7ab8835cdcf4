/**
 * The notebook's pipeline end to end on tiny generated images at a reduced input size:
 * both phases, save, reload in a fresh Predictor, predict, plot. Runs in CI.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/onnx/backend.js';
import { train } from '../src/pipeline/train.js';
import { Predictor } from '../src/eval/predict.js';
import { loadModelDir } from '../src/io/model_dir.js';
import { makeDataset, makeImage, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';

const QUICK = {
  model: { height: 32, width: 32, backbone: { backbone: 'scratch' as const } },
  data: { batchSize: 8 },
  phases: [
    { epochs: 2, stepsPerEpoch: 6, validationSteps: 2, learningRate: 3e-3 },
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

  it('trains both phases, saves, reloads with the same probabilities, and predicts', async () => {
    const logs: string[] = [];
    const out = path.join(root, 'model');
    const result = await train({ data: path.join(root, 'train'), out, config: QUICK, log: (m) => logs.push(m) });
    expect(result.history.phases.map((p) => p.epochs)).toEqual([2, 1]);
    const h1 = result.history.phases[0].history;
    for (const key of ['loss', 'color_loss', 'type_loss', 'color_acc', 'type_acc', 'val_color_loss', 'val_type_loss', 'val_color_acc', 'val_type_acc']) {
      expect(h1[key], key).toHaveLength(2);
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
