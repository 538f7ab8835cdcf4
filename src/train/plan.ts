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

/**
 * How a model's heads are computed: either one independent branch per head (split models),
 * or a shared trunk followed by one layer per head (multi-label baselines).
 */
export interface ModelPlan {
  /** Segments that run on the input: one per head, or one shared trunk. */
  segments: BranchPlan[];
  /** For trunk models, the per-head output layers applied to the trunk's output. */
  heads: tf.layers.Layer[] | null;
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

export function planBranches(model: tf.LayersModel, heads: string[]): ModelPlan {
  const trunk = model.layers.find((l) => l.name === 'trunk');
  if (trunk instanceof tf.Sequential) {
    const layers = flatten(trunk);
    return { segments: [{ head: 'trunk', layers, frozenCount: frozenPrefix(layers) }], heads: heads.map((h) => model.getLayer(h)) };
  }
  return {
    segments: heads.map((head) => {
      const layers = flatten(model.getLayer(head) as tf.Sequential);
      return { head, layers, frozenCount: frozenPrefix(layers) };
    }),
    heads: null,
  };
}

/** Inference part: the frozen prefix of each segment, run without a tape (call inside a tidy). */
export function runFrozen(plan: ModelPlan, x: tf.Tensor): tf.Tensor[] {
  return plan.segments.map((s) => (s.frozenCount > 0 ? runLayers(s.layers.slice(0, s.frozenCount), x, false) : x));
}

/** The rest: from the frozen outputs to one output per head. */
export function runTrainable(plan: ModelPlan, starts: tf.Tensor[], training: boolean): tf.Tensor[] {
  const outs = plan.segments.map((s, i) => runLayers(s.layers.slice(s.frozenCount), starts[i], training));
  return plan.heads ? plan.heads.map((l) => l.apply(outs[0], { training }) as tf.Tensor) : outs;
}

export function runLayers(layers: tf.layers.Layer[], x: tf.Tensor, training: boolean): tf.Tensor {
  let h = x;
  for (const l of layers) h = l.apply(h, { training }) as tf.Tensor;
  return h;
}
