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
  DEFAULTS, NOTEBOOK_AUGMENT, resolveConfig, lossWeight,
  type TrainConfig, type PartialTrainConfig, type ModelConfig, type DataConfig, type PhaseConfig,
  type CnnBranchConfig, type BackboneBranchConfig, type BranchKind, type BackboneName,
} from './core/defaults.js';
export { BranchnetError, type ErrorCode } from './core/errors.js';

export * from './data/index.js';

export { buildModel, applyPhase, backboneOf, countParams, type HeadSpec } from './model/build.js';
export { summarize, formatSummary, type ModelSummary, type SummaryRow } from './model/summary.js';

export { train, type TrainOptions, type TrainResult, type DataSummary } from './train/train.js';
export { fit, fitPhase, type FitCallbacks, type BatchSource } from './train/fit.js';
export { trainStep, evalStep, type Batch as TrainBatch, type Logs } from './train/step.js';
export { concatHistory, type History, type PhaseHistory, type HistoryRecord } from './train/history.js';

export { Predictor, expandInputs, type Prediction, type HeadPrediction, type PredictionFailure } from './eval/predict.js';

export { saveModelDir, loadModelDir, type ModelMeta, type SavedModel } from './io/model_dir.js';
export { readTfjsLayerWeights, assignLayerWeights, type LayerWeightMap } from './io/layer_weights.js';

export { renderHistoryPlot, historySpec, renderPredictionGrid, type GridCell } from './plot/index.js';

export { synthesize, SYNTH_DEFAULTS, triviaBaseline, type SynthOptions, type SynthResult } from './synth/index.js';
