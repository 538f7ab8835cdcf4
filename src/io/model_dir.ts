/**
 * The model directory: everything needed to use a trained model again, written atomically.
 *
 *   model.json      TF.js layers topology + weights manifest
 *   weights.bin     all weights, one shard
 *   branchnet.json  format version, heads and vocabularies, preprocessing, the resolved config
 *   history.json    per-phase training history (optional)
 *   + any extra files the caller adds (history.png, …)
 *
 * Atomic: files are written into a sibling temp folder, flushed, and the folder is renamed into
 * place; a process killed at any moment leaves either the old model or the new one, never a
 * half-written one (a stale temp folder at worst, named `.<name>.tmp-*`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';
import { writeFileSynced } from '../core/fs.js';
import type { TrainConfig } from '../core/defaults.js';
import type { Head } from '../data/manifest.js';
import type { History } from '../core/history.js';

export const MODEL_FORMAT = 'branchnet-model';
export const MODEL_FORMAT_VERSION = 1;

export interface ModelMeta {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  heads: Head[];
  config: TrainConfig;
  createdAt: string;
  backend?: string;
  /** Anything else a caller wants recorded (data set summary, timings). */
  info?: Record<string, unknown>;
}

export interface SavedModel {
  model: tf.LayersModel;
  meta: ModelMeta;
  history: History | null;
}

/**
 * Save a model directory atomically.
 * @example await saveModelDir('runs/a', model, meta, history, { 'history.png': png });
 */
export async function saveModelDir(
  dir: string,
  model: tf.LayersModel,
  meta: Omit<ModelMeta, 'format' | 'formatVersion' | 'createdAt'> & Partial<Pick<ModelMeta, 'createdAt'>>,
  history: History | null = null,
  extra: Record<string, string | Uint8Array> = {},
): Promise<string> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}`);
  await fs.mkdir(tmp);
  try {
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const a = artifacts! as tf.io.ModelArtifacts;
    const weightData = tf.io.CompositeArrayBuffer.join(a.weightData!);
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: 'branchnet',
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    };
    await writeFileSynced(path.join(tmp, 'weights.bin'), new Uint8Array(weightData));
    await writeFileSynced(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
    const fullMeta: ModelMeta = {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: meta.createdAt ?? new Date().toISOString(),
      ...meta,
    };
    await writeFileSynced(path.join(tmp, 'branchnet.json'), JSON.stringify(fullMeta, null, 2));
    if (history) await writeFileSynced(path.join(tmp, 'history.json'), JSON.stringify(history, null, 2));
    for (const [name, data] of Object.entries(extra)) {
      if (name.includes('/') || name.includes('..')) fail('E_MODEL_DIR', `extra file name "${name}" must be a plain file name`);
      await writeFileSynced(path.join(tmp, name), data);
    }
    // Replace atomically: move any old model aside, move the new one in, then drop the old one.
    const old = path.join(parent, `.${path.basename(target)}.old-${process.pid}-${Date.now()}`);
    let moved = false;
    try {
      await fs.rename(target, old);
      moved = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await fs.rename(tmp, target);
    if (moved) await fs.rm(old, { recursive: true, force: true });
    return target;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    fail('E_MODEL_DIR', `${file}: missing; expected a branchnet model directory with ${what} (made by branchnet train)`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    fail('E_MODEL_DIR', `${file}: not valid JSON (${(e as Error).message}); the model directory is damaged, train again or restore it`);
  }
}

/**
 * Load a model directory written by saveModelDir.
 * @example const { model, meta } = await loadModelDir('runs/a');
 */
export async function loadModelDir(dir: string): Promise<SavedModel> {
  const meta = await readJson<ModelMeta>(path.join(dir, 'branchnet.json'), 'branchnet.json');
  if (meta.format !== MODEL_FORMAT) fail('E_MODEL_DIR', `${path.join(dir, 'branchnet.json')}: format is "${meta.format}", expected "${MODEL_FORMAT}"`);
  if (meta.formatVersion > MODEL_FORMAT_VERSION) {
    fail('E_MODEL_DIR', `${dir}: model format version ${meta.formatVersion} is newer than this branchnet understands (${MODEL_FORMAT_VERSION}); upgrade branchnet`);
  }
  const modelJson = await readJson<{ modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }>(path.join(dir, 'model.json'), 'model.json');
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = path.resolve(dir, p);
      if (path.dirname(file) !== path.resolve(dir)) fail('E_MODEL_DIR', `${dir}/model.json: weight path "${p}" points outside the model directory`);
      try {
        buffers.push(await fs.readFile(file));
      } catch {
        fail('E_MODEL_DIR', `${file}: missing weight file named in model.json; the model directory is incomplete`);
      }
    }
  }
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const joined = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) { joined.set(b, off); off += b.byteLength; }
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData: joined.buffer,
  }));
  let history: History | null = null;
  try {
    history = JSON.parse(await fs.readFile(path.join(dir, 'history.json'), 'utf8')) as History;
  } catch { /* optional */ }
  return { model, meta, history };
}
