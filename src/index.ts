/**
 * branchnet's public API: what the clients (the CLI in src/cli, the HTTP service, the page) and
 * users' programs import. Clients import from here only; a test (test/layers.test.ts) checks
 * it. Step internals (one training step, the frozen-prefix runner) are not part of it.
 *
 * @example
 * import { train, Predictor } from 'branchnet';
 * const { modelDir } = await train({ data: 'photos/train', config: { model: { backbone: { backbone: 'scratch' } } } });
 * const p = await Predictor.load(modelDir);
 * const { predictions } = await p.predictFiles(['black_dress.jpg']);
 */

// ---- engine and configuration (core)
export { tf } from './core/tf.js';
export { describeBackend, backendInfo, type BackendInfo, type BackendOptions, type BackendRequest } from './core/backend.js';
export { initBackend } from './onnx/backend.js';
export {
  DEFAULTS, DEFAULT_HEADS, NOTEBOOK_AUGMENT, BACKBONE_PRESETS, QUICK_PRESET, ARCHS, BACKBONES, PREPROCESS_MODES, INTERPOLATIONS,
  WINOGRAD_MIN_IMAGES, usesBackbone, PIXEL_POOLS, PRETRAIN_DEFAULTS, DEMO_MODELS, CHECK_DEFAULTS, COMPARE_DEFAULTS, DEMO_DEFAULTS, EXPORT_DEFAULTS, SERVE_DEFAULTS, type PixelPool, SYNTH_DEFAULTS, GRID_DEFAULTS, PREDICT_DEFAULTS, resolveConfig, lossWeight, defaultBranchKind,
  type BackbonePreset, type TrainConfig, type PartialTrainConfig, type ModelConfig, type DataConfig, type PhaseConfig,
  type CnnBranchConfig, type BackboneBranchConfig, type BranchKind, type BackboneName, type Arch, type PreprocessMode, type Interpolation,
} from './core/defaults.js';
export { loadConfig, readConfigFile, mergeConfig, PRESETS, type PresetName, type LoadConfigOptions } from './core/config.js';
export type { AugmentParams } from './core/augment_params.js';
export { BranchnetError, fail, type ErrorCode } from './core/errors.js';
export { concatHistory, type History, type PhaseHistory, type HistoryRecord } from './core/history.js';

// ---- data
export { loadManifest, IMAGE_EXTENSIONS, type Item, type Head, type Manifest, type ManifestOptions } from './data/manifest.js';
export { splitItems, type Split, type SplitOptions } from './data/split.js';
export { decodeImage, type DecodeOptions, type DecodedImage } from './data/decode.js';
export { preprocess } from './data/preprocess.js';
export type { DataSummary } from './data/summary.js';

// ---- models
export { buildModel, loadModelResources, applyPhase, countParams, type ModelResources } from './model/build.js';
export { summarize, formatSummary, type ModelSummary, type SummaryRow } from './model/summary.js';

// ---- training (in memory) and the model directory
export { trainModel, withCachedWeights, type TrainOptions, type TrainedModel } from './train/train.js';
export type { FitCallbacks } from './train/fit.js';
export type { FrozenEngine } from './train/frozen.js';
export { saveModelDir, loadModelDir, type ModelMeta, type SavedModel } from './io/model_dir.js';
export { readLayerWeights } from './io/keras_h5.js';

// ---- using saved models
export { Predictor, expandInputs, type Prediction, type HeadPrediction, type PredictionFailure, type InferenceEngine, type PredictorOptions } from './eval/predict.js';
export { evaluate, evaluateItems, gridCells, trainedCombos, type EvalRecord, type EvalResult } from './eval/evaluate.js';
export { evaluateMetrics, formatMetricsTable, type Metrics, type HeadMetrics } from './eval/metrics.js';
export { renderReport, writeReport, type ReportModel } from './eval/report.js';

// ---- ONNX
export { exportOnnx } from './onnx/export.js';
export { OrtModel, loadOrt } from './onnx/session.js';
export { ortStatus, type OrtStatus } from './onnx/runtime.js';

// ---- pretrained weight files
export { WEIGHTS, findWeights, type WeightsEntry, type WeightsFormat, type Checksum } from './weights/registry.js';
export { cacheDir, cacheStatus, cachedWeightsPath, type CacheOptions, type CacheState } from './weights/cache.js';
export { getWeights } from './weights/download.js';

// ---- pictures
export { renderHistoryPlot, renderPredictionGrid, type GridCell } from './plot/index.js';

// ---- the synthetic data set
export { ALL_COLORS, ALL_TYPES, synthesize, triviaBaseline, type SynthOptions, type SynthResult } from './synth/index.js';

// ---- pipelines: runs that combine the layers above
export { train, type TrainAndSaveOptions, type TrainResult } from './pipeline/train.js';
export { compare } from './pipeline/compare.js';
export { demo, headlineTable, type DemoOptions } from './pipeline/demo.js';
export { pretrain } from './pipeline/pretrain.js';
export { synthesizeCatalog } from './synth/catalog.js';

// ---- the data check (`branchnet check` and the scan train runs first)
export { checkData, inspectFile, PROBLEM_SEVERITY, type CheckReport, type CheckProblem, type CheckOptions, type CheckResult, type ProblemCode, type Severity } from './data/check.js';
export { formatCheckReport, formatProblem } from './data/check_format.js';
export { UNSUPPORTED_IMAGE_EXTENSIONS, type Skipped, type SkipCode } from './data/manifest.js';

// ---- the browser-safe subset (src/browser.ts): the web page's resize and labelling
export { resizePixels, resizeNearest, nearestIndices, RESIZE_IN_JS } from './data/resize.js';
export { labelHeads, type HeadVocab } from './eval/labels.js';

// ---- `branchnet export`: an ONNX file with metadata (+ a Triton folder), or the static web page
export { exportModel, defaultExportOut, EXPORT_FORMATS, type ExportOptions, type ExportResult, type ExportFormat } from './export/export_model.js';
export { onnxWithMetadata, onnxSignature, onnxMetadata, verifyOnnx, type OnnxSignature } from './export/onnx_file.js';
export { tritonConfig } from './export/triton.js';
export { webPageDir } from './export/web.js';
export { EXPORT_MARKER } from './export/output.js';

// ---- interrupted runs: resume, the output-folder check, checkpoints on disk
export { resumeTraining } from './pipeline/train.js';
export { type ResumeOptions } from './train/train.js';
export { checkOutputDir, checkpointDirOf, type OutputCheck } from './io/out_path.js';
export { readCheckpoint, type LoadedCheckpoint, type CheckpointState } from './train/checkpoint.js';
export { TrainingInterrupted, type FitSnapshot, type FitControl } from './train/fit.js';

// ---- the CLI's exit-code table, streamed predict results, model file digests
export { EXIT_CODES, exitCodesHelp } from './core/errors.js';
export type { PredictionResult, PredictFilesOptions, PredictProgress, ExpandOptions } from './eval/predict.js';
export type { FileDigest } from './io/model_dir.js';

