/**
 * BatchMatMul for the wasm backend: a transposed operand is transposed explicitly first, so that
 * the product runs on XNNPACK instead of 4.22's scalar fallback.
 *
 * Why: the wasm backend sends a product to XNNPACK only when neither operand is transposed; with
 * `transposeA` or `transposeB` it runs a plain triple loop. Every Dense layer's weight gradient
 * is xᵀ·dy, so the notebook's type head (Flatten 10240 → Dense 256) spent 89 ms per phase-1 step
 * in xᵀ·dy alone; transposing x ([20, 10240], 0.2 ms) and multiplying takes 2 ms. An operand
 * above `MAX_TRANSPOSE` floats is not transposed (wasm's Transpose of [10240, 256] takes 24 ms):
 * a·bᵀ with a big b is computed as (b·aᵀ)ᵀ instead (the type head's input gradient dy·Wᵀ in
 * phase 2: 40 ms → 3 ms), aᵀ·b with a big a keeps the fallback. Batched (rank > 2 with batch > 1)
 * products and non-float32 ones go to the stock kernel unchanged.
 */
import { tf } from '../tf.js';
import { withScope, type TensorInfo, type WasmBackendLike } from './wasm_ops.js';

/** Transpose operands up to this many floats (4 MB); larger ones stay on the stock kernel's loop. */
export const MAX_TRANSPOSE = 1 << 20;

const ours = new WeakSet<tf.KernelFunc>();

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const batchOf = (shape: number[]) => size(shape.slice(0, -2));
/** The permutation swapping the last two axes. */
const swapLast = (rank: number) => [...Array(rank - 2).keys(), rank - 1, rank - 2];

/** Wrap the stock (or previously registered) BatchMatMul. */
export function batchMatMulConfig(previous: tf.KernelConfig): tf.KernelConfig {
  const stock = previous.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as unknown as { a: TensorInfo; b: TensorInfo };
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const plain = a.dtype === 'float32' && b.dtype === 'float32' && batchOf(a.shape) === 1 && batchOf(b.shape) === 1;
    const flipA = plain && attrs.transposeA && size(a.shape) <= MAX_TRANSPOSE;
    const flipB = plain && attrs.transposeB && size(b.shape) <= MAX_TRANSPOSE;
    const backend = args.backend as unknown as WasmBackendLike;
    // a·bᵀ with b too big to transpose (a Dense layer's input gradient dy·Wᵀ) is (b·aᵀ)ᵀ: only
    // the small a (not even that for aᵀ·bᵀ = (b·a)ᵀ) and the small result are transposed, and b
    // is the product's left operand as it lies.
    const m = attrs.transposeA ? a.shape.at(-1)! : a.shape.at(-2)!, n = b.shape.at(-2)!;
    if (plain && attrs.transposeB && !flipB && (attrs.transposeA || size(a.shape) <= MAX_TRANSPOSE) && m * n <= MAX_TRANSPOSE) {
      return withScope(backend, [a, b], (s) => {
        const at = attrs.transposeA ? a : s.transpose(a, swapLast(a.shape.length));
        const c = stock({ inputs: { a: b, b: at } as unknown as tf.NamedTensorInfoMap, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as TensorInfo;
        s.track(c);
        return s.transpose(c, swapLast(c.shape.length));
      });
    }
    if (!flipA && !flipB) return stock(args);
    return withScope(backend, [a, b], (s) => {
      const a2 = flipA ? s.transpose(a, swapLast(a.shape.length)) : a;
      const b2 = flipB ? s.transpose(b, swapLast(b.shape.length)) : b;
      return stock({
        inputs: { a: a2, b: b2 } as unknown as tf.NamedTensorInfoMap,
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: attrs.transposeA && !flipA, transposeB: attrs.transposeB && !flipB },
      }) as TensorInfo;
    });
  };
  ours.add(kernelFunc);
  return { kernelName: tf.BatchMatMul, backendName: 'wasm', setupFunc: previous.setupFunc, disposeFunc: previous.disposeFunc, kernelFunc };
}

/** Whether the registered wasm BatchMatMul is this module's wrapper. */
export function isTransposingBatchMatMul(config: tf.KernelConfig | undefined): boolean {
  return config !== undefined && ours.has(config.kernelFunc);
}
