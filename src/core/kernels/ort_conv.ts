/**
 * Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter for the wasm backend, run
 * natively by onnxruntime-node when it is installed (an optional dependency).
 *
 * Why: a VGG16 block5 training step (3x3 512->512 convs on 10x8 maps, batch 20) spends ~1.6 s
 * in these three kernels on wasm (~50 GFLOP/s); onnxruntime's MLAS GEMMs are several times
 * faster. TF.js kernels must be synchronous and `InferenceSession.run` is async, but the
 * native binding under it (onnxruntime-node/dist/binding.js) runs synchronously, so a kernel
 * can call it directly: copy the inputs off the wasm heap, run a tiny single-purpose ONNX
 * graph built and cached for exactly that convolution, copy the result onto the heap.
 *
 * The graphs work in NHWC, as TF.js does, mostly without transposes:
 *   forward:  y = im2col(x) · W            one [N·OH·OW, KH·KW·Ci] x [KH·KW·Ci, Co] GEMM
 *   filter:   dW = im2col(x)ᵀ · dy         one GEMM, dy as [N·OH·OW, Co]
 *   input:    stride 1: dx = the forward graph on dy with W flipped and in/out swapped;
 *             stride > 1: ConvTranspose (NCHW), cropped or zero-extended to inputShape.
 * im2col is one Gather of the padded input's pixels. One big GEMM beats onnxruntime's own Conv
 * (an im2col + GEMM per image) by 1.2-2x from 32 channels up, but its buffer is KH·KW times
 * the input, and with 3 channels it is slower, so with few channels or above COL_LIMIT floats
 * the graphs use onnxruntime's Conv (filter gradient: a Conv with Ci as the batch and dy as
 * the weights, dilated by the stride).
 *
 * Convs below `minFlops`, 1x1-like convs with huge outputs, NCHW, non-float32, grouped,
 * PReLU-fused ones and anything the graphs cannot express exactly go to the kernel registered
 * before (XNNPACK / ./conv2d_*.ts). Sessions are cached per configuration (LRU, 64 and ~1.5 GB
 * estimated); each keeps onnxruntime's memory arena (its peak working memory: ~130 MB for each
 * of a block5 conv and its two gradients) and its own input buffers.
 */
import { createRequire } from 'node:module';
import { optOutOfOrtTelemetry } from '../ort_env.js';
import os from 'node:os';
import { tf } from '../tf.js';
import { OnnxGraph } from '../../export/onnx_graph.js';
import pkg from 'onnx-proto';
import { heapF32, type TensorInfoLike, type WasmHeapBackend } from './heap.js';

const { onnx } = pkg;

type Shape4 = [number, number, number, number];

export interface OrtConvOptions {
  /** onnxruntime intra-op threads (default os.availableParallelism()). */
  threads?: number;
  /** Convs with fewer FLOPs (2 x multiply-adds) than this keep the previous kernel. */
  minFlops?: number;
  /** Graph family: by shape (default), or always im2col GEMMs / onnxruntime's Conv (tests, tuning). */
  graphs?: 'auto' | 'im2col' | 'conv';
}

/**
 * Measured on 2 cores: at 20 MFLOP onnxruntime ties XNNPACK's forward conv and runs the
 * gradients 2-3x faster; at 5 MFLOP and below the copies and the call cost more than they save.
 */
export const DEFAULT_MIN_FLOPS = 2e7;
/**
 * The binding returns every output in a freshly allocated array. Above 32 MiB (glibc's largest
 * mmap threshold) that memory is new pages each call, and faulting them in costs ~3 ms per MB
 * (as much as ~400 FLOP per output float at the speed difference), so convs with big outputs
 * and little work per output (1x1 convs on full-size images) stay on the previous kernel.
 */
const BIG_OUTPUT = 1 << 23;
const MIN_FLOPS_PER_BIG_OUTPUT = 512;
/** im2col buffers above this many floats (64 MiB; 128 MiB for filter gradients) use onnxruntime's Conv. */
const COL_LIMIT = 1 << 24;
const IM2COL_MIN_CHANNELS = 16;
const CACHE_ENTRIES = 64;
/** Sessions keep their arena (peak working memory); evict old ones beyond this estimate. */
const CACHE_BYTES = 1.5e9;

// ---------------------------------------------------------------- the native binding

interface NativeOutput {
  type?: string;
  data: unknown;
  dims: readonly number[];
}

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, NativeOutput>;
  dispose(): void;
}

interface Ort {
  InferenceSession: new () => NativeSession;
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

let ortState: { ort: Ort | null; error?: string } | undefined;

/** onnxruntime-node's synchronous binding, or null when it is absent or fails to load. Cached. */
function loadOrt(): Ort | null {
  if (ortState) return ortState.ort;
  try {
    optOutOfOrtTelemetry();
    const require = createRequire(import.meta.url);
    const bindingPath = require.resolve('onnxruntime-node/dist/binding.js');
    const mod = require(bindingPath) as {
      binding: { InferenceSession: Ort['InferenceSession'] };
      initOrt: () => void;
    };
    // The Tensor class the binding was initialised with: onnxruntime-node's own onnxruntime-common.
    const common = createRequire(bindingPath)('onnxruntime-common') as { Tensor: Ort['Tensor'] };
    mod.initOrt();
    if (typeof mod.binding?.InferenceSession !== 'function' || typeof common.Tensor !== 'function') {
      throw new Error('unexpected onnxruntime-node binding layout');
    }
    ortState = { ort: { InferenceSession: mod.binding.InferenceSession, Tensor: common.Tensor } };
  } catch (e) {
    ortState = { ort: null, error: (e as Error).message.split('\n')[0] };
  }
  return ortState.ort;
}

// ---------------------------------------------------------------- geometry and graphs

/** One convolution as the graphs see it: NHWC input [n,h,w,c], output [n,oh,ow,co]. */
interface Geo {
  n: number; h: number; w: number; c: number; co: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  oh: number; ow: number;
  /** Padding before row 0 / column 0 (negative: that many leading rows are unused). */
  top: number; left: number;
}

/** Rows/columns of the padded input that the conv reads: (oh-1)*sh + (kh-1)*dh + 1. */
function padded(g: Geo): { hp: number; wp: number; bottom: number; right: number } {
  const hp = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const wp = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  return { hp, wp, bottom: hp - g.top - g.h, right: wp - g.left - g.w };
}

function colFloats(g: Geo): number {
  return g.n * g.oh * g.ow * g.kh * g.kw * g.c;
}

/**
 * im2col + one GEMM, or onnxruntime's Conv. Measured on 2 cores (busy): for 32-512 channels
 * the GEMM is 1.2-1.5x faster forward and 1.5-2x faster for the filter gradient (which Conv
 * can only batch over Ci); with 3 channels (an RGB input) gathering 12-byte rows makes it
 * 2x slower than Conv. Filter gradients get the larger buffer allowance: their Conv is slowest.
 */
function useIm2col(g: Geo, limit = COL_LIMIT): boolean {
  if (settings.graphs !== 'auto') return settings.graphs === 'im2col';
  return g.c >= IM2COL_MIN_CHANNELS && colFloats(g) <= limit;
}

const ints = (v: number[]) => ({ ints: v });

/**
 * The NHWC input `x` cropped where the conv reads less than all of it and the amount of zero
 * padding still needed on each side (all >= 0), so that padding it gives exactly hp x wp.
 */
function cropForConv(gr: OnnxGraph, x: string, g: Geo): { x: string; pads: [number, number, number, number] } {
  const { bottom, right } = padded(g);
  const cut = [Math.max(0, -g.top), Math.max(0, -g.left), Math.max(0, -bottom), Math.max(0, -right)];
  if (cut.some((v) => v > 0)) {
    x = gr.op('Slice', [x, gr.int64s('starts', [cut[0]!, cut[1]!]), gr.int64s('ends', [g.h - cut[2]!, g.w - cut[3]!]),
      gr.int64s('axes', [1, 2])], {}, 'crop');
  }
  return { x, pads: [Math.max(0, g.top), Math.max(0, g.left), Math.max(0, bottom), Math.max(0, right)] };
}

/**
 * [n*oh*ow, kh*kw*c] patches of the NHWC value `x`, ordered (kh, kw, c) like a TF filter.
 * (A Gather on the flattened, padded image: ~10% faster and lighter than KH*KW strided Slices
 * and a Concat, and 2x faster for 3 channels.)
 */
function im2col(gr: OnnxGraph, x0: string, g: Geo): string {
  const { x, pads: [t, l, b, r] } = cropForConv(gr, x0, g);
  if (x === x0 && t + l + b + r === 0 && g.kh * g.kw * g.sh * g.sw === 1) {
    return gr.op('Reshape', [x, gr.int64s('shape', [g.n * g.oh * g.ow, g.c])], {}, 'cols'); // 1x1: x itself
  }
  const xp = t + l + b + r > 0 ? gr.op('Pad', [x, gr.int64s('pads', [0, t, l, 0, 0, b, r, 0])], {}, 'pad') : x;
  // Patch (i, j), tap (a, b) is padded pixel (i*sh + a*dh, j*sw + b*dw): one Gather of C-float rows.
  const { hp, wp } = padded(g);
  const idx: number[] = [];
  for (let i = 0; i < g.oh; i++) {
    for (let j = 0; j < g.ow; j++) {
      for (let a = 0; a < g.kh; a++) {
        for (let bb = 0; bb < g.kw; bb++) idx.push((i * g.sh + a * g.dh) * wp + j * g.sw + bb * g.dw);
      }
    }
  }
  const flat = gr.op('Reshape', [xp, gr.int64s('shape', [g.n, hp * wp, g.c])], {}, 'flat');
  const patches = gr.op('Gather', [flat, gr.int64s('idx', idx)], { axis: { int: 1 } }, 'patches');
  return gr.op('Reshape', [patches, gr.int64s('shape', [g.n * g.oh * g.ow, g.kh * g.kw * g.c])], {}, 'cols');
}

/** NHWC conv of `x` with the TF-layout filter `w` [kh,kw,c,co] -> NHWC [n,oh,ow,co]. */
function convNhwc(gr: OnnxGraph, x: string, w: string, g: Geo): string {
  if (useIm2col(g)) {
    const cols = im2col(gr, x, g);
    const w2 = gr.op('Reshape', [w, gr.int64s('shape', [g.kh * g.kw * g.c, g.co])], {}, 'w2');
    const y = gr.op('MatMul', [cols, w2], {}, 'y2');
    return gr.op('Reshape', [y, gr.int64s('shape', [g.n, g.oh, g.ow, g.co])], {}, 'y');
  }
  const { x: xc, pads } = cropForConv(gr, x, g);
  const xt = gr.op('Transpose', [xc], { perm: ints([0, 3, 1, 2]) }, 'x_nchw');
  const wt = gr.op('Transpose', [w], { perm: ints([3, 2, 0, 1]) }, 'w_oihw');
  const y = gr.op('Conv', [xt, wt], {
    pads: ints([pads[0], pads[1], pads[2], pads[3]]), strides: ints([g.sh, g.sw]), dilations: ints([g.dh, g.dw]),
  }, 'y_nchw');
  return gr.op('Transpose', [y], { perm: ints([0, 2, 3, 1]) }, 'y');
}

/** dW [kh,kw,c,co] = sum over n,oh,ow of x patches times dy (dy NHWC [n,oh,ow,co]). */
function filterGrad(gr: OnnxGraph, x: string, dy: string, g: Geo): string {
  if (useIm2col(g, 2 * COL_LIMIT)) {
    const cols = im2col(gr, x, g);
    const dy2 = gr.op('Reshape', [dy, gr.int64s('shape', [g.n * g.oh * g.ow, g.co])], {}, 'dy2');
    const dw = gr.op('Gemm', [cols, dy2], { transA: { int: 1 } }, 'dw2');
    return gr.op('Reshape', [dw, gr.int64s('shape', [g.kh, g.kw, g.c, g.co])], {}, 'dw');
  }
  // A conv with Ci as the batch, N as the channels and dy [Co, N, OH, OW] as the weights,
  // dilated by the forward stride and strided by the forward dilation: output [Ci, Co, KH, KW].
  const { x: xc, pads } = cropForConv(gr, x, g);
  const xt = gr.op('Transpose', [xc], { perm: ints([3, 0, 1, 2]) }, 'x_cnhw');
  const dyt = gr.op('Transpose', [dy], { perm: ints([3, 0, 1, 2]) }, 'dy_cnhw');
  const out = gr.op('Conv', [xt, dyt], {
    pads: ints([pads[0], pads[1], pads[2], pads[3]]), strides: ints([g.dh, g.dw]), dilations: ints([g.sh, g.sw]),
  }, 'dw_iohw');
  return gr.op('Transpose', [out], { perm: ints([2, 3, 0, 1]) }, 'dw');
}

/** dx [n,h,w,c] of a dilation-1 conv from dy [n,oh,ow,co] and the TF filter w [kh,kw,c,co]. */
function inputGrad(gr: OnnxGraph, dy: string, w: string, g: Geo): string {
  if (g.sh === 1 && g.sw === 1) {
    // dx[h] = sum_a dy[h + top - a] W[a]: a stride-1 conv of dy with W flipped, c and co swapped.
    const big = -(2 ** 62);
    const flipped = gr.op('Slice', [w, gr.int64s('st', [-1, -1]), gr.int64s('en', [big, big]),
      gr.int64s('axes', [0, 1]), gr.int64s('steps', [-1, -1])], {}, 'w_flip');
    const swapped = gr.op('Transpose', [flipped], { perm: ints([0, 1, 3, 2]) }, 'w_swap');
    return convNhwc(gr, dy, swapped, {
      n: g.n, h: g.oh, w: g.ow, c: g.co, co: g.c, kh: g.kh, kw: g.kw, sh: 1, sw: 1, dh: 1, dw: 1,
      oh: g.h, ow: g.w, top: g.kh - 1 - g.top, left: g.kw - 1 - g.left,
    });
  }
  // ConvTranspose: weights [C_in = co, C_out = c, kh, kw]; output rows (oh-1)*sh + kh - pads.
  const { bottom, right } = padded(g);
  const dyt = gr.op('Transpose', [dy], { perm: ints([0, 3, 1, 2]) }, 'dy_nchw');
  const wt = gr.op('Transpose', [w], { perm: ints([3, 2, 0, 1]) }, 'w_iohw');
  let dx = gr.op('ConvTranspose', [dyt, wt], {
    pads: ints([g.top, g.left, Math.max(0, bottom), Math.max(0, right)]), strides: ints([g.sh, g.sw]),
  }, 'dx_nchw');
  if (bottom < 0 || right < 0) {
    // Rows/columns of x the forward conv never read: zero gradient.
    dx = gr.op('Pad', [dx, gr.int64s('pads', [0, 0, 0, 0, 0, 0, Math.max(0, -bottom), Math.max(0, -right)])], {}, 'dx_ext');
  }
  return gr.op('Transpose', [dx], { perm: ints([0, 2, 3, 1]) }, 'dx');
}

type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'leakyrelu' | 'elu';
const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'relu6', 'sigmoid', 'leakyrelu', 'elu'];

function activate(gr: OnnxGraph, y: string, act: Activation, alpha: number): string {
  switch (act) {
    case 'linear': return y;
    case 'relu': return gr.op('Relu', [y], {}, 'act');
    case 'relu6': return gr.op('Clip', [y, gr.scalar(0), gr.scalar(6)], {}, 'act');
    case 'sigmoid': return gr.op('Sigmoid', [y], {}, 'act');
    case 'leakyrelu': return gr.op('LeakyRelu', [y], { alpha: { float: alpha } }, 'act');
    case 'elu': return gr.op('Elu', [y], { alpha: { float: 1 } }, 'act');
  }
}

// ---------------------------------------------------------------- plans (one per kernel call)

type Kind = 'Conv2D' | 'FusedConv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter';

interface Plan {
  key: string;
  flops: number;
  /** Graph input names, their tensors, and the output shape. */
  inputs: Array<[string, TensorInfoLike]>;
  outShape: number[];
  /** Floats of intermediate buffers (im2col), for the cache's memory estimate. */
  scratch: number;
  build: (gr: OnnxGraph) => string;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: Shape4;
  filterShape?: Shape4;
  activation?: string;
  leakyreluAlpha?: number;
}

function geoOf(info: tf.backend_util.Conv2DInfo): Geo | null {
  if (info.padInfo.top < 0 || info.padInfo.left < 0) return null;
  return {
    n: info.batchSize, h: info.inHeight, w: info.inWidth, c: info.inChannels, co: info.outChannels,
    kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    dh: info.dilationHeight, dw: info.dilationWidth, oh: info.outHeight, ow: info.outWidth,
    top: info.padInfo.top, left: info.padInfo.left,
  };
}

const geoKey = (g: Geo) =>
  `${g.n},${g.h},${g.w},${g.c}>${g.co}|k${g.kh},${g.kw}|s${g.sh},${g.sw}|d${g.dh},${g.dw}|o${g.oh},${g.ow}|p${g.top},${g.left}`;
const scratchOf = (g: Geo, limit = COL_LIMIT) => (useIm2col(g, limit) ? colFloats(g) : g.n * g.h * g.w * g.c);
const flopsOf = (g: Geo) => 2 * g.n * g.oh * g.ow * g.kh * g.kw * g.c * g.co;
const isF32 = (...ts: Array<TensorInfoLike | undefined>) => ts.every((t) => t !== undefined && t.dtype === 'float32' && t.shape.length === 4);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const isOne = (d: number | [number, number] | undefined) => d === undefined || (Array.isArray(d) ? d.every((v) => v === 1) : d === 1);

/** The graph for this call, or null when it must go to the previous kernel. */
function planFor(kind: Kind, args: KernelArgs): Plan | null {
  const a = (args.attrs ?? {}) as unknown as ConvAttrs;
  if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') return null;
  const ins = args.inputs as Record<string, TensorInfoLike | undefined>;
  if (kind === 'Conv2D' || kind === 'FusedConv2D') {
    const { x, filter, bias, preluActivationWeights } = ins;
    if (!isF32(x, filter) || x!.shape[3] !== filter!.shape[2]) return null;
    let act: Activation = 'linear';
    if (kind === 'FusedConv2D') {
      if (preluActivationWeights != null || !ACTIVATIONS.includes(a.activation ?? 'linear')) return null;
      act = (a.activation ?? 'linear') as Activation;
      if (bias != null && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== filter!.shape[3])) return null;
    }
    const info = tf.backend_util.computeConv2DInfo(x!.shape as Shape4, filter!.shape as Shape4, a.strides,
      a.dilations ?? 1, a.pad, a.dimRoundingMode);
    const g = geoOf(info);
    if (!g) return null;
    const withBias = kind === 'FusedConv2D' && bias != null;
    const alpha = a.leakyreluAlpha ?? 0.2;
    const inputs: Array<[string, TensorInfoLike]> = [['x', x!], ['w', filter!]];
    if (withBias) inputs.push(['b', bias!]);
    return {
      key: `conv|${geoKey(g)}|${withBias ? 'b' : ''}${act}${act === 'leakyrelu' ? alpha : ''}`,
      flops: flopsOf(g), inputs, outShape: [g.n, g.oh, g.ow, g.co], scratch: scratchOf(g),
      build: (gr) => {
        let y = convNhwc(gr, 'x', 'w', g);
        if (withBias) y = gr.op('Add', [y, 'b'], {}, 'biased');
        return activate(gr, y, act, alpha);
      },
    };
  }
  if (kind === 'Conv2DBackpropInput') {
    const { dy, filter } = ins;
    if (!isF32(dy, filter) || !a.inputShape || !isOne(a.dilations)) return null;
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter!.shape as Shape4, a.strides, 1, a.pad, a.dimRoundingMode);
    const g = geoOf(info);
    if (!g || !sameShape(dy!.shape, [g.n, g.oh, g.ow, g.co]) || g.c !== filter!.shape[2]) return null;
    return {
      key: `input|${geoKey(g)}`, flops: flopsOf(g), inputs: [['dy', dy!], ['w', filter!]], outShape: [g.n, g.h, g.w, g.c],
      scratch: Math.min(COL_LIMIT, g.n * g.h * g.w * g.kh * g.kw * g.co),
      build: (gr) => inputGrad(gr, 'dy', 'w', g),
    };
  }
  const { x, dy } = ins;
  if (!isF32(x, dy) || !a.filterShape || !isOne(a.dilations)) return null;
  const info = tf.backend_util.computeConv2DInfo(x!.shape as Shape4, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
  const g = geoOf(info);
  if (!g || !sameShape(dy!.shape, [g.n, g.oh, g.ow, g.co]) || g.c !== a.filterShape[2]) return null;
  return {
    key: `filter|${geoKey(g)}`, flops: flopsOf(g), inputs: [['x', x!], ['dy', dy!]], outShape: [g.kh, g.kw, g.c, g.co],
    scratch: scratchOf(g, 2 * COL_LIMIT),
    build: (gr) => filterGrad(gr, 'x', 'dy', g),
  };
}

// ---------------------------------------------------------------- sessions

interface Entry {
  session: NativeSession;
  output: string;
  /** Input buffers (and the ORT tensors over them), refilled on every call. */
  buffers: Record<string, Float32Array>;
  feeds: Record<string, unknown>;
  bytes: number;
}

const sessions = new Map<string, Entry>();
/** Keys whose graph onnxruntime rejected: always the previous kernel. */
const rejected = new Set<string>();
let sessionBytes = 0;

function modelBytes(plan: Plan, gr: OnnxGraph, out: string): Uint8Array {
  const value = (name: string, shape: readonly number[]) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });
  const proto = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'branchnet',
    graph: {
      name: plan.key,
      node: gr.nodes,
      initializer: gr.initializers,
      input: plan.inputs.map(([name, t]) => value(name, t.shape)),
      output: [value(out, plan.outShape)],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

function dropSession(key: string): void {
  const e = sessions.get(key);
  if (!e) return;
  sessions.delete(key);
  sessionBytes -= e.bytes;
  try { e.session.dispose(); } catch { /* already gone */ }
}

function sessionFor(ort: Ort, plan: Plan): Entry | null {
  const hit = sessions.get(plan.key);
  if (hit) {
    sessions.delete(plan.key); // most recently used last
    sessions.set(plan.key, hit);
    return hit;
  }
  if (rejected.has(plan.key)) return null;
  let session: NativeSession;
  let out: string;
  try {
    const gr = new OnnxGraph();
    for (const [name] of plan.inputs) gr.reserve(name);
    out = plan.build(gr);
    const bytes = modelBytes(plan, gr, out);
    session = new ort.InferenceSession();
    session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: settings.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      logSeverityLevel: 3,
      // Idle pool threads must not spin: the wasm kernels run next, on the same cores.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (e) {
    rejected.add(plan.key);
    stats.errors.push(`${plan.key}: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
  const elems = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  const working = plan.inputs.reduce((s, [, t]) => s + elems(t.shape), elems(plan.outShape)) + plan.scratch;
  const buffers: Record<string, Float32Array> = {};
  const feeds: Record<string, unknown> = {};
  for (const [name, t] of plan.inputs) {
    buffers[name] = new Float32Array(elems(t.shape));
    feeds[name] = new ort.Tensor('float32', buffers[name]!, t.shape);
  }
  const entry: Entry = { session, output: out, buffers, feeds, bytes: 4 * working };
  stats.created++;
  sessions.set(plan.key, entry);
  sessionBytes += entry.bytes;
  for (const key of sessions.keys()) {
    if (sessions.size <= 1 || (sessions.size <= CACHE_ENTRIES && sessionBytes <= CACHE_BYTES)) break;
    if (key !== plan.key) dropSession(key);
  }
  return entry;
}

// ---------------------------------------------------------------- dispatchers and registration

export interface OrtConvStats {
  /** Calls run by onnxruntime, per kernel. */
  ort: Record<string, number>;
  /** Calls handed to the previous kernel, per kernel. */
  fallback: Record<string, number>;
  /** Sessions cached now, and created since the last reset. */
  sessions: number;
  created: number;
  /** Graphs or runs onnxruntime rejected (those calls fell back). */
  errors: string[];
}

const stats: OrtConvStats = { ort: {}, fallback: {}, sessions: 0, created: 0, errors: [] };
const settings: { threads: number; minFlops: number; graphs: 'auto' | 'im2col' | 'conv' } = { threads: 1, minFlops: DEFAULT_MIN_FLOPS, graphs: 'auto' };
const installed = new Map<string, { previous: tf.KernelConfig; config: tf.KernelConfig }>();

/** Counters of what the dispatchers chose (for tests and profiling). */
export function ortConvStats(): OrtConvStats {
  return { ort: { ...stats.ort }, fallback: { ...stats.fallback }, sessions: sessions.size, created: stats.created, errors: [...stats.errors] };
}

export function resetOrtConvStats(): void {
  stats.ort = {};
  stats.fallback = {};
  stats.errors = [];
  stats.created = 0;
}

function runOrt(ort: Ort, plan: Plan, backend: WasmHeapBackend): TensorInfoLike | null {
  const entry = sessionFor(ort, plan);
  if (!entry) return null;
  // Copies: the heap may be a SharedArrayBuffer and may move, so onnxruntime gets plain arrays,
  // the session's own: fresh 50 MB arrays cost more in page faults than the conv itself.
  for (const [name, t] of plan.inputs) entry.buffers[name]!.set(heapF32(backend, t));
  let result: NativeOutput | undefined;
  try {
    result = entry.session.run(entry.feeds, { [entry.output]: null }, {})[entry.output];
  } catch (e) {
    rejected.add(plan.key);
    dropSession(plan.key);
    stats.errors.push(`${plan.key}: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
  if (!result || !(result.data instanceof Float32Array) || !sameShape(result.dims, plan.outShape)) {
    rejected.add(plan.key);
    dropSession(plan.key);
    stats.errors.push(`${plan.key}: output [${result?.dims}] instead of [${plan.outShape}]`);
    return null;
  }
  const out = backend.makeOutput(plan.outShape, 'float32');
  heapF32(backend, out).set(result.data); // the view is taken after the allocation
  return out;
}

function worthIt(plan: Plan): boolean {
  if (plan.flops < settings.minFlops) return false;
  const out = plan.outShape.reduce((p, d) => p * d, 1);
  return out <= BIG_OUTPUT || plan.flops / out >= MIN_FLOPS_PER_BIG_OUTPUT;
}

function dispatcher(kind: Kind, previous: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const ort = ortState?.ort;
    let plan: Plan | null = null;
    try {
      plan = ort ? planFor(kind, args) : null;
    } catch {
      // Invalid attributes: the previous kernel reports them in its own words.
    }
    if (ort && plan && worthIt(plan)) {
      const out = runOrt(ort, plan, args.backend as WasmHeapBackend);
      if (out) {
        stats.ort[kind] = (stats.ort[kind] ?? 0) + 1;
        return out;
      }
    }
    stats.fallback[kind] = (stats.fallback[kind] ?? 0) + 1;
    return previous(args as Parameters<tf.KernelFunc>[0]);
  }) as unknown as tf.KernelFunc;
}

const KINDS: readonly Kind[] = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

/**
 * Routes the wasm backend's Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter
 * through onnxruntime for convs of at least `minFlops` (default 2e7), keeping the kernels
 * registered before for the rest. Call after registerWasmTrainingKernels(). Calling again
 * updates the options. Returns the kernel names now dispatched; [] when onnxruntime-node is
 * absent or fails to load, when BRANCHNET_ORT_KERNELS=0, or without a wasm backend.
 * @example registerOrtConvKernels({ threads: 2 }); // ['Conv2D', 'FusedConv2D', ...]
 */
export function registerOrtConvKernels(opts: OrtConvOptions = {}): string[] {
  if (process.env.BRANCHNET_ORT_KERNELS === '0') return [];
  if (tf.findBackend('wasm') == null || !loadOrt()) return [];
  settings.threads = Math.max(1, Math.floor(opts.threads ?? os.availableParallelism()));
  settings.minFlops = opts.minFlops ?? DEFAULT_MIN_FLOPS;
  settings.graphs = opts.graphs ?? 'auto';
  // Sessions were made with the old settings.
  for (const key of [...sessions.keys()]) dropSession(key);
  rejected.clear();
  const names: string[] = [];
  for (const kind of KINDS) {
    const current = tf.getKernel(kind, 'wasm');
    const mine = installed.get(kind);
    if (mine && current?.kernelFunc === mine.config.kernelFunc) {
      names.push(kind);
      continue;
    }
    if (!current) continue;
    const config: tf.KernelConfig = { ...current, kernelFunc: dispatcher(kind, current.kernelFunc) };
    tf.unregisterKernel(kind, 'wasm');
    tf.registerKernel(config);
    installed.set(kind, { previous: current, config });
    names.push(kind);
  }
  return names;
}

/** Puts the previous kernels back and closes every session. Returns the kernel names restored. */
export function unregisterOrtConvKernels(): string[] {
  const names: string[] = [];
  for (const [kind, { previous, config }] of installed) {
    if (tf.getKernel(kind, 'wasm')?.kernelFunc === config.kernelFunc) {
      tf.unregisterKernel(kind, 'wasm');
      tf.registerKernel(previous);
      names.push(kind);
    }
  }
  installed.clear();
  for (const key of [...sessions.keys()]) dropSession(key);
  rejected.clear();
  return names;
}

/** Why onnxruntime-node's binding did not load (undefined when it did or was not tried). */
export function ortConvUnavailableReason(): string | undefined {
  return ortState?.error;
}
