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
 *
 * Integrity: branchnet.json records the sha256 and size of model.json and weights.bin at save
 * time (`integrity`), and loading checks both before building the model, so a truncated or
 * overwritten file fails with one E_MODEL_DIR line instead of a TF.js shape error or NaN
 * predictions. Models saved before this have no hashes: they load, unverified (`verified: false`;
 * NODE_DEBUG=branchnet prints a note).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { debuglog } from 'node:util';
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';
import { replaceDir, writeFileSynced } from '../core/fs.js';
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
  /** sha256 and size of each model file at save time, checked at load (absent in older models). */
  integrity?: Record<string, FileDigest>;
}

export interface FileDigest {
  sha256: string;
  bytes: number;
}

const debug = debuglog('branchnet');

function digest(data: string | Uint8Array): FileDigest {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
}

/** Check a model file's bytes against the digest saved with it. */
function verifyFile(file: string, data: Uint8Array, saved: FileDigest): void {
  const found = digest(data);
  if (found.sha256 === saved.sha256 && found.bytes === saved.bytes) return;
  const size = found.bytes === saved.bytes ? '' : `; ${found.bytes} bytes, ${saved.bytes} were saved`;
  fail('E_MODEL_DIR', `${file}: content hash does not match branchnet.json (saved ${saved.sha256}, found ${found.sha256}${size}); the file is damaged or was changed; retrain or restore it`);
}

export interface SavedModel {
  model: tf.LayersModel;
  meta: ModelMeta;
  history: History | null;
  /** Whether model.json and the weights matched the hashes in branchnet.json (false: none recorded). */
  verified: boolean;
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
    const weightBytes = new Uint8Array(weightData);
    const modelText = JSON.stringify(modelJson);
    await writeFileSynced(path.join(tmp, 'weights.bin'), weightBytes);
    await writeFileSynced(path.join(tmp, 'model.json'), modelText);
    const fullMeta: ModelMeta = {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: meta.createdAt ?? new Date().toISOString(),
      ...meta,
      // After the spread: a caller re-saving a loaded meta must not carry the old model's hashes.
      integrity: { 'model.json': digest(modelText), 'weights.bin': digest(weightBytes) },
    };
    await writeFileSynced(path.join(tmp, 'branchnet.json'), JSON.stringify(fullMeta, null, 2));
    if (history) await writeFileSynced(path.join(tmp, 'history.json'), JSON.stringify(history, null, 2));
    for (const [name, data] of Object.entries(extra)) {
      if (name.includes('/') || name.includes('..')) fail('E_MODEL_DIR', `extra file name "${name}" must be a plain file name`);
      await writeFileSynced(path.join(tmp, name), data);
    }
    await replaceDir(tmp, target);
    return target;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function readJson<T>(file: string, what: string, saved?: FileDigest): Promise<T> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    fail('E_MODEL_DIR', `${file}: missing; expected a branchnet model directory with ${what} (made by branchnet train)`);
  }
  if (saved) verifyFile(file, bytes, saved);
  const text = bytes.toString('utf8');
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
  const integrity = meta.integrity ?? null;
  if (!integrity) debug('%s: branchnet.json records no content hashes (saved before they were added); its files are loaded unverified', dir);
  const modelJson = await readJson<{ modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }>(
    path.join(dir, 'model.json'), 'model.json', integrity?.['model.json'],
  );
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = path.resolve(dir, p);
      if (path.dirname(file) !== path.resolve(dir)) fail('E_MODEL_DIR', `${dir}/model.json: weight path "${p}" points outside the model directory`);
      let data: Buffer;
      try {
        data = await fs.readFile(file);
      } catch {
        fail('E_MODEL_DIR', `${file}: missing weight file named in model.json; the model directory is incomplete`);
      }
      const saved = integrity?.[path.basename(file)];
      if (saved) verifyFile(file, data, saved);
      else if (integrity) fail('E_MODEL_DIR', `${file}: weight file has no content hash in branchnet.json; the model directory was changed after saving; retrain or restore it`);
      buffers.push(data);
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
  return { model, meta, history, verified: integrity !== null };
}
