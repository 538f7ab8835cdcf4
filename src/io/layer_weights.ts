/**
 * Pretrained weights copied into a model by layer name, with every layer's count and shapes
 * checked before anything is copied (minGPT's `from_pretrained` habit; messages follow Keras's
 * `legacy_h5_format.py`: they name the layer in the file and in the model, and what each has).
 *
 * Sources are plain maps `layer name → tensors in Keras order (kernel, bias, …)`; readers for
 * file formats (TF.js layers model.json here; Keras H5 in ./keras_h5.ts) produce them.
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
 * Where a layer's weights sit in the save file when that differs from its key (a layer of a
 * nested model: `vgg16/block1_conv1`). Readers record it; error messages name it.
 */
const savedNames = new WeakMap<LayerWeightMap, Map<string, string>>();

/** Record that `layer`'s weights come from `savedName` in the save file (used in messages). */
export function noteSavedLayerName(source: LayerWeightMap, layer: string, savedName: string): void {
  if (savedName === layer) return;
  if (!savedNames.has(source)) savedNames.set(source, new Map());
  savedNames.get(source)!.set(layer, savedName);
}

/** The name under which `layer`'s weights sit in the save file (the key itself unless noted). */
export function savedLayerName(source: LayerWeightMap, layer: string): string {
  return savedNames.get(source)?.get(layer) ?? layer;
}

export interface AssignOptions {
  /**
   * Whether `source` may hold layers the model lacks (default true: a model cut from a larger
   * one takes what it needs). False asks for an exact match: every saved layer must be used.
   */
  allowExtra?: boolean;
}

/** Layers whose presence means the file was saved with include_top=True (Keras applications). */
const TOP_LAYERS = ['fc1', 'fc2', 'predictions'];

const shapeText = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;

/** The model's name for a weight, Keras style: `block1_conv1/kernel:0`. */
function weightName(layer: tf.layers.Layer, i: number): string {
  const own = layer.weights[i]?.originalName ?? `weight_${i}`;
  return `${layer.name}/${own.split('/').at(-1)}:0`;
}

/**
 * Copy weights into `model`'s layers by name. Checks everything first; copies nothing on error.
 * Layers without weights are ignored. `source` may hold layers the model lacks (a cut model)
 * unless `options.allowExtra` is false. Messages follow Keras's `legacy_h5_format.py`; layer
 * numbers (#k) count the model's layers that have weights, from 0, as Keras does.
 * @returns the number of layers whose weights were set
 */
export function assignLayerWeights(model: tf.LayersModel, source: LayerWeightMap, sourceLabel: string, options: AssignOptions = {}): number {
  const allowExtra = options.allowExtra ?? true;
  const plan: [tf.layers.Layer, tf.Tensor[]][] = [];
  const missing: string[] = [];
  const weighted = model.layers.filter((l) => l.weights.length > 0);
  weighted.forEach((layer, k) => {
    const target = layer.weights;
    const ws = source.get(layer.name);
    if (!ws) { missing.push(`#${k} (named ${layer.name} in the current model)`); return; }
    const saved = savedLayerName(source, layer.name);
    if (ws.length !== target.length) {
      fail('E_WEIGHTS', `${sourceLabel}: Weight count mismatch for layer #${k} (named ${layer.name} in the current model, ${saved} in the save file). Layer expects ${target.length} weight(s). Received ${ws.length} saved weight(s)`);
    }
    ws.forEach((w, i) => {
      if (w.shape.join(',') !== target[i].shape.join(',')) {
        fail('E_WEIGHTS', `${sourceLabel}: Shape mismatch in layer #${k} (named ${layer.name} in the current model, ${saved} in the save file) for weight ${weightName(layer, i)}. Weight expects shape ${shapeText(target[i].shape)}. Received saved weight with shape ${shapeText(w.shape)}`);
      }
    });
    plan.push([layer, ws]);
  });
  const counts = `Model expected ${weighted.length} layers, found ${source.size} saved layers`;
  const savedList = [...source.keys()].map((k) => savedLayerName(source, k)).join(', ');
  if (missing.length > 0) {
    fail('E_WEIGHTS', `${sourceLabel}: No saved weights for ${missing.length} layer(s) of the current model (${model.name}): ${missing.join(', ')}. ${counts}: ${savedList}; the save file was made for a different architecture`);
  }
  if (!allowExtra) {
    const names = new Set(weighted.map((l) => l.name));
    const extra = [...source.keys()].filter((k) => !names.has(k));
    if (extra.length > 0) {
      const hint = extra.some((k) => TOP_LAYERS.includes(k))
        ? `A file saved with include_top=True holds ${TOP_LAYERS.join(', ')} (the classifier on top); take the _notop file instead (for VGG16: vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5)`
        : 'The save file was made for a larger model; load it into a model that has these layers';
      fail('E_WEIGHTS', `${sourceLabel}: ${extra.length} saved layer(s) not in the current model (${model.name}): ${extra.map((k) => savedLayerName(source, k)).join(', ')}. ${counts}. ${hint}`);
    }
  }
  for (const [layer, ws] of plan) layer.setWeights(ws);
  return plan.length;
}
