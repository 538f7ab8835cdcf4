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
    expect(() => assignLayerWeights(target, partial, 'w.json')).toThrow(/^w\.json: no weights for layers "block1_conv2", "block2_conv1"/);
    expect(target.getLayer('block1_conv1').getWeights()[0].dataSync()).toEqual(before);
  });

  it('a wrong shape fails naming the layer in the file and the model, and both shapes', () => {
    const target = buildVgg16(32, 32, seededInitializers(12));
    const bad = new Map(target.layers.filter((l) => l.getWeights().length).map((l) => [l.name, l.getWeights().map((w) => w.clone())]));
    bad.set('block2_conv1', [tf.zeros([3, 3, 64, 100]), tf.zeros([100])]);
    expect(() => assignLayerWeights(target, bad, 'w.json')).toThrow('w.json: weight 0 of layer "block2_conv1" has shape [3, 3, 64, 100] in the file but [3, 3, 64, 128] in model vgg16; the file was made for another architecture or input size');
  });

  it('a shard path outside the model folder is refused', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bn-w-'));
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['../evil.bin'], weights: [] }] }));
    await expect(readTfjsLayerWeights(path.join(dir, 'model.json'))).rejects.toThrow(`shard path "../evil.bin" points outside the model's folder`);
  });
});
