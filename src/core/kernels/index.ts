/**
 * Training kernels the wasm backend of @tensorflow/tfjs-backend-wasm 4.22 lacks (or has only as
 * a slow scalar loop), each composed from the backend's own XNNPACK kernels.
 *
 * Found by profiling `model.fit` of conv / BatchNorm / pooling / depthwise / sigmoid+BCE models
 * on the cpu backend and diffing the kernel names against `tf.getKernelsForBackend('wasm')`:
 *   missing:  Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter,
 *             DepthwiseConv2dNativeBackpropInput
 *   too slow: Conv2DBackpropInput (a per-element loop in 4.22; replaced)
 *   too slow: Tile (an index computation per element; BatchNorm's gradient tiles statistics)
 *   wrong:    MaxPoolGrad (4.22's native kernel sends an all-negative window's gradient to
 *             its first element instead of its max; replaced)
 *   too slow: BatchMatMul with a transposed operand (a scalar loop; Dense weight gradients are
 *             xᵀ·dy): wrapped to transpose first (./batch_mat_mul.ts)
 * Everything else training uses (AvgPoolGrad, FusedBatchNorm, Step, Softmax, Sigmoid,
 * Select, ...) is native in 4.22 and matches the cpu backend.
 */
import { tf } from '../tf.js';
import { fail } from '../errors.js';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise_conv2d_native_backprop_filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise_conv2d_native_backprop_input.js';
import { maxPoolGradConfig } from './max_pool_grad.js';
import { tileConfig } from './tile.js';
import { batchMatMulConfig, isTransposingBatchMatMul } from './batch_mat_mul.js';


export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  maxPoolGradConfig,
  tileConfig,
];

/**
 * Registers the training kernels for 'wasm', replacing any kernel of the same name (4.22's own
 * Conv2DBackpropInput and MaxPoolGrad). Idempotent: calling it again changes nothing. Returns the kernel names
 * that are now ours. Call it after `await tf.setBackend('wasm')`.
 */
export function registerWasmTrainingKernels(): string[] {
  if (tf.findBackend('wasm') == null) {
    fail('E_BACKEND', `The wasm backend is not registered. Import '@tensorflow/tfjs-backend-wasm' and ` +
      `await tf.setBackend('wasm') before registering the wasm training kernels.`);
  }
  const names: string[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing !== undefined && existing.kernelFunc !== config.kernelFunc) {
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    if (existing === undefined || existing.kernelFunc !== config.kernelFunc) tf.registerKernel(config);
    names.push(config.kernelName);
  }
  // BatchMatMul wraps the stock kernel (it keeps running every product), so it is not replaced twice.
  const bmm = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (bmm !== undefined) {
    if (!isTransposingBatchMatMul(bmm)) {
      tf.unregisterKernel(tf.BatchMatMul, 'wasm');
      tf.registerKernel(batchMatMulConfig(bmm));
    }
    names.push(tf.BatchMatMul);
  }
  return names;
}
