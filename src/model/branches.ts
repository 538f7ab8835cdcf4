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
import type { BackboneName, BackboneBranchConfig, CnnBranchConfig } from '../core/defaults.js';
import type { Initializers } from './init.js';
import { buildVgg16 } from './backbones/vgg16.js';
import { buildScratch } from './backbones/scratch.js';

export function buildBackbone(name: BackboneName, height: number, width: number, init: Initializers): tf.LayersModel {
  switch (name) {
    case 'vgg16': return buildVgg16(height, width, init);
    case 'scratch': return buildScratch(height, width, init);
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

export function backboneBranch(head: string, classes: number, base: tf.LayersModel, cfg: BackboneBranchConfig, init: Initializers): tf.Sequential {
  const branch = tf.sequential({ name: head });
  branch.add(base);
  branch.add(tf.layers.flatten({ name: `${head}_flatten` }));
  branch.add(tf.layers.dropout({ rate: cfg.dropout, name: `${head}_dropout1` }));
  branch.add(tf.layers.dense({ units: cfg.dense, activation: 'relu', name: `${head}_dense1`, kernelInitializer: init.kernel() }));
  branch.add(tf.layers.dropout({ rate: cfg.dropout, name: `${head}_dropout2` }));
  branch.add(tf.layers.dense({ units: classes, activation: 'softmax', name: `${head}_out`, kernelInitializer: init.kernel() }));
  return branch;
}
