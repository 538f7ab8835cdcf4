/**
 * `pretrain()`: make a shape base the way ImageNet made VGG16's, in the synthetic world.
 * Generate the catalog (synth/catalog.ts: every garment type, colours outside the demo's colour
 * words), train a from-scratch conv base + dense head to tell the types apart (train/train.ts,
 * one head `type`), then cut the trained base out of the classifier and write it as a TF.js
 * layers model: `<out>/model.json` + `weights.bin`, usable as
 * `--backbone-model <out>/model.json --backbone-layer block4_pool`, and `<out>/base.json` saying
 * what it was trained on. The catalog and the full classifier (with its report) stay in `work`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { describeBackend, initBackend, type BackendOptions } from '../core/backend.js';
import { PRETRAIN_DEFAULTS, type PartialTrainConfig } from '../core/defaults.js';
import { fail } from '../core/errors.js';
import { synthesizeCatalog, type CatalogResult } from '../synth/catalog.js';
import { train } from './train.js';
import type { FitCallbacks } from '../train/fit.js';
import type { FrozenEngine } from '../train/frozen.js';
import { loadModelDir } from '../io/model_dir.js';
import { backboneOf } from '../model/build.js';

export interface PretrainOptions {
  /** Folder for the base: model.json, weights.bin, base.json. */
  out: string;
  /** Folder for the catalog and the full classifier run (default runs/pretrain). */
  work?: string;
  /** Training seed (weights, augmentation). */
  seed?: number;
  /** Seed of the catalog images. */
  catalogSeed?: number;
  /** Catalog images per garment type. */
  perType?: number;
  height?: number;
  width?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  validationSteps?: number;
  learningRate?: number;
  batchSize?: number;
  backend?: BackendOptions;
  engine?: FrozenEngine;
  callbacks?: FitCallbacks;
  log?: (message: string) => void;
}

/** What `base.json` records beside the weights. */
export interface BaseInfo {
  format: 'branchnet-base';
  /** Where to cut it (its last layer) and what it expects. */
  layer: string;
  height: number;
  width: number;
  preprocess: 'rescale';
  trainedOn: string;
  catalog: CatalogResult['manifest']['options'] & { images: number };
  training: { seed: number; epochs: number; stepsPerEpoch: number; learningRate: number; batchSize: number; optimizer: string };
  validation: { typeAccuracy: number | null; images: number };
  backend: string;
  seconds: number;
}

export interface PretrainResult {
  modelJson: string;
  info: BaseInfo;
  catalog: CatalogResult;
}

/**
 * Generate the catalog, train the type classifier, write its conv base.
 * @example const { modelJson } = await pretrain({ out: 'bases/mine', perType: 400 }); // --backbone-model bases/mine/model.json
 */
export async function pretrain(opts: PretrainOptions): Promise<PretrainResult> {
  const started = performance.now();
  const o = { ...PRETRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof PRETRAIN_DEFAULTS & PretrainOptions;
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const out = path.resolve(o.out);
  await checkOut(out);
  const backend = await initBackend(opts.backend);
  const catalog = await synthesizeCatalog({ out: path.join(o.work, 'catalog'), seed: o.catalogSeed, perType: o.perType });
  log(`catalog: ${catalog.cached ? 'reused' : 'generated'} ${catalog.manifest.images.length} images of ${catalog.manifest.options.types.join(', ')} in ${catalog.out} (${catalog.seconds.toFixed(1)} s); colours outside the neighbourhoods of ${catalog.manifest.options.excludedColors.join(', ')}`);
  const config: PartialTrainConfig = {
    model: { arch: 'split', heads: ['type'], branches: { type: 'backbone' }, height: o.height, width: o.width, preprocess: 'rescale',
      // No dropout: TF.js draws dropout masks from an unseeded generator, and the shipped base must
      // be reproducible byte for byte from its seeds. Batch norm in the base regularises enough.
      backbone: { backbone: 'scratch', dropout: 0 } },
    data: { batchSize: o.batchSize },
    phases: [{ name: 'pretrain', epochs: o.epochs, stepsPerEpoch: o.stepsPerEpoch, validationSteps: o.validationSteps, optimizer: 'adam', learningRate: o.learningRate, unfreeze: null }],
    seed: o.seed,
  };
  // The work folder's model is pretrain's own: a re-run replaces it.
  const run = await train({ data: catalog.train, out: path.join(o.work, 'run'), config, callbacks: opts.callbacks, log, backend: opts.backend, engine: opts.engine, overwrite: true });
  const typeAccuracy = run.metrics ? run.metrics.heads.find((h) => h.name === 'type')?.seen.rate ?? null : null;
  const saved = await loadModelDir(run.modelDir);
  try {
    const base = backboneOf(saved.model, 'type');
    if (!base) fail('E_MODEL_DIR', `${run.modelDir}: no conv base in the type branch; this is a bug in pretrain`);
    const info: BaseInfo = {
      format: 'branchnet-base',
      layer: base.layers.at(-1)!.name,
      height: o.height,
      width: o.width,
      preprocess: 'rescale',
      trainedOn: `${catalog.manifest.images.length} synthetic catalog images (${catalog.manifest.options.perType} of each of ${catalog.manifest.options.types.join(', ')}), ` +
        `garment colours from the whole colour space outside the neighbourhoods of ${catalog.manifest.options.excludedColors.join(', ')}; no image of the demo set`,
      catalog: { ...catalog.manifest.options, images: catalog.manifest.images.length },
      training: { seed: o.seed, epochs: o.epochs, stepsPerEpoch: o.stepsPerEpoch, learningRate: o.learningRate, batchSize: o.batchSize, optimizer: 'adam' },
      validation: { typeAccuracy, images: run.data.val },
      backend: describeBackend(backend),
      seconds: (performance.now() - started) / 1000,
    };
    await writeBase(out, base, info);
    log(`base: ${path.join(out, 'model.json')} (cut at ${info.layer}); validation type accuracy on the catalog ${typeAccuracy === null ? 'n/a' : (100 * typeAccuracy).toFixed(1) + '%'}`);
    return { modelJson: path.join(out, 'model.json'), info, catalog };
  } finally {
    saved.model.dispose();
  }
}

/** A folder of ours (base.json) or an empty one; never someone else's files. */
async function checkOut(out: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(out);
  } catch {
    return;
  }
  const ours = entries.includes('base.json') || entries.length === 0;
  if (!ours) fail('E_ARGS', `pretrain -o ${out}: the folder is not empty and holds no base.json from branchnet pretrain; choose an empty or new folder, so that nothing of yours is overwritten`);
}

/** model.json + weights.bin (one shard, TF.js layers format) + base.json. */
async function writeBase(out: string, base: tf.LayersModel, info: BaseInfo): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await base.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const a = artifacts! as tf.io.ModelArtifacts;
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, 'weights.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!)));
  await fs.writeFile(path.join(out, 'model.json'), JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: 'branchnet pretrain',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
  }));
  await fs.writeFile(path.join(out, 'base.json'), JSON.stringify(info, null, 2) + '\n');
}
