/**
 * The two kinds of branch a head can sit on, each a Sequential named after its head (so the
 * head's word names the output layer, the loss and the metrics, as in the notebook where
 * `color_model.name = 'color'`).
 *
 * - cnn: the notebook's color classifier, a small CNN trained from scratch:
 *   Conv(32, 11x11, stride 4) → pool → Conv(64, 3x3) → pool → Conv(64, 3x3) → pool → flatten →
 *   dropout .5 → dense 128 relu → dropout .5 → dense softmax. 231,427 parameters at 160x128.
 * - backbone: the notebook's type classifier: a conv base (VGG16 or scratch) → flatten →
 *   dropout .25 → dense 256 relu → dropout .25 → dense softmax.
 */
import { tf } from '../core/tf.js';
import type { BackboneName, BackboneBranchConfig, CnnBranchConfig, PixelPool } from '../core/defaults.js';
import type { Initializers } from './init.js';
import { buildVgg16 } from './backbones/vgg16.js';
import { buildScratch, BN_MOMENTUM } from './backbones/scratch.js';
import { backboneFromTopology, type BackboneTopology } from './backbones/from_file.js';
import { fail } from '../core/errors.js';

/** Conv bases read from files before the (synchronous) model build. */
export interface ModelResources {
  backbone?: BackboneTopology;
}

export function buildBackbone(name: BackboneName, height: number, width: number, init: Initializers, resources: ModelResources = {}): tf.LayersModel {
  switch (name) {
    case 'vgg16': return buildVgg16(height, width, init);
    case 'scratch': return buildScratch(height, width, init);
    case 'mobilenet':
    case 'tfjs':
    case 'synthetic':
      if (!resources.backbone) {
        fail('E_CONFIG', `backbone ${name} is read from a TF.js model.json, and none was given; pass --weights <model.json>${name === 'mobilenet' ? ' or run `branchnet weights get mobilenet_v1_0.25_224` first' : ' (or --backbone-model <model.json>)'}`);
      }
      return backboneFromTopology(resources.backbone);
  }
}

export function cnnBranch(head: string, classes: number, cfg: CnnBranchConfig, height: number, width: number, init: Initializers): tf.Sequential {
  const branch = tf.sequential({ name: head });
  cfg.filters.forEach((filters, i) => {
    branch.add(tf.layers.conv2d({
      ...(i === 0 ? { inputShape: [height, width, 3] } : {}),
      filters,
      kernelSize: i === 0 ? cfg.firstKernel : cfg.kernel,
      strides: i === 0 ? cfg.firstStride : 1,
      padding: 'same', activation: 'relu', name: `${head}_conv${i + 1}`,
      kernelInitializer: init.kernel(),
    }));
    branch.add(tf.layers.maxPooling2d({ poolSize: 2, name: `${head}_pool${i + 1}` }));
  });
  branch.add(tf.layers.flatten({ name: `${head}_flatten` }));
  branch.add(tf.layers.dropout({ rate: cfg.dropout, name: `${head}_dropout1` }));
  branch.add(tf.layers.dense({ units: cfg.dense, activation: 'relu', name: `${head}_dense1`, kernelInitializer: init.kernel() }));
  branch.add(tf.layers.dropout({ rate: cfg.dropout, name: `${head}_dropout2` }));
  branch.add(tf.layers.dense({ units: classes, activation: 'softmax', name: `${head}_out`, kernelInitializer: init.kernel() }));
  return branch;
}

/** ITU-R 601 luma, as PIL's convert('L') and PyImageSearch's FashionNet grayscale input. */
const LUMA = [0.299, 0.587, 0.114];

/**
 * A fixed 1x1 convolution that replaces each pixel by its luma in all three channels, so a
 * branch sees a grayscale image while a 3-channel backbone (VGG16) still fits. Not trainable.
 */
export function addGrayInput(branch: tf.Sequential, head: string, height: number, width: number): void {
  const gray = tf.layers.conv2d({ inputShape: [height, width, 3], filters: 3, kernelSize: 1, useBias: false, trainable: false, name: `${head}_gray` });
  branch.add(gray);
  gray.setWeights([tf.tidy(() => tf.tensor4d(LUMA.flatMap((w) => [w, w, w]), [1, 1, 3, 3]))]);
}

/**
 * A shape-blind color branch: per-pixel 1x1 convolutions (each pixel's color, alone), then a
 * pooling over the image that ignores where pixels are (`PixelPool`: avg, max, avgmax or a
 * per-pixel attention gate), then a small dense head. Every variant is a function of the
 * *multiset* of pixel colors, so it can learn which colors are present, never where or in what
 * shape (the notebook's color CNN sees shape too and can learn "all jeans are black").
 * Average pooling drowns a garment in its background; max pooling keeps the strongest response
 * of each color feature wherever it is; the attention gate learns which pixel colors to count.
 */
/** The pixel branch's per-pixel features + pooling, a sub-model named `<head>_pixels`. */
const PIXEL_FEATURES_SUFFIX = '_pixels';

/** Whether a sub-model of a branch is the pixel branch's features (not a conv base to freeze). */
export function isPixelFeatures(layer: tf.layers.Layer): boolean {
  return layer.name.endsWith(PIXEL_FEATURES_SUFFIX);
}

export function pixelBranch(head: string, classes: number, height: number, width: number, init: Initializers, pool: PixelPool = 'max'): tf.Sequential {
  const input = tf.input({ shape: [height, width, 3], name: `${head}_pixels_input` });
  let x = tf.layers.conv2d({ filters: 32, kernelSize: 1, activation: 'relu', name: `${head}_px1`, kernelInitializer: init.kernel() }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 32, kernelSize: 1, activation: 'relu', name: `${head}_px2`, kernelInitializer: init.kernel() }).apply(x) as tf.SymbolicTensor;
  const avg = (t: tf.SymbolicTensor, name: string) => tf.layers.globalAveragePooling2d({ name }).apply(t) as tf.SymbolicTensor;
  const max = (t: tf.SymbolicTensor, name: string) => tf.layers.globalMaxPooling2d({ name }).apply(t) as tf.SymbolicTensor;
  let pooled: tf.SymbolicTensor;
  if (pool === 'avg') pooled = avg(x, `${head}_gap`);
  else if (pool === 'max') pooled = max(x, `${head}_gmp`);
  else if (pool === 'avgmax') pooled = tf.layers.concatenate({ name: `${head}_pool` }).apply([avg(x, `${head}_gap`), max(x, `${head}_gmp`)]) as tf.SymbolicTensor;
  else {
    // A gate in (0, 1) per pixel from that pixel's features alone; the weighted mean then counts
    // the pixels the gate lets through. The gate's bias starts negative, so at first it passes
    // few pixels rather than averaging the whole background in.
    const gate = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', name: `${head}_gate`, kernelInitializer: init.kernel(), biasInitializer: tf.initializers.constant({ value: -2 }) }).apply(x) as tf.SymbolicTensor;
    const weighted = tf.layers.multiply({ name: `${head}_gated` }).apply([x, gate]) as tf.SymbolicTensor;
    pooled = tf.layers.concatenate({ name: `${head}_pool` }).apply([avg(weighted, `${head}_gap`), avg(gate, `${head}_coverage`)]) as tf.SymbolicTensor;
  }
  const branch = tf.sequential({ name: head });
  branch.add(tf.model({ inputs: input, outputs: pooled, name: `${head}${PIXEL_FEATURES_SUFFIX}` }));
  // Pooled color statistics differ between images by little (a garment is a fraction of the
  // pixels); standardising them lets a few thousand weights learn at the quick preset's rate.
  branch.add(tf.layers.batchNormalization({ name: `${head}_pool_bn`, momentum: BN_MOMENTUM }));
  branch.add(tf.layers.dense({ units: 32, activation: 'relu', name: `${head}_dense1`, kernelInitializer: init.kernel() }));
  branch.add(tf.layers.dense({ units: classes, activation: 'softmax', name: `${head}_out`, kernelInitializer: init.kernel() }));
  return branch;
}

export function backboneBranch(head: string, classes: number, base: tf.LayersModel, cfg: BackboneBranchConfig, init: Initializers, gray = false): tf.Sequential {
  const branch = tf.sequential({ name: head });
  const [height, width] = base.inputs[0].shape.slice(1, 3) as number[];
  if (gray) addGrayInput(branch, head, height, width);
  branch.add(base);
  branch.add(tf.layers.flatten({ name: `${head}_flatten` }));
  branch.add(tf.layers.dropout({ rate: cfg.dropout, name: `${head}_dropout1` }));
  branch.add(tf.layers.dense({ units: cfg.dense, activation: 'relu', name: `${head}_dense1`, kernelInitializer: init.kernel() }));
  branch.add(tf.layers.dropout({ rate: cfg.dropout, name: `${head}_dropout2` }));
  branch.add(tf.layers.dense({ units: classes, activation: 'softmax', name: `${head}_out`, kernelInitializer: init.kernel() }));
  return branch;
}
