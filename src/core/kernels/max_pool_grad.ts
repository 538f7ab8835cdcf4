/**
 * MaxPoolGrad for the wasm backend, as a JS loop over the wasm heap (see ./heap.ts).
 *
 * Why replace 4.22's native kernel: it routes the gradient of a window whose values are all
 * negative to the window's first element (its running max starts above -inf), so a max-pool
 * not preceded by a ReLU gets wrong gradients. A composition of wasm kernels (strided slices,
 * Equal, Select; our first version) was correct but 50x slower than the forward pass.
 *
 * Semantics follow TF's MaxPoolGrad (tfjs-backend-cpu maxPoolPositions): each output window's
 * gradient goes to the first position, in row-major window order, holding the window's max;
 * positions in the padding never receive gradient.
 */
import { tf } from '../tf.js';
import { fail } from '../errors.js';
import { heapF32, type TensorInfoLike, type WasmHeapBackend } from './heap.js';

export function maxPoolGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfoLike {
  const { dy, input: x } = args.inputs as unknown as { dy: TensorInfoLike; input: TensorInfoLike };
  const attrs = (args.attrs ?? {}) as unknown as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    fail('E_BACKEND', `MaxPoolGrad on wasm expects float32 input and dy, got ${x.dtype} and ${dy.dtype}`);
  }
  const backend = args.backend as WasmHeapBackend;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput(x.shape, 'float32');
  const dx = heapF32(backend, out);
  const xv = heapF32(backend, x);
  const dyv = heapF32(backend, dy);
  dx.fill(0);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < ho; oh++) {
      const h0 = oh * sh - top;
      for (let ow = 0; ow < wo; ow++) {
        const w0 = ow * sw - left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let i = 0; i < fh; i++) {
          const ih = h0 + i;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < fw; j++) {
            const iw = w0 + j;
            if (iw < 0 || iw >= w) continue;
            const base = ((b * h + ih) * w + iw) * c;
            for (let k = 0; k < c; k++) {
              const v = xv[base + k];
              if (v > best[k] || where[k] < 0) { best[k] = v; where[k] = base + k; }
            }
          }
        }
        const dbase = ((b * ho + oh) * wo + ow) * c;
        for (let k = 0; k < c; k++) if (where[k] >= 0) dx[where[k]] += dyv[dbase + k];
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
