import { describe, expect, it, beforeAll } from 'vitest';
import { tf } from '../core/tf.js';
import { initBackend } from '../onnx/backend.js';
import { resolveConfig } from '../core/defaults.js';
import { applyPhase, buildModel } from '../model/build.js';
import { planBranches, runLayers } from './plan.js';
import { fitPhase, stepContext } from './fit.js';
import { evalStep, trainStep, type StepBatch as Batch } from './step.js';
import { makeOptimizer } from './optimizers.js';
import { categoricalCrossentropy } from './losses.js';

const HEADS = [
  { name: 'color', vocab: ['black', 'blue', 'red'] },
  { name: 'type', vocab: ['dress', 'jeans', 'shirt'] },
];

function batch(n: number, h: number, w: number, seed: number): Batch {
  const x = new Float32Array(n * h * w * 3);
  let s = seed;
  for (let i = 0; i < x.length; i++) { s = (s * 1103515245 + 12345) % 2 ** 31; x[i] = s / 2 ** 31; }
  return { x, y: [Int32Array.from({ length: n }, (_, i) => i % 3), Int32Array.from({ length: n }, (_, i) => (i + 1) % 3)], size: n };
}

describe('training step', () => {
  beforeAll(async () => { await initBackend(); });

  // VGG16 at 32x32 keeps this fast while exercising the real frozen-prefix split.
  const cfg = resolveConfig({ model: { height: 32, width: 32 } });

  it('the frozen-prefix plan computes exactly what the whole model computes', () => {
    const model = buildModel(cfg.model, HEADS, 1);
    applyPhase(model, cfg.model.heads, cfg.phases[1]);
    const plans = planBranches(model, cfg.model.heads).segments;
    // color: nothing frozen; type: VGG16 blocks 1-4 (14 layers: 10 convs + 4 pools) frozen.
    expect(plans.map((p) => p.frozenCount)).toEqual([0, 14]);
    expect(plans[1].layers[14].name).toBe('block5_conv1');
    const x = tf.randomUniform([2, 32, 32, 3]);
    const whole = model.predict(x) as tf.Tensor[];
    plans.forEach((p, i) => {
      const split = runLayers(p.layers.slice(p.frozenCount), runLayers(p.layers.slice(0, p.frozenCount), x, false), false);
      expect(tf.max(tf.abs(tf.sub(split, whole[i]))).dataSync()[0]).toBeLessThan(1e-6);
    });
    model.dispose();
  });

  it('loss weights scale each head in the total loss as Keras does (0.1·color + 1·type)', async () => {
    const model = buildModel(cfg.model, HEADS, 2);
    applyPhase(model, cfg.model.heads, cfg.phases[1]);
    const ctx = stepContext(model, cfg, cfg.phases[1]);
    expect(ctx.weights).toEqual([0.1, 1]);
    const b = batch(4, 32, 32, 3);
    const logs = await evalStep(ctx, b);
    expect(logs.loss).toBeCloseTo(0.1 * logs.color_loss + logs.type_loss, 5);
    const x = tf.tensor4d(b.x, [4, 32, 32, 3]);
    const [c] = model.predict(x) as tf.Tensor[];
    const expected = categoricalCrossentropy(tf.oneHot(tf.tensor1d(b.y[0], 'int32'), 3), c).dataSync()[0];
    expect(logs.color_loss).toBeCloseTo(expected, 5);
    model.dispose();
  });

  it('repeated training steps leak no tensors and only move trainable weights', async () => {
    const model = buildModel(cfg.model, HEADS, 3);
    const phase = cfg.phases[0];
    applyPhase(model, cfg.model.heads, phase);
    const optimizer = makeOptimizer({ ...phase, learningRate: 1e-3 });
    const ctx = { ...stepContext(model, cfg, phase), optimizer };
    const frozenBefore = (model.getLayer('type') as tf.Sequential).layers[0].getWeights()[0].dataSync().slice();
    const headBefore = model.getLayer('color').getWeights()[0].dataSync().slice();
    await trainStep(ctx, batch(4, 32, 32, 1)); // optimizer slots are created on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await trainStep(ctx, batch(4, 32, 32, i + 2));
    expect(tf.memory().numTensors).toBe(before);
    expect((model.getLayer('type') as tf.Sequential).layers[0].getWeights()[0].dataSync()).toEqual(frozenBefore);
    expect(model.getLayer('color').getWeights()[0].dataSync()).not.toEqual(headBefore);
    optimizer.dispose();
    model.dispose();
  });

  it('a phase that fails mid-way (a bad batch) still frees its optimizer state and frozen runner', async () => {
    const model = buildModel(cfg.model, HEADS, 3);
    const config = { ...cfg, phases: [{ ...cfg.phases[0], epochs: 1, stepsPerEpoch: 3 }] };
    let served = 0;
    const train = { next: async (): Promise<Batch> => {
      if (++served === 3) throw new Error('corrupt batch');
      return batch(4, 32, 32, served);
    } };
    const before = tf.memory().numTensors;
    await expect(fitPhase(model, config, 0, train, null)).rejects.toThrow('corrupt batch');
    expect(served).toBe(3);
    expect(tf.memory().numTensors).toBe(before); // RMSprop's slot variables were disposed
    model.dispose();
  });
});
