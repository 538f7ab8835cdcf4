import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { registerWasmTrainingKernels } from './index.js';
import { batchMatMulConfig, MAX_TRANSPOSE } from './batch_mat_mul.js';

import { makeInputs, relErr, runOn, type Inputs, type Shape4 } from './kernel_test_utils.js';

/** Max |wasm - cpu| relative to max |cpu|. */
async function compareWithCpu(kernel: string, shapes: Record<string, number[]>, attrs: object, seed = 1): Promise<number> {
  return compareInputsWithCpu(kernel, makeInputs(shapes, seed), attrs);
}

async function compareInputsWithCpu(kernel: string, inputs: Inputs, attrs: object): Promise<number> {
  const cpu = await runOn('cpu', kernel, inputs, attrs);
  const wasm = await runOn('wasm', kernel, inputs, attrs);
  await tf.setBackend('wasm');
  expect(wasm.shape).toEqual(cpu.shape);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < cpu.data.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(cpu.data[i]! - wasm.data[i]!));
    scale = Math.max(scale, Math.abs(cpu.data[i]!));
  }
  expect(scale).toBeGreaterThan(0);
  return maxDiff / scale;
}

interface ConvCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  strides: [number, number];
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
}

const convCases: ConvCase[] = [
  { name: "11x11 stride-4 'same'", x: [2, 35, 29, 3], filter: [11, 11, 3, 5], strides: [4, 4], pad: 'same' },
  { name: "11x11 stride-4 'valid'", x: [2, 32, 30, 3], filter: [11, 11, 3, 4], strides: [4, 4], pad: 'valid' },
  { name: "3x5 stride-2 'same'", x: [3, 17, 15, 4], filter: [3, 5, 4, 6], strides: [2, 2], pad: 'same' },
  { name: "3x3 stride-3 'valid' with odd sizes", x: [2, 19, 23, 3], filter: [3, 3, 3, 4], strides: [3, 3], pad: 'valid' },
  { name: "3x3 stride-1 'same'", x: [2, 9, 7, 5], filter: [3, 3, 5, 4], strides: [1, 1], pad: 'same' },
  { name: "1x1 stride-1 'valid'", x: [2, 6, 5, 7], filter: [1, 1, 7, 3], strides: [1, 1], pad: 'valid' },
  { name: "1x1 stride-2 'same'", x: [2, 7, 6, 4], filter: [1, 1, 4, 3], strides: [2, 2], pad: 'same' },
  { name: "2x2 stride-(2,3) 'same'", x: [1, 10, 11, 2], filter: [2, 2, 2, 3], strides: [2, 3], pad: 'same' },
  { name: 'explicitly padded 3x3 stride-2', x: [2, 9, 8, 3], filter: [3, 3, 3, 2], strides: [2, 2], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { name: '5x5 stride-2 with numeric pad 1', x: [2, 13, 12, 2], filter: [5, 5, 2, 3], strides: [2, 2], pad: 1 },
];

function dyShapeFor(c: ConvCase, outChannels: number, dilation = 1): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, dilation, c.pad);
  return [c.x[0], info.outHeight, info.outWidth, outChannels];
}

let initialBackend = '';

beforeAll(async () => {
  initialBackend = tf.getBackend();
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
  expect(tf.getBackend()).toBe('wasm');
  registerWasmTrainingKernels();
});

afterAll(async () => {
  if (initialBackend) await tf.setBackend(initialBackend);
});

describe('registerWasmTrainingKernels', () => {
  it('registers the conv gradient kernels wasm lacks, idempotently', () => {
    const first = registerWasmTrainingKernels();
    const second = registerWasmTrainingKernels();
    expect(first).toEqual(second);
    expect(first.sort()).toEqual([
      'BatchMatMul',
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'MaxPoolGrad',
      'Tile',
    ]);
    for (const name of first) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });
});

describe('Conv2DBackpropFilter on wasm', () => {
  for (const c of convCases) {
    it(`filter gradient of a ${c.name} conv equals the cpu backend's`, async () => {
      const dy = dyShapeFor(c, c.filter[3]);
      const err = await compareWithCpu('Conv2DBackpropFilter', { x: c.x, dy }, {
        strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter,
      });
      expect(err).toBeLessThanOrEqual(1e-4);
    });
  }

  it("filter gradient of an NCHW 3x3 stride-2 'same' conv equals the cpu backend's", async () => {
    const err = await compareWithCpu('Conv2DBackpropFilter', { x: [2, 3, 9, 8], dy: [2, 4, 5, 4] }, {
      strides: [2, 2], pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4],
    });
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});

describe('Conv2DBackpropInput on wasm', () => {
  for (const c of convCases) {
    it(`input gradient of a ${c.name} conv equals the cpu backend's`, async () => {
      const dy = dyShapeFor(c, c.filter[3]);
      const err = await compareWithCpu('Conv2DBackpropInput', { dy, filter: c.filter }, {
        strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x,
      });
      expect(err).toBeLessThanOrEqual(1e-4);
    });
  }

  it("input gradient of an NCHW 3x3 stride-2 'same' conv equals the cpu backend's", async () => {
    const err = await compareWithCpu('Conv2DBackpropInput', { dy: [2, 4, 5, 4], filter: [3, 3, 3, 4] }, {
      strides: [2, 2], pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 9, 8],
    });
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});

interface DwCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  strides: [number, number];
  dilations: [number, number];
  pad: 'same' | 'valid';
}

const dwCases: DwCase[] = [
  { name: "3x3 stride-1 'same'", x: [2, 9, 8, 4], filter: [3, 3, 4, 1], strides: [1, 1], dilations: [1, 1], pad: 'same' },
  { name: "3x3 stride-2 'same'", x: [3, 15, 13, 5], filter: [3, 3, 5, 1], strides: [2, 2], dilations: [1, 1], pad: 'same' },
  { name: "3x5 stride-3 'valid' with multiplier 2", x: [2, 14, 17, 3], filter: [3, 5, 3, 2], strides: [3, 3], dilations: [1, 1], pad: 'valid' },
  { name: "5x5 stride-4 'same' with multiplier 3", x: [2, 19, 21, 2], filter: [5, 5, 2, 3], strides: [4, 4], dilations: [1, 1], pad: 'same' },
  { name: "3x3 dilation-2 'same'", x: [2, 11, 10, 3], filter: [3, 3, 3, 2], strides: [1, 1], dilations: [2, 2], pad: 'same' },
  { name: "3x3 dilation-(2,3) 'valid'", x: [1, 12, 13, 2], filter: [3, 3, 2, 1], strides: [1, 1], dilations: [2, 3], pad: 'valid' },
];

/** Brute-force TF depthwise conv gradients (the cpu backend's kernels ignore `dilations`). */
function depthwiseGradsReference(c: DwCase, x: Float32Array, dy: Float32Array, f: Float32Array) {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations, c.pad, undefined, true);
  const [n, h, w, ch] = c.x;
  const [kh, kw, , m] = c.filter;
  const { outHeight: ho, outWidth: wo } = info;
  const dW = new Float64Array(kh * kw * ch * m);
  const dx = new Float64Array(n * h * w * ch);
  for (let b = 0; b < n; b++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++)
    for (let a = 0; a < kh; a++) for (let bb = 0; bb < kw; bb++) {
      const r = i * c.strides[0] + a * c.dilations[0] - info.padInfo.top;
      const q = j * c.strides[1] + bb * c.dilations[1] - info.padInfo.left;
      if (r < 0 || r >= h || q < 0 || q >= w) continue;
      for (let k = 0; k < ch; k++) for (let mm = 0; mm < m; mm++) {
        const g = dy[((b * ho + i) * wo + j) * ch * m + k * m + mm]!;
        const fi = ((a * kw + bb) * ch + k) * m + mm;
        const xi = ((b * h + r) * w + q) * ch + k;
        dW[fi] = dW[fi]! + x[xi]! * g;
        dx[xi] = dx[xi]! + f[fi]! * g;
      }
    }
  return { dW, dx };
}


describe('DepthwiseConv2dNative gradients on wasm', () => {
  for (const c of dwCases) {
    const info = () => tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations, c.pad, undefined, true);
    const dilated = c.dilations[0] > 1 || c.dilations[1] > 1;
    const reference = dilated ? 'a brute-force reference' : "the cpu backend's";
    it(`filter gradient of a depthwise ${c.name} conv equals ${reference}`, async () => {
      const i = info();
      const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad, filterShape: c.filter };
      if (!dilated) {
        expect(await compareWithCpu('DepthwiseConv2dNativeBackpropFilter', { x: c.x, dy: i.outShape }, attrs)).toBeLessThanOrEqual(1e-4);
        return;
      }
      const inputs = makeInputs({ x: c.x, dy: i.outShape, f: c.filter }, 3);
      const ref = depthwiseGradsReference(c, inputs.x!.data, inputs.dy!.data, inputs.f!.data);
      const got = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x: inputs.x!, dy: inputs.dy! }, attrs);
      expect(got.shape).toEqual(c.filter);
      expect(relErr(ref.dW, got.data)).toBeLessThanOrEqual(1e-4);
    });
    it(`input gradient of a depthwise ${c.name} conv equals ${reference}`, async () => {
      const i = info();
      const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad, inputShape: c.x };
      if (!dilated) {
        expect(await compareWithCpu('DepthwiseConv2dNativeBackpropInput', { dy: i.outShape, filter: c.filter }, attrs)).toBeLessThanOrEqual(1e-4);
        return;
      }
      const inputs = makeInputs({ x: c.x, dy: i.outShape, f: c.filter }, 3);
      const ref = depthwiseGradsReference(c, inputs.x!.data, inputs.dy!.data, inputs.f!.data);
      const got = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy: inputs.dy!, filter: inputs.f! }, attrs);
      expect(got.shape).toEqual(c.x);
      expect(relErr(ref.dx, got.data)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('MaxPoolGrad on wasm', () => {
  const cases: Array<{ name: string; x: Shape4; size: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }> = [
    { name: "2x2 stride-2 'valid'", x: [2, 9, 11, 3], size: [2, 2], strides: [2, 2], pad: 'valid' },
    { name: "2x2 stride-2 'same' with odd sizes", x: [2, 13, 11, 3], size: [2, 2], strides: [2, 2], pad: 'same' },
    { name: "3x3 stride-2 'same' (overlapping windows)", x: [2, 10, 9, 4], size: [3, 3], strides: [2, 2], pad: 'same' },
    { name: "3x3 stride-1 'valid'", x: [1, 8, 7, 2], size: [3, 3], strides: [1, 1], pad: 'valid' },
    { name: "3x2 stride-(3,2) 'valid'", x: [2, 11, 9, 2], size: [3, 2], strides: [3, 2], pad: 'valid' },
  ];
  async function maxPoolGradErr(c: (typeof cases)[number], transform: (v: number) => number): Promise<number> {
    const raw = makeInputs({ x: c.x }, 9).x!;
    const x = { shape: c.x, data: raw.data.map(transform) };
    await tf.setBackend('cpu');
    const output = tf.tidy(() => {
      const y = tf.maxPool(tf.tensor4d(x.data, c.x), c.size, c.strides, c.pad);
      return { shape: y.shape, data: y.dataSync() as Float32Array };
    });
    const dy = makeInputs({ dy: output.shape }, 10).dy!;
    return compareInputsWithCpu('MaxPoolGrad', { dy, input: x, output }, {
      filterSize: c.size, strides: c.strides, pad: c.pad,
    });
  }
  for (const c of cases) {
    it(`gradient of a ${c.name} max-pool equals the cpu backend's`, async () => {
      expect(await maxPoolGradErr(c, (v) => v)).toBeLessThanOrEqual(1e-4);
    });
  }
  it('gradient of a max-pool over all-negative windows goes to each window max, as on the cpu backend', async () => {
    expect(await maxPoolGradErr(cases[0]!, (v) => -Math.abs(v) - 0.01)).toBeLessThanOrEqual(1e-4);
  });
  it('gradient of a max-pool over tied (ReLU-zeroed) windows goes to the first max only, as on the cpu backend', async () => {
    expect(await maxPoolGradErr(cases[2]!, (v) => Math.max(0, v - 0.5))).toBeLessThanOrEqual(1e-4);
  });
});

describe('BatchMatMul on wasm (transposed operands transposed first)', () => {
  const cases: [string, number[], number[], boolean, boolean][] = [
    ['xᵀ·dy, a Dense weight gradient', [20, 1030], [20, 37], true, false],
    ['a·bᵀ', [7, 33], [19, 33], false, true],
    ['a·bᵀ with b above MAX_TRANSPOSE, as (b·aᵀ)ᵀ (a Dense input gradient dy·Wᵀ)', [5, 300], [3600, 300], false, true],
    ['aᵀ·bᵀ with b above MAX_TRANSPOSE, as (b·a)ᵀ', [300, 5], [3600, 300], true, true],
    ['aᵀ·b with a above MAX_TRANSPOSE (stock loop)', [1800, 600], [1800, 3], true, false],
    ['aᵀ·bᵀ', [33, 7], [19, 33], true, true],
    ['aᵀ·b rank 3 with batch 1', [1, 9, 5], [1, 9, 4], true, false],
    ['aᵀ·b batched (stock kernel)', [3, 9, 5], [3, 9, 4], true, false],
    ['a·bᵀ batched with broadcasting (stock kernel)', [2, 5, 9], [1, 4, 9], false, true],
    ['a·b, no transposes', [6, 11], [11, 3], false, false],
  ];
  for (const [name, a, b, transposeA, transposeB] of cases) {
    it(`${name} equals the cpu backend's`, async () => {
      expect(await compareWithCpu('BatchMatMul', { a, b }, { transposeA, transposeB })).toBeLessThan(1e-5);
    });
  }
  it('hands the wrapped kernel untransposed operands (or b·aᵀ for a·bᵀ with a big b), except batched products and big transposed operands it cannot avoid', async () => {
    await tf.setBackend('wasm');
    const stock = tf.getKernel('BatchMatMul', 'wasm')!;
    const seen: string[] = [];
    const spy = batchMatMulConfig({
      ...stock,
      kernelFunc: (args) => {
        const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
        seen.push(`${a.shape}|${b.shape}|${String(args.attrs!.transposeA)}|${String(args.attrs!.transposeB)}`);
        return stock.kernelFunc(args);
      },
    });
    const run = (a: number[], b: number[], transposeA: boolean, transposeB: boolean) => tf.tidy(() => {
      const out = spy.kernelFunc({
        inputs: { a: tf.ones(a), b: tf.ones(b) } as unknown as tf.NamedTensorInfoMap,
        backend: tf.backend(),
        attrs: { transposeA, transposeB, bias: null, activation: 'linear', preluActivationWeights: null, leakyreluAlpha: 0 } as unknown as tf.NamedAttrMap,
      }) as tf.TensorInfo;
      tf.engine().makeTensorFromTensorInfo(out).dispose();
    });
    run([20, 1030], [20, 37], true, false);
    run([7, 33], [19, 33], false, true);
    run([3, 9, 5], [3, 9, 4], true, false);
    run([3, 1100], [960, 1100], false, true); // b: 1,056,000 floats > MAX_TRANSPOSE: (b·aᵀ)ᵀ
    run([1100, 3], [960, 1100], true, true); // aᵀ·bᵀ, b too big: (b·a)ᵀ, nothing transposed before
    run([2000, 600], [2000, 3], true, false); // aᵀ·b with a above MAX_TRANSPOSE: the stock loop
    expect(MAX_TRANSPOSE).toBeLessThan(960 * 1100);
    expect(seen).toEqual([
      '1030,20|20,37|false|false',
      '7,33|33,19|false|false',
      '3,9,5|3,9,4|true|false',
      '960,1100|1100,3|false|false',
      '960,1100|1100,3|false|false',
      '2000,600|2000,3|true|false',
    ]);
  });
});

describe('Tile on wasm', () => {
  const cases: Array<[string, number[], number[]]> = [
    ['per-channel statistics up to an activation (BatchNorm gradient)', [1, 1, 1, 5], [3, 7, 4, 1]],
    ['every axis repeated', [2, 3, 2], [2, 1, 3]],
    ['a vector', [4], [3]],
    ['nothing repeated', [2, 2], [1, 1]],
  ];
  for (const [name, shape, reps] of cases) {
    it(`tile of ${name} equals the cpu backend's`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: size }, (_, i) => Math.sin(i + 1));
      await tf.setBackend('cpu');
      const want = tf.tidy(() => tf.tile(tf.tensor(data, shape), reps).dataSync().slice());
      await tf.setBackend('wasm');
      const got = tf.tidy(() => tf.tile(tf.tensor(data, shape), reps).dataSync().slice());
      expect(Array.from(got)).toEqual(Array.from(want));
    });
  }
  it('tile of int32 values keeps the dtype', async () => {
    await tf.setBackend('wasm');
    const t = tf.tile(tf.tensor1d([1, 2], 'int32'), [2]);
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.dataSync())).toEqual([1, 2, 1, 2]);
    t.dispose();
  });
});

describe("wasm's native AvgPoolGrad", () => {
  for (const [name, pad] of [["3x3 stride-2 'valid'", 'valid'], ["3x3 stride-2 'same'", 'same']] as const) {
    it(`gradient of a ${name} average-pool equals the cpu backend's`, async () => {
      const x: Shape4 = [2, 11, 10, 3];
      const y = tf.backend_util.computePool2DInfo(x, 3, 2, 1, pad).outShape;
      const err = await compareWithCpu('AvgPoolGrad', { dy: y, input: x }, { filterSize: 3, strides: 2, pad });
      expect(err).toBeLessThanOrEqual(1e-4);
    });
  }
});

function smallConvModel(): tf.Sequential {
  const L = tf.layers;
  return tf.sequential({
    layers: [
      L.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 11, strides: 4, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      L.batchNormalization(),
      L.flatten(),
      L.dropout({ rate: 0.2, seed: 3 }),
      L.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
}

describe('training on wasm', () => {
  it('a small conv model (11x11/4 conv, max-pool, 3x3 conv, BatchNorm, dropout, softmax) trains with RMSprop and its loss goes down', async () => {
    await tf.setBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const model = smallConvModel();
    const { x: xd } = makeInputs({ x: [8, 32, 32, 3] }, 11);
    const x = tf.tensor4d(xd!.data, [8, 32, 32, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    const opt = tf.train.rmsprop(1e-3);
    const lossFn = () => tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor).mean() as tf.Scalar;
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) {
      const loss = opt.minimize(lossFn, true)!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.7);
    x.dispose(); y.dispose(); opt.dispose(); model.dispose();
  });

  it('a depthwise/separable model with sigmoid and binary crossentropy trains with model.fit', async () => {
    await tf.setBackend('wasm');
    const L = tf.layers;
    const model = tf.sequential({
      layers: [
        L.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        L.reLU({ maxValue: 6 }),
        L.separableConv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 3 }), pointwiseInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
        L.globalAveragePooling2d({}),
        L.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.rmsprop(3e-3), loss: 'binaryCrossentropy' });
    const { x: xd } = makeInputs({ x: [8, 16, 16, 3] }, 21);
    const x = tf.tensor4d(xd!.data, [8, 16, 16, 3]);
    const y = tf.tensor2d([0, 1, 0, 1, 1, 0, 1, 0], [8, 1]);
    const h = await model.fit(x, y, { epochs: 12, batchSize: 8, verbose: 0, shuffle: false });
    const loss = h.history.loss as number[];
    expect(loss.at(-1)!).toBeLessThan(loss[0]!);
    x.dispose(); y.dispose(); model.dispose();
  });

  it('repeated gradient calls through every training kernel leave no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const model = smallConvModel();
    const dw = tf.variable(tf.randomNormal([3, 3, 8, 2], 0, 0.1, 'float32', 5));
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 6);
    const f = () => {
      const h = model.apply(x, { training: true }) as tf.Tensor;
      const d = tf.depthwiseConv2d(tf.randomNormal([2, 9, 9, 8], 0, 1, 'float32', 7) as tf.Tensor4D, dw as tf.Tensor4D, 2, 'same');
      return h.sum().add(d.square().sum()) as tf.Scalar;
    };
    const once = () => {
      const { value, grads } = tf.variableGrads(f);
      value.dispose();
      tf.dispose(grads);
    };
    once(); // the first call builds lazily created state
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) once();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    x.dispose(); dw.dispose(); model.dispose();
  });

  it('no training kernel leaks wasm buffers (checked by the engine in IS_TEST mode)', async () => {
    await tf.setBackend('wasm');
    const was = tf.env().getBool('IS_TEST');
    tf.env().set('IS_TEST', true); // the engine then throws if a kernel leaves a data id behind
    try {
      const before = tf.engine().backend.numDataIds();
      tf.tidy(() => {
        const x = tf.randomNormal([2, 13, 11, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
        const w = tf.randomNormal([3, 3, 4, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
        const f = tf.randomNormal([5, 5, 4, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').square().sum())([x, f]);
        tf.conv2dTranspose(tf.conv2d(x, f, 2, 'same'), f, [2, 13, 11, 4], 2, 'same');
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').square().sum())([x, w]);
        tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'same').sum())(x);
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D).square().sum())([x.reshape([26, 44]), f.reshape([-1, 3]).slice([0, 0], [44, 3])]);
      });
      expect(tf.engine().backend.numDataIds()).toBe(before);
    } finally {
      tf.env().set('IS_TEST', was);
    }
  });
});
