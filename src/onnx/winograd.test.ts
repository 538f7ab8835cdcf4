import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from 'onnx-proto';
import { tf } from '../core/tf.js';
import { requireOrt, type Ort } from './ort_test_utils.js';
import { resolveConfig } from '../core/defaults.js';
import { buildModel } from '../model/build.js';
import { exportOnnx } from './export.js';
import { WINOGRAD_MIN_CHANNELS, winogradFilter, winogradPlan } from './winograd.js';

const { onnx } = pkg;
let ort: Ort;
/** Largest |Winograd export − TF.js| relative to the largest |TF.js output|, per test. */
const measured: Record<string, number> = {};
const REL_TOL = 2e-5;

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;
const conv = (filters: number, cfg: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}) =>
  tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...cfg });
function tiny(shape: number[], build: (x: tf.SymbolicTensor) => tf.SymbolicTensor | tf.SymbolicTensor[]): tf.LayersModel {
  const input = tf.input({ shape, name: 'images' });
  return tf.model({ inputs: input, outputs: build(input), name: 'tiny' });
}
const ops = (bytes: Uint8Array): string[] => onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType ?? '');
const count = (list: string[], op: string) => list.filter((o) => o === op).length;

/** Export with Winograd, run in onnxruntime and in TF.js on the same input; the largest relative difference. */
async function relDiff(label: string, model: tf.LayersModel, x: tf.Tensor, inputLayout: 'nhwc' | 'nchw' = 'nhwc'): Promise<number> {
  const bytes = exportOnnx(model, { winograd: true, inputLayout });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const feed = inputLayout === 'nchw' ? tf.tidy(() => tf.transpose(x, [0, 3, 1, 2])) : x;
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', feed.dataSync() as Float32Array, feed.shape) });
  if (feed !== x) feed.dispose();
  const want = tf.tidy(() => [model.predict(x)].flat() as tf.Tensor[]);
  let worst = 0;
  want.forEach((w, i) => {
    const got = out[session.outputNames[i]];
    expect([...got.dims]).toEqual(w.shape);
    const a = got.data as Float32Array;
    const b = w.dataSync();
    let d = 0, scale = 0;
    for (let j = 0; j < b.length; j++) { d = Math.max(d, Math.abs(a[j] - b[j])); scale = Math.max(scale, Math.abs(b[j])); }
    expect(scale).toBeGreaterThan(0);
    worst = Math.max(worst, d / scale);
  });
  tf.dispose(want);
  await session.release();
  measured[label] = worst;
  return worst;
}

describe('Winograd F(4,3) export', () => {
  beforeAll(async () => { ort = await requireOrt(); });
  afterAll(() => {
    console.log(Object.entries(measured).map(([k, v]) => `${k}: max |Δ|/max|y| ${v.toExponential(2)}`).join('\n'));
  });

  it('qualifies 3x3 stride-1 convs with many channels and little tile waste, nothing else', () => {
    const p = winogradPlan([null, 20, 16, 512], [3, 3], [1, 1], [1, 1], 'same', 512)!;
    expect(p).toMatchObject({ oh: 20, ow: 16, th: 5, tw: 4, pt: 1, pl: 1 });
    expect(winogradPlan([null, 10, 8, 512], [3, 3], [1, 1], [1, 1], 'valid', 512)).toMatchObject({ oh: 8, ow: 6, th: 2, tw: 2, pt: 0 });
    expect(winogradPlan([null, 40, 32, 128], [3, 3], [1, 1], [1, 1], 'same', 256)).not.toBeNull(); // VGG16 block3_conv1
    expect(winogradPlan([null, 80, 64, 128], [3, 3], [1, 1], [1, 1], 'same', 128)).toBeNull(); // block2_conv2: 64 < 80
    expect(winogradPlan([null, 20, 16, 512], [3, 3], [2, 2], [1, 1], 'same', 512)).toBeNull();
    expect(winogradPlan([null, 20, 16, 512], [3, 3], [1, 1], [2, 2], 'same', 512)).toBeNull();
    expect(winogradPlan([null, 20, 16, 512], [5, 5], [1, 1], [1, 1], 'same', 512)).toBeNull();
    expect(winogradPlan([null, null, 16, 512], [3, 3], [1, 1], [1, 1], 'same', 512)).toBeNull();
    expect(winogradPlan([null, 5, 4, 512], [3, 3], [1, 1], [1, 1], 'same', 512)).toBeNull(); // 8x4 computed for 5x4: 1.6x
    expect(winogradPlan([null, 2, 2, 512], [3, 3], [1, 1], [1, 1], 'valid', 512)).toBeNull();
    const c = 2 * WINOGRAD_MIN_CHANNELS;
    expect(winogradPlan([null, 8, 8, c], [3, 3], [1, 1], [1, 1], 'same', c)).not.toBeNull();
    expect(winogradPlan([null, 8, 8, c - 1], [3, 3], [1, 1], [1, 1], 'same', c - 1)).toBeNull();
  });

  it('transforms the filter as G g Gᵀ for every channel pair, leaving no tensor behind', () => {
    const [cin, cout] = [2, 3];
    const k = Float32Array.from({ length: 9 * cin * cout }, (_, i) => Math.sin(i + 1));
    const kt = tf.tensor4d(k, [3, 3, cin, cout]);
    const before = tf.memory().numTensors;
    const u = winogradFilter(kt);
    expect(tf.memory().numTensors).toBe(before);
    kt.dispose();
    expect(u.length).toBe(36 * cin * cout);
    const G = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]];
    for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) for (let p = 0; p < 6; p++) for (let q = 0; q < 6; q++) {
      let s = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += G[p][i] * k[((i * 3 + j) * cin + c) * cout + o] * G[q][j];
      expect(u[((p * 6 + q) * cin + c) * cout + o]).toBeCloseTo(s, 6);
    }
  });

  it.each([
    ['same, 12x8 (whole tiles), relu', [12, 8, 160], { filters: 160 }],
    ['same, 11x7 (cropped tiles), linear, no bias', [11, 7, 160], { filters: 176, activation: 'linear', useBias: false }],
    ['valid, 14x10', [14, 10, 160], { filters: 160, padding: 'valid' }],
  ] as const)('one Conv2D %s equals TF.js', async (label, shape, cfg) => {
    const model = tiny([...shape], (x) => apply(conv(cfg.filters, cfg as Parameters<typeof tf.layers.conv2d>[0]), x));
    const bytes = exportOnnx(model, { winograd: true });
    expect(count(ops(bytes), 'Conv')).toBe(0);
    expect(count(ops(bytes), 'Gather')).toBe(1);
    const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', 3);
    expect(await relDiff(`Conv2D ${label}`, model, x)).toBeLessThan(REL_TOL);
    x.dispose();
    model.dispose();
  });

  it('a VGG-like chain stays in HWNC across convs and 2x2 max pools, then leaves it for Flatten + Dense, BN, concat and a global pool', async () => {
    const model = tiny([16, 12, 96], (x) => {
      const small = apply(conv(176, { kernelSize: 1 }), x); // 1x1: a plain Conv in NCHW
      let y = apply(conv(192), small); // enters HWNC (from NCHW)
      y = apply(conv(192), y);
      y = apply(tf.layers.maxPooling2d({ poolSize: 2 }), y); // HWNC pool: 8x6
      y = apply(conv(256), y);
      y = apply(tf.layers.maxPooling2d({ poolSize: 2, padding: 'valid' }), y); // 4x3
      const bn = apply(tf.layers.batchNormalization(), y);
      const odd = apply(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }), bn); // odd width: NCHW MaxPool
      const pooled = apply(tf.layers.globalAveragePooling2d({}), odd);
      const flat = apply(tf.layers.flatten(), y);
      const merged = apply(tf.layers.concatenate(), [apply(tf.layers.dense({ units: 8 }), flat), pooled]);
      return apply(tf.layers.dense({ units: 3, activation: 'softmax' }), merged);
    });
    const list = ops(exportOnnx(model, { winograd: true }));
    expect(count(list, 'Conv')).toBe(1);
    expect(count(list, 'Gather')).toBe(3);
    expect(count(list, 'Max')).toBe(2);
    expect(count(list, 'MaxPool')).toBe(1);
    const x = tf.randomNormal([3, 16, 12, 96], 0, 1, 'float32', 5);
    expect(await relDiff('VGG-like chain (NHWC input)', model, x)).toBeLessThan(REL_TOL);
    expect(await relDiff('VGG-like chain (NCHW input)', model, x, 'nchw')).toBeLessThan(REL_TOL);
    x.dispose();
    model.dispose();
  });

  it('the notebook model at 160x128: VGG16 blocks 3-5 (9 convs) run as Winograd, both heads equal TF.js', async () => {
    const cfg = resolveConfig({});
    const model = buildModel(cfg.model, [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }], 1);
    const list = ops(exportOnnx(model, { winograd: true }));
    expect(count(list, 'Gather')).toBe(9);
    expect(count(list, 'Conv')).toBe(4 + 3); // blocks 1-2, and the color branch's three
    // Softmax outputs sit near 1/3 with random weights: compare the logits' inputs instead, through a model
    // that ends at the VGG16 base output, where rounding differences are not squashed.
    const x = tf.randomUniform([2, 160, 128, 3], 0, 1, 'float32', 9);
    expect(await relDiff('notebook model, both heads', model, x)).toBeLessThan(REL_TOL);
    const typeBranch = model.layers.find((l) => l.name === 'type') as tf.LayersModel;
    const base = typeBranch.layers.find((l) => l instanceof tf.LayersModel) as tf.LayersModel;
    expect(await relDiff('notebook VGG16 base output', base, x)).toBeLessThan(REL_TOL);
    x.dispose();
    model.dispose();
  }, 120_000);
});
