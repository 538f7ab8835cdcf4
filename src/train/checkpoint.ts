/**
 * Checkpoints: everything a run needs to continue exactly where it stopped, after every epoch
 * and on Ctrl-C, so that `branchnet train --resume <out>` ends with the same weights and
 * history as a run that was never interrupted.
 *
 * Where: `<out>.checkpoint/step-<global step>/`, a sibling of the model directory, not inside
 * it. The model directory is replaced atomically by a rename when the final model is saved
 * (and with --overwrite, it still holds the previous model until then), so nothing of a run in
 * progress may live in it. Each checkpoint is itself a model directory written by saveModelDir
 * (temp folder, fsync, rename: atomic), so it can be loaded by `predict` too, plus:
 *
 *   state.json      where the run stands (FitSnapshot without the optimiser bytes), the batch
 *                   streams' positions and generator states, what was run on what (data,
 *                   output folder, engine, backend, threads) and a fingerprint of the split
 *   optimizer.bin   the optimiser's slots (RMSprop's mean squares and moments, the iteration
 *                   count), when the checkpoint is inside a phase
 *
 * The newest complete `step-*` folder is the checkpoint; older ones are removed once a newer
 * one is in place, so a kill at any moment leaves at least one whole checkpoint. Nothing else
 * needs saving: weights are all of model.weights (frozen layers and BatchNorm statistics
 * included), the split and initialisation are recomputed from the saved config, and dropout
 * masks depend only on (seed, phase, step) (dropout_seeds.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';
import type { TrainConfig } from '../core/defaults.js';
import type { BatchStreamState } from '../data/batches.js';
import type { Split } from '../data/split.js';
import type { Head } from '../data/manifest.js';
import { saveModelDir } from '../io/model_dir.js';
import { checkpointDirOf, isCheckpointDir } from '../io/out_path.js';
import type { FitSnapshot } from './fit.js';

export const CHECKPOINT_FORMAT = 'branchnet-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

/** How the run was started: what `--resume` needs so the user repeats no flag. */
export interface RunSpec {
  data: string;
  /** Absolute model directory. */
  out: string;
  engine?: 'auto' | 'tfjs' | 'onnxruntime';
  backend?: { backend?: 'auto' | 'node' | 'wasm' | 'cpu'; threads?: number };
  keepCheckpoints: boolean;
  /** sha256 of the split (training and validation paths and labels, in order). */
  fingerprint: string;
}

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  run: RunSpec;
  fit: Omit<FitSnapshot, 'optimizer'> & { optimizerSpecs: tf.io.WeightsManifestEntry[] | null };
  streams: { train: BatchStreamState; val: BatchStreamState | null };
}

export interface LoadedCheckpoint {
  /** The step folder read. */
  dir: string;
  state: CheckpointState;
  config: TrainConfig;
  heads: Head[];
  snapshot: FitSnapshot;
  /** All model weights, in model.weights order. */
  weights: { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer };
}

/**
 * A split's identity: a resumed run must see the same images in the same order. Paths count
 * relative to the data folder or CSV, so `data/train` and its absolute path are the same data.
 */
export function splitFingerprint(split: Pick<Split, 'train' | 'val'>, data: string): string {
  const base = path.resolve(data);
  const rows = (items: Split['train']) => items.map((it) => [path.relative(base, path.resolve(it.path)), it.combo]);
  return createHash('sha256').update(JSON.stringify([rows(split.train), rows(split.val)])).digest('hex');
}

/** Steps done before a position, over all phases: checkpoints are named by it, so newer sorts later. */
export function globalStep(config: TrainConfig, p: FitSnapshot['position']): number {
  let n = 0;
  for (let i = 0; i < p.phaseIndex && i < config.phases.length; i++) n += config.phases[i].epochs * config.phases[i].stepsPerEpoch;
  const phase = config.phases[p.phaseIndex];
  return n + (phase ? p.epoch * phase.stepsPerEpoch + p.step : 0);
}

const STEP_DIR = /^step-(\d+)$/;

/**
 * Write a checkpoint atomically and remove the older ones.
 * @example await writeCheckpoint('runs/a', model, { heads, config }, snapshot, streams, run);
 */
export async function writeCheckpoint(
  modelDir: string,
  model: tf.LayersModel,
  meta: { heads: Head[]; config: TrainConfig; backend?: string },
  snapshot: FitSnapshot,
  streams: CheckpointState['streams'],
  run: RunSpec,
): Promise<string> {
  const root = checkpointDirOf(modelDir);
  const name = `step-${String(globalStep(meta.config, snapshot.position)).padStart(9, '0')}`;
  const { optimizer, ...fitState } = snapshot;
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    run,
    fit: { ...fitState, optimizerSpecs: optimizer?.specs ?? null },
    streams,
  };
  const extra: Record<string, string | Uint8Array> = { 'state.json': JSON.stringify(state) };
  if (optimizer) extra['optimizer.bin'] = optimizer.data;
  const dir = await saveModelDir(path.join(root, name), model, { ...meta, info: { checkpoint: true } }, { phases: snapshot.phases }, extra);
  for (const e of await fs.readdir(root)) {
    if (e !== name && (STEP_DIR.test(e) || /^\.step-\d+\.(tmp|old)-/.test(e))) await fs.rm(path.join(root, e), { recursive: true, force: true });
  }
  return dir;
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    fail('E_CHECKPOINT', `${file}: cannot read it (${(e as Error).message}); the checkpoint is damaged; start the run again`);
  }
}

/**
 * The newest checkpoint of a run, given its model directory (or the checkpoint folder itself).
 * @example const ck = await readCheckpoint('runs/a');
 */
export async function readCheckpoint(given: string): Promise<LoadedCheckpoint> {
  const abs = path.resolve(given);
  const candidates = abs.endsWith('.checkpoint') ? [abs, checkpointDirOf(abs)] : [checkpointDirOf(abs)];
  let root: string | null = null;
  for (const c of candidates) {
    if (await fs.stat(c).then((s) => s.isDirectory(), () => false)) { root = c; break; }
  }
  if (!root || !(await isCheckpointDir(root))) {
    fail('E_CHECKPOINT', `${given}: no checkpoint to resume (looked for ${candidates.join(' and ')}); --resume takes the -o folder of a run that was interrupted`);
  }
  const steps = (await fs.readdir(root)).filter((e) => STEP_DIR.test(e)).sort();
  if (steps.length === 0) fail('E_CHECKPOINT', `${root}: holds no finished checkpoint (the run stopped before its first epoch ended); start it again`);
  const dir = path.join(root, steps[steps.length - 1]);
  const state = await readJson<CheckpointState>(path.join(dir, 'state.json'));
  if (state.format !== CHECKPOINT_FORMAT || state.formatVersion > CHECKPOINT_FORMAT_VERSION) {
    fail('E_CHECKPOINT', `${dir}/state.json: format "${state.format}" version ${state.formatVersion}, expected "${CHECKPOINT_FORMAT}" version ≤ ${CHECKPOINT_FORMAT_VERSION}; resume it with the branchnet that wrote it`);
  }
  const meta = await readJson<{ heads: Head[]; config: TrainConfig }>(path.join(dir, 'branchnet.json'));
  const modelJson = await readJson<{ weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }>(path.join(dir, 'model.json'));
  const weightBytes = await fs.readFile(path.join(dir, 'weights.bin'));
  let optimizer = null;
  if (state.fit.optimizerSpecs) {
    optimizer = { specs: state.fit.optimizerSpecs, data: new Uint8Array(await fs.readFile(path.join(dir, 'optimizer.bin'))) };
  }
  const { optimizerSpecs: _, ...fitState } = state.fit;
  return {
    dir,
    state,
    config: meta.config,
    heads: meta.heads,
    snapshot: { ...fitState, optimizer },
    weights: {
      specs: modelJson.weightsManifest.flatMap((g) => g.weights),
      data: weightBytes.buffer.slice(weightBytes.byteOffset, weightBytes.byteOffset + weightBytes.byteLength) as ArrayBuffer,
    },
  };
}

/**
 * Put a checkpoint's weights into a freshly built model of the same config, by weight name
 * (and occurrence, for names two branches share), shapes checked. Not by position: TF.js lists
 * `model.weights` trainable ones first, so the order depends on which layers the phase froze.
 */
export function restoreWeights(model: tf.LayersModel, ck: LoadedCheckpoint): void {
  // Decoded by position: original names repeat when two branches hold the same backbone.
  const map = tf.io.decodeWeights(ck.weights.data, ck.weights.specs.map((s, i) => ({ ...s, name: String(i) })));
  const saved = new Map<string, tf.Tensor[]>();
  ck.weights.specs.forEach((s, i) => { const list = saved.get(s.name) ?? []; list.push(map[String(i)]); saved.set(s.name, list); });
  try {
    const want = model.weights;
    const used = new Map<string, number>();
    const tensors = want.map((w) => {
      const k = used.get(w.originalName) ?? 0;
      used.set(w.originalName, k + 1);
      return saved.get(w.originalName)?.[k];
    });
    const bad = want.findIndex((w, i) => !tensors[i] || w.shape.join('x') !== tensors[i]!.shape.join('x'));
    if (ck.weights.specs.length !== want.length || bad >= 0) {
      fail('E_CHECKPOINT', `${ck.dir}: its weights do not fit the model its config builds (${ck.weights.specs.length} saved, ${want.length} expected${bad >= 0 ? `; first mismatch: ${want[bad].originalName}` : ''}); was it written by another branchnet version?`);
    }
    model.setWeights(tensors as tf.Tensor[]);
  } finally {
    tf.dispose(Object.values(map));
  }
}

/** Remove a run's checkpoints (after its final model is in place). */
export async function removeCheckpoints(modelDir: string): Promise<void> {
  const root = checkpointDirOf(modelDir);
  if (await fs.stat(root).then(() => true, () => false)) {
    if (!(await isCheckpointDir(root))) return; // not ours: leave it
    await fs.rm(root, { recursive: true, force: true });
  }
}
