/**
 * Starts the wasm backend in Node, multi-threaded when asked, and registers the training
 * kernels it lacks (./kernels/index.ts).
 *
 * Why this file exists: @tensorflow/tfjs-backend-wasm 4.22 never uses threads in Node.
 *  1. Its WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false when IS_NODE
 *     (flags_wasm.js, tfjs issue #3830), so the single-threaded SIMD binary is loaded.
 *  2. Forcing the flag on loads tfjs-backend-wasm-threaded-simd.wasm, but its pthread workers
 *     are created from `blob:` URLs (init() in backend_wasm.js: locateFile for '*.worker.js'
 *     and mainScriptUrlOrBlob), which Node's worker_threads rejects (ERR_WORKER_PATH), and the
 *     worker loads the main script with fs.readFileSync, which cannot read a blob either.
 *  3. The bundled factory (tf-backend-wasm.node.js) refers to bundle-level names
 *     (require$$0..4, commonjsGlobal, __dirname) that do not exist when the worker evaluates it.
 *
 * The workaround, from outside node_modules and only for the duration of backend init:
 *  - wrap `Blob` so the two scripts the backend puts into blobs are captured as text, and
 *    `URL.createObjectURL` so the worker script's blob URL becomes a temp file path instead;
 *  - the temp worker script defines the missing bundle-level names and makes the worker's
 *    URL.createObjectURL return the temp copy of the main script;
 *  - `os.cpus()` reports `threads` cores during init (what emscripten_num_logical_cores()
 *    returns in Node), and setThreadsCount(threads) is passed to the backend;
 *  - after init, the real thread count is read back with getThreadsCount() and the running
 *    pthread workers are counted; anything short of the request falls back to one thread with
 *    the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { BranchnetError, fail } from './errors.js';

/** How long the threaded wasm start may take before it is reported as stuck (normally 1-7 s on 2 cores). */
export const WASM_THREADED_START_TIMEOUT_MS = 60_000;
import { registerWasmTrainingKernels } from './kernels/index.js';
import { makeProcessTempDir } from './temp_dirs.js';

export interface WasmInitResult {
  /** Threads XNNPACK computes with (getThreadsCount() after init, checked against the running workers). */
  threads: number;
  simd: boolean;
  /** Why fewer threads than requested are in use, when that is the case. */
  reason?: string;
  /** Training kernels registered for wasm. */
  kernels: string[];
}

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

interface EmscriptenModuleLike {
  PThread?: { runningWorkers?: Array<{ unref?: () => void }>; unusedWorkers?: Array<{ unref?: () => void }> };
}

let done: WasmInitResult | null = null;

function wasmModuleOf(): EmscriptenModuleLike | undefined {
  const backend = tf.engine().findBackend('wasm') as unknown as { wasm?: EmscriptenModuleLike } | null;
  return backend?.wasm;
}

/** Number of pthread workers the emscripten runtime has (running + idle). */
function pthreadWorkers(): number {
  const pt = wasmModuleOf()?.PThread;
  return (pt?.runningWorkers?.length ?? 0) + (pt?.unusedWorkers?.length ?? 0);
}

/**
 * The pthread workers would keep Node's event loop alive, so a finished program never exits.
 * Unref the existing ones, and make the Worker class emscripten uses for later ones (it sets
 * globalThis.Worker to worker_threads.Worker during init) unref its instances too.
 */
function unrefWorkers(): void {
  const pt = wasmModuleOf()?.PThread;
  for (const wk of [...(pt?.runningWorkers ?? []), ...(pt?.unusedWorkers ?? [])]) wk.unref?.();
  const g = globalThis as unknown as { Worker?: new (...args: unknown[]) => { unref(): void } };
  const Base = g.Worker;
  if (Base && !(Base as { branchnetUnref?: boolean }).branchnetUnref) {
    const Unrefd = class extends Base {
      static branchnetUnref = true;
      constructor(...args: unknown[]) {
        super(...args);
        this.unref();
      }
    };
    g.Worker = Unrefd;
  }
}

function runningWorkers(): number {
  return wasmModuleOf()?.PThread?.runningWorkers?.length ?? 0;
}

/**
 * Installs the Blob / URL.createObjectURL / os.cpus hooks described above and returns the
 * function that removes them.
 */
function installThreadHooks(dir: string, cores: number): () => void {
  const require = createRequire(import.meta.url);
  const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const mainPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.main.js');
  const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;
  const captured = new WeakMap<object, string>();

  class CapturingBlob extends RealBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts && parts.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        captured.set(this, text);
        if (text.startsWith('var WasmBackendModuleThreadedSimd')) fs.writeFileSync(mainPath, text);
      }
    }
  }
  const prelude = [
    '',
    ';(function () {',
    '  // Added by branchnet (src/core/wasm_threads.ts): names the bundled factory expects.',
    "  globalThis.require$$0 = require('fs');",
    "  globalThis.require$$1 = require('path');",
    "  globalThis.require$$3 = require('perf_hooks');",
    "  globalThis.require$$4 = require('os');",
    '  globalThis.commonjsGlobal = globalThis;',
    `  globalThis.__dirname = ${JSON.stringify(distDir)};`,
    `  URL.createObjectURL = function () { return ${JSON.stringify(mainPath)}; };`,
    '  URL.revokeObjectURL = function () {};',
    '})();',
    '',
  ].join('\n');
  (globalThis as { Blob: typeof Blob }).Blob = CapturingBlob;
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    const text = captured.get(obj);
    if (text !== undefined && text.includes('WasmBackendModuleThreadedSimd(Module)')) {
      fs.writeFileSync(workerPath, text + prelude);
      return workerPath;
    }
    return realCreateObjectURL.call(URL, obj as Blob);
  };
  os.cpus = () => Array.from({ length: cores }, () => realCpus()[0]!);
  return () => {
    (globalThis as { Blob: typeof Blob }).Blob = RealBlob;
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
  };
}

/** A conv big enough for XNNPACK to hand work to every thread. */
function exercisePool(): void {
  tf.tidy(() => {
    const x = tf.ones([4, 64, 64, 16]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 16, 16]) as tf.Tensor4D;
    tf.conv2d(x, f, 1, 'same').dataSync();
  });
}

async function startWasm(): Promise<boolean> {
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Configures and initialises the wasm backend (calls tf.setBackend('wasm')), registers the
 * training kernels, and reports the thread count really in use. Idempotent per process: the
 * wasm module can be instantiated once, so later calls return the first result.
 * @example const { threads } = await initWasmBackend({ threads: 2 });
 */
export async function initWasmBackend(opts: { threads?: number } = {}): Promise<WasmInitResult> {
  if (done) {
    if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
    return done;
  }
  const wasmPkg = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  const wanted = Math.max(1, Math.floor(opts.threads ?? os.availableParallelism()));
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  let reason: string | undefined;

  const alreadyStarted = tf.engine().findBackend('wasm') != null;
  if (alreadyStarted) {
    reason = wanted > 1 ? 'the wasm backend was started before initWasmBackend, so its thread count cannot change' : undefined;
  } else if (wanted > 1 && !simd) {
    reason = 'this Node has no WebAssembly SIMD, and tfjs ships threads only in the SIMD build; using one thread';
  } else if (wanted > 1 && typeof SharedArrayBuffer === 'undefined') {
    reason = 'SharedArrayBuffer is unavailable, so wasm threads cannot work; using one thread';
  } else if (wanted > 1) {
    // Workers may be spawned lazily later on, so the scripts stay until the process exits; the
    // folder name carries the pid, so a later start removes it if this process is killed.
    const dir = makeProcessTempDir('branchnet-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasmPkg.setThreadsCount(wanted);
    const restore = installThreadHooks(dir, wanted * 2);
    let ok = false;
    // Emscripten unrefs each pthread worker as soon as it reports 'loaded', and the rest of the
    // start (compiling and instantiating the module) holds no libuv handle either: under load
    // the event loop could empty before init finished, and Node ended the process (exit 13 for a
    // top-level await, or a silent exit). A timer holds the loop open until the start settles.
    // Rarely (measured: 2 of 30 starts with 10 processes starting at once on 2 cores) a worker
    // never reports 'loaded' and the start never settles; then say so instead of hanging.
    const holdOpen = setInterval(() => {}, 1000);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BranchnetError('E_BACKEND',
        `the threaded wasm backend did not start within ${WASM_THREADED_START_TIMEOUT_MS / 1000} s (a worker thread never reported ready; seen when many processes start at once); run the command again, or use one thread: --threads 1 or BRANCHNET_THREADS=1`)), WASM_THREADED_START_TIMEOUT_MS);
    });
    try {
      ok = await Promise.race([startWasm(), timeout]);
    } finally {
      clearInterval(holdOpen);
      clearTimeout(timer);
      restore();
    }
    if (ok) {
      unrefWorkers();
      exercisePool();
      unrefWorkers();
      const reported = wasmPkg.getThreadsCount();
      const workers = pthreadWorkers();
      if (reported < wanted) {
        reason = `the threaded wasm build reports ${reported} threads of the ${wanted} requested`;
      } else if (workers < wanted - 1 || runningWorkers() < wanted - 1) {
        // XNNPACK's pool uses the calling thread plus (threads - 1) pthreads.
        reason = `the threaded wasm build started ${runningWorkers()} of ${wanted - 1} worker threads`;
      }
      if (reason === undefined) {
        const kernels = registerWasmTrainingKernels();
        done = { threads: reported, simd: true, kernels };
        return done;
      }
      // Workers missing: the module runs, but on fewer threads than asked. Keep it, report it.
      const kernels = registerWasmTrainingKernels();
      done = { threads: Math.max(1, Math.min(reported, runningWorkers() + 1)), simd: true, reason, kernels };
      return done;
    }
    // Init failed: the engine keeps the factory, so the same call starts the single-threaded build.
    reason = 'the threaded wasm build failed to start in this Node; using one thread';
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmPkg.setThreadsCount(1);
  } else {
    wasmPkg.setThreadsCount(1);
  }

  if (!(await startWasm())) {
    fail('E_BACKEND', 'the wasm backend failed to initialise; use the cpu backend');
  }
  if (tf.getBackend() !== 'wasm') fail('E_BACKEND', `expected the wasm backend after init, got "${tf.getBackend()}"`);
  const kernels = registerWasmTrainingKernels();
  const threads = wasmPkg.getThreadsCount();
  done = { threads, simd, kernels, ...(reason !== undefined && threads < wanted ? { reason } : {}) };
  return done;
}
