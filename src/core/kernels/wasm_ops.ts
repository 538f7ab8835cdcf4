/**
 * Helpers shared by the wasm training kernels: run the wasm backend's own kernels on TensorInfos
 * (no engine, no tape, no copy to another backend) and free every intermediate afterwards.
 *
 * This is how the wasm backend composes its own kernels internally (e.g. its Reverse calls its
 * Reshape and then `backend.disposeData`). Every TensorInfo a wasm kernel returns owns exactly
 * one reference to its dataId (Reshape/Identity add a reference instead of copying), so disposing
 * each intermediate once is always right.
 */
import { tf } from '../tf.js';
import { fail } from '../errors.js';

export type TensorInfo = tf.TensorInfo;
export type Shape4 = [number, number, number, number];
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];
export type PadAttr = 'valid' | 'same' | number | ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

/** The part of the wasm backend's interface these kernels use. */
export interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Runs wasm kernels and remembers their outputs so they can be freed together. */
export class WasmScope {
  private readonly temps: TensorInfo[] = [];

  constructor(private readonly backend: WasmBackendLike) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown> = {}): TensorInfo {
    const config = tf.getKernel(kernelName, 'wasm');
    if (config === undefined) {
      fail('E_BACKEND', `The wasm backend has no '${kernelName}' kernel, which the wasm training kernels need. ` +
        `Use @tensorflow/tfjs-backend-wasm 4.22 or later.`);
    }
    const out = config.kernelFunc({ inputs, backend: this.backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap });
    if (Array.isArray(out)) {
      fail('E_BACKEND', `wasm kernel '${kernelName}' returned ${out.length} outputs where the training kernels expect one.`);
    }
    this.temps.push(out);
    return out;
  }

  /** Adopt a TensorInfo made outside `run` (by calling a kernel function directly), so it is freed with the rest. */
  track(x: TensorInfo): TensorInfo {
    this.temps.push(x);
    return x;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run(tf.Transpose, { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run(tf.Reshape, { x }, { shape });
  }

  /** Zero padding; returns x itself when there is nothing to pad. */
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run(tf.PadV2, { x }, { paddings, constantValue: 0 });
  }

  /** Slice; returns x itself when the slice is the whole tensor. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run(tf.Slice, { x }, { begin, size });
  }

  /** Frees every output of `run` except `keep` (the kernel's result). */
  disposeExcept(keep: TensorInfo): void {
    for (const t of this.temps) {
      if (t !== keep) this.backend.disposeData(t.dataId);
    }
    this.temps.length = 0;
  }
}

/**
 * Runs `body` with a scope; every intermediate is freed, also when `body` throws. The result is
 * returned as its own reference: if it is an input of the kernel (a no-op path), it is copied
 * through Identity so the caller owns a fresh reference, as kernels must.
 */
export function withScope(
  backend: WasmBackendLike,
  inputs: TensorInfo[],
  body: (s: WasmScope) => TensorInfo,
): TensorInfo {
  const s = new WasmScope(backend);
  let result: TensorInfo | undefined;
  try {
    result = body(s);
    if (inputs.some((i) => i === result)) result = s.run(tf.Identity, { x: result });
    return result;
  } finally {
    s.disposeExcept(result as TensorInfo);
  }
}

/** Inserts (s-1) zeros between neighbouring rows/columns of an NHWC tensor, and (s-1) after the last. */
export function zeroInterleave(s: WasmScope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape as Shape4;
  // (N,H,W,C) -> (N,H,1,W,1,C) -> pad to (N,H,sh,W,sw,C) -> (N,H*sh,W*sw,C)
  const x6 = s.reshape(x, [n, h, 1, w, 1, c]);
  const padded = s.pad(x6, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return s.reshape(padded, [n, h * sh, w * sw, c]);
}

/**
 * Brings an NHWC tensor to exactly `[before + len + after]` rows/cols by padding with zeros
 * where before/after are positive and cropping where they are negative. Returns the tensor
 * and the non-negative padding still to apply (left for the convolution's explicit padding).
 */
export function cropForPadding(
  s: WasmScope,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { x: TensorInfo; pad: ExplicitPadding } {
  const [n, h, w, c] = x.shape as Shape4;
  const cropTop = Math.max(0, -top);
  const cropBottom = Math.max(0, -bottom);
  const cropLeft = Math.max(0, -left);
  const cropRight = Math.max(0, -right);
  const sliced = s.slice(x, [0, cropTop, cropLeft, 0], [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c]);
  return {
    x: sliced,
    pad: [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]],
  };
}

export function pair(v: number | [number, number] | undefined, dflt = 1): [number, number] {
  if (v === undefined || v === null) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}
