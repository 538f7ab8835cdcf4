/**
 * Direct access to the wasm backend's heap for kernels written as plain JS loops.
 *
 * Why: for memory-bound kernels (max-pool gradient, tile) a tight JS loop over the tensors'
 * own memory runs at ~1 ns per element, while composing them from wasm's generic kernels
 * (strided slices, select, tile) costs 10-50 ns per element. Nothing is copied to the cpu
 * backend: the loops read and write the wasm heap in place (`typedArrayFromHeap`).
 * Views must be taken after every allocation: allocating may grow the heap and detach them.
 */
import type { tf } from '../tf.js';

export interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: unknown): TensorInfoLike;
  typedArrayFromHeap(t: TensorInfoLike): Float32Array | Int32Array | Uint8Array;
}

export function heapF32(backend: WasmHeapBackend, t: TensorInfoLike): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}
