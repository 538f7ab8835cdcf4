/**
 * `trainModel()`: the notebook's training as one call. Data folder or CSV → manifest → seeded
 * split → batch streams → model → pretrained backbone weights → phases. It ends at a trained
 * model in memory and its history; saving, evaluating and reporting are the pipeline's
 * (../pipeline/train.ts), so training never knows reports exist.
 */
import { tf } from '../core/tf.js';
import type { BackendInfo, BackendOptions } from '../core/backend.js';
import { initBackend } from '../onnx/backend.js';
import { BACKBONE_PRESETS, resolveConfig, usesBackbone, type PartialTrainConfig, type TrainConfig } from '../core/defaults.js';
import type { Head } from '../data/manifest.js';
import type { CheckReport } from '../data/check.js';
import { preflightData, refuseUntrainedBase } from './preflight.js';
import { splitItems, type Split } from '../data/split.js';
import { summarizeData, type DataSummary } from '../data/summary.js';
import { createStreams } from '../data/batches.js';
import { backboneOf, buildModel, loadModelResources } from '../model/build.js';
import { assignLayerWeights } from '../io/layer_weights.js';
import { readLayerWeights } from '../io/keras_h5.js';
import { cachedWeightsPath } from '../weights/cache.js';
import type { History } from '../core/history.js';
import { fit, type FitCallbacks } from './fit.js';
import type { FrozenEngine } from './frozen.js';

export interface TrainOptions {
  /** Data folder of `<a>_<b>/` subfolders, or a CSV of `path,<head1>,<head2>,…`. */
  data: string;
  config?: PartialTrainConfig;
  backend?: BackendOptions;
  callbacks?: FitCallbacks;
  /** Where frozen layers run (default auto: onnxruntime when installed, else TF.js). */
  engine?: FrozenEngine;
  /** Warnings and notes for the user (default: stderr). */
  log?: (message: string) => void;
}

export interface TrainedModel {
  /** The trained model; the caller owns it (dispose it). */
  model: tf.LayersModel;
  config: TrainConfig;
  heads: Head[];
  history: History;
  backend: BackendInfo;
  data: DataSummary;
  /** The data check run before training (../data/check.ts). */
  check: CheckReport;
  /** The seeded split: validation images and held-out combinations are what evaluation may use. */
  split: Split;
}

/**
 * The backbone's weight file: the one given, else the cached download of its known file
 * (`branchnet weights get`), else null. Recorded in the saved config, so a run can be repeated.
 */
export function withCachedWeights(config: TrainConfig, log: (m: string) => void): TrainConfig {
  const { backbone, weights } = config.model.backbone;
  const name = BACKBONE_PRESETS[backbone].weightsName;
  if (weights !== null || name === null || !usesBackbone(config.model.arch, config.model.branches)) return config;
  const cached = cachedWeightsPath(name);
  if (cached === null) return config;
  log(`backbone ${backbone}: using the cached weights ${cached}`);
  return { ...config, model: { ...config.model, backbone: { ...config.model.backbone, weights: cached } } };
}

/** Load pretrained backbone weights into every backbone branch, or warn loudly that there are none. */
export async function prepareBackbones(model: tf.LayersModel, config: TrainConfig, log: (m: string) => void): Promise<void> {
  const heads = config.model.heads.filter((h) => backboneOf(model, h));
  if (heads.length === 0) return;
  const { backbone, weights } = config.model.backbone;
  if (weights) {
    const source = await readLayerWeights(weights);
    try {
      // A model.json backbone was cut from the file's model, and a whole saved model holds its
      // heads too, so extra layers are fine; but VGG16's include_top file (fc1, fc2, predictions)
      // is the wrong download and is refused with a message that names the _notop file.
      const allowExtra = backbone !== 'vgg16' || !['fc1', 'fc2', 'predictions'].some((k) => source.has(k));
      for (const h of heads) assignLayerWeights(backboneOf(model, h)!, source, weights, { allowExtra });
    } finally {
      tf.dispose([...source.values()].flat());
    }
    log(`backbone ${backbone}: weights loaded from ${weights}`);
  } else if (backbone !== 'scratch') {
    log([
      '',
      '!!! WARNING: the ' + backbone + ' base of branch' + (heads.length > 1 ? 'es ' : ' ') + heads.join(', ') + ' is UNTRAINED (random weights) and frozen in phase 1.',
      '!!! The notebook uses ImageNet weights here; without them the type head learns from random features.',
      `!!! Run \`branchnet weights get ${BACKBONE_PRESETS[backbone].weightsName ?? backbone}\` (or give --weights <file.h5|model.json>), or use --backbone scratch to train a small base from scratch.`,
      '',
    ].join('\n'));
  }
}

/**
 * Train a model on a data folder or CSV; nothing is written.
 * @example const { model, history } = await trainModel({ data: 'data/train', config: { model: { backbone: { backbone: 'scratch' } } } }); model.dispose();
 */
export async function trainModel(opts: TrainOptions): Promise<TrainedModel> {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const backend = await initBackend(opts.backend);
  const config = withCachedWeights(resolveConfig(opts.config), log);
  // ---- Before any long work (issue #12, see preflight.ts): a backbone without weights is refused
  // unless asked for, and the data check refuses fatal problems and leaves unusable files out.
  refuseUntrainedBase(config);
  const { manifest, check } = await preflightData(opts.data, config, log);
  // ----
  const split = splitItems(manifest.items, { valFraction: config.data.valFraction, seed: config.data.seed, holdOut: config.data.holdOut });
  const skipped = [...manifest.skipped];
  const onSkip = (p: string, reason: string) => {
    skipped.push({ path: p, reason });
    log(`skipped ${p}: ${reason}`);
  };
  const { height, width, preprocess } = config.model;
  const streams = createStreams(manifest, split, {
    batchSize: config.data.batchSize, height, width, preprocess,
    interpolation: config.data.interpolation, augment: config.data.augment, seed: config.seed, onSkip,
  });
  log(`data: ${manifest.items.length} images in ${new Set(manifest.items.map((it) => it.combo)).size} combinations; ${split.train.length} training, ${split.val.length} validation${split.heldOut.length ? `, ${split.heldOut.length} held out` : ''}`);
  const model = buildModel(config.model, manifest.heads, config.seed, await loadModelResources(config.model));
  try {
    await prepareBackbones(model, config, log);
    const history = await fit(model, config, streams.train, split.val.length > 0 ? streams.val : null, opts.callbacks, {
      engine: opts.engine, threads: opts.backend?.threads, log,
    });
    // The data summary is taken after training: files found undecodable while streaming are in it.
    return { model, config, heads: manifest.heads, history, backend, data: summarizeData(opts.data, manifest, split, skipped), check, split };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
