/**
 * Conv2DBackpropInput for the wasm backend, replacing 4.22's scalar-loop kernel with the
 * backend's XNNPACK Conv2D. Also the forward kernel of conv2dTranspose.
 *
 * dx[n,h,w,ci] = sum_{i,j,a,b,co : i*sh + a - top = h, j*sw + b - left = w} dy[n,i,j,co] * W[a,b,ci,co]
 * (TF's Conv2DBackpropInput; tfjs-backend-cpu's Conv2DBackpropInput.ts computes the same sum).
 * The textbook form is a stride-1 conv of dy with (s-1) zeros inserted, but with an 11x11
 * stride-4 filter 15/16 of that work multiplies zeros. So this uses the sub-pixel
 * ("phase") decomposition instead: write h + top = q*sh + rh. Only taps a = rh + sh*t reach
 * that row, from dy row q - t, so for each phase (rh, rw) the rows/cols q form a stride-1
 * 'full' convolution of dy with the sub-filter W[rh::sh, rw::sw], flipped spatially with
 * in/out channels swapped. The sh*sw phase results are interleaved (Concat + Reshape) and
 * cropped to x's shape.
 */
import { tf } from '../tf.js';
import { fail } from '../errors.js';
import {
  cropForPadding,
  type PadAttr,
  type RoundingMode,
  type Shape4,
  type TensorInfo,
  type WasmBackendLike,
  withScope,
} from './wasm_ops.js';

export function conv2dBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    strides: number | [number, number];
    pad: PadAttr;
    dataFormat?: 'NHWC' | 'NCHW';
    dimRoundingMode?: RoundingMode;
    inputShape: Shape4;
  };
  const backend = args.backend as WasmBackendLike;
  const nchw = attrs.dataFormat === 'NCHW';
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false,
    nchw ? 'channelsFirst' : 'channelsLast');
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    fail('E_BACKEND', `Conv2DBackpropInput on wasm expects float32 dy and filter, got ${dy.dtype} and ${filter.dtype}.`);
  }
  return withScope(backend, [dy, filter], (s) => {
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { inHeight: h, inWidth: w, batchSize: n, inChannels: cin, outChannels: cout } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const dyN = nchw ? s.transpose(dy, [0, 2, 3, 1]) : dy;
    // Output rows h = 0..H-1 have q = floor((h + top) / sh) in [q0h, q0h + qh).
    const q0h = Math.floor(top / sh);
    const qh = Math.floor((h - 1 + top) / sh) - q0h + 1;
    const q0w = Math.floor(left / sw);
    const qw = Math.floor((w - 1 + left) / sw) - q0w + 1;
    const phase = (rh: number, rw: number): TensorInfo => {
      const kth = Math.ceil((kh - rh) / sh);
      const ktw = Math.ceil((kw - rw) / sw);
      if (kth <= 0 || ktw <= 0) {
        return s.run(tf.Fill, {}, { shape: [n, qh, qw, cin], value: 0, dtype: 'float32' });
      }
      const sub = sh === 1 && sw === 1 ? filter : s.run(tf.StridedSlice, { x: filter }, {
        begin: [rh, rw, 0, 0], end: [kh, kw, cin, cout], strides: [sh, sw, 1, 1],
        beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
      }); // (kth, ktw, Cin, Cout)
      const flipped = s.run(tf.Reverse, { x: sub }, { dims: [0, 1] });
      const wT = s.transpose(flipped, [0, 1, 3, 2]); // (kth, ktw, Cout, Cin)
      // Output q - q0 reads dy rows q - (kt - 1) .. q.
      const padTop = kth - 1 - q0h;
      const padLeft = ktw - 1 - q0w;
      const { x: dyC, pad } = cropForPadding(s, dyN,
        padTop, qh + kth - 1 - padTop - dyN.shape[1]!,
        padLeft, qw + ktw - 1 - padLeft - dyN.shape[2]!);
      return s.run(tf.Conv2D, { x: dyC, filter: wT }, {
        strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
      }); // (N, qh, qw, Cin)
    };
    let dx: TensorInfo;
    if (sh === 1 && sw === 1) {
      dx = phase(0, 0); // q0 = top, qh = H: already x's shape
    } else {
      const rows: TensorInfo[] = [];
      for (let rh = 0; rh < sh; rh++) {
        const cols: TensorInfo[] = [];
        for (let rw = 0; rw < sw; rw++) cols.push(s.reshape(phase(rh, rw), [n, qh, 1, qw, 1, cin]));
        rows.push(cols.length === 1 ? cols[0]! : s.run(tf.Concat, cols as unknown as Record<string, TensorInfo>, { axis: 4 }));
      }
      const all = rows.length === 1 ? rows[0]! : s.run(tf.Concat, rows as unknown as Record<string, TensorInfo>, { axis: 2 });
      const full = s.reshape(all, [n, qh * sh, qw * sw, cin]); // row f <-> h = f + q0h*sh - top
      dx = s.slice(full, [0, top - q0h * sh, left - q0w * sw, 0], [n, h, w, cin]);
    }
    if (dx.shape[0] !== n || dx.shape[1] !== h || dx.shape[2] !== w || dx.shape[3] !== cin) {
      fail('E_BACKEND', `Conv2DBackpropInput on wasm produced shape [${dx.shape}] instead of [${[n, h, w, cin]}].`);
    }
    return nchw ? s.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as unknown as tf.KernelFunc,
};
