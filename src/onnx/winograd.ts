/**
 * Winograd convolution F(4×4, 3×3) written as plain ONNX ops, for onnxruntime on the CPU.
 *
 * onnxruntime's Conv already runs VGG16's 3×3 convolutions at about 90% of the CPU's peak, so the
 * only way to run them faster is to do less arithmetic. Winograd's minimal filtering (Lavin & Gray
 * 2016, "Fast Algorithms for Convolutional Neural Networks"; what cuDNN, oneDNN and NNPACK offer)
 * computes each 4×4 output tile from a 6×6 input tile with 36 multiplies per input/output channel
 * pair instead of 144: the per-channel-pair products become 36 independent matrix products
 * [tiles·N, C] × [C, K], which onnxruntime's MLAS runs at the same efficiency as its convolutions.
 * The input and output transforms are small fixed matrices, so they are MatMuls too, and tile
 * extraction is one Gather. Measured on the notebook's model (160×128, batch 20, 2 threads):
 * VGG16 blocks 3–5 take 1.5× less time than onnxruntime's own Conv, outputs within a few 1e-6 of
 * the direct convolution (F(4,3)'s rounding is larger than a direct sum's, still float32 noise).
 *
 * The layout that makes this cheap is "HWNC" ([H, W, N, C], channels innermost, batch inside the
 * spatial axes): Gather then moves whole N·C rows, the transforms are plain MatMuls, putting the
 * output tiles back in place is a Transpose of N·K-float chunks, and the next Winograd convolution
 * (or 2×2 max pool) reads the result without any transpose in between. Converting into and out of
 * HWNC is one 2-D transpose (./graph.ts).
 *
 * Only worth it when channels are many and the spatial size is small relative to them: the
 * transforms move 2.25× the activations a few times while the products shrink by 4×. The rule
 * below (harmonic mean of the channel counts ≥ 80, at most 1.5× padding waste) keeps the convs
 * where it was measured to win: VGG16 blocks 3–5; block 2 (128 channels) was break-even.
 */
import { tf } from '../core/tf.js';
import type { OnnxGraph, Val } from './graph.js';

/** Output tile size m and input tile size m + r - 1 for r = 3. */
const M = 4;
const A = M + 2;

// Lavin & Gray's F(4,3) matrices, interpolation points 0, ±1, ±2, ∞.
const BT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];
const AT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
];

/** Below this harmonic mean of input and output channels the transforms cost more than they save. */
export const WINOGRAD_MIN_CHANNELS = 80;
/** Above this ratio of computed (tile-padded) to real output pixels, too much is thrown away. */
const MAX_TILE_WASTE = 1.5;

/** Row-major Kronecker product X ⊗ X of a [r, c] matrix: [(p·r + q), (i·c + j)] = X[p][i]·X[q][j]. */
function kron(X: number[][]): number[] {
  const out: number[] = [];
  for (const rp of X) for (const rq of X) for (const xi of rp) for (const xj of rq) out.push(xi * xj);
  return out;
}

/** The static facts a Winograd convolution needs; null when the conv does not qualify. */
export interface WinogradPlan {
  h: number; w: number; cin: number; cout: number;
  /** Output size, padding before (top, left). */
  oh: number; ow: number; pt: number; pl: number;
  /** Tiles along each axis. */
  th: number; tw: number;
}

/**
 * Whether a convolution with these settings runs faster as Winograd F(4,3) here, and its plan.
 * `x` is the TF.js input shape [N, H, W, C]; `padding` 'same' or 'valid'.
 */
export function winogradPlan(
  x: (number | null)[], kernel: number[], strides: number[], dilations: number[], padding: string, cout: number,
): WinogradPlan | null {
  const [, h, w, cin] = x;
  if (h == null || w == null || cin == null) return null;
  if (kernel[0] !== 3 || kernel[1] !== 3 || strides.some((s) => s !== 1) || dilations.some((d) => d !== 1)) return null;
  if (padding !== 'same' && padding !== 'valid') return null;
  if ((cin * cout) / (cin + cout) < WINOGRAD_MIN_CHANNELS) return null;
  const same = padding === 'same';
  const oh = same ? h : h - 2, ow = same ? w : w - 2;
  if (oh < 1 || ow < 1) return null;
  const th = Math.ceil(oh / M), tw = Math.ceil(ow / M);
  if ((th * M * tw * M) / (oh * ow) > MAX_TILE_WASTE) return null;
  return { h, w, cin, cout, oh, ow, pt: same ? 1 : 0, pl: same ? 1 : 0, th, tw };
}

/**
 * The transformed filter U = G·g·Gᵀ for every (input, output) channel pair, as [36, cin, cout]
 * (the right-hand operand of the batched MatMul), from TF.js's [3, 3, cin, cout] kernel, in
 * float64 and rounded once. G's rows share terms, so applying G to a 3-vector is 12 operations
 * (`applyG`); VGG16's nine qualifying kernels (14.4 M weights) take about 1.3 s, with
 * no memory beyond the result (on the TF.js backend the same products took as long and grew the
 * wasm heap by 450 MB; as graph nodes for onnxruntime to fold, session creation took 10 s).
 */
export function winogradFilter(kernel: tf.Tensor): Float32Array {
  const [, , cin, cout] = kernel.shape as number[];
  const g = kernel.dataSync() as Float32Array;
  const n = cin * cout;
  const u = new Float32Array(A * A * n);
  const t = new Float64Array(A * 3); // G·g, [p][j]
  const col = new Float64Array(A);
  for (let e = 0; e < n; e++) { // e = c·cout + k, the same flat index as in [3, 3, cin, cout]
    for (let j = 0; j < 3; j++) {
      applyG(g[j * n + e], g[(3 + j) * n + e], g[(6 + j) * n + e], col);
      for (let p = 0; p < A; p++) t[p * 3 + j] = col[p];
    }
    for (let p = 0; p < A; p++) {
      applyG(t[p * 3], t[p * 3 + 1], t[p * 3 + 2], col);
      for (let q = 0; q < A; q++) u[(p * A + q) * n + e] = col[q];
    }
  }
  return u;
}

/**
 * out = G·(x0, x1, x2) for F(4,3)'s G = [[1/4, 0, 0], [-1/6, -1/6, -1/6], [-1/6, 1/6, -1/6],
 * [1/24, 1/12, 1/6], [1/24, -1/12, 1/6], [0, 0, 1]], sharing the common terms.
 */
function applyG(x0: number, x1: number, x2: number, out: Float64Array): void {
  const a = x0 + x2;
  const b = x0 / 24 + x2 / 6;
  const c = x1 / 12;
  out[0] = x0 / 4;
  out[1] = -(a + x1) / 6;
  out[2] = -(a - x1) / 6;
  out[3] = b + c;
  out[4] = b - c;
  out[5] = x2;
}

/**
 * Emit Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for every tile, with the bias added: `x` in HWNC
 * ([h, w, N, cin], see `OnnxGraph.toHwnc`), `kernel` TF.js's [3, 3, cin, cout], `bias` the
 * initializer of [cout] (or null); result in HWNC [oh, ow, N, cout] (no activation).
 */
export function emitWinogradConv(
  g: OnnxGraph, x: Val, plan: WinogradPlan, kernel: tf.Tensor, bias: string | null, hint: string,
): Val {
  const { h, w, cin, cout, oh, ow, pt, pl, th, tw } = plan;
  const T = th * tw;
  const hp = th * M + 2, wp = tw * M + 2;
  const i64 = (d: number[]) => g.int64s(`${hint}/shape`, d);
  const padded = g.op('Pad', [x.name, i64([pt, pl, 0, 0, hp - h - pt, wp - w - pl, 0, 0])], {}, `${hint}_pad`);
  const rows = g.op('Reshape', [padded, i64([hp * wp, -1])], {}, `${hint}_rows`);
  // Tile (i, j), in-tile offset (p, q) reads padded pixel (M·i + p, M·j + q).
  const idx: number[] = [];
  for (let p = 0; p < A; p++) for (let q = 0; q < A; q++) for (let i = 0; i < th; i++) for (let j = 0; j < tw; j++) idx.push((M * i + p) * wp + M * j + q);
  const tiles = g.op('Gather', [rows, g.int64Tensor(`${hint}/tile_index`, idx, [A * A, T])], { axis: { int: 0 } }, `${hint}_tiles`); // [36, T, N·C]
  const flatTiles = g.op('Reshape', [tiles, i64([A * A, -1])], {}, `${hint}_tiles_flat`);
  const bb = g.floats('winograd/BT_kron', kron(BT), [A * A, A * A], 'winograd:BT');
  const v = g.op('MatMul', [bb, flatTiles], {}, `${hint}_input_transform`); // [36, T·N·C]
  const v3 = g.op('Reshape', [v, i64([A * A, -1, cin])], {}, `${hint}_v`);
  const u = g.floats(`${hint}/winograd_kernel`, winogradFilter(kernel), [A * A, cin, cout]);
  const m = g.op('MatMul', [v3, u], {}, `${hint}_products`); // [36, T·N, K]
  const m2 = g.op('Reshape', [m, i64([A * A, -1])], {}, `${hint}_products_flat`);
  const aa = g.floats('winograd/AT_kron', kron(AT), [M * M, A * A], 'winograd:AT');
  const y = g.op('MatMul', [aa, m2], {}, `${hint}_output_transform`); // [16, T·N·K] = [4, 4, th, tw, N·K]
  const y5 = g.op('Reshape', [y, i64([M, M, th, tw, -1])], {}, `${hint}_out_tiles`);
  const placed = g.op('Transpose', [y5], { perm: { ints: [2, 0, 3, 1, 4] } }, `${hint}_untile`); // [th, 4, tw, 4, N·K]
  let out = g.op('Reshape', [placed, i64([th * M, tw * M, -1, cout])], {}, `${hint}_hwnc`);
  if (th * M !== oh || tw * M !== ow) {
    out = g.op('Slice', [out, i64([0, 0]), i64([oh, ow]), i64([0, 1])], {}, `${hint}_crop`);
  }
  if (bias) out = g.op('Add', [out, bias], {}, hint);
  return { name: out, rank: 4, nchw: false, hwnc: [oh, ow, cout] };
}

/** MaxPooling2D 2×2, stride 2, 'valid' (or 'same' on even sizes) on an HWNC value: the max of four strided slices. */
export function emitHwncMaxPool2x2(g: OnnxGraph, x: Val, hint: string): Val {
  const [h, w, c] = x.hwnc!;
  const oh = Math.floor(h / 2), ow = Math.floor(w / 2);
  const parts: string[] = [];
  for (const p of [0, 1]) {
    for (const q of [0, 1]) {
      parts.push(g.op('Slice', [
        x.name, g.int64s(`${hint}/starts`, [p, q]), g.int64s(`${hint}/ends`, [p + 2 * oh, q + 2 * ow]),
        g.int64s(`${hint}/axes`, [0, 1]), g.int64s(`${hint}/steps`, [2, 2]),
      ], {}, `${hint}_s${p}${q}`));
    }
  }
  return { name: g.op('Max', parts, {}, hint), rank: 4, nchw: false, hwnc: [oh, ow, c] };
}
