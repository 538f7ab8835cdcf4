/**
 * The baselines the split design is measured against, as shared trunks with one dense sigmoid
 * layer per head. A Dense(Σ labels, sigmoid) over a trunk equals per-head Dense(labels, sigmoid)
 * layers over the same trunk (each unit has its own weights), so the multi-label networks keep
 * outputs named by head while being exactly PyImageSearch's single-output models.
 *
 * - SmallerVGGNet (PyImageSearch, "Multi-label classification with Keras", 2018,
 *   pyimagesearch/smallervggnet.py): CONV32 3x3 → ReLU → BN → POOL 3x3 → drop .25;
 *   2×(CONV64 → ReLU → BN) → POOL 2x2 → drop .25; 2×(CONV128 → ReLU → BN) → POOL 2x2 → drop .25;
 *   FC1024 → ReLU → BN → drop .5.
 *   Porting note: BatchNormalization(axis=-1) after ReLU, as the original, but with momentum 0.9
 *   instead of Keras's 0.99, for the reason given in backbones/scratch.ts (BN_MOMENTUM).
 * - single-head-vgg (the notebook's first attempt): conv base → flatten → dropout → dense 256 relu → dropout.
 */
import { tf } from '../core/tf.js';
import type { BackboneBranchConfig } from '../core/defaults.js';
import type { Initializers } from './init.js';
import { BN_MOMENTUM } from './backbones/scratch.js';

export function smallerVggNet(height: number, width: number, init: Initializers): tf.Sequential {
  const t = tf.sequential({ name: 'trunk' });
  const conv = (filters: number, name: string, first = false) => {
    t.add(tf.layers.conv2d({ ...(first ? { inputShape: [height, width, 3] } : {}), filters, kernelSize: 3, padding: 'same', activation: 'relu', name, kernelInitializer: init.kernel() }));
    t.add(tf.layers.batchNormalization({ axis: -1, name: `${name}_bn`, momentum: BN_MOMENTUM }));
  };
  conv(32, 'conv1', true);
  t.add(tf.layers.maxPooling2d({ poolSize: 3, name: 'pool1' }));
  t.add(tf.layers.dropout({ rate: 0.25, name: 'drop1' }));
  conv(64, 'conv2a');
  conv(64, 'conv2b');
  t.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
  t.add(tf.layers.dropout({ rate: 0.25, name: 'drop2' }));
  conv(128, 'conv3a');
  conv(128, 'conv3b');
  t.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool3' }));
  t.add(tf.layers.dropout({ rate: 0.25, name: 'drop3' }));
  t.add(tf.layers.flatten({ name: 'flatten' }));
  t.add(tf.layers.dense({ units: 1024, activation: 'relu', name: 'fc1', kernelInitializer: init.kernel() }));
  t.add(tf.layers.batchNormalization({ name: 'fc1_bn', momentum: BN_MOMENTUM }));
  t.add(tf.layers.dropout({ rate: 0.5, name: 'drop4' }));
  return t;
}

export function singleHeadTrunk(base: tf.LayersModel, cfg: BackboneBranchConfig, init: Initializers): tf.Sequential {
  const t = tf.sequential({ name: 'trunk' });
  t.add(base);
  t.add(tf.layers.flatten({ name: 'flatten' }));
  t.add(tf.layers.dropout({ rate: cfg.dropout, name: 'dropout1' }));
  t.add(tf.layers.dense({ units: cfg.dense, activation: 'relu', name: 'dense1', kernelInitializer: init.kernel() }));
  t.add(tf.layers.dropout({ rate: cfg.dropout, name: 'dropout2' }));
  return t;
}
