import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../core/tf.js';
import { registerWasmTrainingKernels } from '../core/kernels/index.js';
import {
  ortConvStats,
  registerOrtConvKernels,
  resetOrtConvStats,
  unregisterOrtConvKernels,
} from './conv_kernels.js';

import { makeInputs, relErr, runOn, type Shape4 } from '../core/kernels/kernel_test_utils.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** Runs `kernel` on cpu and on wasm, asserts onnxruntime ran the wasm call; relative max error. */
async function compareWithCpu(kernel: string, shapes: Record<string, number[]>, attrs: object, seed = 1): Promise<number> {
  const inputs = makeInputs(shapes, seed);
  const cpu = await runOn('cpu', kernel, inputs, attrs);
  const before = ortConvStats().ort[kernel] ?? 0;
  const wasm = await runOn('wasm', kernel, inputs, attrs);
  expect(ortConvStats().ort[kernel] ?? 0, `${kernel} ran on onnxruntime (${ortConvStats().errors.join('; ')})`).toBe(before + 1);
  expect(wasm.shape).toEqual(cpu.shape);
  return relErr(cpu.data, wasm.data);
}

interface ConvCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'ceil';
}

const cases: ConvCase[] = [
  { name: "3x3 stride-1 'same', 13x11, batch 3", x: [3, 13, 11, 5], filter: [3, 3, 5, 7], strides: 1, pad: 'same' },
  { name: "3x3 stride-2 'same', 13x11, batch 1", x: [1, 13, 11, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { name: "3x3 stride-2 'valid' with an unread last row", x: [2, 14, 11, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: "11x11 stride-4 'same' on 37x29", x: [2, 37, 29, 3], filter: [11, 11, 3, 8], strides: 4, pad: 'same' },
  { name: "11x11 stride-4 'valid' on 32x30", x: [1, 32, 30, 3], filter: [11, 11, 3, 4], strides: 4, pad: 'valid' },
  { name: "1x1 stride-1 'valid', batch 3", x: [3, 7, 6, 8], filter: [1, 1, 8, 5], strides: 1, pad: 'valid' },
  { name: "1x1 stride-2 'same'", x: [1, 9, 8, 4], filter: [1, 1, 4, 3], strides: 2, pad: 'same' },
  { name: "4x4 stride-1 'same' (even kernel)", x: [2, 8, 9, 3], filter: [4, 4, 3, 2], strides: 1, pad: 'same' },
  { name: "2x4 stride-(2,3) 'same'", x: [1, 10, 11, 2], filter: [2, 4, 2, 3], strides: [2, 3], pad: 'same' },
  { name: '5x5 stride-2 with numeric pad 1', x: [2, 13, 12, 2], filter: [5, 5, 2, 3], strides: 2, pad: 1 },
  { name: '3x3 stride-2, pad 0, ceil rounding', x: [1, 10, 10, 2], filter: [3, 3, 2, 3], strides: 2, pad: 0, dimRoundingMode: 'ceil' },
  { name: 'explicitly padded 3x3 stride-2', x: [2, 9, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
];

function outShape(c: ConvCase, dilations: number | [number, number] = 1): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, dilations, c.pad, c.dimRoundingMode);
  return info.outShape as Shape4;
}

const convAttrs = (c: ConvCase, dilations: number | [number, number] = 1) => ({
  strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations, dimRoundingMode: c.dimRoundingMode,
});

function checkKernels(c: ConvCase): void {
  it(`Conv2D: ${c.name}`, async () => {
    expect(await compareWithCpu('Conv2D', { x: c.x, filter: c.filter }, convAttrs(c))).toBeLessThanOrEqual(1e-4);
  });
  it(`Conv2DBackpropInput: ${c.name}`, async () => {
    expect(await compareWithCpu('Conv2DBackpropInput', { dy: outShape(c), filter: c.filter }, {
      ...convAttrs(c), inputShape: c.x,
    })).toBeLessThanOrEqual(1e-4);
  });
  it(`Conv2DBackpropFilter: ${c.name}`, async () => {
    expect(await compareWithCpu('Conv2DBackpropFilter', { x: c.x, dy: outShape(c) }, {
      ...convAttrs(c), filterShape: c.filter,
    })).toBeLessThanOrEqual(1e-4);
  });
}

let initialBackend = '';

beforeAll(async () => {
  initialBackend = tf.getBackend();
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
  registerWasmTrainingKernels();
  expect(registerOrtConvKernels({ minFlops: 0, threads: 2, graphs: 'im2col' })).toHaveLength(4);
});

afterAll(async () => {
  unregisterOrtConvKernels();
  if (initialBackend) await tf.setBackend(initialBackend);
});

describe('registerOrtConvKernels', () => {
  it('dispatches the four conv kernels through onnxruntime, idempotently', () => {
    const names = registerOrtConvKernels({ minFlops: 0, threads: 2, graphs: 'im2col' });
    expect([...names].sort()).toEqual(['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'FusedConv2D']);
  });
});

describe('onnxruntime conv kernels (im2col GEMM graphs) equal the cpu backend', () => {
  for (const c of cases) checkKernels(c);
  const dilated: Array<[string, number | [number, number], 'same' | 'valid']> = [['dilation 2', 2, 'same'], ['dilation (2,3)', [2, 3], 'valid']];
  for (const [name, d, pad] of dilated) {
    it(`Conv2D: 3x3 ${name} '${pad}', 13x11`, async () => {
      const c: ConvCase = { name, x: [2, 13, 11, 3], filter: [3, 3, 3, 4], strides: 1, pad };
      expect(await compareWithCpu('Conv2D', { x: c.x, filter: c.filter }, convAttrs(c, d))).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe("onnxruntime conv kernels (onnxruntime's Conv / ConvTranspose graphs) equal the cpu backend", () => {
  beforeAll(() => { registerOrtConvKernels({ minFlops: 0, threads: 2, graphs: 'conv' }); });
  afterAll(() => { registerOrtConvKernels({ minFlops: 0, threads: 2, graphs: 'im2col' }); });
  for (const c of cases) checkKernels(c);
  it("Conv2D: 3x3 dilation 2 'same', 13x11", async () => {
    const c: ConvCase = { name: '', x: [2, 13, 11, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' };
    expect(await compareWithCpu('Conv2D', { x: c.x, filter: c.filter }, convAttrs(c, 2))).toBeLessThanOrEqual(1e-4);
  });
});

describe('FusedConv2D on onnxruntime equals the cpu backend', () => {
  const x: Shape4 = [2, 13, 11, 5];
  const filter: Shape4 = [3, 3, 5, 6];
  for (const [activation, bias] of [['linear', false], ['linear', true], ['relu', true], ['relu6', true], ['leakyrelu', true], ['sigmoid', false], ['elu', true]] as const) {
    it(`${activation}${bias ? ' with bias' : ''}`, async () => {
      const inputs: Record<string, number[]> = { x, filter };
      if (bias) inputs.bias = [6];
      const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation, leakyreluAlpha: 0.3 };
      expect(await compareWithCpu('FusedConv2D', inputs, attrs, 7)).toBeLessThanOrEqual(1e-4);
    });
  }
});

/** A small conv net's loss as a function of its input and weights. */
function net(x: tf.Tensor4D, w1: tf.Tensor4D, w2: tf.Tensor4D, w3: tf.Tensor4D, b3: tf.Tensor1D): tf.Scalar {
  const h1 = tf.relu(tf.conv2d(x, w1, 4, 'same')); // 11x11 stride 4 (the color branch's first conv)
  const h2 = tf.relu(tf.conv2d(h1, w2, 1, 'same'));
  const h3 = tf.fused.conv2d({ x: h2, filter: w3, strides: 2, pad: 'valid', bias: b3 }); // FusedConv2D, linear
  return tf.sum(tf.square(h3));
}

describe('gradients through the onnxruntime kernels', () => {
  const shapes = { x: [3, 37, 29, 3], w1: [11, 11, 3, 8], w2: [3, 3, 8, 8], w3: [3, 3, 8, 4], b3: [4] };

  async function grads(backendName: 'cpu' | 'wasm'): Promise<Float32Array[]> {
    await tf.setBackend(backendName);
    const inputs = makeInputs(shapes, 31);
    return tf.tidy(() => {
      const ts = Object.values(inputs).map((v) => tf.tensor(v.data, v.shape, 'float32'));
      const g = tf.grads((...a: tf.Tensor[]) => net(a[0] as tf.Tensor4D, a[1] as tf.Tensor4D, a[2] as tf.Tensor4D, a[3] as tf.Tensor4D, a[4] as tf.Tensor1D))(ts);
      return g.map((t) => t.dataSync() as Float32Array);
    });
  }

  for (const graphs of ['im2col', 'conv'] as const) {
    it(`the gradient of a small conv net w.r.t. its input and every weight equals the cpu backend's (${graphs} graphs)`, async () => {
      registerOrtConvKernels({ minFlops: 0, threads: 2, graphs });
      const want = await grads('cpu');
      resetOrtConvStats();
      const got = await grads('wasm');
      const s = ortConvStats();
      expect(s.ort.Conv2D).toBe(2);
      expect(s.ort.FusedConv2D).toBe(1);
      expect(s.ort.Conv2DBackpropInput).toBe(3);
      expect(s.ort.Conv2DBackpropFilter).toBe(3);
      expect(s.errors).toEqual([]);
      for (const [i, w] of want.entries()) expect(relErr(w, got[i]!)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('repeated gradient calls leave no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const ts = Object.values(makeInputs(shapes, 41)).map((v) => tf.tensor(v.data, v.shape, 'float32'));
    const f = tf.grads((...a: tf.Tensor[]) => net(a[0] as tf.Tensor4D, a[1] as tf.Tensor4D, a[2] as tf.Tensor4D, a[3] as tf.Tensor4D, a[4] as tf.Tensor1D));
    tf.dispose(f(ts));
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    resetOrtConvStats();
    for (let i = 0; i < 3; i++) tf.dispose(f(ts));
    expect(ortConvStats().ort.Conv2DBackpropFilter).toBe(9);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose(ts);
  });
});

describe('dispatch', () => {
  it('convs below minFlops, and 1x1 convs with huge outputs, keep the previous kernels', async () => {
    registerOrtConvKernels({ minFlops: 5e7, threads: 2 });
    try {
      await tf.setBackend('wasm');
      resetOrtConvStats();
      const small = tf.tidy(() => tf.conv2d(tf.ones([1, 8, 8, 4]) as tf.Tensor4D, tf.ones([3, 3, 4, 4]) as tf.Tensor4D, 1, 'same').dataSync());
      expect(small[0]).toBe(16); // a corner: 2x2 taps x 4 channels
      const big = tf.tidy(() => tf.conv2d(tf.ones([2, 16, 16, 128]) as tf.Tensor4D, tf.ones([3, 3, 128, 64]) as tf.Tensor4D, 1, 'same').dataSync()); // 75 MFLOP
      expect(big[0]).toBe(512);
      // A 1x1 conv with a 36 MiB output and 16 FLOP per output float: the copy would cost more.
      const wide = tf.tidy(() => tf.conv2d(tf.ones([1, 1024, 1024, 8]) as tf.Tensor4D, tf.ones([1, 1, 8, 9]) as tf.Tensor4D, 1, 'same').max().dataSync());
      expect(wide[0]).toBe(8);
      const s = ortConvStats();
      expect(s.fallback.Conv2D).toBe(2);
      expect(s.ort.Conv2D).toBe(1);
    } finally {
      registerOrtConvKernels({ minFlops: 0, threads: 2 });
    }
  });

  it('NCHW convs keep the previous kernels (and still equal the cpu backend)', async () => {
    const inputs = makeInputs({ x: [2, 3, 9, 8], dy: [2, 4, 5, 4] }, 3);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] };
    const cpu = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    resetOrtConvStats();
    const wasm = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
    expect(ortConvStats().fallback.Conv2DBackpropFilter).toBe(1);
    expect(ortConvStats().ort.Conv2DBackpropFilter).toBeUndefined();
    expect(relErr(cpu.data, wasm.data)).toBeLessThanOrEqual(1e-4);
  });

  it('BRANCHNET_ORT_KERNELS=0 registers nothing', () => {
    const before = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
    expect(unregisterOrtConvKernels().sort()).toEqual(['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'FusedConv2D']);
    const plain = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
    expect(plain).not.toBe(before);
    process.env.BRANCHNET_ORT_KERNELS = '0';
    try {
      expect(registerOrtConvKernels({ minFlops: 0 })).toEqual([]);
      expect(tf.getKernel('Conv2D', 'wasm')!.kernelFunc).toBe(plain);
    } finally {
      delete process.env.BRANCHNET_ORT_KERNELS;
    }
    expect(registerOrtConvKernels({ minFlops: 0, threads: 2 })).toHaveLength(4);
    expect(tf.getKernel('Conv2D', 'wasm')!.kernelFunc).not.toBe(plain);
  });
});
