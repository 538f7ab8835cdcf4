/**
 * Builds the functional model: one input named `images`, one branch per head, outputs named by
 * head, in head order. Also the per-phase trainability rules (freeze / unfreeze backbones).
 */
import { tf } from '../core/tf.js';
import type { ModelConfig, PhaseConfig } from '../core/defaults.js';
import { fail } from '../core/errors.js';
import { seededInitializers } from './init.js';
import { buildBackbone, backboneBranch, cnnBranch, isPixelFeatures, pixelBranch, type ModelResources } from './branches.js';
import { readBackboneTopology } from './backbones/from_file.js';
export type { ModelResources };
import { singleHeadTrunk, smallerVggNet } from './baselines.js';
import { headActivation } from '../core/defaults.js';
import type { Head } from '../data/manifest.js';

/**
 * Build the multi-branch model for the given heads and vocabularies.
 * @example const model = buildModel(resolveConfig().model, [{name:'color',vocab:['black','blue','red']}, {name:'type',vocab:['dress','jeans','shirt']}], 42);
 */
export function buildModel(cfg: ModelConfig, heads: Head[], seed: number, resources: ModelResources = {}): tf.LayersModel {
  const names = heads.map((h) => h.name).join(',');
  if (names !== cfg.heads.join(',')) {
    fail('E_CONFIG', `heads [${names}] from the data do not match config model.heads [${cfg.heads.join(', ')}]; pass the same --heads to train and to the data`);
  }
  for (const h of heads) {
    if (h.vocab.length < 2) {
      fail('E_DATA_LABEL', `head "${h.name}" has ${h.vocab.length} class [${h.vocab.join(', ')}]; a classifier needs at least 2, so add data with other ${h.name} labels`);
    }
  }
  const init = seededInitializers(seed);
  const input = tf.input({ shape: [cfg.height, cfg.width, 3], name: 'images' });
  let outputs: tf.SymbolicTensor[];
  if (cfg.arch === 'split' || cfg.arch === 'split-gray') {
    outputs = heads.map((h) => {
      const kind = cfg.branches[h.name];
      const branch = kind === 'cnn'
        ? cnnBranch(h.name, h.vocab.length, cfg.cnn, cfg.height, cfg.width, init)
        : kind === 'pixel'
          ? pixelBranch(h.name, h.vocab.length, cfg.height, cfg.width, init, cfg.pixel.pool)
          : backboneBranch(h.name, h.vocab.length, buildBackbone(cfg.backbone.backbone, cfg.height, cfg.width, init, resources), cfg.backbone, init, cfg.arch === 'split-gray');
      return branch.apply(input) as tf.SymbolicTensor;
    });
  } else {
    const trunk = cfg.arch === 'multilabel'
      ? smallerVggNet(cfg.height, cfg.width, init)
      : singleHeadTrunk(buildBackbone(cfg.backbone.backbone, cfg.height, cfg.width, init, resources), cfg.backbone, init);
    const features = trunk.apply(input) as tf.SymbolicTensor;
    outputs = heads.map((h) => tf.layers.dense({
      units: h.vocab.length, activation: headActivation(cfg.arch), name: h.name, kernelInitializer: init.kernel(),
    }).apply(features) as tf.SymbolicTensor);
  }
  const model = tf.model({ inputs: input, outputs, name: 'branchnet' });
  checkShapes(model, cfg);
  return model;
}

/**
 * Read what the model build needs from files: the topology of a model.json backbone
 * (mobilenet, tfjs), cut at its layer and sized to the input. Nothing for vgg16 and scratch.
 */
export async function loadModelResources(cfg: ModelConfig): Promise<ModelResources> {
  const { backbone, weights, layer } = cfg.backbone;
  if ((backbone !== 'mobilenet' && backbone !== 'tfjs' && backbone !== 'synthetic') || weights === null) return {};
  if (!weights.endsWith('.json')) {
    fail('E_CONFIG', `backbone ${backbone} is read from a TF.js layers model.json, but weights is "${weights}"; give the model.json (Keras .h5 files are for --backbone vgg16)`);
  }
  return { backbone: await readBackboneTopology(weights, { layer, height: cfg.height, width: cfg.width, name: backbone }) };
}

/** A layer whose output has a zero-sized dimension means the input is too small for its pools and strides. */
function checkShapes(model: tf.LayersModel, cfg: ModelConfig): void {
  const walk = (m: tf.LayersModel, path: string): void => {
    for (const l of m.layers) {
      if (l instanceof tf.LayersModel) { walk(l, `${path}${l.name}/`); continue; }
      const shape = (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as (number | null)[];
      if (shape.some((d) => d === 0)) {
        model.dispose();
        fail('E_CONFIG', `input size ${cfg.height}x${cfg.width} is too small: layer ${path}${l.name} would output shape [${shape.map((d) => d ?? 'batch').join(', ')}]; use a larger --size (the notebook uses 160x128)`);
      }
    }
  };
  walk(model, '');
}

/** The backbone inside a head's branch (or inside the shared trunk), or null for a cnn/pixel branch. */
export function backboneOf(model: tf.LayersModel, head: string): tf.LayersModel | null {
  const layer = model.getLayer(head);
  const container = layer instanceof tf.Sequential ? layer : model.layers.find((l) => l.name === 'trunk');
  if (!(container instanceof tf.Sequential)) return null;
  // The pixel branch's pooling sub-model is no conv base: it trains from the first step.
  return (container.layers.find((l) => l instanceof tf.LayersModel && !isPixelFeatures(l)) as tf.LayersModel | undefined) ?? null;
}

/** Every distinct backbone in the model. */
export function backbones(model: tf.LayersModel, heads: string[]): tf.LayersModel[] {
  return [...new Set(heads.map((h) => backboneOf(model, h)).filter((b): b is tf.LayersModel => b !== null))];
}

/** Whether a backbone arrives pretrained and so starts frozen (VGG16), or learns from scratch. */
function startsFrozen(backbone: tf.LayersModel): boolean {
  return backbone.name !== 'scratch';
}

/**
 * Set trainability for a phase: cnn branches and dense heads always train; a pretrained
 * backbone is frozen except from the first layer whose name starts with `phase.unfreeze`
 * (Keras notebook cell 15: everything from block5_conv1 on becomes trainable).
 */
export function applyPhase(model: tf.LayersModel, heads: string[], phase: Pick<PhaseConfig, 'unfreeze'>): void {
  for (const backbone of backbones(model, heads)) {
    const head = heads.find((h) => backboneOf(model, h) === backbone)!;
    backbone.trainable = true;
    const layers = backbone.layers.filter((l) => !(l.getClassName() === 'InputLayer'));
    if (!startsFrozen(backbone)) {
      for (const l of layers) l.trainable = true;
      continue;
    }
    const from = unfreezeIndex(layers, phase.unfreeze, backbone.name, head);
    layers.forEach((l, i) => { l.trainable = i >= from; });
  }
}

/**
 * Index of the first layer to train: the layer named exactly `unfreeze`, else the first whose name
 * starts with it ('block5' → block5_conv1). null → none (layers.length).
 */
function unfreezeIndex(layers: tf.layers.Layer[], unfreeze: string | null, backbone: string, head: string): number {
  if (unfreeze === null) return layers.length;
  const exact = layers.findIndex((l) => l.name === unfreeze);
  const index = exact >= 0 ? exact : layers.findIndex((l) => l.name.startsWith(unfreeze));
  if (index < 0) {
    fail('E_CONFIG', `unfreeze "${unfreeze}" matches no layer of backbone ${backbone} in head "${head}"; layer names are [${layers.map((l) => l.name).join(', ')}]`);
  }
  return index;
}

export function countParams(weights: tf.LayerVariable[]): number {
  return weights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b as number), 1), 0);
}
