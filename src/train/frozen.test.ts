/**
 * Frozen prefixes run as inference: on onnxruntime (exported from the TF.js layers) they give
 * what TF.js gives; cached per image they give the same again without recomputing; training
 * steps through either runner leave the same weights (within float tolerance) and leak nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../onnx/backend.js';
import { tf } from '../core/tf.js';
import { resolveConfig } from '../core/defaults.js';
import { applyPhase, buildModel } from '../model/build.js';
import { makeFrozenRunner } from './frozen.js';
import { stepContext } from './fit.js';
import { trainStep } from './step.js';
import { makeOptimizer } from './optimizers.js';
import { planBranches } from './plan.js';

const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];

describe('frozen prefix runners', () => {
  beforeAll(async () => { await initBackend(); });

  const cfg = resolveConfig({ model: { height: 45, width: 35, backbone: { backbone: 'vgg16' } } });
  const x = () => tf.tidy(() => tf.randomUniform([3, 45, 35, 3], 0, 1, 'float32', 5) as tf.Tensor4D);

  it('onnxruntime computes what TF.js computes, in both phases', async () => {
    const model = buildModel(cfg.model, HEADS, 1);
    const input = x();
    for (const phase of cfg.phases) {
      applyPhase(model, cfg.model.heads, phase);
      const plan = planBranches(model, cfg.model.heads);
      const ort = await makeFrozenRunner(plan, [45, 35, 3], { engine: 'onnxruntime' });
      const tfjs = await makeFrozenRunner(plan, [45, 35, 3], { engine: 'tfjs' });
      expect(ort.description).toMatch(/type: \d+ frozen layers on onnxruntime/);
      expect(tfjs.description).toMatch(/type: \d+ frozen layers on tfjs/);
      const a = await ort.run(input);
      const b = await tfjs.run(input);
      expect(a[0]).toBe(input); // the color CNN trains: nothing frozen
      expect(a[1].shape).toEqual(b[1].shape);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a[1], b[1]))).dataSync()[0]);
      const scale = tf.tidy(() => tf.max(tf.abs(b[1])).dataSync()[0]);
      expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
      tf.dispose([a[1], b[1]]);
      ort.dispose();
      tfjs.dispose();
    }
    input.dispose();
    model.dispose();
  });

  it('the per-image cache returns the first features again, for any batch order', async () => {
    const model = buildModel(cfg.model, HEADS, 2);
    applyPhase(model, cfg.model.heads, cfg.phases[0]);
    const runner = await makeFrozenRunner(planBranches(model, cfg.model.heads), [45, 35, 3], { cache: true });
    const input = x();
    const first = await runner.run(input, ['a', 'b', 'c']);
    // The same images in another order, with the pixels zeroed: only a cache hit can give the features back.
    const zeros = tf.zeros([3, 45, 35, 3]) as tf.Tensor4D;
    const again = await runner.run(zeros, ['c', 'a', 'b']);
    const want = tf.tidy(() => tf.gather(first[1], [2, 0, 1]));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(again[1], want))).dataSync()[0])).toBe(0);
    tf.dispose([first[1], again[1], want, zeros, input]);
    await runner.dispose();
    model.dispose();
  });

  it('training steps through onnxruntime match TF.js and leak no tensors', async () => {
    const weightsAfter = async (engine: 'tfjs' | 'onnxruntime') => {
      const model = buildModel(cfg.model, HEADS, 3);
      applyPhase(model, cfg.model.heads, cfg.phases[0]);
      const ctx = { ...stepContext(model, cfg, cfg.phases[0]), optimizer: makeOptimizer(cfg.phases[0]) };
      ctx.frozen = await makeFrozenRunner(ctx.plan, [45, 35, 3], { engine });
      const batch = { x: new Float32Array(3 * 45 * 35 * 3).map((_, i) => (i % 89) / 89), y: [Int32Array.from([0, 1, 2]), Int32Array.from([2, 1, 0])], size: 3 };
      await trainStep(ctx, batch);
      const n = tf.memory().numTensors;
      await trainStep(ctx, batch);
      expect(tf.memory().numTensors).toBe(n);
      const w = model.getLayer('type').getWeights().at(-2)!.dataSync().slice();
      await ctx.frozen.dispose();
      ctx.optimizer.dispose();
      model.dispose();
      return w;
    };
    const a = await weightsAfter('tfjs');
    const b = await weightsAfter('onnxruntime');
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
    expect(max).toBeLessThan(1e-4);
  });
});
