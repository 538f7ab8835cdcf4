import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { buildVgg16 } from '../model/backbones/vgg16.js';
import { seededInitializers } from '../model/init.js';
import { assignLayerWeights, readTfjsLayerWeights } from './layer_weights.js';

async function saveTfjs(model: tf.LayersModel, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (a) => {
    await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!)));
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return path.join(dir, 'model.json');
}

describe('pretrained weights by layer name', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('a VGG16 saved as a TF.js layers model loads into a fresh VGG16, every weight in its layer', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bn-w-'));
    const source = buildVgg16(32, 32, seededInitializers(11));
    const file = await saveTfjs(source, dir);
    const target = buildVgg16(32, 32, seededInitializers(12));
    const weights = await readTfjsLayerWeights(file);
    expect(weights.get('block1_conv1')!.map((t) => t.shape)).toEqual([[3, 3, 3, 64], [64]]);
    expect(assignLayerWeights(target, weights, file)).toBe(13);
    for (const name of ['block1_conv1', 'block3_conv2', 'block5_conv3']) {
      const a = source.getLayer(name).getWeights()[0].dataSync();
      const b = target.getLayer(name).getWeights()[0].dataSync();
      expect(b[0]).toBe(a[0]);
      expect(b[a.length - 1]).toBe(a[a.length - 1]);
    }
  });

  it('a missing layer fails before anything is copied, naming the layer and what the file has', async () => {
    const target = buildVgg16(32, 32, seededInitializers(12));
    const before = target.getLayer('block1_conv1').getWeights()[0].dataSync().slice();
    const partial = new Map([['block1_conv1', [tf.zeros([3, 3, 3, 64]), tf.zeros([64])]]]);
    expect(() => assignLayerWeights(target, partial, 'w.json')).toThrow(/^w\.json: No saved weights for 12 layer\(s\) of the current model \(vgg16\): #1 \(named block1_conv2 in the current model\), #2 \(named block2_conv1 in the current model\), /);
    expect(target.getLayer('block1_conv1').getWeights()[0].dataSync()).toEqual(before);
  });

  it('a wrong shape fails naming the layer in the file and the model, and both shapes', () => {
    const target = buildVgg16(32, 32, seededInitializers(12));
    const bad = new Map(target.layers.filter((l) => l.getWeights().length).map((l) => [l.name, l.getWeights().map((w) => w.clone())]));
    bad.set('block2_conv1', [tf.zeros([3, 3, 64, 100]), tf.zeros([100])]);
    expect(() => assignLayerWeights(target, bad, 'w.json')).toThrow('w.json: Shape mismatch in layer #2 (named block2_conv1 in the current model, block2_conv1 in the save file) for weight block2_conv1/kernel:0. Weight expects shape [3, 3, 64, 128]. Received saved weight with shape [3, 3, 64, 100]');
  });

  it('extra saved layers are ignored by default (a cut model) and refused with allowExtra false', () => {
    const target = buildVgg16(32, 32, seededInitializers(12));
    const source = new Map(target.layers.filter((l) => l.weights.length).map((l) => [l.name, l.weights.map((w) => tf.onesLike(w.read()))]));
    source.set('dense', [tf.zeros([512, 10]), tf.zeros([10])]);
    expect(() => assignLayerWeights(target, source, 'w.json', { allowExtra: false })).toThrow('w.json: 1 saved layer(s) not in the current model (vgg16): dense. Model expected 13 layers, found 14 saved layers. The save file was made for a larger model; load it into a model that has these layers');
    expect(target.getLayer('block1_conv1').weights[0].read().dataSync()[0]).not.toBe(1);
    expect(assignLayerWeights(target, source, 'w.json')).toBe(13);
    expect(target.getLayer('block1_conv1').weights[0].read().dataSync()[0]).toBe(1);
    source.set('block3_conv1', [tf.zeros([3, 3, 128, 256])]);
    expect(() => assignLayerWeights(target, source, 'w.json')).toThrow('w.json: Weight count mismatch for layer #4 (named block3_conv1 in the current model, block3_conv1 in the save file). Layer expects 2 weight(s). Received 1 saved weight(s)');
    tf.dispose([...source.values()].flat());
  });

  it('a shard path outside the model folder is refused', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bn-w-'));
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['../evil.bin'], weights: [] }] }));
    await expect(readTfjsLayerWeights(path.join(dir, 'model.json'))).rejects.toThrow(`shard path "../evil.bin" points outside the model's folder`);
  });
});
