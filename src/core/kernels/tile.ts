/**
 * Tile for the wasm backend, as block copies on the wasm heap (see ./heap.ts).
 *
 * Why: BatchNormalization's gradient (tfjs-core FusedBatchNorm_grad) tiles per-channel
 * statistics up to the activation's full shape; wasm 4.22's Tile is an element-by-element
 * index computation that took 20% of a training step. Tiling is repeated block copies: expand
 * the last axis first, then each earlier axis copies the already-expanded block `reps` times.
 */
import { tf } from '../tf.js';
import type { TensorInfoLike, WasmHeapBackend } from './heap.js';

export function tileWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfoLike {
  const { x } = args.inputs as unknown as { x: TensorInfoLike };
  const { reps } = args.attrs as unknown as { reps: number[] };
  const backend = args.backend as WasmHeapBackend;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0) { dst.set(src); return out; }
  // `cur` holds the input expanded along axes > a; its shape is x.shape with those axes multiplied.
  let cur: Float32Array | Int32Array | Uint8Array = src.slice();
  const shape = [...x.shape];
  for (let a = rank - 1; a >= 0; a--) {
    if (reps[a] === 1) continue;
    const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
    const block = shape.slice(a).reduce((p, d) => p * d, 1);
    const next = new (cur.constructor as new (n: number) => typeof cur)(outer * block * reps[a]);
    for (let o = 0; o < outer; o++) {
      const piece = cur.subarray(o * block, (o + 1) * block);
      for (let r = 0; r < reps[a]; r++) next.set(piece, (o * reps[a] + r) * block);
    }
    cur = next;
    shape[a] *= reps[a];
  }
  dst.set(cur);
  return out;
}

export const tileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tileWasm as unknown as tf.KernelFunc,
};
