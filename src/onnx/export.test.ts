import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from 'onnx-proto';
import { tf } from '../core/tf.js';
import { BranchnetError } from '../core/errors.js';
import { requireOrt, type Ort } from './ort_test_utils.js';
import { ACTIVATIONS } from './activations.js';
import { samePad } from './layers.js';
import { exportOnnx, type ExportOnnxOptions } from './export.js';
import { resolveConfig } from '../core/defaults.js';
import { buildModel } from '../model/build.js';

const { onnx } = pkg;
let ort: Ort;
const TOL = 1e-4;
/** Largest |ONNX − TF.js| per test, printed at the end. */
const measured: Record<string, number> = {};

/** Run `model` in TF.js and (exported) in onnxruntime on the same input; largest absolute difference. */
async function diff(label: string, model: tf.LayersModel, x: tf.Tensor, opts?: ExportOnnxOptions): Promise<number> {
  const session = await ort.InferenceSession.create(exportOnnx(model, opts), { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
  const want = tf.tidy(() => [model.predict(x)].flat() as tf.Tensor[]);
  expect([...session.outputNames]).toEqual(model.outputNames);
  let max = 0;
  want.forEach((w, i) => {
    const got = out[session.outputNames[i]];
    expect([...got.dims]).toEqual(w.shape);
    const a = got.data as Float32Array;
    const b = w.dataSync();
    let m = 0;
    for (let j = 0; j < b.length; j++) m = Math.max(m, Math.abs(a[j] - b[j]));
    max = Math.max(max, m);
  });
  tf.dispose(want);
  await session.release();
  measured[label] = Math.max(measured[label] ?? 0, max);
  return max;
}

/** A one-input functional model: `build` maps the input to the output(s). */
function tiny(shape: number[], build: (x: tf.SymbolicTensor) => tf.SymbolicTensor | tf.SymbolicTensor[], name = 'tiny'): tf.LayersModel {
  const input = tf.input({ shape, name: 'images' });
  return tf.model({ inputs: input, outputs: build(input), name });
}

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;
const input = (shape: number[], seed = 1) => tf.randomNormal([2, ...shape], 0, 1, 'float32', seed);

/** Give every BatchNormalization non-trivial moving statistics, so that inference-mode BN shows. */
function randomizeBatchNorm(model: tf.LayersModel, seed = 7): void {
  const walk = (m: tf.LayersModel): void => {
    for (const l of m.layers) {
      if (l instanceof tf.LayersModel) walk(l);
      else if (l.getClassName() === 'BatchNormalization') {
        l.setWeights(tf.tidy(() => l.weights.map((w, i) => {
          const v = w.originalName.split('/').at(-1);
          const r = tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', seed + i);
          return v === 'moving_variance' || v === 'gamma' ? r : r.sub(1);
        })));
      }
    }
  };
  walk(model);
}

async function expectClose(label: string, model: tf.LayersModel, x: tf.Tensor, opts?: ExportOnnxOptions): Promise<void> {
  expect(await diff(label, model, x, opts)).toBeLessThan(TOL);
}

describe('exportOnnx', () => {
  beforeAll(async () => { ort = await requireOrt(); });
  afterAll(() => {
    const width = Math.max(...Object.keys(measured).map((k) => k.length));
    console.log(Object.entries(measured).map(([k, v]) => `${k.padEnd(width)}  max |Δ| ${v.toExponential(2)}`).join('\n'));
  });

  it('computes TF "same" pads per dimension with the odd pixel at the end', () => {
    expect(samePad(160, 11, 4)).toEqual([3, 4]);
    expect(samePad(37, 11, 4)).toEqual([5, 5]);
    expect(samePad(38, 11, 4)).toEqual([4, 5]);
    expect(samePad(7, 3, 2)).toEqual([1, 1]);
    expect(samePad(8, 3, 2)).toEqual([0, 1]);
    expect(samePad(9, 3, 1, 2)).toEqual([2, 2]);
    expect(samePad(5, 1, 1)).toEqual([0, 0]);
  });

  const convs: [string, number[], tf.serialization.ConfigDict][] = [
    ['3x3 same relu', [32, 24, 3], { kernelSize: 3, padding: 'same', activation: 'relu' }],
    ['3x3 stride 2 same, odd input', [31, 23, 3], { kernelSize: 3, strides: 2, padding: 'same' }],
    ['4x4 stride 2 same, even kernel', [32, 24, 3], { kernelSize: 4, strides: 2, padding: 'same' }],
    ['11x11 stride 4 same on 37x29', [37, 29, 3], { kernelSize: 11, strides: 4, padding: 'same', activation: 'relu' }],
    ['11x11 stride 4 same on 38x30 (asymmetric)', [38, 30, 3], { kernelSize: 11, strides: 4, padding: 'same' }],
    ['11x11 stride 4 same on 40x32 (as 160x128)', [40, 32, 3], { kernelSize: 11, strides: 4, padding: 'same' }],
    ['5x3 strides [3,2] valid', [32, 24, 3], { kernelSize: [5, 3], strides: [3, 2], padding: 'valid' }],
    ['3x3 dilation 2 same', [31, 24, 3], { kernelSize: 3, dilationRate: 2, padding: 'same' }],
    ['1x1 no bias, not trainable (gray)', [32, 24, 3], { kernelSize: 1, useBias: false, trainable: false }],
  ];
  it.each(convs)('Conv2D %s', async (label, shape, cfg) => {
    const model = tiny(shape, (x) => apply(tf.layers.conv2d({ filters: 5, ...cfg } as Parameters<typeof tf.layers.conv2d>[0]), x));
    await expectClose(`Conv2D ${label}`, model, input(shape));
    model.dispose();
  });

  it('DepthwiseConv2D (multiplier 2, stride 2 same; multiplier 1 valid) and SeparableConv2D', async () => {
    const shape = [31, 23, 3];
    const model = tiny(shape, (x) => [
      apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu' }), x),
      apply(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'valid', useBias: true, biasInitializer: 'randomNormal' }), x),
      apply(tf.layers.separableConv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, biasInitializer: 'randomNormal' }), x),
    ]);
    await expectClose('DepthwiseConv2D / SeparableConv2D', model, input(shape));
    model.dispose();
  });

  it('MaxPooling2D and AveragePooling2D, same (padding excluded from the average) and valid', async () => {
    const shape = [31, 23, 4];
    const model = tiny(shape, (x) => [
      apply(tf.layers.maxPooling2d({ poolSize: 2 }), x),
      apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x),
      apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x),
      apply(tf.layers.averagePooling2d({ poolSize: [2, 3], strides: [2, 2], padding: 'valid' }), x),
      apply(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }), x),
    ]);
    await expectClose('Max/AveragePooling2D', model, input(shape));
    model.dispose();
  });

  it('GlobalAveragePooling2D and GlobalMaxPooling2D after a conv', async () => {
    const shape = [32, 24, 3];
    const model = tiny(shape, (x) => {
      const y = apply(tf.layers.conv2d({ filters: 6, kernelSize: 3 }), x);
      return [apply(tf.layers.globalAveragePooling2d({}), y), apply(tf.layers.globalMaxPooling2d({}), y), apply(tf.layers.globalAveragePooling2d({}), x)];
    });
    await expectClose('GlobalAverage/MaxPooling2D', model, input(shape));
    model.dispose();
  });

  it('Flatten after a conv keeps the channels-last order, so Dense weights apply unchanged', async () => {
    const shape = [9, 7, 3];
    const model = tiny(shape, (x) => {
      const y = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), x);
      const flat = apply(tf.layers.flatten(), y);
      return [flat, apply(tf.layers.dense({ units: 5, activation: 'softmax' }), apply(tf.layers.dropout({ rate: 0.5 }), flat))];
    });
    await expectClose('Flatten + Dropout + Dense', model, input(shape));
    model.dispose();
  });

  it('Reshape, Dense on rank 3 (MatMul), Dense without bias', async () => {
    const shape = [8, 6, 3];
    const model = tiny(shape, (x) => {
      const y = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1 }), x);
      const r = apply(tf.layers.reshape({ targetShape: [48, 4] }), y);
      const d = apply(tf.layers.dense({ units: 3, activation: 'tanh', biasInitializer: 'randomNormal' }), r);
      const r2 = apply(tf.layers.reshape({ targetShape: [144] }), d);
      return [d, apply(tf.layers.dense({ units: 2, useBias: false }), r2)];
    });
    await expectClose('Reshape + Dense rank 3', model, input(shape));
    model.dispose();
  });

  it.each([...ACTIVATIONS])('activation %s, fused in Conv2D (NCHW) and Dense, and as an Activation layer', async (act) => {
    const shape = [10, 8, 3];
    const model = tiny(shape, (x) => {
      const a = act as Parameters<typeof tf.layers.activation>[0]['activation'];
      const conv = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: a }), x);
      const flat = apply(tf.layers.flatten(), apply(tf.layers.conv2d({ filters: 2, kernelSize: 3 }), x));
      return [conv, apply(tf.layers.dense({ units: 4, activation: a }), flat), apply(tf.layers.activation({ activation: a }), x)];
    });
    await expectClose(`activation ${act}`, model, input(shape));
    model.dispose();
  });

  it('ReLU (maxValue), LeakyReLU, ELU, ThresholdedReLU and Softmax layers (axis as configured)', async () => {
    const shape = [10, 8, 3];
    const model = tiny(shape, (x) => {
      const y = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3 }), x);
      return [
        apply(tf.layers.reLU({ maxValue: 0.5 }), y),
        apply(tf.layers.reLU({}), y),
        apply(tf.layers.leakyReLU({ alpha: 0.2 }), y),
        apply(tf.layers.elu({}), y),
        apply(tf.layers.thresholdedReLU({ theta: 0.3 }), y),
        apply(tf.layers.softmax({ axis: -1 }), y), // the channel axis, NCHW axis 1 in ONNX
        apply(tf.layers.softmax({}), apply(tf.layers.flatten(), y)), // tfjs's default axis is 1
      ];
    });
    await expectClose('ReLU/LeakyReLU/ELU/ThresholdedReLU/Softmax layers', model, input(shape));
    model.dispose();
  });

  it('BatchNormalization uses the moving statistics: after a conv (NCHW), on the raw input, after Dense, without center/scale', async () => {
    const shape = [9, 7, 3];
    const model = tiny(shape, (x) => {
      const y = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3 }), x);
      const d = apply(tf.layers.dense({ units: 5 }), apply(tf.layers.flatten(), y));
      return [
        apply(tf.layers.batchNormalization({ epsilon: 0.01 }), y),
        apply(tf.layers.batchNormalization({}), x),
        apply(tf.layers.batchNormalization({}), d),
        apply(tf.layers.batchNormalization({ center: false, scale: false }), y),
      ];
    });
    randomizeBatchNorm(model);
    await expectClose('BatchNormalization', model, input(shape));
    model.dispose();
    // TF.js computes BN over a non-channel axis wrongly (statistics cycle over the flat data): refused.
    const other = tiny(shape, (x) => apply(tf.layers.batchNormalization({ axis: 1, name: 'bn_h' }), x));
    expect(() => exportOnnx(other)).toThrow(/layer "bn_h" \(BatchNormalization\) normalises over axis 1 .* last \(channel\) axis only/);
    other.dispose();
  });

  it('ZeroPadding2D, symmetric and asymmetric', async () => {
    const shape = [9, 7, 3];
    const model = tiny(shape, (x) => [
      apply(tf.layers.zeroPadding2d({ padding: [[0, 1], [2, 3]] }), x),
      apply(tf.layers.zeroPadding2d({ padding: 1 }), apply(tf.layers.conv2d({ filters: 2, kernelSize: 1 }), x)),
    ]);
    await expectClose('ZeroPadding2D', model, input(shape));
    model.dispose();
  });

  it('Concatenate (channels and other axes) and Add/Multiply/Average/Maximum/Minimum, also across layouts', async () => {
    const shape = [9, 7, 3];
    const model = tiny(shape, (x) => {
      const a = apply(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), x);
      const b = apply(tf.layers.conv2d({ filters: 3, kernelSize: 1 }), x);
      const fa = apply(tf.layers.dense({ units: 4 }), apply(tf.layers.flatten(), a));
      const fb = apply(tf.layers.dense({ units: 4 }), apply(tf.layers.flatten(), b));
      return [
        apply(tf.layers.concatenate(), [a, b]),
        apply(tf.layers.concatenate({ axis: 2 }), [a, b, x]),
        apply(tf.layers.concatenate({ axis: 1 }), [x, a]),
        apply(tf.layers.add(), [a, b, x]),
        apply(tf.layers.multiply(), [a, x]),
        apply(tf.layers.average(), [a, b]),
        apply(tf.layers.maximum(), [x, b]),
        apply(tf.layers.minimum(), [a, b]),
        apply(tf.layers.concatenate(), [fa, fb]),
        apply(tf.layers.add(), [fa, fb]),
      ];
    });
    await expectClose('Concatenate and merges', model, input(shape));
    model.dispose();
  });

  it('a two-branch model like ours: outputs named by head, nested Sequentials, a nested VGG-like backbone', async () => {
    const [h, w] = [37, 29];
    const model = twoBranchModel(h, w);
    expect(model.outputNames).toEqual(['color', 'type']);
    const bytes = exportOnnx(model);
    const session = await ort.InferenceSession.create(bytes);
    expect([...session.inputNames]).toEqual(['images']);
    expect([...session.outputNames]).toEqual(['color', 'type']);
    await session.release();
    // One transpose to NCHW (shared by both branches) and one back before each Flatten.
    const ops = onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Transpose')).toHaveLength(3);
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(6);
    await expectClose('two-branch model (37x29)', model, input([h, w, 3]));
    model.dispose();
    const even = twoBranchModel(40, 32);
    await expectClose('two-branch model (40x32)', even, input([40, 32, 3]));
    even.dispose();
  });

  it.each([
    ['split-gray, scratch backbone', { arch: 'split-gray', height: 48, width: 40, backbone: { backbone: 'scratch' } }],
    ['multilabel (SmallerVGGNet)', { arch: 'multilabel', height: 36, width: 28 }],
  ] as const)('our buildModel: %s', async (label, m) => {
    const cfg = resolveConfig({ model: m } as Parameters<typeof resolveConfig>[0]);
    const model = buildModel(cfg.model, [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }], 1);
    randomizeBatchNorm(model);
    await expectClose(`buildModel ${label}`, model, input([m.height, m.width, 3]));
    model.dispose();
  });

  it('a MobileNet block: ZeroPadding2D + DepthwiseConv2D stride 2 valid + BN + relu6, pointwise Conv2D + BN + ReLU(6)', async () => {
    const shape = [32, 24, 8];
    const model = tiny(shape, (x) => {
      let y = apply(tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: 'conv_pad_2' }), x);
      y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'conv_dw_2' }), y);
      y = apply(tf.layers.batchNormalization({ name: 'conv_dw_2_bn' }), y);
      y = apply(tf.layers.activation({ activation: 'relu6', name: 'conv_dw_2_relu' }), y);
      y = apply(tf.layers.conv2d({ filters: 16, kernelSize: 1, useBias: false, name: 'conv_pw_2' }), y);
      y = apply(tf.layers.batchNormalization({ name: 'conv_pw_2_bn' }), y);
      y = apply(tf.layers.reLU({ maxValue: 6, name: 'conv_pw_2_relu' }), y);
      return apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), y);
    }, 'mobilenet_block');
    randomizeBatchNorm(model);
    await expectClose('MobileNet block', model, input(shape));
    model.dispose();
  });

  it('a Sequential with a nested model after a fixed gray conv, and a Sequential exported by itself', async () => {
    const [h, w] = [20, 16];
    const head = tf.sequential({ name: 'type' });
    head.add(tf.layers.conv2d({ inputShape: [h, w, 3], filters: 3, kernelSize: 1, useBias: false, trainable: false, name: 'type_gray' }));
    head.add(vggLike(h, w, 'backbone'));
    head.add(tf.layers.flatten({ name: 'type_flatten' }));
    head.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'type_out' }));
    await expectClose('Sequential(gray conv, nested model)', head, input([h, w, 3]));
    const outer = tiny([h, w, 3], (x) => apply(head, x), 'outer');
    await expectClose('Sequential(gray conv, nested model)', outer, input([h, w, 3]));
    outer.dispose();
  });

  it('a frozen backbone alone (a nested functional model) exports with NHWC output', async () => {
    const backbone = vggLike(37, 29, 'vgg_like');
    await expectClose('backbone alone', backbone, input([37, 29, 3]));
    backbone.dispose();
  });

  it('a shared layer applied twice exports its weights once', async () => {
    const shape = [8, 6, 3];
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'shared' });
    const model = tiny(shape, (x) => apply(tf.layers.add(), [apply(conv, x), apply(conv, apply(conv, x))]));
    await expectClose('shared layer', model, input(shape));
    const graph = onnx.ModelProto.decode(exportOnnx(model)).graph!;
    expect(graph.initializer!.map((t) => t.name)).toEqual(['shared/kernel', 'shared/bias']);
    expect(graph.node!.filter((n) => n.opType === 'Conv')).toHaveLength(3);
    model.dispose();
  });

  it('dynamic batch: one export runs at batch 1 and 5; a fixed batch is fixed; opset 17 works', async () => {
    const model = twoBranchModel(21, 17);
    const bytes = exportOnnx(model);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    for (const n of [1, 5]) {
      const x = tf.randomNormal([n, 21, 17, 3], 0, 1, 'float32', n);
      const out = await session.run({ images: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
      const want = model.predict(x) as tf.Tensor[];
      expect([...out.color.dims]).toEqual([n, 3]);
      const d = Math.max(...want.map((t, i) => {
        const got = out[model.outputNames[i]].data as Float32Array;
        return Math.max(...Array.from(t.dataSync(), (v, j) => Math.abs(v - got[j])));
      }));
      measured[`dynamic batch ${n}`] = d;
      expect(d).toBeLessThan(TOL);
      tf.dispose([x, ...want]);
    }
    await session.release();
    const fixed = await ort.InferenceSession.create(exportOnnx(model, { batch: 2 }), { intraOpNumThreads: 1 });
    const x5 = tf.zeros([5, 21, 17, 3]);
    await expect(fixed.run({ images: new ort.Tensor('float32', x5.dataSync() as Float32Array, x5.shape) })).rejects.toThrow();
    await fixed.release();
    x5.dispose();
    await expectClose('fixed batch 2', model, input([21, 17, 3]), { batch: 2 });
    await expectClose('opset 17', model, input([21, 17, 3]), { opset: 17, inputName: 'pixels' });
    model.dispose();
  });

  it('unknown spatial sizes: "same" becomes SAME_UPPER, which pads as TF does', async () => {
    const model = tiny([null, null, 3] as unknown as number[], (x) => {
      const y = apply(tf.layers.conv2d({ filters: 4, kernelSize: 4, strides: 2, padding: 'same' }), x);
      return apply(tf.layers.globalAveragePooling2d({}), apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), y));
    });
    await expectClose('unknown H, W (SAME_UPPER) 15x10', model, input([15, 10, 3]));
    await expectClose('unknown H, W (SAME_UPPER) 16x9', model, input([16, 9, 3]));
    model.dispose();
  });

  it('an unsupported layer fails with E_ONNX naming the layer and its class', () => {
    const model = tiny([8, 6, 3], (x) => apply(tf.layers.upSampling2d({ size: [2, 2], name: 'up' }), x));
    const err = (() => { try { exportOnnx(model); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(BranchnetError);
    expect((err as BranchnetError).code).toBe('E_ONNX');
    expect((err as BranchnetError).message).toMatch(/layer "up" \(UpSampling2D\) cannot be exported to ONNX.*supported layers: \[InputLayer, Conv2D/);
    const nested = tf.sequential({ name: 'color' });
    nested.add(tf.layers.conv2d({ inputShape: [8, 6, 3], filters: 2, kernelSize: 1, name: 'color_conv' }));
    nested.add(tf.layers.permute({ dims: [2, 1, 3], name: 'color_perm' }));
    const outer = tiny([8, 6, 3], (x) => apply(nested, x));
    expect(() => exportOnnx(outer)).toThrow(/layer "color\/color_perm" \(Permute\)/);
    const act = tiny([4], (x) => apply(tf.layers.dense({ units: 2, activation: 'softmax', name: 'd' }), x));
    expect(() => exportOnnx(act, { opset: 9 })).toThrow(/opset 9 is not supported/);
    for (const m of [model, outer, act]) m.dispose();
  });
});

/** A VGG-like conv base as a functional model: conv/conv/pool blocks with odd sizes and a stride-2 conv. */
function vggLike(h: number, w: number, name: string): tf.LayersModel {
  const input = tf.input({ shape: [h, w, 3], name: `${name}_input` });
  let x = input;
  [[4, 2], [6, 1]].forEach(([filters, convs], b) => {
    for (let i = 1; i <= convs; i++) {
      x = apply(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `${name}_block${b + 1}_conv${i}` }), x);
    }
    x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${name}_block${b + 1}_pool` }), x);
  });
  x = apply(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: `${name}_down` }), x);
  return tf.model({ inputs: input, outputs: x, name });
}

/**
 * Ours in miniature: input `images` → `color` (a CNN Sequential: 11x11 stride-4 'same' conv, pools,
 * flatten, dropout, dense, softmax) and `type` (a Sequential around a nested VGG-like backbone).
 */
function twoBranchModel(h: number, w: number): tf.LayersModel {
  const color = tf.sequential({ name: 'color' });
  color.add(tf.layers.conv2d({ inputShape: [h, w, 3], filters: 4, kernelSize: 11, strides: 4, padding: 'same', activation: 'relu', name: 'color_conv1' }));
  color.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'color_pool1' }));
  color.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'color_conv2' }));
  color.add(tf.layers.flatten({ name: 'color_flatten' }));
  color.add(tf.layers.dropout({ rate: 0.5, name: 'color_dropout1' }));
  color.add(tf.layers.dense({ units: 8, activation: 'relu', name: 'color_dense1' }));
  color.add(tf.layers.dropout({ rate: 0.5, name: 'color_dropout2' }));
  color.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'color_out' }));
  const type = tf.sequential({ name: 'type' });
  type.add(vggLike(h, w, 'vgg_like'));
  type.add(tf.layers.flatten({ name: 'type_flatten' }));
  type.add(tf.layers.dropout({ rate: 0.25, name: 'type_dropout1' }));
  type.add(tf.layers.dense({ units: 8, activation: 'relu', name: 'type_dense1' }));
  type.add(tf.layers.dense({ units: 4, activation: 'softmax', name: 'type_out' }));
  const images = tf.input({ shape: [h, w, 3], name: 'images' });
  return tf.model({ inputs: images, outputs: [apply(color, images), apply(type, images)], name: 'branchnet' });
}
