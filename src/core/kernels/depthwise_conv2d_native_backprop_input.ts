/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend (4.22 has none), built from the
 * backend's XNNPACK DepthwiseConv2dNative.
 *
 * dx[n,h,w,c] = sum_{i,j,a,b,m : i*sh + a*dh - top = h, j*sw + b*dw - left = w} dy[n,i,j,c*M+m] * W[a,b,c,m]
 * (TF's DepthwiseConv2dNativeBackpropInput; tfjs-backend-cpu's
 * DepthwiseConv2dNativeBackpropInput.ts). As a convolution: insert (s-1) zeros between dy's
 * rows/cols, pad by ((k-1)*d - forward pad), and run a multiplier-1 depthwise conv over the
 * C*M channels with the spatially flipped filter (kh,kw,C*M,1) and the forward dilation; then
 * sum the M channels of each input channel.
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
  zeroInterleave,
} from './wasm_ops.js';

export function depthwiseConv2dNativeBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    strides: number | [number, number];
    dilations?: number | [number, number];
    pad: PadAttr;
    dimRoundingMode?: RoundingMode;
    inputShape: Shape4;
  };
  const backend = args.backend as WasmBackendLike;
  const dilations = pair(attrs.dilations);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as Shape4, attrs.strides, dilations, attrs.pad, attrs.dimRoundingMode, true);
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    fail('E_BACKEND', `DepthwiseConv2dNativeBackpropInput on wasm expects float32 dy and filter, got ${dy.dtype} and ${filter.dtype}.`);
  }
  return withScope(backend, [dy, filter], (s) => {
    const [kh, kw, c, m] = filter.shape as Shape4;
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const { inHeight: h, inWidth: w, batchSize: n } = info;
    const dyD = zeroInterleave(s, dy, sh, sw);
    const top = (kh - 1) * dh - info.padInfo.top;
    const left = (kw - 1) * dw - info.padInfo.left;
    const bottom = h + (kh - 1) * dh - top - dyD.shape[1];
    const right = w + (kw - 1) * dw - left - dyD.shape[2];
    const { x: dyC, pad } = cropForPadding(s, dyD, top, bottom, left, right);
    const flipped = s.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
    const f = s.reshape(flipped, [kh, kw, c * m, 1]);
    const out = s.run(tf.DepthwiseConv2dNative, { x: dyC, filter: f }, {
      strides: [1, 1], pad, dilations: [dh, dw], dimRoundingMode: undefined, dataFormat: 'NHWC',
    }); // (N, H, W, C*M)
    if (m === 1) return out;
    const split = s.reshape(out, [n, h, w, c, m]);
    return s.run(tf.Sum, { x: split }, { axis: [4], keepDims: false });
  });
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInputWasm as unknown as tf.KernelFunc,
};
