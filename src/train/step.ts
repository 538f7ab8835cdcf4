/**
 * One optimisation step and one evaluation step on a batch, for any number of heads.
 * Memory: every tensor made here is disposed before returning; only plain numbers leave.
 */
import { tf } from '../core/tf.js';
import { binaryCrossentropy, categoricalAccuracy, categoricalCrossentropy } from './losses.js';
import { runFrozen, runTrainable, type ModelPlan } from './plan.js';
import type { FrozenRunner } from './frozen.js';
import type { Batch } from '../data/batches.js';

/** A batch as plain data, as the data module hands it on. */
/** What one step needs of a batch (../data/batches.ts's Batch has it, and more). */
export type StepBatch = Pick<Batch, 'x' | 'y' | 'size'> & { paths?: readonly string[] };

export type Logs = Record<string, number>;

export interface StepContext {
  plan: ModelPlan;
  heads: string[];
  classes: number[];
  inputShape: [number, number];
  /** Per-head loss weight (the phase's lossWeights, times the label share for sigmoid heads). */
  weights: number[];
  /** softmax heads use categorical cross-entropy; sigmoid heads binary cross-entropy. */
  activation: 'softmax' | 'sigmoid';
  optimizer?: tf.Optimizer;
  variables?: tf.Variable[];
  /** Runs the frozen prefixes (onnxruntime or TF.js, maybe cached); default: TF.js, off the tape. */
  frozen?: FrozenRunner;
}

/**
 * The frozen prefixes' outputs for a batch; the caller disposes those that are not `x`.
 * `fixed`: the batch is not augmented (evalStep's validation batches), so the runner may reuse
 * an image's features within the phase (frozen.ts).
 */
async function frozenStarts(ctx: StepContext, x: tf.Tensor4D, batch: StepBatch, fixed = false): Promise<tf.Tensor[]> {
  return ctx.frozen ? ctx.frozen.run(x, batch.paths, { fixed }) : tf.tidy(() => runFrozen(ctx.plan, x));
}

function toTensors(batch: StepBatch, shape: [number, number], classes: number[]): { x: tf.Tensor4D; ys: tf.Tensor2D[] } {
  const x = tf.tensor4d(batch.x, [batch.size, shape[0], shape[1], 3]);
  const ys = batch.y.map((y, i) => tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), classes[i]).toFloat() as tf.Tensor2D));
  return { x, ys };
}

function headLosses(ctx: StepContext, ys: tf.Tensor[], outs: tf.Tensor[]): { total: tf.Scalar; parts: tf.Scalar[] } {
  let total: tf.Scalar = tf.scalar(0);
  const parts: tf.Scalar[] = [];
  outs.forEach((out, i) => {
    const loss = ctx.activation === 'softmax' ? categoricalCrossentropy(ys[i], out) : binaryCrossentropy(ys[i], out);
    parts.push(loss, categoricalAccuracy(ys[i], out));
    total = tf.add(total, tf.mul(loss, ctx.weights[i]));
  });
  return { total, parts };
}

function toLogs(heads: string[], values: number[]): Logs {
  const logs: Logs = { loss: values[0] };
  heads.forEach((h, i) => {
    logs[`${h}_loss`] = values[1 + 2 * i];
    logs[`${h}_acc`] = values[2 + 2 * i];
  });
  return logs;
}

export async function trainStep(ctx: StepContext, batch: StepBatch): Promise<Logs> {
  const { x, ys } = toTensors(batch, ctx.inputShape, ctx.classes);
  // Frozen prefixes run as inference, off the tape (see plan.ts and frozen.ts).
  const starts = await frozenStarts(ctx, x, batch);
  const kept: tf.Scalar[] = [];
  const cost = ctx.optimizer!.minimize(() => {
    const { total, parts } = headLosses(ctx, ys, runTrainable(ctx.plan, starts, true));
    kept.push(...parts.map((p) => tf.keep(p)));
    return total;
  }, true, ctx.variables);
  const values = [cost!, ...kept].map((t) => t.dataSync()[0]);
  tf.dispose([x, ...ys, ...starts.filter((s) => s !== x), cost!, ...kept]);
  return toLogs(ctx.heads, values);
}

/** An evaluation step on a validation batch, which must not be augmented (its frozen features may be reused). */
export async function evalStep(ctx: StepContext, batch: StepBatch): Promise<Logs> {
  const { x, ys } = toTensors(batch, ctx.inputShape, ctx.classes);
  const starts = await frozenStarts(ctx, x, batch, true);
  const values = tf.tidy(() => {
    const { total, parts } = headLosses(ctx, ys, runTrainable(ctx.plan, starts, false));
    return [total, ...parts].map((t) => t.dataSync()[0]);
  });
  tf.dispose([x, ...ys, ...starts.filter((s) => s !== x)]);
  return toLogs(ctx.heads, values);
}
