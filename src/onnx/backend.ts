/**
 * The engine a branchnet process computes with: TF.js's backend (../core/backend.ts), and on the
 * wasm backend the big convolutions and their gradients on onnxruntime when it is installed
 * (./conv_kernels.ts; `BRANCHNET_ORT_KERNELS=0` keeps wasm's own). Idempotent, like core's.
 * @example const info = await initBackend(); console.log(describeBackend(info));
 */
import { initBackend as initTfBackend, type BackendInfo, type BackendOptions } from '../core/backend.js';
import { registerOrtConvKernels } from './conv_kernels.js';

let convKernels: boolean | undefined;

export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const info = await initTfBackend(opts);
  if (convKernels === undefined) {
    convKernels = false;
    if (info.name === 'wasm' && process.env.BRANCHNET_ORT_KERNELS !== '0') {
      convKernels = registerOrtConvKernels({ threads: info.threads }).length > 0;
      if (convKernels) info.notes.push('conv kernels: onnxruntime');
    }
  }
  return info;
}
