/**
 * Conv2DBackpropFilter for the wasm backend (4.22 has none), built from the backend's XNNPACK
 * Conv2D and Transpose, never from the cpu backend.
 *
 * dW[a,b,ci,co] = sum_{n,i,j} xPadded[n, i*sh + a, j*sw + b, ci] * dy[n,i,j,co]
 * (TF's Conv2DBackpropFilter, same formula as tfjs-backend-cpu's Conv2DBackpropFilter.ts).
 * Read with ci as the batch, n as the channel and dy as a (Ho,Wo,N,Cout) filter, this is a
 * stride-1 convolution dilated by the forward stride:
 *   conv2d(x^T (Cin,H,W,N), dy^T (Ho,Wo,N,Cout), strides 1, dilations [sh,sw]) -> (Cin,kh,kw,Cout)
 * with x padded exactly as the forward pass did (top/left from computeConv2DInfo, i.e. TF's
 * 'SAME' rule), and bottom/right padded or cropped so the output is exactly kh x kw.
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

export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    strides: number | [number, number];
    pad: PadAttr;
    dataFormat?: 'NHWC' | 'NCHW';
    dimRoundingMode?: RoundingMode;
    filterShape: Shape4;
  };
  const backend = args.backend as WasmBackendLike;
  const nchw = attrs.dataFormat === 'NCHW';
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false,
    nchw ? 'channelsFirst' : 'channelsLast');
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    fail('E_BACKEND', `Conv2DBackpropFilter on wasm expects float32 x and dy, got ${x.dtype} and ${dy.dtype}.`);
  }
  return withScope(backend, [x, dy], (s) => {
    const xN = nchw ? s.transpose(x, [0, 2, 3, 1]) : x;
    const dyN = nchw ? s.transpose(dy, [0, 2, 3, 1]) : dy;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const { top, left } = info.padInfo;
    // Rows -top .. (ho-1)*sh + kh - 1 - top of x are read by the forward pass.
    const bottom = (ho - 1) * sh + kh - top - info.inHeight;
    const right = (wo - 1) * sw + kw - left - info.inWidth;
    const { x: xc, pad } = cropForPadding(s, xN, top, bottom, left, right);
    const xT = s.transpose(xc, [3, 1, 2, 0]); // (Cin, H', W', N)
    const dyT = s.transpose(dyN, [1, 2, 0, 3]); // (Ho, Wo, N, Cout) as a filter
    const out = s.run(tf.Conv2D, { x: xT, filter: dyT }, {
      strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined,
    }); // (Cin, kh, kw, Cout)
    return s.transpose(out, [1, 2, 0, 3]);
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
};
