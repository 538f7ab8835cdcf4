/**
 * `train()`: the notebook end to end as one library call. Data folder or CSV → manifest →
 * seeded split → batch streams → model → phases → model directory (atomic) with history,
 * history plot, resolved config, vocabularies and timings. The CLI's `train` is a thin shell
 * over this.
 */
import path from 'node:path';
import { tf } from '../core/tf.js';
import { describeBackend, initBackend, type BackendInfo, type BackendOptions } from '../core/backend.js';
import { BACKBONE_PRESETS, resolveConfig, usesBackbone, type PartialTrainConfig, type TrainConfig } from '../core/defaults.js';
import { loadManifest, type Manifest } from '../data/manifest.js';
import { splitItems, type Split } from '../data/split.js';
import { createStreams } from '../data/batches.js';
import { backboneOf, buildModel, loadModelResources, type HeadSpec } from '../model/build.js';
import { assignLayerWeights } from '../io/layer_weights.js';
import { readLayerWeights } from '../io/keras_h5.js';
import { cachedWeightsPath } from '../weights/cache.js';
import { shippedSyntheticBase } from '../model/backbones/synthetic.js';
import { saveModelDir } from '../io/model_dir.js';
import { renderHistoryPlot } from '../plot/history_plot.js';
import { renderPredictionGrid } from '../plot/grid.js';
import { Predictor } from '../eval/predict.js';
import { evaluateItems, gridCells } from '../eval/evaluate.js';
import { evaluateMetrics, type Metrics } from '../eval/metrics.js';
import { renderReport } from '../eval/report.js';
import type { ModelMeta } from '../io/model_dir.js';
import { concatHistory, type History } from './history.js';
import { fit, type FitCallbacks } from './fit.js';
import { bestEpochCallback, combineCallbacks } from './best_epoch.js';
import type { FrozenEngine } from './frozen.js';

export interface TrainOptions {
  /** Data folder of `<a>_<b>/` subfolders, or a CSV of `path,<head1>,<head2>,…`. */
  data: string;
  /** Model directory to write; default `runs/<timestamp>`. */
  out?: string;
  config?: PartialTrainConfig;
  backend?: BackendOptions;
  callbacks?: FitCallbacks;
  /** Where frozen layers run (default auto: onnxruntime when installed, else TF.js). */
  engine?: FrozenEngine;
  /** Warnings and notes for the user (default: stderr). */
  log?: (message: string) => void;
}

export interface DataSummary {
  source: string;
  heads: HeadSpec[];
  images: number;
  train: number;
  val: number;
  heldOut: number;
  /** Images per combination in the whole data set. */
  combos: Record<string, number>;
  skipped: { path: string; reason: string }[];
}

export interface TrainResult {
  modelDir: string;
  config: TrainConfig;
  heads: HeadSpec[];
  history: History;
  backend: BackendInfo;
  data: DataSummary;
  /** Metrics on the validation images (seen combinations) and any held-out ones (unseen). */
  metrics: Metrics | null;
  /** Wall seconds from start to saved model. */
  seconds: number;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function summarizeData(source: string, manifest: Manifest, split: Split, skipped: { path: string; reason: string }[]): DataSummary {
  const combos: Record<string, number> = {};
  for (const it of manifest.items) combos[it.combo] = (combos[it.combo] ?? 0) + 1;
  return {
    source,
    heads: manifest.heads,
    images: manifest.items.length,
    train: split.train.length,
    val: split.val.length,
    heldOut: split.heldOut.length,
    combos,
    skipped,
  };
}

/**
 * The backbone's weight file: the one given, else the cached download of its known file
 * (`branchnet weights get`), else null. Recorded in the saved config, so a run can be repeated.
 */
export function withCachedWeights(config: TrainConfig, log: (m: string) => void): TrainConfig {
  const { backbone, weights } = config.model.backbone;
  if (backbone === 'synthetic' && weights === null && usesBackbone(config.model.arch, config.model.branches)) {
    return { ...config, model: { ...config.model, backbone: { ...config.model.backbone, weights: shippedSyntheticBase() } } };
  }
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
 * Train a model on a data folder or CSV and save it.
 * @example const r = await train({ data: 'data/train', out: 'runs/a', config: { model: { backbone: { backbone: 'scratch' } } } });
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const backend = await initBackend(opts.backend);
  const config = withCachedWeights(resolveConfig(opts.config), log);
  const manifest = await loadManifest(opts.data, { heads: config.model.heads });
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
    const { keep, patience } = config.selection;
    const selector = keep === 'best' || patience !== null ? bestEpochCallback(model, config.model.heads, config.selection) : null;
    const history = await fit(model, config, streams.train, split.val.length > 0 ? streams.val : null, selector ? combineCallbacks(opts.callbacks, selector) : opts.callbacks, {
      engine: opts.engine, threads: opts.backend?.threads, log,
    });
    const data = summarizeData(opts.data, manifest, split, skipped);
    const modelDir = path.resolve(opts.out ?? path.join('runs', timestamp()));
    const meta = { heads: manifest.heads, config, backend: describeBackend(backend), info: { data, ...(selector ? { selection: selector.selected } : {}) } as Record<string, unknown> };
    // Evaluate on what training never optimised: validation images and held-out combinations.
    const evalItems = [...split.val, ...split.heldOut];
    const trainCombos = [...new Set(split.train.map((it) => it.combo))];
    let metrics: Metrics | null = null;
    let grid: Uint8Array | null = null;
    if (evalItems.length > 0) {
      const predictor = await Predictor.fromModel(model, { format: 'branchnet-model', formatVersion: 1, createdAt: '', ...meta } as ModelMeta, {
        engine: opts.engine, threads: opts.backend?.threads,
      });
      const evaluation = await evaluateItems(predictor, evalItems, trainCombos).finally(() => predictor.dispose(false));
      metrics = evaluateMetrics(evaluation);
      grid = await renderPredictionGrid(gridCells(evaluation));
    }
    const { history: joined, phaseStarts } = concatHistory(history);
    const extra: Record<string, string | Uint8Array> = {};
    if (Object.values(joined)[0]?.length) {
      extra['history.png'] = (await renderHistoryPlot(joined, { phaseStarts })).png;
    }
    if (grid) extra['predictions.png'] = grid;
    const seconds = (performance.now() - started) / 1000;
    meta.info.seconds = seconds;
    extra['report.html'] = await renderReport({
      title: `branchnet ${config.model.arch} on ${opts.data}`,
      createdAt: new Date(),
      models: [{
        name: config.model.arch, history, config, backend: meta.backend, data,
        ...(metrics ? { metrics } : {}),
        timings: history.phases.map((p) => ({ phase: p.name, seconds: p.seconds, imagesPerSecond: p.imagesPerSecond })),
      }],
      ...(grid ? { grid: [{ png: grid, caption: 'Validation and held-out images: predicted labels, wrong heads marked' }] } : {}),
      notes: [`Evaluated on ${split.val.length} validation images${split.heldOut.length ? ` and ${split.heldOut.length} images of held-out combinations (${config.data.holdOut.join(', ')})` : ''}.`],
    });
    await saveModelDir(modelDir, model, meta, history, extra);
    return { modelDir, config, heads: manifest.heads, history, backend, data, metrics, seconds };
  } finally {
    model.dispose();
  }
}
