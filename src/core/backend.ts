/**
 * Picks the engine, once per process: `@tensorflow/tfjs-node` when the user has installed it
 * (optional accelerator, never required), else the wasm backend (its binary ships in the npm
 * package; we register the gradient kernels it lacks), else the pure-JS cpu backend.
 * `BRANCHNET_BACKEND=node|wasm|cpu` or the `backend` option forces one.
 *
 * This is TF.js alone; `initBackend` of ../onnx/backend.ts (the public one) also puts the big
 * convolutions of the wasm backend on onnxruntime when it is installed.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { tf } from './tf.js';
import { fail } from './errors.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendRequest = 'auto' | 'node' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tf.getBackend() after initialisation. */
  name: BackendName;
  /** Threads the backend computes with (wasm: its pthread pool; cpu: 1). */
  threads: number;
  simd: boolean;
  /** Why a preferred backend was not used, if one was not. */
  notes: string[];
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

export interface BackendOptions {
  backend?: BackendRequest;
  /** wasm thread count; defaults to the number of cores. */
  threads?: number;
}

async function tryNode(notes: string[]): Promise<boolean> {
  try {
    // Resolved at run time so that TypeScript and bundlers never require the optional package.
    const require = createRequire(import.meta.url);
    const name = '@tensorflow/tfjs-node';
    require.resolve(name);
    await import(name);
    return await tf.setBackend('tensorflow');
  } catch (e) {
    notes.push(`tfjs-node not used: ${(e as Error).message.split('\n')[0]}`);
    return false;
  }
}

async function tryWasm(threads: number, notes: string[]): Promise<{ threads: number; simd: boolean } | null> {
  try {
    const { initWasmBackend } = await import('./wasm_threads.js');
    const info = await initWasmBackend({ threads });
    if (info.reason) notes.push(info.reason);
    return info;
  } catch (e) {
    notes.push(`wasm backend failed: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

async function init(opts: BackendOptions): Promise<BackendInfo> {
  const request = opts.backend ?? (process.env.BRANCHNET_BACKEND as BackendRequest | undefined) ?? 'auto';
  if (!['auto', 'node', 'wasm', 'cpu'].includes(request)) {
    fail('E_BACKEND', `backend "${request}" is not one of [auto, node, wasm, cpu]; fix --backend or BRANCHNET_BACKEND`);
  }
  const envThreads = process.env.BRANCHNET_THREADS ? Number(process.env.BRANCHNET_THREADS) : undefined;
  const threads = opts.threads ?? envThreads ?? os.availableParallelism();
  const notes: string[] = [];
  if (request === 'node' || request === 'auto') {
    if (await tryNode(notes)) return { name: 'tensorflow', threads, simd: true, notes };
    if (request === 'node') fail('E_BACKEND', `backend "node" requested but @tensorflow/tfjs-node could not load (${notes.at(-1)}); install it with npm i @tensorflow/tfjs-node or use --backend wasm`);
  }
  if (request === 'wasm' || request === 'auto') {
    const w = await tryWasm(threads, notes);
    if (w) return { name: 'wasm', threads: w.threads, simd: w.simd, notes };
    if (request === 'wasm') fail('E_BACKEND', `backend "wasm" requested but it could not start (${notes.at(-1)}); use --backend cpu`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', threads: 1, simd: false, notes };
}

/**
 * Initialise the engine (idempotent) and say which backend runs.
 * @example const info = await initBackend(); console.log(describeBackend(info));
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  if (current) return current;
  pending ??= init(opts).then((info) => (current = info));
  return pending;
}

export function backendInfo(): BackendInfo | null {
  return current;
}

export function describeBackend(info: BackendInfo): string {
  const extra = info.name === 'wasm' ? ` (${info.threads} thread${info.threads === 1 ? '' : 's'}${info.simd ? ', SIMD' : ''})` : '';
  return `${info.name}${extra}`;
}
