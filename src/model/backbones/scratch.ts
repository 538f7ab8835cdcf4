/**
 * A small conv base trained from scratch, for when no pretrained weights exist (the synthetic
 * data set, tests, machines without the VGG16 file). Four blocks of conv + batch-norm + relu
 * + max-pool (32, 64, 128, 128 filters), named like VGG16's blocks so that `--unfreeze`
 * prefixes read the same. About 0.3M parameters: 50x fewer than VGG16 at 160x128.
 */
import { tf } from '../../core/tf.js';
import type { Initializers } from '../init.js';

export const SCRATCH_BLOCKS = [32, 64, 128, 128];

/**
 * Batch-norm moving-average momentum. Keras's default 0.99 needs several hundred steps before
 * the moving statistics (used at inference) forget their initial values; with the quick
 * schedules this project runs (100-200 steps) validation then sees un-normalised features and
 * scores at chance while training accuracy climbs. 0.9 converges in ~30 steps.
 */
export const BN_MOMENTUM = 0.9;

export function buildScratch(height: number, width: number, init: Initializers): tf.LayersModel {
  const input = tf.input({ shape: [height, width, 3], name: 'scratch_input' });
  let x: tf.SymbolicTensor = input;
  SCRATCH_BLOCKS.forEach((filters, b) => {
    x = tf.layers.conv2d({
      filters, kernelSize: 3, padding: 'same', useBias: false, name: `block${b + 1}_conv1`,
      kernelInitializer: init.kernel(),
    }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `block${b + 1}_bn1`, momentum: BN_MOMENTUM }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ activation: 'relu', name: `block${b + 1}_relu1` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as tf.SymbolicTensor;
  });
  return tf.model({ inputs: input, outputs: x, name: 'scratch' });
}
