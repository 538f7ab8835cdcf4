/**
 * Shared helpers of the kernel tests: deterministic inputs, one kernel run on a named backend,
 * relative error. Not a test file itself.
 */
import { tf } from '../tf.js';

export type Shape4 = [number, number, number, number];
export type Inputs = Record<string, { shape: number[]; data: Float32Array }>;

/** Deterministic uniform(-1, 1) data (mulberry32). */
export function randomData(size: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function makeInputs(shapes: Record<string, number[]>, seed: number): Inputs {
  const out: Inputs = {};
  let s = seed;
  for (const [name, shape] of Object.entries(shapes)) {
    out[name] = { shape, data: randomData(shape.reduce((a, b) => a * b, 1), s++) };
  }
  return out;
}

export async function runOn(backendName: 'cpu' | 'wasm', kernel: string, inputs: Inputs, attrs: object): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backendName);
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.data, v.shape, 'float32');
  const out = tf.engine().runKernel(kernel, ts as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { shape: out.shape, data: out.dataSync() as Float32Array };
  out.dispose();
  for (const t of Object.values(ts)) t.dispose();
  return result;
}

/** Max |ref - got| relative to max |ref|. */
export function relErr(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i]! - got[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}
