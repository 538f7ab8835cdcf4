/**
 * Pretrained weights copied into a model by layer name, with every layer's count and shapes
 * checked before anything is copied (minGPT's `from_pretrained` habit; messages follow Keras's
 * `legacy_h5_format.py`: they name the layer in the file and in the model, and what each has).
 *
 * Sources are plain maps `layer name → tensors in Keras order (kernel, bias, …)`; readers for
 * file formats (TF.js layers model.json here; Keras H5 in a later module) produce them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';

export type LayerWeightMap = Map<string, tf.Tensor[]>;

/** Order in which Keras lists a layer's weights. */
const ORDER = ['kernel', 'depthwise_kernel', 'pointwise_kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance'];

/**
 * Read a TF.js layers model (model.json + shards) into a layer → weights map, without building it.
 * Shard paths are resolved inside the model's folder only.
 */
export async function readTfjsLayerWeights(modelJsonPath: string): Promise<LayerWeightMap> {
  let json: { weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(await fs.readFile(modelJsonPath, 'utf8'));
  } catch (e) {
    fail('E_WEIGHTS', `${modelJsonPath}: cannot read as a TF.js model.json (${(e as Error).message}); give the model.json of a TF.js layers model`);
  }
  if (!Array.isArray(json.weightsManifest)) fail('E_WEIGHTS', `${modelJsonPath}: no weightsManifest; expected a TF.js layers model.json`);
  const folder = path.dirname(path.resolve(modelJsonPath));
  const map: LayerWeightMap = new Map();
  const named: Record<string, tf.Tensor> = {};
  for (const group of json.weightsManifest) {
    const buffers: Uint8Array[] = [];
    for (const p of group.paths) {
      const file = path.resolve(folder, p);
      if (path.relative(folder, file).startsWith('..') || path.isAbsolute(path.relative(folder, file))) {
        fail('E_WEIGHTS', `${modelJsonPath}: shard path "${p}" points outside the model's folder; shards must sit beside model.json`);
      }
      try {
        buffers.push(await fs.readFile(file));
      } catch {
        fail('E_WEIGHTS', `${file}: weight shard named in ${modelJsonPath} is missing; copy every shard next to model.json`);
      }
    }
    const joined = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
    let off = 0;
    for (const b of buffers) { joined.set(b, off); off += b.byteLength; }
    Object.assign(named, tf.io.decodeWeights(joined.buffer, group.weights));
  }
  const byLayer = new Map<string, [string, tf.Tensor][]>();
  for (const [name, t] of Object.entries(named)) {
    const parts = name.split('/');
    const weight = parts.at(-1)!.replace(/(_\d+)?(:\d+)?$/, '');
    const layer = parts.length > 1 ? parts.at(-2)! : name;
    if (!byLayer.has(layer)) byLayer.set(layer, []);
    byLayer.get(layer)!.push([weight, t]);
  }
  for (const [layer, ws] of byLayer) {
    ws.sort((a, b) => ORDER.indexOf(a[0]) - ORDER.indexOf(b[0]));
    map.set(layer, ws.map(([, t]) => t));
  }
  return map;
}

/**
 * Copy weights into `model`'s layers by name. Checks everything first; copies nothing on error.
 * Layers without weights are ignored; `source` may hold layers the model lacks (a cut model).
 */
export function assignLayerWeights(model: tf.LayersModel, source: LayerWeightMap, sourceLabel: string): number {
  const plan: [tf.layers.Layer, tf.Tensor[]][] = [];
  const missing: string[] = [];
  for (const layer of model.layers) {
    const target = layer.getWeights();
    if (target.length === 0) continue;
    const ws = source.get(layer.name);
    if (!ws) { missing.push(layer.name); continue; }
    if (ws.length !== target.length) {
      fail('E_WEIGHTS', `${sourceLabel}: layer "${layer.name}" in the file has ${ws.length} weights but layer "${layer.name}" in model ${model.name} expects ${target.length}; the file was made for another architecture`);
    }
    ws.forEach((w, i) => {
      if (w.shape.join(',') !== target[i].shape.join(',')) {
        fail('E_WEIGHTS', `${sourceLabel}: weight ${i} of layer "${layer.name}" has shape [${w.shape.join(', ')}] in the file but [${target[i].shape.join(', ')}] in model ${model.name}; the file was made for another architecture or input size`);
      }
    });
    plan.push([layer, ws]);
  }
  if (missing.length > 0) {
    fail('E_WEIGHTS', `${sourceLabel}: no weights for layer${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} of model ${model.name}; the file has [${[...source.keys()].join(', ')}]`);
  }
  for (const [layer, ws] of plan) layer.setWeights(ws);
  return plan.length;
}
