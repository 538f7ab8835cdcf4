/**
 * Conv2DBackpropInput for the wasm backend, replacing 4.22's scalar-loop kernel with the
 * backend's XNNPACK Conv2D. Also the forward kernel of conv2dTranspose.
 *
 * dx[n,h,w,ci] = sum_{i,j,a,b,co : i*sh + a - top = h, j*sw + b - left = w} dy[n,i,j,co] * W[a,b,ci,co]
 * (TF's Conv2DBackpropInput; tfjs-backend-cpu's Conv2DBackpropInput.ts uses the same
 * topPad = kh - 1 - padInfo.top). As a convolution: insert (s-1) zeros between the rows/cols
 * of dy, pad by (k - 1 - forward pad) on top/left, and convolve with stride 1 using the filter
 * flipped spatially with in/out channels swapped, (kh,kw,Cout,Cin). Bottom/right are padded or
 * cropped so the result has exactly x's shape.
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
  zeroInterleave,
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
    const { inHeight: h, inWidth: w, batchSize: n, inChannels: cin } = info;
    const dyN = nchw ? s.transpose(dy, [0, 2, 3, 1]) : dy;
    const dyD = zeroInterleave(s, dyN, sh, sw); // (N, Ho*sh, Wo*sw, Cout)
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    // The stride-1 'valid' conv needs h + kh - 1 rows in all.
    const bottom = h + kh - 1 - top - dyD.shape[1];
    const right = w + kw - 1 - left - dyD.shape[2];
    const { x: dyC, pad } = cropForPadding(s, dyD, top, bottom, left, right);
    const flipped = s.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
    const wT = s.transpose(flipped, [0, 1, 3, 2]); // (kh, kw, Cout, Cin)
    const dx = s.run(tf.Conv2D, { x: dyC, filter: wT }, {
      strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
    }); // (N, H, W, Cin)
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
