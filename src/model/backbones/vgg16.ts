/**
 * VGG16's convolutional base (include_top=False), layer for layer as Keras builds it in
 * keras/applications/vgg16.py: five blocks of 3x3 'same' relu convolutions (64, 128, 256,
 * 512, 512 filters; 2, 2, 3, 3, 3 convs) each closed by a 2x2 max-pool, named
 * `block{b}_conv{i}` and `block{b}_pool` so that Keras weight files map onto it by name.
 * 14,714,688 parameters at any input size.
 */
import { tf } from '../../core/tf.js';
import type { Initializers } from '../init.js';

export const VGG16_BLOCKS: ReadonlyArray<readonly [filters: number, convs: number]> = [
  [64, 2], [128, 2], [256, 3], [512, 3], [512, 3],
];

export function buildVgg16(height: number, width: number, init: Initializers): tf.LayersModel {
  const input = tf.input({ shape: [height, width, 3], name: 'vgg16_input' });
  let x: tf.SymbolicTensor = input;
  VGG16_BLOCKS.forEach(([filters, convs], b) => {
    for (let i = 1; i <= convs; i++) {
      x = tf.layers.conv2d({
        filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${i}`,
        kernelInitializer: init.kernel(), biasInitializer: 'zeros',
      }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as tf.SymbolicTensor;
  });
  return tf.model({ inputs: input, outputs: x, name: 'vgg16' });
}
