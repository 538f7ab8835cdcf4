/**
 * A branch as a flat list of layers, split into a frozen prefix and a trainable rest.
 *
 * Why: a frozen backbone needs no gradient tape. Recording VGG16's forward pass on the tape
 * keeps ~2 GB of activations per batch of 20 at 160x128 and makes phase 1 several times slower,
 * though nothing needs those gradients. So the training step runs the frozen prefix as plain
 * inference (inside a tidy, outside `minimize`) and only the rest under the tape. Results are
 * identical to applying the whole model (a test checks that).
 *
 * The backbones we build (VGG16, scratch) are linear chains of layers, so flattening them is
 * exact; a non-linear backbone falls back to applying it whole.
 */
import { tf } from '../core/tf.js';

export interface BranchPlan {
  head: string;
  layers: tf.layers.Layer[];
  /** Leading layers that run without gradients in training. */
  frozenCount: number;
}

function isLinear(m: tf.LayersModel): boolean {
  return m.layers.every((l) => l.inboundNodes.length <= 1 && (l.inboundNodes[0]?.inboundLayers.length ?? 0) <= 1);
}

function flatten(branch: tf.Sequential): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const l of branch.layers) {
    if (l instanceof tf.LayersModel && isLinear(l)) out.push(...l.layers.filter((x) => x.getClassName() !== 'InputLayer'));
    else out.push(l);
  }
  return out;
}

/** Layers whose behaviour differs between training and inference. */
const TRAINING_SENSITIVE = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

function frozenPrefix(layers: tf.layers.Layer[]): number {
  let k = 0;
  for (const l of layers) {
    if (TRAINING_SENSITIVE.has(l.getClassName())) break;
    if (l.trainable && l.trainableWeights.length > 0) break;
    // A frozen BatchNormalization runs in inference mode (TF2 Keras semantics); in TF.js it
    // would use batch statistics under training=true, so it must stay in the prefix only
    // when frozen, which the check above already guarantees.
    k++;
  }
  return k;
}

export function planBranches(model: tf.LayersModel, heads: string[]): BranchPlan[] {
  return heads.map((head) => {
    const layers = flatten(model.getLayer(head) as tf.Sequential);
    return { head, layers, frozenCount: frozenPrefix(layers) };
  });
}

export function runLayers(layers: tf.layers.Layer[], x: tf.Tensor, training: boolean): tf.Tensor {
  let h = x;
  for (const l of layers) h = l.apply(h, { training }) as tf.Tensor;
  return h;
}
