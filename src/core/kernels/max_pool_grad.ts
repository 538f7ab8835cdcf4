/**
 * MaxPoolGrad for the wasm backend. 4.22's native kernel routes the gradient of a window whose
 * values are all negative to the window's first element (its running max appears to start at
 * a positive value rather than -inf), so any max-pool not preceded by a ReLU gets wrong
 * gradients; this replaces it, built from the backend's own kernels.
 *
 * TF's MaxPoolGrad (tfjs-backend-cpu's MaxPoolGrad.ts via maxPoolPositions): each window's
 * gradient goes to the first position, in row-major window order, that holds the window's max.
 * Here: pad x with -inf as the forward pass padded it; for each filter tap (a,b) in row-major
 * order take the strided view x[:, a + i*sh, b + j*sw, :] (StridedSlice), mark where it equals
 * the forward output and no earlier tap matched (Equal, LogicalAnd/Not/Or), keep dy there
 * (Select), and scatter-add it back to rows a + i*sh, cols b + j*sw (zero-interleave by the
 * stride, pad by the tap offset, Add).
 */
import { tf } from '../tf.js';
import { fail } from '../errors.js';
import {
  type PadAttr,
  type RoundingMode,
  type Shape4,
  type TensorInfo,
  type WasmBackendLike,
  withScope,
  zeroInterleave,
} from './wasm_ops.js';

export function maxPoolGradWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): TensorInfo {
  const { dy, input: x, output: y } = args.inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: PadAttr;
    dimRoundingMode?: RoundingMode;
  };
  const backend = args.backend as WasmBackendLike;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    fail('E_BACKEND', `MaxPoolGrad on wasm expects float32 input and dy, got ${x.dtype} and ${dy.dtype}.`);
  }
  return withScope(backend, [dy, x, y], (s) => {
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
    const { top, left } = info.padInfo;
    // Padded extent that covers every window and every scattered tap: rows -top .. hp - top - 1.
    const hp = Math.max(h + top, (ho - 1) * sh + kh, ho * sh + kh - 1);
    const wp = Math.max(w + left, (wo - 1) * sw + kw, wo * sw + kw - 1);
    const xp = s.run(tf.PadV2, { x }, {
      paddings: [[0, 0], [top, hp - top - h], [left, wp - left - w], [0, 0]], constantValue: -Infinity,
    });
    let acc: TensorInfo | undefined;
    let taken: TensorInfo | undefined;
    const last = kh * kw - 1;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const xs = s.run(tf.StridedSlice, { x: xp }, {
          begin: [0, a, b, 0], end: [n, a + (ho - 1) * sh + 1, b + (wo - 1) * sw + 1, c], strides: [1, sh, sw, 1],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        }); // (N, Ho, Wo, C)
        const eq = s.run(tf.Equal, { a: xs, b: y });
        let mask = eq;
        if (taken !== undefined) {
          mask = s.run(tf.LogicalAnd, { a: eq, b: s.run(tf.LogicalNot, { x: taken }) });
        }
        if (a * kw + b !== last) taken = taken === undefined ? eq : s.run(tf.LogicalOr, { a: taken, b: eq });
        const zeros = s.run(tf.ZerosLike, { x: dy });
        const g = s.run(tf.Select, { condition: mask, t: dy, e: zeros });
        const spread = zeroInterleave(s, g, sh, sw); // (N, Ho*sh, Wo*sw, C); tap (i,j) at (i*sh, j*sw)
        const placed = s.pad(spread, [[0, 0], [a, hp - a - ho * sh], [b, wp - b - wo * sw], [0, 0]]);
        acc = acc === undefined ? placed : s.run(tf.Add, { a: acc, b: placed });
      }
    }
    return s.slice(acc as TensorInfo, [0, top, left, 0], [n, h, w, c]);
  });
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
