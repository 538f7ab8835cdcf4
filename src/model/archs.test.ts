import { describe, expect, it, beforeAll } from 'vitest';
import { tf } from '../core/tf.js';
import { initBackend } from '../onnx/backend.js';
import { resolveConfig, type Arch } from '../core/defaults.js';
import { applyPhase, buildModel, backboneOf } from './build.js';
import { summarize } from './summary.js';
import { stepContext } from '../train/fit.js';
import { makeOptimizer } from '../train/optimizers.js';
import { trainStep } from '../train/step.js';

const HEADS = [
  { name: 'color', vocab: ['black', 'blue', 'red'] },
  { name: 'type', vocab: ['dress', 'jeans', 'shirt'] },
];

describe('model families', () => {
  beforeAll(async () => { await initBackend(); });

  it('multilabel is SmallerVGGNet with one sigmoid per label, outputs named by head', () => {
    const cfg = resolveConfig({ model: { arch: 'multilabel', height: 96, width: 96 } });
    const model = buildModel(cfg.model, HEADS, 1);
    expect(model.outputNames).toEqual(['color', 'type']);
    const trunk = model.getLayer('trunk') as tf.Sequential;
    expect(trunk.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { filters: number }).filters)).toEqual([32, 64, 64, 128, 128]);
    // Counted by hand: 96 → pool 3 → 32 → pool 2 → 16 → pool 2 → 8, so FC1024 sees 8·8·128 features.
    const convs = 896 + 18_496 + 36_928 + 73_856 + 147_584;
    const bns = 4 * (32 + 64 + 64 + 128 + 128) + 4 * 1024;
    const fc = (8 * 8 * 128) * 1024 + 1024;
    const out = 1024 * 6 + 6;
    expect(model.countParams()).toBe(convs + bns + fc + out);
    expect(model.countParams()).toBe(8_679_302);
    const y = model.predict(tf.randomUniform([2, 96, 96, 3])) as tf.Tensor[];
    // Sigmoid outputs are independent: a row need not sum to 1.
    expect(y[0].shape).toEqual([2, 3]);
    expect(model.getLayer('color').getConfig().activation).toBe('sigmoid');
    model.dispose();
  });

  it('single-head-vgg shares one VGG16 base + dense 256 between all labels and freezes the base in phase 1', () => {
    const cfg = resolveConfig({ model: { arch: 'single-head-vgg' } });
    const model = buildModel(cfg.model, HEADS, 1);
    applyPhase(model, cfg.model.heads, cfg.phases[0]);
    const s = summarize(model);
    // VGG16 base 14,714,688 + dense 10240·256+256 + two heads 256·3+3.
    expect(s.total).toBe(14_714_688 + 2_621_696 + 2 * 771);
    expect(s.trainable).toBe(2_621_696 + 2 * 771);
    expect(backboneOf(model, 'color')).toBe(backboneOf(model, 'type'));
    model.dispose();
  });

  it('split-gray feeds the type branch a grayscale image through a fixed, non-trainable layer', () => {
    const cfg = resolveConfig({ model: { arch: 'split-gray', height: 32, width: 32 } });
    const model = buildModel(cfg.model, HEADS, 1);
    applyPhase(model, cfg.model.heads, cfg.phases[1]);
    const gray = (model.getLayer('type') as tf.Sequential).layers[0];
    expect(gray.name).toBe('type_gray');
    expect(gray.trainableWeights).toHaveLength(0);
    const px = tf.tensor4d([0.2, 0.5, 0.9], [1, 1, 1, 3]);
    const luma = 0.299 * 0.2 + 0.587 * 0.5 + 0.114 * 0.9;
    const out = (gray.apply(px) as tf.Tensor).dataSync();
    for (const v of out) expect(v).toBeCloseTo(luma, 6);
    // Same trainable count as split: the gray layer adds 9 frozen weights only.
    expect(summarize(model).total).toBe(summarize(buildModel(resolveConfig({ model: { height: 32, width: 32 } }).model, HEADS, 1)).total + 9);
    model.dispose();
  });

  it('a pixel color branch cannot see shape: shuffling the pixels of an image leaves its color output unchanged', () => {
    const cfg = resolveConfig({ model: { branches: { color: 'pixel' }, height: 32, width: 32 } });
    const model = buildModel(cfg.model, HEADS, 1);
    const x = tf.randomUniform([1, 32, 32, 3]);
    const flat = x.reshape([32 * 32, 3]);
    const perm = tf.tensor1d(Array.from(tf.util.createShuffledIndices(32 * 32)), 'int32');
    const shuffled = tf.gather(flat, perm).reshape([1, 32, 32, 3]);
    const a = (model.getLayer('color').apply(x) as tf.Tensor).dataSync();
    const b = (model.getLayer('color').apply(shuffled) as tf.Tensor).dataSync();
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5));
    // The notebook's CNN branch does see shape.
    const cnn = buildModel(resolveConfig({ model: { height: 32, width: 32 } }).model, HEADS, 1).getLayer('color');
    const c = (cnn.apply(x) as tf.Tensor).dataSync();
    const d = (cnn.apply(shuffled) as tf.Tensor).dataSync();
    expect(Math.max(...Array.from(c, (v, i) => Math.abs(v - d[i])))).toBeGreaterThan(1e-4);
    model.dispose();
  });

  for (const arch of ['split', 'split-gray', 'multilabel', 'single-head-vgg'] as Arch[]) {
    it(`${arch}: a training step runs, moves weights and leaks no tensors`, async () => {
      const cfg = resolveConfig({ model: { arch, height: 32, width: 32, backbone: { backbone: 'scratch' } } });
      const model = buildModel(cfg.model, HEADS, 1);
      applyPhase(model, cfg.model.heads, cfg.phases[0]);
      const ctx = { ...stepContext(model, cfg, cfg.phases[0]), optimizer: makeOptimizer({ ...cfg.phases[0], learningRate: 1e-2 }) };
      if (arch === 'multilabel' || arch === 'single-head-vgg') expect(ctx.weights).toEqual([0.5, 0.5]);
      const batch = { x: new Float32Array(4 * 32 * 32 * 3).map((_, i) => (i % 97) / 97), y: [Int32Array.from([0, 1, 2, 0]), Int32Array.from([1, 2, 0, 1])], size: 4 };
      const first = await trainStep(ctx, batch);
      const n = tf.memory().numTensors;
      const second = await trainStep(ctx, batch);
      expect(tf.memory().numTensors).toBe(n);
      expect(Number.isFinite(first.loss)).toBe(true);
      expect(second.loss).not.toBe(first.loss);
      expect(Object.keys(second).sort()).toEqual(['color_acc', 'color_loss', 'loss', 'type_acc', 'type_loss']);
      ctx.optimizer.dispose();
      model.dispose();
    });
  }
});

describe('input size checks', () => {
  it('an input too small for the branches fails and names the layer', () => {
    const cfg = resolveConfig({ model: { height: 24, width: 24, backbone: { backbone: 'scratch' } } });
    expect(() => buildModel(cfg.model, HEADS, 1)).toThrow('input size 24x24 is too small: layer color/color_pool3 would output shape [batch, 0, 0, 64]; use a larger --size (the notebook uses 160x128)');
  });
});
