/**
 * The training loop, with its state explicit: which phase, which epoch, the optimiser, the
 * history so far. Each phase sets trainability, makes a fresh optimiser (as the notebook's
 * re-compile does), and runs `epochs × stepsPerEpoch` steps over an endless batch source,
 * then `validationSteps` evaluation batches.
 */
import { tf } from '../core/tf.js';
import { headActivation, lossWeight, type PhaseConfig, type TrainConfig } from '../core/defaults.js';
import { applyPhase, countParams } from '../model/build.js';
import { appendLogs, type History, type HistoryRecord, type PhaseHistory } from '../core/history.js';
import { makeOptimizer } from './optimizers.js';
import { planBranches } from './plan.js';
import { evalStep, trainStep, type StepBatch, type Logs, type StepContext } from './step.js';
import { makeFrozenRunner, type FrozenEngine } from './frozen.js';
import { BranchnetError } from '../core/errors.js';
import { dropoutLayers, withDropoutSeeds } from './dropout_seeds.js';
import { readOptimizerState, writeOptimizerState, type OptimizerState } from './optimizer_state.js';

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
  next(): Promise<StepBatch>;
}

/**
 * Where a run stands between two steps, as plain data: what a checkpoint holds besides the
 * model's weights and the batch streams' positions, and what `FitControl.resume` continues from.
 */
export interface FitSnapshot {
  /** The next step to run: phase, epoch within it, steps of that epoch already done. */
  position: { phaseIndex: number; epoch: number; step: number };
  /** Phases finished. */
  phases: PhaseHistory[];
  /** The current phase so far: its finished epochs' logs, the running mean of this epoch's steps. */
  record: HistoryRecord;
  running: Logs;
  /** Wall seconds of the phase so far, and seconds and images in its training steps. */
  timing: { seconds: number; trainSeconds: number; trainImages: number };
  /** The current phase's optimiser slots; null at a phase boundary (a new phase starts a fresh one). */
  optimizer: OptimizerState | null;
}

/** Stopping, checkpointing and resuming; none of it changes what is learnt. */
export interface FitControl {
  /** Abort: the current step finishes, a snapshot goes to `checkpoint`, then fit throws E_INTERRUPTED. */
  signal?: AbortSignal;
  /** Called after every epoch, after every phase and on abort; fit waits for it. */
  checkpoint?: (snapshot: FitSnapshot) => Promise<void>;
  /** Continue from a snapshot (the model's weights and the streams must be restored by the caller). */
  resume?: FitSnapshot;
}

/** What fit throws when its signal aborts it (after the snapshot has been handed to `checkpoint`). */
export class TrainingInterrupted extends BranchnetError {
  constructor(readonly snapshot: FitSnapshot, where: string) {
    super('E_INTERRUPTED', `training interrupted at ${where}`);
  }
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

/**
 * Test hook: BRANCHNET_TEST_STEP_DELAY_MS=<ms> sleeps after every training step, so that a test
 * can interrupt a tiny run in the middle of an epoch (test/resume_cli.test.ts). Changes timings only.
 */
const STEP_DELAY_MS = Number(process.env.BRANCHNET_TEST_STEP_DELAY_MS ?? 0) || 0;

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
  runtime: FitRuntime & Omit<FitControl, 'checkpoint'> & { checkpoint?: (s: Omit<FitSnapshot, 'phases'>) => Promise<void> } = {},
): Promise<PhaseHistory> {
  const phase = config.phases[phaseIndex];
  const heads = config.model.heads;
  const from = runtime.resume?.position.phaseIndex === phaseIndex ? runtime.resume : undefined;
  applyPhase(model, heads, phase);
  const trainableParams = countParams(model.trainableWeights);
  callbacks.onPhaseBegin?.({ phase, index: phaseIndex, trainableParams });
  const ctx = stepContext(model, config, phase);
  ctx.optimizer = makeOptimizer(phase);
  const optimizer = ctx.optimizer;
  if (from?.optimizer) await writeOptimizerState(optimizer, from.optimizer);
  const dropouts = dropoutLayers(ctx.plan);
  if (dropouts.unseedable.length) runtime.log?.(`${dropouts.unseedable.join(', ')}: random layers TF.js cannot seed; two runs with one seed will differ`);
  const { height, width } = config.model;
  ctx.frozen = await makeFrozenRunner(ctx.plan, [height, width, 3], { engine: runtime.engine, threads: runtime.threads, cache: config.data.cacheBackbone });
  runtime.log?.(`${phase.name}: ${ctx.frozen.description}`);
  const history: HistoryRecord = structuredClone(from?.record ?? {});
  const started = performance.now() - (from?.timing.seconds ?? 0) * 1000;
  let trainSeconds = from?.timing.trainSeconds ?? 0;
  let trainImages = from?.timing.trainImages ?? 0;
  const snapshot = async (epoch: number, step: number, running: Logs): Promise<Omit<FitSnapshot, 'phases'>> => ({
    position: { phaseIndex, epoch, step },
    record: structuredClone(history),
    running: { ...running },
    timing: { seconds: (performance.now() - started) / 1000, trainSeconds, trainImages },
    optimizer: await readOptimizerState(optimizer),
  });
  let epochsRun = from?.position.epoch ?? 0;
  try {
    for (let epoch = from?.position.epoch ?? 0; epoch < phase.epochs; epoch++) {
      const epochStart = performance.now();
      const resumed = from && epoch === from.position.epoch;
      callbacks.onEpochBegin?.({ phase, epoch, epochs: phase.epochs, steps: phase.stepsPerEpoch });
      const running: Logs = resumed ? { ...from.running } : {};
      for (let step = resumed ? from.position.step + 1 : 1; step <= phase.stepsPerEpoch; step++) {
        if (runtime.signal?.aborted) {
          const snap = await snapshot(epoch, step - 1, running);
          await runtime.checkpoint?.(snap);
          throw new TrainingInterrupted({ ...snap, phases: [] }, `${phase.name}, epoch ${epoch + 1} of ${phase.epochs}, after step ${step - 1} of ${phase.stepsPerEpoch}`);
        }
        const batch = await train.next();
        const t0 = performance.now();
        // Dropout masks from (seed, phase, step): the same in every run and after a resume.
        const key = [config.seed, phaseIndex, epoch * phase.stepsPerEpoch + step];
        const logs = await withDropoutSeeds(dropouts.seeded, key, () => trainStep(ctx, batch));
        trainSeconds += (performance.now() - t0) / 1000;
        trainImages += batch.size;
        if (STEP_DELAY_MS > 0) await new Promise((r) => setTimeout(r, STEP_DELAY_MS));
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
      // The phase's last epoch is checkpointed by fit(), as the start of the next phase.
      if (epoch + 1 < phase.epochs && runtime.checkpoint) await runtime.checkpoint(await snapshot(epoch + 1, 0, {}));
    }
    const vs = ctx.frozen.valStats;
    if (vs.computed + vs.reused > 0) runtime.log?.(`${phase.name}: validation features: ${vs.computed} images through the frozen layers, ${vs.reused} reused (${vs.on ? `${(vs.bytes / 2 ** 20).toFixed(1)} MB held${vs.uncached ? `; ${vs.uncached} not kept, the cache was full` : ''}` : 'cache off'})`);
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
  runtime: FitRuntime & FitControl = {},
): Promise<History> {
  const { resume, checkpoint } = runtime;
  const history: History = { phases: structuredClone(resume?.phases ?? []) };
  const withPhases = (s: Omit<FitSnapshot, 'phases'>): FitSnapshot => ({ ...s, phases: structuredClone(history.phases) });
  for (let i = resume?.position.phaseIndex ?? 0; i < config.phases.length; i++) {
    try {
      history.phases.push(await fitPhase(model, config, i, train, val, callbacks, {
        ...runtime,
        checkpoint: checkpoint && ((s) => checkpoint(withPhases(s))),
      }));
    } catch (e) {
      if (e instanceof TrainingInterrupted) throw new TrainingInterrupted(withPhases(e.snapshot), e.message.replace(/^training interrupted at /, ''));
      throw e;
    }
    // A phase boundary: the next phase starts with a fresh optimiser, so none is saved.
    const boundary: FitSnapshot = {
      position: { phaseIndex: i + 1, epoch: 0, step: 0 }, phases: structuredClone(history.phases),
      record: {}, running: {}, timing: { seconds: 0, trainSeconds: 0, trainImages: 0 }, optimizer: null,
    };
    await checkpoint?.(boundary);
    if (runtime.signal?.aborted && i + 1 < config.phases.length) throw new TrainingInterrupted(boundary, `the end of ${config.phases[i].name}`);
  }
  return history;
}
