/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend (4.22 has none), built from the
 * backend's XNNPACK DepthwiseConv2dNative, Transpose and Sum.
 *
 * dW[a,b,c,m] = sum_{n,i,j} xPadded[n, i*sh + a*dh, j*sw + b*dw, c] * dy[n,i,j,c*M+m]
 * (TF's DepthwiseConv2dNativeBackpropFilter; tfjs-backend-cpu's
 * DepthwiseConv2dNativeBackpropFilter.ts). Folding the batch into the channels turns this into
 * one depthwise convolution of x^T (1,H,W,N*C) with dy^T as a (Ho,Wo,N*C,M) filter, dilated by
 * the forward stride and strided by the forward dilation, giving (1,kh,kw,N*C*M); the batch is
 * then summed out.
 */
import { tf } from '../tf.js';
import { fail } from '../errors.js';
import {
  cropForPadding,
  pair,
  type PadAttr,
  type RoundingMode,
  type Shape4,
  type TensorInfo,
  type WasmBackendLike,
  withScope,
} from './wasm_ops.js';

export function depthwiseConv2dNativeBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    strides: number | [number, number];
    dilations?: number | [number, number];
    pad: PadAttr;
    dimRoundingMode?: RoundingMode;
    filterShape: Shape4;
  };
  const backend = args.backend as WasmBackendLike;
  const dilations = pair(attrs.dilations);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, attrs.filterShape, attrs.strides, dilations, attrs.pad, attrs.dimRoundingMode, true);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    fail('E_BACKEND', `DepthwiseConv2dNativeBackpropFilter on wasm expects float32 x and dy, got ${x.dtype} and ${dy.dtype}.`);
  }
  return withScope(backend, [x, dy], (s) => {
    const [kh, kw, c, m] = attrs.filterShape;
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: ho, outWidth: wo } = info;
    const n = info.batchSize;
    const { top, left } = info.padInfo;
    const bottom = (ho - 1) * sh + (kh - 1) * dh + 1 - top - info.inHeight;
    const right = (wo - 1) * sw + (kw - 1) * dw + 1 - left - info.inWidth;
    const { x: xc, pad } = cropForPadding(s, x, top, bottom, left, right);
    const xT = s.reshape(s.transpose(xc, [1, 2, 0, 3]), [1, xc.shape[1], xc.shape[2], n * c]);
    const dyT = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [ho, wo, n * c, m]);
    const out = s.run(tf.DepthwiseConv2dNative, { x: xT, filter: dyT }, {
      strides: [dh, dw], pad, dilations: [sh, sw], dimRoundingMode: undefined, dataFormat: 'NHWC',
    }); // (1, kh, kw, N*C*M)
    const perBatch = s.reshape(out, [kh, kw, n, c * m]);
    const summed = n === 1 ? perBatch : s.run(tf.Sum, { x: perBatch }, { axis: [2], keepDims: false });
    return s.reshape(summed, [kh, kw, c, m]);
  });
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilterWasm as unknown as tf.KernelFunc,
};
