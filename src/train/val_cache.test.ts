/**
 * The validation feature cache (issue #15, lever 1; frozen.ts): within a runner's life (one
 * phase) each validation image goes through the frozen prefix once; a batch mixing seen and new
 * images computes only the new ones and gives what computing all of them gives; the cache keeps
 * within its byte bound; nothing leaks. The whole-training check (same history and weights with
 * the cache off) is test/val_cache_exact.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../onnx/backend.js';
import { tf } from '../core/tf.js';
import { resolveConfig, valCacheEnabled } from '../core/defaults.js';
import { applyPhase, buildModel } from '../model/build.js';
import { makeFrozenRunner } from './frozen.js';
import { planBranches } from './plan.js';

const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];
const H = 32, W = 32;

describe('validation feature cache', () => {
  beforeAll(async () => { await initBackend(); });
  const cfg = resolveConfig({ model: { height: H, width: W, backbone: { backbone: 'vgg16' } } });
  /** Five distinct images, by name. */
  const images = tf.tidy(() => tf.randomUniform([5, H, W, 3], 0, 1, 'float32', 11) as tf.Tensor4D);
  const names = ['a', 'b', 'c', 'd', 'e'];
  const batchOf = (idx: number[]) => tf.tidy(() => tf.gather(images, idx) as tf.Tensor4D);

  it('computes each image once per runner; mixed batches give the uncached features; no tensor leaks', async () => {
    const model = buildModel(cfg.model, HEADS, 4);
    for (const phase of cfg.phases) {
      applyPhase(model, cfg.model.heads, phase);
      const plan = planBranches(model, cfg.model.heads);
      const cached = await makeFrozenRunner(plan, [H, W, 3], { valCache: true });
      const plain = await makeFrozenRunner(plan, [H, W, 3], { valCache: false });
      expect(cached.description).toMatch(/type: \d+ frozen layers on \w+, validation features computed once/);
      // As a validation stream that wraps: batches of 3 over 5 images, compositions changing.
      const order = [[0, 1, 2], [3, 4, 0], [1, 2, 3], [4, 0, 1], [2, 3, 4], [3, 3, 1]];
      let before = -1;
      for (const [n, idx] of order.entries()) {
        if (n === 2) before = tf.memory().numTensors;
        const x = batchOf(idx);
        const paths = idx.map((k) => names[k]);
        const got = await cached.run(x, paths, { fixed: true });
        const want = await plain.run(x, paths, { fixed: true });
        expect(got[0]).toBe(x); // the color branch has no frozen prefix
        expect(got[1].shape).toEqual(want[1].shape);
        expect(tf.tidy(() => tf.max(tf.abs(tf.sub(got[1], want[1]))).dataSync()[0])).toBe(0);
        tf.dispose([x, got[1], want[1]]);
        if (n >= 2) expect(tf.memory().numTensors).toBe(before);
      }
      // 18 images asked for, 5 distinct: 5 through the prefix (2 in the second, mixed batch), 13 reused.
      expect(cached.valStats).toMatchObject({ on: true, computed: 5, reused: 13, uncached: 0 });
      const per = (plan.segments[1].layers[plan.segments[1].frozenCount - 1].outputShape as number[]).slice(1).reduce((a, b) => a * b, 1);
      expect(cached.valStats.bytes).toBe(5 * per * 4);
      expect(plain.valStats).toEqual({ on: false, computed: 18, reused: 0, bytes: 0, uncached: 0 });
      // Training batches (not fixed) never use it.
      const x = batchOf([0, 1, 2]);
      const t = await cached.run(x, ['a', 'b', 'c']);
      expect(cached.valStats.computed + cached.valStats.reused).toBe(18);
      tf.dispose([x, t[1]]);
      await cached.dispose();
      await plain.dispose();
    }
    model.dispose();
  });

  it('keeps within its byte bound: images beyond it are computed every time', async () => {
    const model = buildModel(cfg.model, HEADS, 4);
    applyPhase(model, cfg.model.heads, cfg.phases[0]);
    const plan = planBranches(model, cfg.model.heads);
    const per = (plan.segments[1].layers[plan.segments[1].frozenCount - 1].outputShape as number[]).slice(1).reduce((a, b) => a * b, 1);
    const runner = await makeFrozenRunner(plan, [H, W, 3], { valCache: { maxBytes: 2 * per * 4 } });
    for (let pass = 0; pass < 2; pass++) {
      const x = batchOf([0, 1, 2]);
      const out = await runner.run(x, ['a', 'b', 'c'], { fixed: true });
      tf.dispose([x, out[1]]);
    }
    // a and b kept; c computed both times.
    expect(runner.valStats).toEqual({ on: true, computed: 4, reused: 2, bytes: 2 * per * 4, uncached: 2 });
    await runner.dispose();
    model.dispose();
  });

  it('is on unless BRANCHNET_VAL_CACHE says 0, false, off or no', () => {
    expect(valCacheEnabled({})).toBe(true);
    expect(valCacheEnabled({ BRANCHNET_VAL_CACHE: '1' })).toBe(true);
    for (const v of ['0', 'false', 'OFF', ' no ']) expect(valCacheEnabled({ BRANCHNET_VAL_CACHE: v })).toBe(false);
  });
});
