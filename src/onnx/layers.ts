/**
 * One ONNX emitter per TF.js layer class, in inference mode: Dropout and noise layers are the
 * identity, BatchNormalization applies its moving statistics (folded into one Mul and one Add).
 * Convolutions and pools run in NCHW; Dense, Flatten and Reshape in the TF.js order, so Flatten
 * stays channels-last and Dense kernels apply unchanged. 'same' padding is computed per
 * dimension exactly as TF does (the odd pixel goes at the end), so it is explicit `pads`.
 */
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';
import { activate, clip } from './activations.js';
import { onnxAxis, type Attr, type OnnxGraph, type Val } from './graph.js';
import { emitHwncMaxPool2x2, emitWinogradConv, winogradPlan } from './winograd.js';

type Shape = (number | null)[];

/** What an emitter gets: the layer, its config, its input values and their TF.js shapes. */
export interface LayerCall {
  g: OnnxGraph;
  layer: tf.layers.Layer;
  cfg: Record<string, unknown>;
  x: Val[];
  shapes: Shape[];
  /** `layer "name" (Class)`, for error messages. */
  where: string;
  /** Run qualifying 3x3 convolutions as Winograd F(4,3) in HWNC (ExportOnnxOptions.winograd). */
  winograd: boolean;
}

type Emitter = (c: LayerCall) => Val;

interface ConvConfig {
  kernelSize: number[];
  strides: number[];
  dilationRate: number[];
  padding: string;
  dataFormat: string;
  activation: string;
  useBias: boolean;
}

interface PoolConfig {
  poolSize: number[];
  strides: number[];
  padding: string;
  dataFormat: string;
}

/** The value of one of the layer's weights (by its Keras name: kernel, bias, gamma, ...), or null. */
function weight(layer: tf.layers.Layer, name: string): tf.Tensor | null {
  const v = layer.weights.find((w) => w.originalName.split('/').at(-1) === name);
  return v ? v.read() : null;
}

function mustWeight(c: LayerCall, name: string): tf.Tensor {
  return weight(c.layer, name) ?? fail('E_ONNX', `${c.where} has no "${name}" weight; build the model (call it once) before exporting`);
}

/** A weight as an initializer, optionally transposed (and re-shaped to `dims`); shared layers share it. */
function weightInit(c: LayerCall, name: string, t: tf.Tensor, perm?: number[], dims?: number[]): string {
  const key = `${c.layer.id}:${name}`;
  const data = (): Float32Array => {
    if (!perm) return t.dataSync() as Float32Array;
    const p = tf.transpose(t, perm);
    const d = p.dataSync() as Float32Array;
    p.dispose();
    return d;
  };
  const shape = dims ?? (perm ? perm.map((i) => t.shape[i]) : t.shape);
  return c.g.floats(`${c.layer.name}/${name}`, data(), shape, key);
}

function channelsLast(c: LayerCall): void {
  const format = c.cfg.dataFormat;
  if (format !== undefined && format !== 'channelsLast') {
    fail('E_ONNX', `${c.where} has dataFormat "${String(format)}"; the ONNX exporter supports channelsLast only`);
  }
}

/** TF 'same' padding along one dimension: the total the output size ceil(n/s) needs, extra at the end. */
export function samePad(n: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const total = Math.max((Math.ceil(n / stride) - 1) * stride + (kernel - 1) * dilation + 1 - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** ONNX `pads` (or SAME_UPPER when the spatial size is unknown) for a conv or pool. */
function padAttrs(c: LayerCall, padding: string, kernel: number[], strides: number[], dilations = [1, 1]): Record<string, Attr> {
  if (padding === 'valid') return { pads: { ints: [0, 0, 0, 0] } };
  if (padding !== 'same') fail('E_ONNX', `${c.where} has padding "${padding}"; the ONNX exporter supports same and valid`);
  const [h, w] = [c.shapes[0][1], c.shapes[0][2]];
  if (h == null || w == null) return { auto_pad: { str: 'SAME_UPPER' } };
  const [top, bottom] = samePad(h, kernel[0], strides[0], dilations[0]);
  const [left, right] = samePad(w, kernel[1], strides[1], dilations[1]);
  return { pads: { ints: [top, left, bottom, right] } };
}

const nchw = (name: string): Val => ({ name, rank: 4, nchw: true });

/** Conv2D, DepthwiseConv2D and the depthwise half of SeparableConv2D as one ONNX Conv. */
function convOp(c: LayerCall, x: Val, w: string, bias: string | null, kernel: number[], group: number, cfg: ConvConfig, hint: string): Val {
  const attrs: Record<string, Attr> = {
    kernel_shape: { ints: kernel }, strides: { ints: cfg.strides }, dilations: { ints: cfg.dilationRate },
    group: { int: group }, ...padAttrs(c, cfg.padding, kernel, cfg.strides, cfg.dilationRate),
  };
  return nchw(c.g.op('Conv', bias ? [x.name, w, bias] : [x.name, w], attrs, hint));
}

function biasOf(c: LayerCall, cfg: { useBias: boolean }): string | null {
  return cfg.useBias ? weightInit(c, 'bias', mustWeight(c, 'bias')) : null;
}

const conv2d: Emitter = (c) => {
  channelsLast(c);
  const cfg = c.cfg as unknown as ConvConfig;
  const k = mustWeight(c, 'kernel'); // [kh, kw, in, out] → ONNX [out, in, kh, kw]
  const plan = c.winograd ? winogradPlan(c.shapes[0], k.shape.slice(0, 2), cfg.strides, cfg.dilationRate, cfg.padding, k.shape[3] as number) : null;
  if (plan) {
    const x = c.g.toHwnc(c.x[0], [plan.h, plan.w, plan.cin]);
    return activate(c.g, emitWinogradConv(c.g, x, plan, k, biasOf(c, cfg), c.layer.name), cfg.activation, c.layer.name, c.where);
  }
  const w = weightInit(c, 'kernel', k, [3, 2, 0, 1]);
  const y = convOp(c, c.g.toNchw(c.x[0]), w, biasOf(c, cfg), k.shape.slice(0, 2), 1, cfg, c.layer.name);
  return activate(c.g, y, cfg.activation, c.layer.name, c.where);
};

/** Depthwise kernel [kh, kw, in, mult] → grouped-conv weight [in·mult, 1, kh, kw] (TF's channel order c·mult + m). */
function depthwiseWeight(c: LayerCall): { w: string; kernel: number[]; group: number } {
  const k = mustWeight(c, 'depthwise_kernel');
  const [kh, kw, cin, mult] = k.shape;
  return { w: weightInit(c, 'depthwise_kernel', k, [2, 3, 0, 1], [cin * mult, 1, kh, kw]), kernel: [kh, kw], group: cin };
}

const depthwiseConv2d: Emitter = (c) => {
  channelsLast(c);
  const cfg = c.cfg as unknown as ConvConfig;
  const { w, kernel, group } = depthwiseWeight(c);
  const y = convOp(c, c.g.toNchw(c.x[0]), w, biasOf(c, cfg), kernel, group, cfg, c.layer.name);
  return activate(c.g, y, cfg.activation, c.layer.name, c.where);
};

const separableConv2d: Emitter = (c) => {
  channelsLast(c);
  const cfg = c.cfg as unknown as ConvConfig;
  const { w, kernel, group } = depthwiseWeight(c);
  const dw = convOp(c, c.g.toNchw(c.x[0]), w, null, kernel, group, cfg, `${c.layer.name}_depthwise`);
  const pk = mustWeight(c, 'pointwise_kernel'); // [1, 1, in·mult, out]
  const pw = weightInit(c, 'pointwise_kernel', pk, [3, 2, 0, 1]);
  const one = { ...cfg, strides: [1, 1], dilationRate: [1, 1], padding: 'valid' };
  const y = convOp(c, dw, pw, biasOf(c, cfg), [1, 1], 1, one, c.layer.name);
  return activate(c.g, y, cfg.activation, c.layer.name, c.where);
};

const pool = (type: 'MaxPool' | 'AveragePool'): Emitter => (c) => {
  channelsLast(c);
  const cfg = c.cfg as unknown as PoolConfig;
  const x = c.x[0];
  if (type === 'MaxPool' && x.hwnc && cfg.poolSize.every((p) => p === 2) && cfg.strides.every((s) => s === 2)
    && (cfg.padding === 'valid' || (x.hwnc[0] % 2 === 0 && x.hwnc[1] % 2 === 0))) {
    return emitHwncMaxPool2x2(c.g, x, c.layer.name);
  }
  const attrs: Record<string, Attr> = {
    kernel_shape: { ints: cfg.poolSize }, strides: { ints: cfg.strides },
    ...padAttrs(c, cfg.padding, cfg.poolSize, cfg.strides),
    // TF's 'same' average excludes the padding from the count.
    ...(type === 'AveragePool' ? { count_include_pad: { int: 0 } } : {}),
  };
  return nchw(c.g.op(type, [c.g.toNchw(c.x[0]).name], attrs, c.layer.name));
};

const globalPool = (type: 'GlobalAveragePool' | 'GlobalMaxPool'): Emitter => (c) => {
  channelsLast(c);
  const pooled = c.g.op(type, [c.g.toNchw(c.x[0]).name], {}, `${c.layer.name}_pool`);
  return { name: c.g.op('Flatten', [pooled], { axis: { int: 1 } }, c.layer.name), rank: 2, nchw: false };
};

const dense: Emitter = (c) => {
  const cfg = c.cfg as unknown as { activation: string; useBias: boolean };
  const x = c.g.toTfOrder(c.x[0]);
  const w = weightInit(c, 'kernel', mustWeight(c, 'kernel'));
  const b = biasOf(c, cfg);
  let y: string;
  if (x.rank === 2) {
    y = c.g.op('Gemm', b ? [x.name, w, b] : [x.name, w], {}, c.layer.name);
  } else {
    y = c.g.op('MatMul', [x.name, w], {}, b ? `${c.layer.name}_matmul` : c.layer.name);
    if (b) y = c.g.op('Add', [y, b], {}, c.layer.name);
  }
  return activate(c.g, { name: y, rank: x.rank, nchw: false }, cfg.activation, c.layer.name, c.where);
};

const batchNorm: Emitter = (c) => {
  const cfg = c.cfg as unknown as { axis: number | number[]; epsilon: number };
  const x = c.x[0];
  if (typeof cfg.axis !== 'number') fail('E_ONNX', `${c.where} normalises over axes [${String(cfg.axis)}]; the ONNX exporter supports one axis`);
  const axis = cfg.axis < 0 ? cfg.axis + x.rank : cfg.axis;
  // TF.js's batchNorm kernels (cpu and wasm) cycle the statistics over the flat data, which is
  // right only for the last axis; for any other axis there is no TF.js result worth matching.
  if (axis !== x.rank - 1) {
    fail('E_ONNX', `${c.where} normalises over axis ${cfg.axis} of a rank-${x.rank} tensor; the ONNX exporter supports the last (channel) axis only, as TF.js computes other axes incorrectly`);
  }
  const mean = mustWeight(c, 'moving_mean').dataSync();
  const variance = mustWeight(c, 'moving_variance').dataSync();
  const gamma = weight(c.layer, 'gamma')?.dataSync();
  const beta = weight(c.layer, 'beta')?.dataSync();
  const n = mean.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    scale[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + cfg.epsilon);
    shift[i] = (beta ? beta[i] : 0) - mean[i] * scale[i];
  }
  // Broadcast over everything but the channel axis (in this value's layout), batch excluded.
  const dims = new Array<number>(x.rank - 1).fill(1);
  dims[onnxAxis(x, axis) - 1] = n;
  const key = `${c.layer.id}:bn:${x.nchw}`;
  const mul = c.g.op('Mul', [x.name, c.g.floats(`${c.layer.name}/scale`, scale, dims, `${key}:scale`)], {}, `${c.layer.name}_scale`);
  return { ...x, name: c.g.op('Add', [mul, c.g.floats(`${c.layer.name}/shift`, shift, dims, `${key}:shift`)], {}, c.layer.name) };
};

const zeroPadding2d: Emitter = (c) => {
  channelsLast(c);
  const [[top, bottom], [left, right]] = c.cfg.padding as number[][];
  const pads = c.g.int64s(`${c.layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return nchw(c.g.op('Pad', [c.g.toNchw(c.x[0]).name, pads], {}, c.layer.name));
};

const flatten: Emitter = (c) => {
  const x = c.g.toTfOrder(c.x[0]);
  if (x.rank === 2) return x;
  return { name: c.g.op('Flatten', [x.name], { axis: { int: 1 } }, c.layer.name), rank: 2, nchw: false };
};

const reshape: Emitter = (c) => {
  const target = (c.cfg.targetShape as (number | null)[]).map((d) => d ?? -1);
  const shape = c.g.int64s(`${c.layer.name}/shape`, [0, ...target]);
  return { name: c.g.op('Reshape', [c.g.toTfOrder(c.x[0]).name, shape], {}, c.layer.name), rank: target.length + 1, nchw: false };
};

const identity: Emitter = (c) => c.x[0];

const activation: Emitter = (c) => activate(c.g, c.x[0], c.cfg.activation as string, c.layer.name, c.where);

const relu: Emitter = (c) => {
  const max = c.cfg.maxValue as number | null | undefined;
  const x = c.x[0];
  return max == null ? { ...x, name: c.g.op('Relu', [x.name], {}, c.layer.name) } : clip(c.g, x, 0, max, c.layer.name);
};

const unary = (type: string, attrs: (c: LayerCall) => Record<string, Attr>): Emitter => (c) =>
  ({ ...c.x[0], name: c.g.op(type, [c.x[0].name], attrs(c), c.layer.name) });

const softmax: Emitter = (c) => {
  const axis = c.cfg.axis;
  if (typeof axis !== 'number') fail('E_ONNX', `${c.where} has softmax axes [${String(axis)}]; the ONNX exporter supports one axis`);
  return unary('Softmax', () => ({ axis: { int: onnxAxis(c.x[0], axis) } }))(c);
};

/** Merge layers need their inputs in one layout: NCHW if any is (rank-4 only), else the TF.js order (HWNC is left). */
function aligned(c: LayerCall): Val[] {
  if (c.x.some((v) => v.rank !== c.x[0].rank)) fail('E_ONNX', `${c.where} merges inputs of different ranks; the ONNX exporter needs equal ranks`);
  return c.x.some((v) => v.nchw) ? c.x.map((v) => c.g.toNchw(v)) : c.x.map((v) => c.g.toTfOrder(v));
}

const merge = (type: 'Sum' | 'Mean' | 'Max' | 'Min' | 'Mul'): Emitter => (c) => {
  const xs = aligned(c);
  if (type !== 'Mul') return { ...xs[0], name: c.g.op(type, xs.map((v) => v.name), {}, c.layer.name) };
  let y = xs[0].name;
  for (let i = 1; i < xs.length; i++) y = c.g.op('Mul', [y, xs[i].name], {}, c.layer.name);
  return { ...xs[0], name: y };
};

const concatenate: Emitter = (c) => {
  const xs = aligned(c);
  const axis = onnxAxis(xs[0], c.cfg.axis as number);
  return { ...xs[0], name: c.g.op('Concat', xs.map((v) => v.name), { axis: { int: axis } }, c.layer.name) };
};

/** Emitters by TF.js class name. */
export const LAYERS: Record<string, Emitter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  MaxPooling2D: pool('MaxPool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
  Dense: dense,
  BatchNormalization: batchNorm,
  ZeroPadding2D: zeroPadding2d,
  Flatten: flatten,
  Reshape: reshape,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  Activation: activation,
  ReLU: relu,
  LeakyReLU: unary('LeakyRelu', (c) => ({ alpha: { float: c.cfg.alpha as number } })),
  ELU: unary('Elu', (c) => ({ alpha: { float: c.cfg.alpha as number } })),
  ThresholdedReLU: unary('ThresholdedRelu', (c) => ({ alpha: { float: c.cfg.theta as number } })),
  Softmax: softmax,
  Add: merge('Sum'),
  Multiply: merge('Mul'),
  Average: merge('Mean'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Concatenate: concatenate,
};
