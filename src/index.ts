/**
 * branchnet's public API. The CLI (src/cli) is a thin client of exactly these exports.
 *
 * @example
 * import { train, Predictor } from 'branchnet';
 * const { modelDir } = await train({ data: 'photos/train', config: { model: { backbone: { backbone: 'scratch' } } } });
 * const p = await Predictor.load(modelDir);
 * const { predictions } = await p.predictFiles(['black_dress.jpg']);
 */
export { tf } from './core/tf.js';
export { initBackend, describeBackend, backendInfo, type BackendInfo, type BackendOptions } from './core/backend.js';
export {
  DEFAULTS, NOTEBOOK_AUGMENT, BACKBONE_PRESETS, resolveConfig, lossWeight, type BackbonePreset,
  type TrainConfig, type PartialTrainConfig, type ModelConfig, type DataConfig, type PhaseConfig,
  type CnnBranchConfig, type BackboneBranchConfig, type BranchKind, type BackboneName,
} from './core/defaults.js';
export { BranchnetError, type ErrorCode } from './core/errors.js';

export * from './data/index.js';

export { buildModel, loadModelResources, applyPhase, backboneOf, countParams, type HeadSpec, type ModelResources } from './model/build.js';
export { readBackboneTopology, backboneFromTopology, type BackboneTopology } from './model/backbones/from_file.js';
export { summarize, formatSummary, type ModelSummary, type SummaryRow } from './model/summary.js';

export { train, type TrainOptions, type TrainResult, type DataSummary } from './train/train.js';
export { fit, fitPhase, stepContext, type FitCallbacks, type FitRuntime, type BatchSource } from './train/fit.js';
export { makeFrozenRunner, type FrozenRunner, type FrozenEngine } from './train/frozen.js';
export { trainStep, evalStep, type Batch as TrainBatch, type Logs } from './train/step.js';
export { concatHistory, type History, type PhaseHistory, type HistoryRecord } from './train/history.js';

export { Predictor, expandInputs, type Prediction, type HeadPrediction, type PredictionFailure, type InferenceEngine, type PredictorOptions } from './eval/predict.js';

export { saveModelDir, loadModelDir, type ModelMeta, type SavedModel } from './io/model_dir.js';
export { readTfjsLayerWeights, assignLayerWeights, type LayerWeightMap, type AssignOptions } from './io/layer_weights.js';
export { readKerasH5Weights, readLayerWeights } from './io/keras_h5.js';
export { exportOnnx } from './export/onnx.js';
export { OrtModel, loadOrt } from './engine/ort.js';
export { WEIGHTS, findWeights, type WeightsEntry } from './weights/registry.js';
export { cacheDir, cachedWeightsPath } from './weights/cache.js';
export { getWeights } from './weights/download.js';

export { renderHistoryPlot, historySpec, renderPredictionGrid, type GridCell } from './plot/index.js';

export { synthesize, SYNTH_DEFAULTS, triviaBaseline, type SynthOptions, type SynthResult } from './synth/index.js';

// The HTTP service (`branchnet serve`, src/serve) and the combinations a model was trained on (its /v1/model route).
export { trainedCombos } from './eval/evaluate.js';
export { SERVE_DEFAULTS } from './core/defaults.js';
export { fail } from './core/errors.js';
export { buildServer, startServer, readApiKeys, ModelHost, type ServeOptions, type ServeSettings, type RunningServer, type ModelDescription } from './serve/index.js';
