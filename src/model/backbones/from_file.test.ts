/**
 * A TF.js layers model as a backbone: MobileNet v1 0.25 (fixture with its real layer names and
 * structure) read from model.json, cut at conv_pw_13_relu, weights copied by name, fine-tuned
 * from a named layer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../onnx/backend.js';
import { tf } from '../../core/tf.js';
import { resolveConfig } from '../../core/defaults.js';
import { readBackboneTopology, backboneFromTopology } from './from_file.js';
import { applyPhase, backboneOf, buildModel, countParams, loadModelResources } from '../build.js';
import { assignLayerWeights, readTfjsLayerWeights } from '../../io/layer_weights.js';
import { writeMobileNetFixture, buildMobileNetV1 } from '../../../test/mobilenet_fixture.js';
import { tmpDir } from '../../../test/fixtures.js';

const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];

describe('backbone from a TF.js layers model.json', () => {
  let modelJson: string;
  let values: Map<string, Float32Array>;
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    ({ modelJson, values } = await writeMobileNetFixture(await tmpDir()));
  });

  it('the mobilenet preset knows its cut layer, input size, scaling and fine-tuning layer', () => {
    const cfg = resolveConfig({ model: { backbone: { backbone: 'mobilenet' } } });
    expect([cfg.model.height, cfg.model.width, cfg.model.preprocess, cfg.model.backbone.layer]).toEqual([224, 224, 'tf', 'conv_pw_13_relu']);
    expect(cfg.phases.map((p) => p.unfreeze)).toEqual([null, 'conv_dw_13']);
    // Explicit values win; vgg16 keeps the notebook's.
    const sized = resolveConfig({ model: { height: 96, width: 64, preprocess: 'rescale', backbone: { backbone: 'mobilenet', layer: 'conv_pw_11_relu' } } });
    expect([sized.model.height, sized.model.width, sized.model.preprocess, sized.model.backbone.layer]).toEqual([96, 64, 'rescale', 'conv_pw_11_relu']);
    const vgg = resolveConfig({});
    expect([vgg.model.height, vgg.model.width, vgg.model.preprocess, vgg.phases[1].unfreeze]).toEqual([160, 128, 'rescale', 'block5']);
  });

  it('cuts at conv_pw_13_relu and re-sizes the input: the classifier top never exists', async () => {
    const topo = await readBackboneTopology(modelJson, { layer: 'conv_pw_13_relu', height: 64, width: 96, name: 'mobilenet' });
    const base = backboneFromTopology(topo);
    try {
      const names = base.layers.map((l) => l.name);
      expect(names[0]).toBe('input_1');
      expect(names.at(-1)).toBe('conv_pw_13_relu');
      expect(names).not.toContain('conv_preds');
      expect(names).not.toContain('global_average_pooling2d_1');
      expect(base.outputs[0].shape).toEqual([null, 2, 3, 256]);
      // Parameters of the cut base = the full model's minus its top (conv_preds: 256*1000 + 1000).
      const full = buildMobileNetV1(0.25, 224, 1000);
      expect(countParams(base.weights)).toBe(countParams(full.weights) - (256 * 1000 + 1000));
      full.dispose();
    } finally {
      base.dispose();
    }
  });

  it('a cut layer that does not exist is a clear error listing the layers', async () => {
    await expect(readBackboneTopology(modelJson, { layer: 'conv_pw_14_relu', height: 64, width: 64 })).rejects.toThrow(
      /no layer named "conv_pw_14_relu" to cut at; the model's layers are \[input_1, conv1_pad, conv1, .*reshape_2\] \(give one with --backbone-layer\)/,
    );
  });

  it('a graph model or broken file is refused with what was expected', async () => {
    const dir = await tmpDir();
    const graph = path.join(dir, 'model.json');
    await fs.writeFile(graph, JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    await expect(readBackboneTopology(graph, { layer: null, height: 32, width: 32 })).rejects.toThrow(/no modelTopology with a class_name; expected a TF.js \*layers\* model/);
    await fs.writeFile(graph, '{ not json');
    await expect(readBackboneTopology(graph, { layer: null, height: 32, width: 32 })).rejects.toThrow(/cannot read as a TF.js model.json/);
  });

  it('builds the split model on it, copies every weight by name, and fine-tunes from a named layer', async () => {
    const cfg = resolveConfig({ model: { height: 64, width: 64, backbone: { backbone: 'mobilenet', weights: modelJson } } });
    const before = tf.memory().numTensors;
    const model = buildModel(cfg.model, HEADS, 1, await loadModelResources(cfg.model));
    const source = await readTfjsLayerWeights(modelJson);
    try {
      const base = backboneOf(model, 'type')!;
      expect(base.name).toBe('mobilenet');
      expect(assignLayerWeights(base, source, modelJson, { allowExtra: true })).toBe(2 + 13 * 4); // conv1, conv1_bn, and per block dw, dw_bn, pw, pw_bn
      for (const [layer, weight] of [['conv1', 'kernel'], ['conv_dw_5', 'depthwise_kernel'], ['conv_pw_13_bn', 'moving_variance'], ['conv_pw_13_bn', 'gamma']] as const) {
        const l = base.getLayer(layer);
        const w = l.weights.find((v) => v.name.split('/').pop()!.replace(/_\d+$/, '') === weight)!;
        const got = w.read().dataSync() as Float32Array;
        const want = values.get(`${layer}/${weight}`)!;
        expect(got.length).toBe(want.length);
        expect(Math.max(...got.map((v, i) => Math.abs(v - want[i])))).toBe(0);
      }
      applyPhase(model, cfg.model.heads, cfg.phases[0]);
      const frozen = countParams(model.trainableWeights);
      expect(base.layers.filter((l) => l.trainable && l.trainableWeights.length > 0)).toHaveLength(0);
      applyPhase(model, cfg.model.heads, cfg.phases[1]);
      const trainable = base.layers.filter((l) => l.trainable && l.weights.length > 0).map((l) => l.name);
      expect(trainable).toEqual(['conv_dw_13', 'conv_dw_13_bn', 'conv_pw_13', 'conv_pw_13_bn']);
      expect(countParams(model.trainableWeights)).toBeGreaterThan(frozen);
      applyPhase(model, cfg.model.heads, { unfreeze: 'conv_pw_12' });
      expect(base.layers.filter((l) => l.trainable && l.weights.length > 0).map((l) => l.name)[0]).toBe('conv_pw_12');
      expect(() => applyPhase(model, cfg.model.heads, { unfreeze: 'block5' })).toThrow(/unfreeze "block5" matches no layer of backbone mobilenet in head "type"; layer names are \[conv1_pad, conv1, /);
      const out = tf.tidy(() => (model.predict(tf.ones([2, 64, 64, 3])) as tf.Tensor[]).map((t) => t.shape));
      expect(out).toEqual([[2, 3], [2, 3]]);
    } finally {
      tf.dispose([...source.values()].flat());
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
