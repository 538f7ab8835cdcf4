/**
 * The data module's public surface: from a folder or CSV to batches of typed arrays.
 * loadManifest → splitItems → createStreams (BatchStream) → { x, y, paths } per batch.
 * Nothing here imports TF.js.
 */
export {
  type Item,
  type Head,
  type Manifest,
  type ManifestOptions,
  type CsvRecord,
  IMAGE_EXTENSIONS,
  DEFAULT_FOLDER_HEADS,
  loadManifest,
  labelIndices,
  parseCsv,
} from './manifest.js';
export { Rng, createRng } from '../core/rng.js';
export { type SplitOptions, type Split, splitItems } from './split.js';
export {
  type Interpolation,
  type DecodeOptions,
  type DecodedImage,
  INTERPOLATIONS,
  DEFAULT_LIMIT_INPUT_PIXELS,
  decodeImage,
  areaResize,
} from './decode.js';
export { type PreprocessMode, PREPROCESS_MODES, CAFFE_MEAN_BGR, preprocess, toGray } from './preprocess.js';
export {
  type AugmentParams,
  type Transform,
  type FillMode,
  type M3,
  NOTEBOOK_AUGMENT,
  NO_AUGMENT,
  IDENTITY_TRANSFORM,
  resolveAugment,
  sampleTransform,
  transformMatrix,
  applyTransform,
} from './augment.js';
export {
  type Batch,
  type BatchStreamOptions,
  type StreamsOptions,
  BatchStream,
  createStreams,
  describeBatch,
} from './batches.js';
