/**
 * `trainModel()`: the notebook's training as one call. Output folder checked → data checked →
 * manifest → seeded split → batch streams → model → pretrained backbone weights → phases, with
 * an atomic checkpoint after every epoch (./checkpoint.ts) from which an interrupted run resumes
 * to the same weights. It ends at a trained model in memory and its history; saving,
 * evaluating and reporting are the pipeline's (../pipeline/train.ts), so training never knows
 * reports exist.
 */
import { tf } from '../core/tf.js';
import type { BackendInfo, BackendOptions } from '../core/backend.js';
import path from 'node:path';
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
import { fit, TrainingInterrupted, type FitCallbacks, type FitSnapshot } from './fit.js';
import { fail } from '../core/errors.js';
import { describeBackend } from '../core/backend.js';
import { checkOutputDir, checkpointDirOf } from '../io/out_path.js';
import { restoreWeights, splitFingerprint, writeCheckpoint, type LoadedCheckpoint, type RunSpec } from './checkpoint.js';
import { shippedSyntheticBase } from '../model/backbones/synthetic.js';
import { bestEpochCallback, combineCallbacks } from './best_epoch.js';
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
  /** Model directory the run will write (checked before any work); default `runs/<timestamp>`. Checkpoints go to `<out>.checkpoint/`. */
  out?: string;
  /** Replace the branchnet model (and any interrupted run's checkpoints) at `out`; default false: refused. */
  overwrite?: boolean;
  /** Keep `<out>.checkpoint/` once the final model is saved; default false (removed). */
  keepCheckpoints?: boolean;
  /**
   * Stop training: the current step finishes, a checkpoint is written to `<out>.checkpoint/`,
   * and the run rejects with E_INTERRUPTED (its message says how to resume).
   */
  signal?: AbortSignal;
}

/** What `resumeTraining` may change; data, output folder and config come from the checkpoint. */
export type ResumeOptions = Omit<TrainOptions, 'data' | 'out' | 'config' | 'overwrite'>;

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export interface TrainedModel {
  /** Where the model is to be saved (checked before training; checkpoints are beside it). */
  modelDir: string;
  /** The trained model; the caller owns it (dispose it). */
  model: tf.LayersModel;
  config: TrainConfig;
  heads: Head[];
  history: History;
  backend: BackendInfo;
  data: DataSummary;
  /** The data check run before training (../data/check.ts). */
  check: CheckReport;
  /** Which epoch each phase kept, with --keep best / --patience (./best_epoch.ts); null otherwise. */
  selection: unknown;
  /** The seeded split: validation images and held-out combinations are what evaluation may use. */
  split: Split;
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
 * Train a model on a data folder or CSV (or continue `resume`'s interrupted run); only
 * checkpoints are written, beside `out`.
 * @example const { model, history } = await trainModel({ data: 'data/train', config: { model: { backbone: { backbone: 'scratch' } } } }); model.dispose();
 */
export async function trainModel(opts: TrainOptions, resume: LoadedCheckpoint | null = null): Promise<TrainedModel> {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  // Output folder: checked before any work, so a bad -o costs nothing.
  const modelDir = resume ? resume.state.run.out : (await checkOutputDir(opts.out ?? path.join('runs', timestamp()), { overwrite: opts.overwrite })).dir;
  const backend = await initBackend(opts.backend);
  const config = resume ? resume.config : withCachedWeights(resolveConfig(opts.config), log);
  // A backbone without weights is refused unless asked for; the data check (./preflight.ts)
  // refuses fatal problems and leaves unusable files out.
  if (!resume) refuseUntrainedBase(config);
  const { manifest, check } = await preflightData(opts.data, config, log);
  const split = splitItems(manifest.items, { valFraction: config.data.valFraction, seed: config.data.seed, holdOut: config.data.holdOut });
  // A resumed run must see the split its checkpoint was taken on.
  const fingerprint = splitFingerprint(split, opts.data);
  if (resume && resume.state.run.fingerprint !== fingerprint) {
    fail('E_CHECKPOINT', `${opts.data}: the images differ from those the interrupted run was training on (${split.train.length} training and ${split.val.length} validation images now); a resumed run must see the same data; restore the folder or start a new run with --overwrite`);
  }
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
    const hasVal = split.val.length > 0;
    if (resume) {
      restoreWeights(model, resume);
      streams.train.restore(resume.state.streams.train);
      if (hasVal && resume.state.streams.val) streams.val.restore(resume.state.streams.val);
      skipped.push(...streams.train.skipped, ...streams.val.skipped);
      const p = resume.snapshot.position;
      log(`resuming from ${resume.dir}: ${p.phaseIndex < config.phases.length ? `${config.phases[p.phaseIndex].name}, epoch ${p.epoch + 1}, after step ${p.step}` : 'training finished; saving the model'}`);
    } else {
      await prepareBackbones(model, config, log);
    }
    const run: RunSpec = {
      data: path.resolve(opts.data), out: modelDir, engine: opts.engine, backend: opts.backend,
      keepCheckpoints: opts.keepCheckpoints ?? false, fingerprint,
    };
    const checkpoint = async (snapshot: FitSnapshot): Promise<void> => {
      await writeCheckpoint(modelDir, model, { heads: manifest.heads, config, backend: describeBackend(backend) }, snapshot,
        { train: streams.train.state(), val: hasVal ? streams.val.state() : null }, run);
    };
    const interrupted = (where: string) => fail('E_INTERRUPTED',
      `training interrupted at ${where}; checkpoint saved in ${checkpointDirOf(modelDir)}; continue with: branchnet train --resume ${modelDir}`);
    // Best-epoch weights and early stopping (./best_epoch.ts), when asked for. Its best weights
    // live in memory: a resumed run selects among the epochs it runs itself.
    const { keep, patience } = config.selection;
    const selector = keep === 'best' || patience !== null ? bestEpochCallback(model, config.model.heads, config.selection) : null;
    let history: History;
    try {
      history = await fit(model, config, streams.train, hasVal ? streams.val : null, selector ? combineCallbacks(opts.callbacks, selector) : opts.callbacks, {
        engine: opts.engine, threads: opts.backend?.threads, log, signal: opts.signal, checkpoint, resume: resume?.snapshot,
      });
    } catch (e) {
      if (e instanceof TrainingInterrupted) interrupted(e.message.replace(/^training interrupted at /, ''));
      throw e;
    }
    if (opts.signal?.aborted) interrupted('the end of training, before the model was saved');
    // The data summary is taken after training: files found undecodable while streaming are in it.
    return { modelDir, model, config, heads: manifest.heads, history, backend, data: summarizeData(opts.data, manifest, split, skipped), check, split, selection: selector?.selected ?? null };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
