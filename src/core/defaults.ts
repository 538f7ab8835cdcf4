/**
 * Every default of branchnet, in one place, typed. `resolveConfig(partial)` fills a partial
 * config with `??` (never `||`: 0 and '' are real values) and fails loudly on unknown keys,
 * so a typo in a config file is an error rather than a silently ignored setting.
 * The resolved config is saved beside every model so a run can be repeated.
 *
 * The values are the notebook's (shared/seed): 160x128 inputs, batch 20, 80/20 split with
 * seed 100, RMSprop 1e-4 for 10 epochs of 100 steps, then block5 of VGG16 unfrozen with loss
 * weights color 0.1 / type 1 and RMSprop 1e-5 for 5 epochs.
 */
import { fail } from './errors.js';
import { NOTEBOOK_AUGMENT, resolveAugment, type AugmentParams } from './augment_params.js';

export { NOTEBOOK_AUGMENT };

/** What predicts a head in a split model: the notebook's small CNN, a shape-blind per-pixel branch, or a conv base + dense head. */
export type BranchKind = 'cnn' | 'pixel' | 'backbone';
/**
 * Model families:
 * - split: one branch per head (the notebook's final model);
 * - split-gray: as split, but backbone branches see a grayscale image (PyImageSearch's FashionNet idea);
 * - multilabel: PyImageSearch's SmallerVGGNet, one sigmoid per label of every head, binary cross-entropy;
 * - single-head-vgg: the notebook's first attempt, a conv base + two dense layers, one sigmoid per label.
 */
export type Arch = 'split' | 'split-gray' | 'multilabel' | 'single-head-vgg';
export const ARCHS: readonly Arch[] = ['split', 'split-gray', 'multilabel', 'single-head-vgg'];
/**
 * Conv bases: vgg16 (built by code; Keras's ImageNet file loads into it by layer name), scratch
 * (small, trained from scratch), mobilenet (MobileNet v1 as published for TF.js, read from its
 * model.json and cut at conv_pw_13_relu), tfjs (any TF.js layers model.json, cut at a named layer),
 * synthetic (the base shipped in assets/bases/synthetic, made by `branchnet pretrain` on a
 * catalog of every garment type in colours other than the demo's; frozen like an ImageNet base).
 */
export type BackboneName = 'vgg16' | 'scratch' | 'mobilenet' | 'tfjs' | 'synthetic';
export const BACKBONES: readonly BackboneName[] = ['vgg16', 'scratch', 'mobilenet', 'tfjs', 'synthetic'];
/** How pixels become network input: x/255 (the notebook), Keras's caffe (BGR, ImageNet means), or tf ([-1, 1]). */
export type PreprocessMode = 'rescale' | 'caffe' | 'tf';
export const PREPROCESS_MODES: readonly PreprocessMode[] = ['rescale', 'caffe', 'tf'];
/** Resize kernels (sharp's names; area is our own box filter, like OpenCV's INTER_AREA). */
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos' | 'area';
export const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear', 'bicubic', 'lanczos', 'area'];

/** The notebook's color branch: a small CNN trained from scratch. */
export interface CnnBranchConfig {
  filters: number[];
  firstKernel: number;
  firstStride: number;
  kernel: number;
  dense: number;
  dropout: number;
}

/** The notebook's type branch: a conv base (pretrained or not) + dense head. */
export interface BackboneBranchConfig {
  backbone: BackboneName;
  /**
   * Weights for the backbone: a Keras .h5 file or a TF.js layers model.json (for mobilenet and
   * tfjs backbones, the model.json also gives the architecture). null = the cached file of
   * `branchnet weights get` when there is one, else an untrained base (warned about loudly).
   */
  weights: string | null;
  /** Layer at which a model.json backbone is cut (its output is the branch's features); null = the preset's. */
  layer: string | null;
  /**
   * Train on a base with random weights when no weights file is given or cached. Default false:
   * train refuses, since a frozen random base gives its heads nothing to learn from
   * (`--untrained-base`).
   */
  allowUntrained: boolean;
  dense: number;
  dropout: number;
}

/**
 * How the shape-blind pixel branch pools its per-pixel (1x1 convolution) features over the image:
 * - avg: global average pooling (the background, most of the image, drowns the garment);
 * - max: global max pooling (the strongest response of each color feature anywhere);
 * - avgmax: both, concatenated;
 * - attention: each pixel weighted by a sigmoid gate computed from its own features (1x1), then averaged.
 * Every variant is a function of the multiset of pixel colors: rearranging the pixels changes nothing.
 */
export type PixelPool = 'avg' | 'max' | 'avgmax' | 'attention';
export const PIXEL_POOLS: readonly PixelPool[] = ['avg', 'max', 'avgmax', 'attention'];

export interface PixelBranchConfig {
  pool: PixelPool;
}

export interface ModelConfig {
  arch: Arch;
  heads: string[];
  /** Which kind of branch predicts each head. Default: 'cnn' for a head named color, else 'backbone'. */
  branches: Record<string, BranchKind>;
  height: number;
  width: number;
  preprocess: PreprocessMode;
  cnn: CnnBranchConfig;
  pixel: PixelBranchConfig;
  backbone: BackboneBranchConfig;
}

export interface PhaseConfig {
  name: string;
  epochs: number;
  stepsPerEpoch: number;
  validationSteps: number;
  optimizer: 'rmsprop' | 'adam' | 'sgd';
  learningRate: number;
  /** Per-head loss weights; missing heads weigh 1. */
  lossWeights: Record<string, number>;
  /**
   * Backbone layers made trainable in this phase: null keeps the backbone frozen; a prefix such
   * as 'block5' unfreezes every layer whose name starts with it and all layers after it.
   */
  unfreeze: string | null;
}

export interface DataConfig {
  valFraction: number;
  seed: number;
  batchSize: number;
  interpolation: Interpolation;
  /** Keras ImageDataGenerator settings for training batches; null = none. */
  augment: AugmentParams | null;
  /** Combinations (labels joined by '_') kept out of training and validation. */
  holdOut: string[];
  /**
   * Compute each image's frozen-backbone features once and reuse them (Chollet's fast feature
   * extraction). Needs augment null: a cached feature is of the un-augmented image.
   */
  cacheBackbone: boolean;
  /**
   * Leave out data subfolders whose names do not parse into the heads (a stray `misc/`) and
   * train on the rest, instead of refusing (`--skip-invalid-folders`). Default false.
   */
  skipInvalidFolders: boolean;
}

/** Which weights a phase ends with (train/best_epoch.ts). */
export interface SelectionConfig {
  /** 'last' (Keras's model.fit) or 'best' (the epoch with the best validation score). */
  keep: 'best' | 'last';
  /** History key to maximise (a key ending in loss is minimised); null = mean validation accuracy over heads. */
  monitor: string | null;
  /** Epochs without a better score before a phase stops; null = run every epoch. */
  patience: number | null;
}

export interface TrainConfig {
  model: ModelConfig;
  data: DataConfig;
  phases: PhaseConfig[];
  selection: SelectionConfig;
  /** Seed for weight initialisation, dropout and augmentation. */
  seed: number;
}

/**
 * Below this many images a one-off prediction run exports plain Conv nodes instead of Winograd
 * ones (onnx/winograd.ts). Winograd saves ~10 ms per image at batch 2 and up (VGG16,
 * 160x128) but costs ~2.5 s more to set up (the filter transform, a 3.5x bigger graph) and
 * ~300 MB: `branchnet predict` of one image took 8.1 s instead of 5.6, of 270 images 18.1 s
 * instead of 18.5.
 */
export const WINOGRAD_MIN_IMAGES = 300;

export const DEFAULT_HEADS = ['color', 'type'];

/**
 * Lever 1 of issue #15: validation images are never augmented, so during a phase the frozen
 * prefix's output for each one is the same in every epoch; fit() computes it once per phase and
 * reuses it (train/frozen.ts). Exact: no number changes. On by default; the environment variable
 * `BRANCHNET_VAL_CACHE=0` turns it off (to measure what it saves). maxBytes bounds the features
 * held per phase (all branches together); images beyond it are computed every epoch as before.
 * VGG16 at 160x128 holds 40 KB per image in phase 1 (block5 pool, 5x4x512 floats) and 160 KB in
 * phase 2 (block4 pool, 10x8x512): 256 MB holds 6,553 / 1,638 validation images.
 */
export const VAL_CACHE_DEFAULTS = {
  env: 'BRANCHNET_VAL_CACHE',
  maxBytes: 256 * 2 ** 20,
} as const;

/** Whether the validation feature cache is on: yes unless BRANCHNET_VAL_CACHE is 0, false, off or no. */
export function valCacheEnabled(env: Record<string, string | undefined> = typeof process === 'undefined' ? {} : process.env): boolean {
  const v = env[VAL_CACHE_DEFAULTS.env]?.trim().toLowerCase();
  return !(v === '0' || v === 'false' || v === 'off' || v === 'no');
}

/**
 * `branchnet check` and the scan `train` runs first (data/check.ts). minSide: an image whose
 * shorter side is below this many pixels is too small to carry a label (a 1x1 placeholder);
 * concurrency: files whose header and hash are read at once (I/O bound); tailBytes: how much
 * of a file's end is read to look for its format's end marker (JPEG FFD9, PNG IEND, GIF 3B).
 * The pixel limit is decode.ts's DEFAULT_LIMIT_INPUT_PIXELS, the one decoding enforces.
 */
export const CHECK_DEFAULTS = {
  minSide: 8,
  concurrency: 8,
  tailBytes: 4096,
} as const;

/** Freeze an object and everything in it, so no caller can change a default by accident. */
function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

export const DEFAULTS = deepFreeze({
  model: {
    height: 160,
    width: 128,
    preprocess: 'rescale' as PreprocessMode,
    cnn: { filters: [32, 64, 64], firstKernel: 11, firstStride: 4, kernel: 3, dense: 128, dropout: 0.5 },
    pixel: { pool: 'max' as PixelPool },
    backbone: { backbone: 'vgg16' as BackboneName, weights: null as string | null, layer: null as string | null, allowUntrained: false, dense: 256, dropout: 0.25 },
  },
  data: {
    valFraction: 0.2,
    seed: 100,
    batchSize: 20,
    interpolation: 'nearest' as Interpolation,
    augment: NOTEBOOK_AUGMENT as AugmentParams,
    holdOut: [] as string[],
    cacheBackbone: false,
    skipInvalidFolders: false,
  },
  phases: [
    {
      name: 'phase1', epochs: 10, stepsPerEpoch: 100, validationSteps: 20,
      optimizer: 'rmsprop', learningRate: 1e-4, lossWeights: {}, unfreeze: null,
    },
    {
      name: 'phase2', epochs: 5, stepsPerEpoch: 100, validationSteps: 20,
      optimizer: 'rmsprop', learningRate: 1e-5, lossWeights: { color: 0.1, type: 1 }, unfreeze: 'block5',
    },
  ] as PhaseConfig[],
  selection: { keep: 'last' as 'best' | 'last', monitor: null as string | null, patience: null as number | null },
  seed: 42,
} as const);

/** `branchnet synth`: the notebook's 3 colors x 3 types, its six training combinations, 128x160 PNGs. */
export const SYNTH_DEFAULTS = deepFreeze({
  seed: 1,
  colors: ['black', 'blue', 'red'],
  types: ['jeans', 'dress', 'shirt'],
  trainCombos: 'notebook',
  testCombos: 'all',
  trainPerCombo: 300,
  testPerCombo: 30,
  width: 128,
  height: 160,
  sheet: false,
  force: false,
  workers: 0,
} as const);

/** The captioned prediction grid (predictions.png): the notebook's 4 columns. */
export const GRID_DEFAULTS = deepFreeze({ columns: 4, cellWidth: 220, cellHeight: 300 } as const);

/** `branchnet compare`: the three families of the claim, written under runs/compare. */
export const COMPARE_DEFAULTS = deepFreeze({ archs: ['split', 'split-gray', 'multilabel'] as Arch[], out: 'runs/compare' });

/** `branchnet demo` / `npm start`. */
export const DEMO_DEFAULTS = deepFreeze({ out: 'runs/demo' } as const);

/** `branchnet predict` / Predictor: images per forward pass. */
export const PREDICT_DEFAULTS = deepFreeze({ batchSize: 20 } as const);

/** Multi-label families score every label with its own sigmoid; split families use a softmax per head. */
export function headActivation(arch: Arch): 'softmax' | 'sigmoid' {
  return arch === 'multilabel' || arch === 'single-head-vgg' ? 'sigmoid' : 'softmax';
}

/**
 * What each backbone brings with it: the layer where its features are taken, the input size and
 * pixel scaling it was trained with, the layer phase 2 unfreezes from, and the known weight file
 * (`branchnet weights list`). VGG16 keeps the notebook's 160x128 and x/255 (fidelity: the
 * notebook fed VGG16 rescaled pixels, not Keras's caffe-style preprocess_input); MobileNet v1
 * expects 224x224 in [-1, 1].
 */
export interface BackbonePreset {
  layer: string | null;
  height: number;
  width: number;
  preprocess: PreprocessMode;
  unfreeze: string | null;
  weightsName: string | null;
}

export const BACKBONE_PRESETS: Record<BackboneName, BackbonePreset> = {
  vgg16: { layer: null, height: 160, width: 128, preprocess: 'rescale', unfreeze: 'block5', weightsName: 'vgg16' },
  scratch: { layer: null, height: 160, width: 128, preprocess: 'rescale', unfreeze: 'block5', weightsName: null },
  mobilenet: { layer: 'conv_pw_13_relu', height: 224, width: 224, preprocess: 'tf', unfreeze: 'conv_dw_13', weightsName: 'mobilenet_v1_0.25_224' },
  tfjs: { layer: null, height: 160, width: 128, preprocess: 'rescale', unfreeze: null, weightsName: null },
  // Stays frozen in every phase (unfreeze null): fine-tuning it on the biased set would let it relearn color.
  synthetic: { layer: 'block4_pool', height: 96, width: 80, preprocess: 'rescale', unfreeze: null, weightsName: null },
};

/** Whether a model of this family and branches has a conv base (so its weights, size and scaling matter). */
export function usesBackbone(arch: Arch, branches: Record<string, BranchKind>): boolean {
  return arch === 'single-head-vgg' || (arch !== 'multilabel' && Object.values(branches).includes('backbone'));
}

export function defaultBranchKind(head: string): BranchKind {
  return head === 'color' ? 'cnn' : 'backbone';
}

// ---------------------------------------------------------------------------------------------

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type PartialTrainConfig = DeepPartial<TrainConfig>;

function checkKeys(obj: object | undefined, allowed: string[], where: string): void {
  if (obj === undefined || obj === null) return;
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    fail('E_CONFIG', `config ${where}: expected an object, received ${JSON.stringify(obj)}`);
  }
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      fail('E_CONFIG', `config ${where}: unknown key "${key}"; expected one of [${allowed.join(', ')}]`);
    }
  }
}

function positiveInt(v: number, where: string): number {
  if (!Number.isInteger(v) || v <= 0) fail('E_CONFIG', `config ${where}: expected a positive integer, received ${v}`);
  return v;
}

function oneOf<T extends string>(v: T, allowed: readonly T[], where: string): T {
  if (!allowed.includes(v)) fail('E_CONFIG', `config ${where}: "${v}" is not one of [${allowed.join(', ')}]`);
  return v;
}

const PHASE_KEYS = ['name', 'epochs', 'stepsPerEpoch', 'validationSteps', 'optimizer', 'learningRate', 'lossWeights', 'unfreeze'];

function resolvePhase(p: Partial<PhaseConfig>, base: PhaseConfig, where: string): PhaseConfig {
  checkKeys(p, PHASE_KEYS, where);
  const epochs = p.epochs ?? base.epochs;
  if (!Number.isInteger(epochs) || epochs < 0) fail('E_CONFIG', `config ${where}.epochs: expected an integer ≥ 0, received ${epochs}`);
  const lr = p.learningRate ?? base.learningRate;
  if (!(lr > 0)) fail('E_CONFIG', `config ${where}.learningRate: expected a positive number, received ${lr}`);
  return {
    name: p.name ?? base.name,
    epochs,
    stepsPerEpoch: positiveInt(p.stepsPerEpoch ?? base.stepsPerEpoch, `${where}.stepsPerEpoch`),
    validationSteps: positiveInt(p.validationSteps ?? base.validationSteps, `${where}.validationSteps`),
    optimizer: oneOf(p.optimizer ?? base.optimizer, ['rmsprop', 'adam', 'sgd'] as const, `${where}.optimizer`),
    learningRate: lr,
    lossWeights: { ...(p.lossWeights ?? base.lossWeights) },
    unfreeze: p.unfreeze === undefined ? base.unfreeze : p.unfreeze,
  };
}

/**
 * Fill a partial config with the defaults.
 * @example resolveConfig({ model: { backbone: { backbone: 'scratch' } } }).phases[0].learningRate // 1e-4
 */
export function resolveConfig(partial: PartialTrainConfig = {}): TrainConfig {
  checkKeys(partial, ['model', 'data', 'phases', 'selection', 'seed'], '');
  const m = partial.model ?? {};
  checkKeys(m, ['arch', 'heads', 'branches', 'height', 'width', 'preprocess', 'cnn', 'pixel', 'backbone'], 'model');
  checkKeys(m.cnn, Object.keys(DEFAULTS.model.cnn), 'model.cnn');
  checkKeys(m.pixel, Object.keys(DEFAULTS.model.pixel), 'model.pixel');
  checkKeys(m.backbone, Object.keys(DEFAULTS.model.backbone), 'model.backbone');
  const heads = [...(m.heads ?? DEFAULT_HEADS)] as string[];
  if (heads.length === 0) fail('E_CONFIG', 'config model.heads: expected at least one head name, received []');
  for (const h of heads) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(h)) {
      fail('E_CONFIG', `config model.heads: "${h}" is not a valid head name; use letters and digits only (it names the output layer, the loss and the metrics)`);
    }
  }
  if (new Set(heads).size !== heads.length) fail('E_CONFIG', `config model.heads: duplicate head name in [${heads.join(', ')}]`);
  const branches: Record<string, BranchKind> = {};
  const given = (m.branches ?? {}) as Record<string, BranchKind>;
  for (const key of Object.keys(given)) {
    if (!heads.includes(key)) fail('E_CONFIG', `config model.branches: "${key}" is not a head; heads are [${heads.join(', ')}]`);
  }
  for (const h of heads) branches[h] = oneOf(given[h] ?? defaultBranchKind(h), ['cnn', 'pixel', 'backbone'] as const, `model.branches.${h}`);

  const cnnIn = (m.cnn ?? {}) as Partial<CnnBranchConfig>;
  const bbIn = (m.backbone ?? {}) as Partial<BackboneBranchConfig>;
  const backboneName = oneOf(bbIn.backbone ?? DEFAULTS.model.backbone.backbone, BACKBONES, 'model.backbone.backbone');
  const preset = BACKBONE_PRESETS[backboneName];
  // The backbone's own input size and scaling are the defaults when a branch uses it.
  const sized = usesBackbone(m.arch ?? 'split', branches) ? preset : DEFAULTS.model;
  const model: ModelConfig = {
    arch: oneOf(m.arch ?? 'split', ARCHS, 'model.arch'),
    heads,
    branches,
    height: positiveInt(m.height ?? sized.height, 'model.height'),
    width: positiveInt(m.width ?? sized.width, 'model.width'),
    preprocess: oneOf(m.preprocess ?? sized.preprocess, PREPROCESS_MODES, 'model.preprocess'),
    cnn: {
      filters: [...(cnnIn.filters ?? DEFAULTS.model.cnn.filters)],
      firstKernel: positiveInt(cnnIn.firstKernel ?? DEFAULTS.model.cnn.firstKernel, 'model.cnn.firstKernel'),
      firstStride: positiveInt(cnnIn.firstStride ?? DEFAULTS.model.cnn.firstStride, 'model.cnn.firstStride'),
      kernel: positiveInt(cnnIn.kernel ?? DEFAULTS.model.cnn.kernel, 'model.cnn.kernel'),
      dense: positiveInt(cnnIn.dense ?? DEFAULTS.model.cnn.dense, 'model.cnn.dense'),
      dropout: cnnIn.dropout ?? DEFAULTS.model.cnn.dropout,
    },
    pixel: { pool: oneOf((m.pixel?.pool ?? DEFAULTS.model.pixel.pool) as PixelPool, PIXEL_POOLS, 'model.pixel.pool') },
    backbone: {
      backbone: backboneName,
      weights: bbIn.weights === undefined ? DEFAULTS.model.backbone.weights : bbIn.weights,
      layer: bbIn.layer === undefined || bbIn.layer === null ? preset.layer : bbIn.layer,
      allowUntrained: bbIn.allowUntrained ?? DEFAULTS.model.backbone.allowUntrained,
      dense: positiveInt(bbIn.dense ?? DEFAULTS.model.backbone.dense, 'model.backbone.dense'),
      dropout: bbIn.dropout ?? DEFAULTS.model.backbone.dropout,
    },
  };
  for (const [where, r] of [['model.cnn.dropout', model.cnn.dropout], ['model.backbone.dropout', model.backbone.dropout]] as const) {
    if (!(r >= 0 && r < 1)) fail('E_CONFIG', `config ${where}: expected a rate in [0, 1), received ${r}`);
  }

  const d = partial.data ?? {};
  checkKeys(d, Object.keys(DEFAULTS.data), 'data');
  const valFraction = d.valFraction ?? DEFAULTS.data.valFraction;
  if (!(valFraction >= 0 && valFraction < 1)) fail('E_CONFIG', `config data.valFraction: expected a fraction in [0, 1), received ${valFraction}`);
  // Augmentation fields not given keep the notebook's values; data/augment.ts checks them.
  if (d.augment !== null) checkKeys(d.augment, Object.keys(NOTEBOOK_AUGMENT), 'data.augment');
  const augment = d.augment === null ? null : resolveAugment({ ...NOTEBOOK_AUGMENT, ...(d.augment ?? {}) } as AugmentParams);
  const data: DataConfig = {
    valFraction,
    seed: d.seed ?? DEFAULTS.data.seed,
    batchSize: positiveInt(d.batchSize ?? DEFAULTS.data.batchSize, 'data.batchSize'),
    interpolation: oneOf(d.interpolation ?? DEFAULTS.data.interpolation, INTERPOLATIONS, 'data.interpolation'),
    augment,
    holdOut: [...(d.holdOut ?? DEFAULTS.data.holdOut)] as string[],
    cacheBackbone: d.cacheBackbone ?? DEFAULTS.data.cacheBackbone,
    skipInvalidFolders: d.skipInvalidFolders ?? DEFAULTS.data.skipInvalidFolders,
  };
  if (data.cacheBackbone && data.augment !== null) {
    fail('E_CONFIG', 'config data.cacheBackbone: cached backbone features are those of the un-augmented image, so augmentation must be off; set data.augment to null (--no-augment) or drop --cache-backbone');
  }

  const phasesIn = (partial.phases ?? DEFAULTS.phases.map(() => ({}))) as Partial<PhaseConfig>[];
  if (!Array.isArray(phasesIn)) fail('E_CONFIG', `config phases: expected an array of phases, received ${JSON.stringify(phasesIn)}`);
  // A phase that unfreezes by default unfreezes the backbone's own last block (block5 for VGG16).
  const phases = phasesIn.map((p, i) => {
    const base = DEFAULTS.phases[Math.min(i, DEFAULTS.phases.length - 1)];
    return resolvePhase(p, base.unfreeze === null ? base : { ...base, unfreeze: preset.unfreeze }, `phases[${i}]`);
  });
  for (const p of phases) {
    for (const h of Object.keys(p.lossWeights)) {
      if (!heads.includes(h) && !(h in DEFAULTS.phases[1].lossWeights)) {
        fail('E_CONFIG', `config ${p.name}.lossWeights: "${h}" is not a head; heads are [${heads.join(', ')}]`);
      }
    }
  }
  const sel = partial.selection ?? {};
  checkKeys(sel, Object.keys(DEFAULTS.selection), 'selection');
  const patience = sel.patience === undefined ? DEFAULTS.selection.patience : sel.patience;
  if (patience !== null) positiveInt(patience, 'selection.patience');
  const selection: SelectionConfig = {
    keep: oneOf((sel.keep ?? DEFAULTS.selection.keep) as 'best' | 'last', ['best', 'last'] as const, 'selection.keep'),
    monitor: sel.monitor === undefined ? DEFAULTS.selection.monitor : sel.monitor,
    patience,
  };
  return { model, data, phases, selection, seed: partial.seed ?? DEFAULTS.seed };
}

/** Loss weight of a head in a phase (1 when not given). */
export function lossWeight(phase: PhaseConfig, head: string): number {
  return phase.lossWeights[head] ?? 1;
}

/**
 * The quick preset of `branchnet demo` / `npm start` and of the README's compare run: the
 * notebook's two phases and branches at 96x80, with a from-scratch conv base (no ImageNet file
 * exists offline), sized to finish both demo models in under 10 minutes on 2 cores. RMSprop
 * 3e-4: at 1e-3 the type head's dense layer over 3,840 flattened features diverges in the
 * first epoch. Phase 2 has nothing to unfreeze (a scratch base always trains): it is a shorter,
 * lower-learning-rate continuation with the notebook's loss weights.
 */
export const QUICK_PRESET: PartialTrainConfig = {
  model: { height: 96, width: 80, backbone: { backbone: 'scratch' } },
  phases: [
    { epochs: 3, stepsPerEpoch: 40, validationSteps: 10, learningRate: 3e-4 },
    { epochs: 1, stepsPerEpoch: 40, validationSteps: 10, learningRate: 1e-4, unfreeze: null },
  ],
};

/**
 * `branchnet export` (src/export/): the ONNX opset, how many generated images the command runs
 * through both onnxruntime and TF.js to verify the file, the largest difference it accepts, and
 * the Triton model folder's batching.
 */
export const EXPORT_DEFAULTS = {
  opset: 13,
  verifyImages: 4,
  verifySeed: 1,
  /** Max |onnxruntime − TF.js| over every output probability; float32 rounding is ~1e-6. */
  verifyTolerance: 1e-4,
  tritonMaxBatchSize: 32,
  /** Triton dynamic batching: how long a request may wait for others to fill a batch. */
  tritonMaxQueueDelayMicroseconds: 2000,
} as const;

/**
 * `branchnet serve`: where it listens, what a request may hold, how requests are batched.
 * Loopback unless `--host 0.0.0.0` is given. A forward pass gathers the requests that arrive
 * within `batchWindowMs` of the first one, up to `maxBatch` images; at most `maxQueue` images
 * wait or run at once, beyond which requests get 503 + Retry-After instead of growing memory.
 */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  /** Images in one multipart request. */
  maxFiles: 16,
  /** Bytes in one request body (raw image or the whole multipart form). */
  maxBodyBytes: 10 * 1024 * 1024,
  /** Pixels one image may declare in its header (width x height), checked before decoding: 50 megapixels (an 8160x6120 phone photo). */
  maxPixels: 50_000_000,
  /** How long the batcher waits for more requests after the first one. */
  batchWindowMs: 5,
  /** Images in one forward pass. */
  maxBatch: 32,
  /** Images waiting or running; more and a request gets 503. */
  maxQueue: 256,
  /** Seconds a refused client is told to wait (Retry-After). */
  retryAfterSeconds: 1,
  /** A request must arrive in full within this (slow clients get 408). */
  requestTimeoutMs: 30_000,
  /** A socket idle this long is closed. */
  connectionTimeoutMs: 60_000,
  /** Keep-alive between requests on one connection. */
  keepAliveTimeoutMs: 5_000,
};

/**
 * `branchnet pretrain`: the shape base shipped as `--backbone synthetic`. A from-scratch conv base
 * (model/backbones/scratch.ts, cut at block4_pool) trained to tell garment types apart on the
 * catalog of synth/catalog.ts (every type, colours outside the demo's colour words), at the quick
 * preset's 96x80. One phase of Adam at 3e-4 (at 1e-3 the dense layer over 3,840 flattened
 * features blew up: loss 4.1, chance accuracy after the first epoch); `perType` images of each
 * of the 5 types. 160 steps: what fits a few minutes on 2 cores.
 * The shipped base was made with exactly these values (assets/bases/synthetic/README.md).
 */
export const PRETRAIN_DEFAULTS = {
  seed: 1,
  catalogSeed: 7,
  perType: 400,
  height: 96,
  width: 80,
  epochs: 4,
  stepsPerEpoch: 40,
  validationSteps: 5,
  learningRate: 3e-4,
  batchSize: 20,
  layer: 'block4_pool',
  work: 'runs/pretrain',
} as const;

/**
 * The models `branchnet demo` (npm start) trains and compares, in table order. Each is the quick
 * preset plus these model settings: the split design and its grayscale-type variant on the
 * shipped pretrained shape base (`synthetic`, frozen) with the shape-blind pixel color branch
 * (measured, seed 1: color accuracy on unseen combinations 86.7% vs the notebook's color CNN's
 * 43.3% / 32.2% in the same models), PyImageSearch's multi-label network from
 * scratch, and one multi-label head on the same pretrained base, so the table separates what the
 * pretrained features do from what the separate branches do.
 */
export const DEMO_MODELS: readonly { name: string; what: string; model: NonNullable<PartialTrainConfig['model']> }[] = [
  { name: 'split', what: 'the split model: shape-blind pixel color branch + type branch on the pretrained shape base', model: { arch: 'split', backbone: { backbone: 'synthetic' }, branches: { color: 'pixel', type: 'backbone' } } },
  { name: 'split-gray', what: 'split, the type branch seeing a grayscale image', model: { arch: 'split-gray', backbone: { backbone: 'synthetic' }, branches: { color: 'pixel', type: 'backbone' } } },
  { name: 'multilabel', what: "PyImageSearch's multi-label SmallerVGGNet, from scratch", model: { arch: 'multilabel' } },
  { name: 'multilabel-base', what: 'one multi-label head (dense 256, a sigmoid per label) on the same pretrained base', model: { arch: 'single-head-vgg', backbone: { backbone: 'synthetic' } } },
];
