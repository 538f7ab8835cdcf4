/**
 * A conv base read from a TF.js layers model.json (MobileNet v1 as published for TF.js, a
 * Teachable Machine export, any Keras model converted with tensorflowjs_converter), cut at a
 * named layer and re-sized to our input.
 *
 * Only the topology is read here; weights are copied afterwards by layer name
 * (io/layer_weights.ts), with every shape checked first. Cutting happens on the JSON, before
 * anything is built: the layers the cut layer depends on are kept, the rest (the classifier
 * top, whose Reshape/Dense shapes only fit the original input size) never exist. The input
 * layer's shape is replaced by ours, which a fully-convolutional prefix accepts.
 *
 * Reading is async (TF.js deserialises through a Promise); the resulting config is plain data
 * that builds any number of identical backbones synchronously (one per head that uses it).
 */
import fs from 'node:fs/promises';
import { tf } from '../../core/tf.js';
import { fail } from '../../core/errors.js';

type Json = Record<string, unknown>;
interface KerasLayerJson { name: string; class_name: string; config: Json; inbound_nodes?: unknown[] }

/** Config of a cut, re-sized backbone, ready for `backboneFromConfig` (TF.js's own getConfig form). */
export interface BackboneTopology {
  source: string;
  layer: string;
  config: tf.serialization.ConfigDict;
}

function inboundNames(layer: KerasLayerJson): string[] {
  const names: string[] = [];
  for (const node of layer.inbound_nodes ?? []) {
    // Keras 2: [[name, nodeIndex, tensorIndex, kwargs], …]; Keras 3: {args: [{config: {keras_history: [name, …]}}]}
    if (Array.isArray(node)) {
      for (const entry of node) if (Array.isArray(entry) && typeof entry[0] === 'string') names.push(entry[0]);
    } else if (node && typeof node === 'object') {
      JSON.stringify(node, (k, v) => { if (k === 'keras_history' && Array.isArray(v)) names.push(v[0]); return v; });
    }
  }
  return names;
}

function layerListOf(topology: Json): { kind: 'functional' | 'sequential'; config: Json; layers: KerasLayerJson[] } {
  const cls = topology.class_name as string;
  const config = topology.config as Json | KerasLayerJson[];
  if (cls === 'Sequential') {
    const layers = (Array.isArray(config) ? config : (config as Json).layers) as KerasLayerJson[];
    return { kind: 'sequential', config: Array.isArray(config) ? { name: 'sequential', layers } : config as Json, layers };
  }
  if (cls === 'Model' || cls === 'Functional') return { kind: 'functional', config: config as Json, layers: (config as Json).layers as KerasLayerJson[] };
  return { kind: 'functional', config: {}, layers: [] };
}

/** Replace the batch input shape of an InputLayer (Keras 2 `batch_input_shape`, Keras 3 `batch_shape`). */
function resizeInput(layer: KerasLayerJson, height: number, width: number): void {
  const key = 'batch_input_shape' in layer.config ? 'batch_input_shape' : 'batch_shape' in layer.config ? 'batch_shape' : 'batch_input_shape';
  const old = (layer.config[key] as (number | null)[] | undefined) ?? [null, null, null, 3];
  if (old.length !== 4) fail('E_WEIGHTS', `input layer "${layer.name}" has shape [${old.join(', ')}]; a backbone needs an image input [batch, height, width, channels]`);
  layer.config[key] = [null, height, width, old[3] ?? 3];
}

/**
 * Read a TF.js layers model.json and cut its topology at `layer`.
 * @example const topo = await readBackboneTopology('mobilenet/model.json', { layer: 'conv_pw_13_relu', height: 224, width: 224 });
 */
export async function readBackboneTopology(modelJson: string, opts: { layer: string | null; height: number; width: number; name?: string }): Promise<BackboneTopology> {
  let json: Json;
  try {
    json = JSON.parse(await fs.readFile(modelJson, 'utf8'));
  } catch (e) {
    fail('E_WEIGHTS', `${modelJson}: cannot read as a TF.js model.json (${(e as Error).message}); give the model.json of a TF.js layers model (tensorflowjs_converter --input_format keras)`);
  }
  let topology = json.modelTopology as Json | undefined;
  if (topology && topology.model_config) topology = topology.model_config as Json;
  if (!topology || typeof topology !== 'object' || !topology.class_name) {
    fail('E_WEIGHTS', `${modelJson}: no modelTopology with a class_name; expected a TF.js *layers* model (a graph model from tf.saved_model cannot be cut or fine-tuned)`);
  }
  const { kind, config, layers } = layerListOf(topology);
  if (layers.length === 0) fail('E_WEIGHTS', `${modelJson}: model class "${String(topology.class_name)}" has no layers; expected a Sequential or functional Model`);
  const names = layers.map((l) => l.name);
  const cut = opts.layer ?? names.at(-1)!;
  const cutIndex = names.indexOf(cut);
  if (cutIndex < 0) {
    fail('E_WEIGHTS', `${modelJson}: no layer named "${cut}" to cut at; the model's layers are [${names.join(', ')}] (give one with --backbone-layer)`);
  }
  let kept: KerasLayerJson[];
  if (kind === 'sequential') {
    kept = structuredClone(layers.slice(0, cutIndex + 1));
    const first = kept[0];
    if (first.class_name === 'InputLayer') resizeInput(first, opts.height, opts.width);
    else first.config.batch_input_shape = [null, opts.height, opts.width, ((first.config.batch_input_shape as number[] | undefined)?.[3]) ?? 3];
  } else {
    const byName = new Map(layers.map((l) => [l.name, l]));
    const need = new Set<string>();
    const stack = [cut];
    while (stack.length) {
      const n = stack.pop()!;
      if (need.has(n)) continue;
      need.add(n);
      const l = byName.get(n);
      if (!l) fail('E_WEIGHTS', `${modelJson}: layer "${n}" is named as an input of another layer but is not in the model`);
      stack.push(...inboundNames(l));
    }
    kept = structuredClone(layers.filter((l) => need.has(l.name)));
    const inputs = kept.filter((l) => l.class_name === 'InputLayer');
    if (inputs.length !== 1) fail('E_WEIGHTS', `${modelJson}: layer "${cut}" depends on ${inputs.length} inputs; a backbone needs exactly one image input`);
    resizeInput(inputs[0], opts.height, opts.width);
  }
  const name = opts.name ?? String(config.name ?? 'backbone');
  const cutTopology = kind === 'sequential'
    ? { class_name: 'Sequential', config: { ...config, name, layers: kept } }
    : {
      class_name: 'Model',
      config: { ...config, name, layers: kept, input_layers: [[kept.find((l) => l.class_name === 'InputLayer')!.name, 0, 0]], output_layers: [[cut, 0, 0]] },
    };
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: cutTopology as unknown as tf.io.ModelJSON['modelTopology'] } as never);
  } catch (e) {
    fail('E_WEIGHTS', `${modelJson}: cannot build the model cut at "${cut}" at input ${opts.height}x${opts.width} (${(e as Error).message}); the layers up to the cut must accept that size`);
  }
  const out = { source: modelJson, layer: cut, config: model.getConfig() };
  model.dispose();
  return out;
}

/** Build one backbone from a read topology (synchronously; call once per head that needs it). */
export function backboneFromTopology(topology: BackboneTopology): tf.LayersModel {
  const cls = (topology.config.layers !== undefined && 'inputLayers' in topology.config) ? tf.LayersModel : tf.Sequential;
  return (cls as unknown as { fromConfig: (c: unknown, cfg: tf.serialization.ConfigDict) => tf.LayersModel }).fromConfig(cls, topology.config);
}
