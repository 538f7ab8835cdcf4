/**
 * A TF.js layers model.json with MobileNet v1's layer names and structure, as
 * keras.applications.MobileNet (Keras 2.1, the version the published TF.js MobileNets were
 * converted from) builds it: conv1_pad/conv1/conv1_bn/conv1_relu, then 13 depthwise-separable
 * blocks conv_pad_N (strided blocks), conv_dw_N, conv_dw_N_bn, conv_dw_N_relu (relu6),
 * conv_pw_N, conv_pw_N_bn, conv_pw_N_relu, then the classifier top
 * global_average_pooling2d_1 → reshape_1 → dropout → conv_preds → act_softmax → reshape_2.
 * Written as Keras's converter writes it: `modelTopology.model_config`, weights named
 * `<layer>/<weight>` in two shards. At alpha 0.25 it has ~0.47M parameters.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../src/core/tf.js';

/** [pointwise filters (at alpha 1), stride] of blocks 1..13. */
const BLOCKS: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

export function buildMobileNetV1(alpha = 0.25, size = 224, classes = 1000): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  const f = (n: number) => Math.floor(n * alpha);
  let x: tf.SymbolicTensor = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: 'conv1_pad' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: f(32), kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'conv1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ axis: -1, name: 'conv1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu6', name: 'conv1_relu' }).apply(x) as tf.SymbolicTensor;
  BLOCKS.forEach(([filters, stride], i) => {
    const id = i + 1;
    if (stride === 2) x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `conv_pad_${id}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 2 ? 'valid' : 'same', depthMultiplier: 1, useBias: false, name: `conv_dw_${id}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ axis: -1, name: `conv_dw_${id}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ activation: 'relu6', name: `conv_dw_${id}_relu` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: f(filters), kernelSize: 1, padding: 'same', useBias: false, name: `conv_pw_${id}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ axis: -1, name: `conv_pw_${id}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ activation: 'relu6', name: `conv_pw_${id}_relu` }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [1, 1, f(1024)], name: 'reshape_1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 1e-3, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: classes, kernelSize: 1, padding: 'same', name: 'conv_preds' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'softmax', name: 'act_softmax' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [classes], name: 'reshape_2' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: 'mobilenet_0.25_224' });
}

/**
 * Write a MobileNet v1 model.json + 2 weight shards into `dir`, every weight filled with a value
 * that identifies it (layer index + position), so tests can check each landed in its layer.
 * Returns the model.json path and the values written, by weight name.
 */
export async function writeMobileNetFixture(dir: string, opts: { alpha?: number; size?: number; classes?: number } = {}): Promise<{ modelJson: string; values: Map<string, Float32Array> }> {
  const model = buildMobileNetV1(opts.alpha ?? 0.25, opts.size ?? 224, opts.classes ?? 1000);
  const values = new Map<string, Float32Array>();
  const specs: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const chunks: Float32Array[] = [];
  model.layers.forEach((layer, li) => {
    layer.weights.forEach((w, wi) => {
      const shape = w.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const v = new Float32Array(size);
      // Positive variances; otherwise a value unique to (layer, weight, position).
      for (let i = 0; i < size; i++) v[i] = w.name.includes('variance') ? 1 + (i % 7) * 0.01 : ((li * 31 + wi * 7 + (i % 97)) % 200 - 100) / 1000;
      const name = `${layer.name}/${w.name.split('/').pop()!.replace(/_\d+$/, '')}`;
      values.set(name, v);
      specs.push({ name, shape, dtype: 'float32' });
      chunks.push(v);
    });
  });
  const topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
  model.dispose();
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const c of chunks) { all.set(c, off); off += c.length; }
  const bytes = new Uint8Array(all.buffer);
  const half = Math.floor(bytes.length / 8) * 4;
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'group1-shard1of2'), bytes.subarray(0, half));
  await fs.writeFile(path.join(dir, 'group1-shard2of2'), bytes.subarray(half));
  const modelJson = path.join(dir, 'model.json');
  await fs.writeFile(modelJson, JSON.stringify({
    modelTopology: { keras_version: '2.1.4', backend: 'tensorflow', model_config: topology },
    weightsManifest: [{ paths: ['group1-shard1of2', 'group1-shard2of2'], weights: specs }],
  }));
  return { modelJson, values };
}
