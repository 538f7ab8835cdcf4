/**
 * The one place onnxruntime-node is loaded. It is an optional dependency: when it is absent (or
 * its native library cannot load here) every loader returns null, the reason is kept for
 * `ortStatus()`, and callers fall back to TF.js. Two faces of the same package:
 * - `loadOrt()`: the public module (InferenceSession, Tensor), for whole-model sessions (./session.ts);
 * - `loadOrtBinding()`: its native binding, whose `run` is synchronous, for TF.js kernels that
 *   must return synchronously (./conv_kernels.ts).
 * `BRANCHNET_ORT=0` hides it, to run and test the TF.js-only path on a machine that has it.
 */
import { createRequire } from 'node:module';

type Ort = typeof import('onnxruntime-node');

export interface NativeOutput {
  type?: string;
  data: unknown;
  dims: readonly number[];
}

export interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, NativeOutput>;
  dispose(): void;
}

export interface OrtBinding {
  InferenceSession: new () => NativeSession;
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}


/**
 * onnxruntime-node 1.29+ ships Microsoft's 1DS telemetry on Linux and macOS: on load it creates
 * an (empty) `mat-debug-<pid>.log` in /tmp for every process, keeps a device id under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime and tries to upload events. branchnet promises
 * no network at run time, so it sets onnxruntime's own opt-out, ORT_DISABLE_TELEMETRY=1
 * (microsoft/onnxruntime PR #27379), before loading the native library — unless the user set the
 * variable, whatever its value. It must be set before the library initialises: once per process.
 */
export function optOutOfOrtTelemetry(): void {
  if (process.env.ORT_DISABLE_TELEMETRY === undefined) process.env.ORT_DISABLE_TELEMETRY = '1';
}

const disabled = (): boolean => process.env.BRANCHNET_ORT === '0';
const firstLine = (e: unknown): string => (e as Error).message.split('\n')[0];

let loading: Promise<Ort | null> | null = null;
let moduleError: string | undefined;

/** onnxruntime-node, or null when it is not installed (or cannot load on this platform). Cached. */
export function loadOrt(): Promise<Ort | null> {
  loading ??= (async () => {
    if (disabled()) { moduleError = 'disabled by BRANCHNET_ORT=0'; return null; }
    try {
      optOutOfOrtTelemetry();
      const mod = await import('onnxruntime-node');
      return (mod.InferenceSession ? mod : (mod as unknown as { default: Ort }).default) ?? null;
    } catch (e) {
      moduleError = firstLine(e);
      return null;
    }
  })();
  return loading;
}

let bindingState: { ort: OrtBinding | null; error?: string } | undefined;

/** onnxruntime-node's synchronous native binding, or null when it is absent or fails to load. Cached. */
export function loadOrtBinding(): OrtBinding | null {
  if (bindingState) return bindingState.ort;
  if (disabled()) return (bindingState = { ort: null, error: 'disabled by BRANCHNET_ORT=0' }).ort;
  try {
    optOutOfOrtTelemetry();
    const require = createRequire(import.meta.url);
    const bindingPath = require.resolve('onnxruntime-node/dist/binding.js');
    const mod = require(bindingPath) as {
      binding: { InferenceSession: OrtBinding['InferenceSession'] };
      initOrt: () => void;
    };
    // The Tensor class the binding was initialised with: onnxruntime-node's own onnxruntime-common.
    const common = createRequire(bindingPath)('onnxruntime-common') as { Tensor: OrtBinding['Tensor'] };
    mod.initOrt();
    if (typeof mod.binding?.InferenceSession !== 'function' || typeof common.Tensor !== 'function') {
      throw new Error('unexpected onnxruntime-node binding layout');
    }
    bindingState = { ort: { InferenceSession: mod.binding.InferenceSession, Tensor: common.Tensor } };
  } catch (e) {
    bindingState = { ort: null, error: firstLine(e) };
  }
  return bindingState.ort;
}

/** Why the native binding did not load (undefined when it did, or was not tried yet). */
export function ortBindingError(): string | undefined {
  return bindingState?.error;
}

export interface OrtStatus {
  available: boolean;
  /** onnxruntime-node's package version when it loads. */
  version?: string;
  /** Why it is not available. */
  reason?: string;
}

/** Whether onnxruntime-node loads here, its version, or why not: what `branchnet --version` reports. */
export async function ortStatus(): Promise<OrtStatus> {
  const ort = await loadOrt();
  if (!ort) return { available: false, reason: moduleError ?? 'not installed' };
  let version: string | undefined;
  try {
    version = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    version = (ort as unknown as { env?: { versions?: { node?: string } } }).env?.versions?.node;
  }
  return { available: true, ...(version ? { version } : {}) };
}
