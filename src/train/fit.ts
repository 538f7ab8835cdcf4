/**
 * The training loop, with its state explicit: which phase, which epoch, the optimiser, the
 * history so far. Each phase sets trainability, makes a fresh optimiser (as the notebook's
 * re-compile does), and runs `epochs × stepsPerEpoch` steps over an endless batch source,
 * then `validationSteps` evaluation batches.
 */
import { tf } from '../core/tf.js';
import { headActivation, lossWeight, type PhaseConfig, type TrainConfig } from '../core/defaults.js';
import { applyPhase, countParams } from '../model/build.js';
import { appendLogs, type History, type HistoryRecord, type PhaseHistory } from './history.js';
import { makeOptimizer } from './optimizers.js';
import { planBranches } from './plan.js';
import { evalStep, trainStep, type Batch, type Logs, type StepContext } from './step.js';
import { makeFrozenRunner, type FrozenEngine } from './frozen.js';

/** How training runs (not what it learns): results agree within float tolerance across these. */
export interface FitRuntime {
  /** Where frozen layers run; default auto (onnxruntime when installed). */
  engine?: FrozenEngine;
  /** Threads for onnxruntime (default: all cores). */
  threads?: number;
  /** Notes for the user. */
  log?: (message: string) => void;
}

export interface BatchSource {
  next(): Promise<Batch>;
}

export interface FitCallbacks {
  onPhaseBegin?(e: { phase: PhaseConfig; index: number; trainableParams: number }): void;
  onEpochBegin?(e: { phase: PhaseConfig; epoch: number; epochs: number; steps: number }): void;
  onBatchEnd?(e: { step: number; steps: number; logs: Logs }): void;
  onEpochEnd?(e: { phase: PhaseConfig; epoch: number; epochs: number; logs: Logs; seconds: number }): void;
  onPhaseEnd?(e: { phase: PhaseConfig; result: PhaseHistory }): void;
  /** Asked after each epoch: true ends the phase early (train/best_epoch.ts: --patience). */
  shouldStop?(): boolean;
}

export interface FitState {
  phaseIndex: number;
  epoch: number;
  history: History;
}

function mean(rows: Logs[]): Logs {
  const out: Logs = {};
  for (const k of Object.keys(rows[0] ?? {})) out[k] = rows.reduce((s, r) => s + r[k], 0) / rows.length;
  return out;
}

/** Keras-style running mean of batch logs, as its progress bar shows. */
function runningMean(acc: Logs, logs: Logs, n: number): Logs {
  for (const [k, v] of Object.entries(logs)) acc[k] = ((acc[k] ?? 0) * (n - 1) + v) / n;
  return acc;
}

/**
 * Everything a step needs for a model and a phase. For sigmoid (multi-label) heads each head's
 * loss is weighted by its share of all labels, so the total equals Keras's single binary
 * cross-entropy over every label; the phase's loss weights multiply on top.
 */
export function stepContext(model: tf.LayersModel, config: TrainConfig, phase: PhaseConfig): StepContext {
  const heads = config.model.heads;
  const classes = heads.map((h) => (model.getLayer(h).outputShape as number[])[1]);
  const activation = headActivation(config.model.arch);
  const totalLabels = classes.reduce((a, b) => a + b, 0);
  return {
    plan: planBranches(model, heads),
    heads,
    classes,
    inputShape: [config.model.height, config.model.width],
    weights: heads.map((h, i) => lossWeight(phase, h) * (activation === 'sigmoid' ? classes[i] / totalLabels : 1)),
    activation,
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
  };
}

export async function fitPhase(
  model: tf.LayersModel,
  config: TrainConfig,
  phaseIndex: number,
  train: BatchSource,
  val: BatchSource | null,
  callbacks: FitCallbacks = {},
  runtime: FitRuntime = {},
): Promise<PhaseHistory> {
  const phase = config.phases[phaseIndex];
  const heads = config.model.heads;
  applyPhase(model, heads, phase);
  const trainableParams = countParams(model.trainableWeights);
  callbacks.onPhaseBegin?.({ phase, index: phaseIndex, trainableParams });
  const ctx = stepContext(model, config, phase);
  ctx.optimizer = makeOptimizer(phase);
  const optimizer = ctx.optimizer;
  const { height, width } = config.model;
  ctx.frozen = await makeFrozenRunner(ctx.plan, [height, width, 3], { engine: runtime.engine, threads: runtime.threads, cache: config.data.cacheBackbone });
  runtime.log?.(`${phase.name}: ${ctx.frozen.description}`);
  const history: HistoryRecord = {};
  const started = performance.now();
  let trainSeconds = 0;
  let trainImages = 0;
  let epochsRun = 0;
  try {
    for (let epoch = 0; epoch < phase.epochs; epoch++) {
      const epochStart = performance.now();
      callbacks.onEpochBegin?.({ phase, epoch, epochs: phase.epochs, steps: phase.stepsPerEpoch });
      const running: Logs = {};
      for (let step = 1; step <= phase.stepsPerEpoch; step++) {
        const batch = await train.next();
        const t0 = performance.now();
        const logs = await trainStep(ctx, batch);
        trainSeconds += (performance.now() - t0) / 1000;
        trainImages += batch.size;
        runningMean(running, logs, step);
        callbacks.onBatchEnd?.({ step, steps: phase.stepsPerEpoch, logs: { ...running } });
      }
      const logs: Logs = { ...running };
      if (val) {
        const rows: Logs[] = [];
        for (let s = 0; s < phase.validationSteps; s++) rows.push(await evalStep(ctx, await val.next()));
        for (const [k, v] of Object.entries(mean(rows))) logs[`val_${k}`] = v;
      }
      appendLogs(history, logs);
      callbacks.onEpochEnd?.({ phase, epoch, epochs: phase.epochs, logs, seconds: (performance.now() - epochStart) / 1000 });
      epochsRun = epoch + 1;
      if (callbacks.shouldStop?.()) break;
    }
  } finally {
    optimizer.dispose();
    await ctx.frozen.dispose();
  }
  const result: PhaseHistory = {
    name: phase.name,
    epochs: epochsRun,
    history,
    seconds: (performance.now() - started) / 1000,
    imagesPerSecond: trainSeconds > 0 ? trainImages / trainSeconds : 0,
    trainableParams,
  };
  callbacks.onPhaseEnd?.({ phase, result });
  return result;
}

/** Run every phase of the config in order. */
export async function fit(
  model: tf.LayersModel,
  config: TrainConfig,
  train: BatchSource,
  val: BatchSource | null,
  callbacks: FitCallbacks = {},
  runtime: FitRuntime = {},
): Promise<History> {
  const history: History = { phases: [] };
  for (let i = 0; i < config.phases.length; i++) {
    history.phases.push(await fitPhase(model, config, i, train, val, callbacks, runtime));
  }
  return history;
}
