/**
 * One optimisation step and one evaluation step on a batch, for any number of heads.
 * Memory: every tensor made here is disposed before returning; only plain numbers leave.
 */
import { tf } from '../core/tf.js';
import { categoricalAccuracy, categoricalCrossentropy } from './losses.js';
import { runLayers, type BranchPlan } from './plan.js';

/** A batch as plain data, as the data module hands it on. */
export interface Batch {
  /** [size, height, width, 3], preprocessed. */
  x: Float32Array;
  /** Per head, the class index of each sample. */
  y: Int32Array[];
  size: number;
}

export type Logs = Record<string, number>;

function toTensors(batch: Batch, shape: [number, number], classes: number[]): { x: tf.Tensor4D; ys: tf.Tensor2D[] } {
  const x = tf.tensor4d(batch.x, [batch.size, shape[0], shape[1], 3]);
  const ys = batch.y.map((y, i) => tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), classes[i]).toFloat() as tf.Tensor2D));
  return { x, ys };
}

export interface StepContext {
  plans: BranchPlan[];
  classes: number[];
  inputShape: [number, number];
  weights: number[];
  optimizer: tf.Optimizer;
  variables: tf.Variable[];
}

export function trainStep(ctx: StepContext, batch: Batch): Logs {
  const { x, ys } = toTensors(batch, ctx.inputShape, ctx.classes);
  // Frozen prefixes run as inference, off the tape (see plan.ts).
  const starts = ctx.plans.map((p) => (p.frozenCount > 0 ? tf.tidy(() => runLayers(p.layers.slice(0, p.frozenCount), x, false)) : x));
  const kept: tf.Scalar[] = [];
  const cost = ctx.optimizer.minimize(() => {
    let total: tf.Scalar = tf.scalar(0);
    ctx.plans.forEach((p, i) => {
      const out = runLayers(p.layers.slice(p.frozenCount), starts[i], true);
      const loss = categoricalCrossentropy(ys[i], out);
      kept.push(tf.keep(loss), tf.keep(categoricalAccuracy(ys[i], out)));
      total = tf.add(total, tf.mul(loss, ctx.weights[i]));
    });
    return total;
  }, true, ctx.variables);
  const values = [cost!, ...kept].map((t) => t.dataSync()[0]);
  tf.dispose([x, ...ys, ...starts, cost!, ...kept]);
  const logs: Logs = { loss: values[0] };
  ctx.plans.forEach((p, i) => {
    logs[`${p.head}_loss`] = values[1 + 2 * i];
    logs[`${p.head}_acc`] = values[2 + 2 * i];
  });
  return logs;
}

export function evalStep(ctx: Pick<StepContext, 'plans' | 'classes' | 'inputShape' | 'weights'>, batch: Batch): Logs {
  const { x, ys } = toTensors(batch, ctx.inputShape, ctx.classes);
  const values = tf.tidy(() => {
    const out: tf.Scalar[] = [];
    let total: tf.Scalar = tf.scalar(0);
    ctx.plans.forEach((p, i) => {
      const pred = runLayers(p.layers, x, false);
      const loss = categoricalCrossentropy(ys[i], pred);
      total = tf.add(total, tf.mul(loss, ctx.weights[i]));
      out.push(loss, categoricalAccuracy(ys[i], pred));
    });
    return [total, ...out].map((t) => t.dataSync()[0]);
  });
  tf.dispose([x, ...ys]);
  const logs: Logs = { loss: values[0] };
  ctx.plans.forEach((p, i) => {
    logs[`${p.head}_loss`] = values[1 + 2 * i];
    logs[`${p.head}_acc`] = values[2 + 2 * i];
  });
  return logs;
}
