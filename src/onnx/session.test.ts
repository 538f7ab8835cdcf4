import { beforeAll, describe, expect, it, vi } from 'vitest';
import { tf } from '../core/tf.js';
import { initBackend } from './backend.js';
import { loadOrt, OrtModel } from './session.js';

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;

/** A frozen conv base as a functional model, as VGG16 is in ours (odd sizes, 'same' padding, pools). */
function backbone(h: number, w: number): tf.LayersModel {
  const input = tf.input({ shape: [h, w, 3], name: 'base_input' });
  let x = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'block1_conv1' }), input);
  x = apply(tf.layers.maxPooling2d({ poolSize: 2, name: 'block1_pool' }), x);
  x = apply(tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'block2_conv1' }), x);
  const base = tf.model({ inputs: input, outputs: x, name: 'base' });
  base.trainable = false;
  return base;
}

/** Ours in miniature: `images` → a `color` CNN Sequential and a `type` Sequential around the backbone. */
function twoBranch(h: number, w: number, base: tf.LayersModel): tf.LayersModel {
  const color = tf.sequential({ name: 'color' });
  color.add(tf.layers.conv2d({ inputShape: [h, w, 3], filters: 4, kernelSize: 11, strides: 4, padding: 'same', activation: 'relu', name: 'color_conv1' }));
  color.add(tf.layers.flatten({ name: 'color_flatten' }));
  color.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'color_out' }));
  const type = tf.sequential({ name: 'type' });
  type.add(base);
  type.add(tf.layers.flatten({ name: 'type_flatten' }));
  type.add(tf.layers.dropout({ rate: 0.25, name: 'type_dropout' }));
  type.add(tf.layers.dense({ units: 4, activation: 'softmax', name: 'type_out' }));
  const images = tf.input({ shape: [h, w, 3], name: 'images' });
  return tf.model({ inputs: images, outputs: [apply(color, images), apply(type, images)], name: 'branchnet' });
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync() as Float32Array;
  const y = b.dataSync() as Float32Array;
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
}

describe('OrtModel', () => {
  beforeAll(async () => { await initBackend(); });

  it('loadOrt finds onnxruntime-node (installed here) and caches it', async () => {
    const ort = await loadOrt();
    expect(ort).not.toBeNull();
    expect(typeof ort!.InferenceSession.create).toBe('function');
    expect(await loadOrt()).toBe(ort);
  });

  it('runs a two-branch model like ours: outputs by head equal predict, at batch 1 and 5, without leaking tensors', async () => {
    const [h, w] = [37, 29];
    const model = twoBranch(h, w, backbone(h, w));
    const ort = (await OrtModel.create(model, { threads: 1 }))!;
    expect(ort.inputNames).toEqual(['images']);
    expect(ort.outputNames).toEqual(['color', 'type']);
    for (const n of [1, 5]) {
      const x = tf.randomNormal([n, h, w, 3], 0, 1, 'float32', n);
      const before = tf.memory().numTensors;
      const ys = await ort.run(x as tf.Tensor4D);
      expect(tf.memory().numTensors).toBe(before + 2);
      const want = model.predict(x) as tf.Tensor[];
      expect(ys.map((y) => y.shape)).toEqual([[n, 3], [n, 4]]);
      const d = Math.max(...ys.map((y, i) => maxAbsDiff(y, want[i])));
      console.log(`OrtModel two-branch batch ${n}: max |Δ| ${d.toExponential(2)}`);
      expect(d).toBeLessThan(1e-4);
      tf.dispose([...ys, ...want]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    }
    await ort.dispose();
    model.dispose();
  });

  it('runs a frozen backbone alone, as training does, giving NHWC features the TF.js head consumes', async () => {
    const [h, w] = [37, 29];
    const base = backbone(h, w);
    const model = twoBranch(h, w, base);
    const ort = (await OrtModel.create(base, { threads: 1 }))!;
    expect(ort.outputNames).toEqual(['block2_conv1']);
    const x = tf.randomNormal([3, h, w, 3], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    const [features] = await ort.run(x as tf.Tensor4D);
    const want = base.predict(x) as tf.Tensor;
    expect(features.shape).toEqual([3, 9, 7, 6]);
    const d = maxAbsDiff(features, want);
    console.log(`OrtModel frozen backbone: max |Δ| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    // The rest of the `type` branch in TF.js on the ONNX features gives the model's `type` output.
    const type = model.getLayer('type') as tf.Sequential;
    const head = tf.tidy(() => type.layers.slice(1).reduce((t, l) => l.apply(t) as tf.Tensor, features));
    const full = model.predict(x) as tf.Tensor[];
    expect(maxAbsDiff(head, full[1])).toBeLessThan(1e-4);
    tf.dispose([features, want, head, ...full]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    await ort.dispose();
    model.dispose();
  });

  it('winograd: on by default, off when asked or with BRANCHNET_WINOGRAD=0, same outputs either way', async () => {
    const input = tf.input({ shape: [12, 8, 96], name: 'x' });
    const conv = tf.layers.conv2d({ filters: 192, kernelSize: 3, padding: 'same', activation: 'relu', name: 'wide' });
    const model = tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor, name: 'wide_conv' });
    const x = tf.randomNormal([2, 12, 8, 96], 0, 1, 'float32', 4);
    const on = (await OrtModel.create(model))!;
    const off = (await OrtModel.create(model, { winograd: false }))!;
    vi.stubEnv('BRANCHNET_WINOGRAD', '0');
    const envOff = (await OrtModel.create(model))!;
    vi.unstubAllEnvs();
    expect([on.winograd, off.winograd, envOff.winograd]).toEqual([true, false, false]);
    const [a] = await on.run(x);
    const [b] = await off.run(x);
    expect(maxAbsDiff(a, b) / tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0])).toBeLessThan(2e-5);
    tf.dispose([a, b, x]);
    await Promise.all([on.dispose(), off.dispose(), envOff.dispose()]);
    model.dispose();
  });

  it('rejects inputs it cannot take with E_ONNX', async () => {
    const base = backbone(9, 7);
    const ort = (await OrtModel.create(base, { threads: 1 }))!;
    const ints = tf.zeros([1, 9, 7, 3], 'int32');
    await expect(ort.run(ints)).rejects.toThrow(/input base_input is int32; it takes float32/);
    await expect(ort.run([ints, ints])).rejects.toThrow(/got 2 inputs; the model takes 1/);
    ints.dispose();
    await ort.dispose();
    base.dispose();
  });

  it('without onnxruntime-node, loadOrt and OrtModel.create resolve to null', async () => {
    vi.resetModules();
    vi.doMock('onnxruntime-node', () => { throw new Error("Cannot find package 'onnxruntime-node'"); });
    try {
      const fresh = await import('./session.js');
      expect(await fresh.loadOrt()).toBeNull();
      const base = backbone(9, 7);
      expect(await fresh.OrtModel.create(base)).toBeNull();
      base.dispose();
    } finally {
      vi.doUnmock('onnxruntime-node');
      vi.resetModules();
    }
  });
});
