/**
 * Pretrained backbones end to end: the notebook's model trained on a Keras H5 VGG16 file (the
 * real file's layout and size, values that identify each weight), and a type head trained on a
 * MobileNet v1 0.25 model.json cut at conv_pw_13_relu. Frozen layers must come out of training
 * exactly as they went in; fine-tuned ones must move; predictions agree across engines.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { initBackend } from '../src/onnx/backend.js';
import { tf } from '../src/core/tf.js';
import { train } from '../src/pipeline/train.js';
import { loadModelDir } from '../src/io/model_dir.js';
import { Predictor } from '../src/eval/predict.js';
import { backboneOf } from '../src/model/build.js';
import { makeDataset, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';
import { fixtureValues, writeVgg16H5 } from './h5_fixtures.js';
import { writeMobileNetFixture } from './mobilenet_fixture.js';
import fs from 'node:fs/promises';
import { entryLayout, formatManifest, hashFile, cacheDir } from '../src/weights/cache.js';
import { findWeights } from '../src/weights/registry.js';

const SCALE = 2 ** -36; // exact in float32; keeps a 13-layer stack of positive weights finite

function weightOf(model: tf.LayersModel, head: string, layer: string, index: number): Float32Array {
  return backboneOf(model, head)!.getLayer(layer).getWeights()[index].dataSync() as Float32Array;
}

describe('pretrained backbones end to end', () => {
  let root: string;
  let data: string;
  beforeAll(async () => {
    await initBackend();
    root = await tmpDir();
    data = path.join(root, 'train');
    await makeDataset(data, NOTEBOOK_COMBOS, 4, { width: 40, height: 48 });
  });

  it('trains the notebook model on Keras\'s VGG16 notop H5 (old naming): frozen blocks unchanged, block5 fine-tuned', async () => {
    const { file } = await writeVgg16H5(path.join(root, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'), { naming: 'old', valueScale: SCALE });
    const logs: string[] = [];
    const out = path.join(root, 'vgg');
    await train({
      data, out, log: (m) => logs.push(m),
      config: {
        model: { height: 32, width: 32, backbone: { weights: file } },
        data: { batchSize: 4 },
        phases: [{ epochs: 1, stepsPerEpoch: 2, validationSteps: 1 }, { epochs: 1, stepsPerEpoch: 2, validationSteps: 1, learningRate: 1e-3 }],
      },
    });
    expect(logs.join('\n')).toContain(`backbone vgg16: weights loaded from ${file}`);
    expect(logs.join('\n')).not.toContain('UNTRAINED');
    const saved = await loadModelDir(out);
    try {
      // block1_conv1 is layer ordinal 1 of the file; block5_conv1 ordinal 11.
      const want = fixtureValues(1, 0, [3, 3, 3, 64]).map((v) => v * SCALE);
      expect(weightOf(saved.model, 'type', 'block1_conv1', 0)).toEqual(want);
      expect(weightOf(saved.model, 'type', 'block4_conv3', 1)).toEqual(fixtureValues(10, 1, [512]).map((v) => v * SCALE));
      const b5 = fixtureValues(11, 0, [3, 3, 512, 512]).map((v) => v * SCALE);
      const got = weightOf(saved.model, 'type', 'block5_conv1', 0);
      expect(got.length).toBe(b5.length);
      expect(got.some((v, i) => v !== b5[i])).toBe(true);
      expect(saved.meta.config.model.backbone.weights).toBe(file);
    } finally {
      saved.model.dispose();
    }
  });

  it('trains a type head on MobileNet v1 0.25 cut at conv_pw_13_relu; onnxruntime and TF.js predict the same', async () => {
    const { modelJson, values } = await writeMobileNetFixture(path.join(root, 'mobilenet'));
    const out = path.join(root, 'mobile');
    const logs: string[] = [];
    await train({
      data, out, log: (m) => logs.push(m),
      config: {
        model: { height: 64, width: 64, backbone: { backbone: 'mobilenet', weights: modelJson } },
        data: { batchSize: 4 },
        phases: [{ epochs: 1, stepsPerEpoch: 2, validationSteps: 1, learningRate: 1e-3 }, { epochs: 1, stepsPerEpoch: 2, validationSteps: 1, learningRate: 1e-3 }],
      },
    });
    expect(logs.join('\n')).toContain(`backbone mobilenet: weights loaded from ${modelJson}`);
    const saved = await loadModelDir(out);
    try {
      expect(saved.meta.config.model.preprocess).toBe('tf');
      expect(saved.meta.config.model.backbone.layer).toBe('conv_pw_13_relu');
      const base = backboneOf(saved.model, 'type')!;
      expect(base.layers.at(-1)!.name).toBe('conv_pw_13_relu');
      // Frozen throughout: conv_dw_1 as in the file. Fine-tuned in phase 2: conv_pw_13 moved.
      expect(weightOf(saved.model, 'type', 'conv_dw_1', 0)).toEqual(values.get('conv_dw_1/depthwise_kernel'));
      const pw13 = values.get('conv_pw_13/kernel')!;
      expect(weightOf(saved.model, 'type', 'conv_pw_13', 0).some((v, i) => v !== pw13[i])).toBe(true);
    } finally {
      saved.model.dispose();
    }
    const files = (await import('node:fs/promises')).readdir(path.join(data, 'black_jeans'));
    const images = (await files).slice(0, 3).map((f) => path.join(data, 'black_jeans', f));
    const onTf = await Predictor.load(out, { engine: 'tfjs' });
    const onOrt = await Predictor.load(out, { engine: 'onnxruntime' });
    try {
      expect(onOrt.engine).toBe('onnxruntime');
      const a = await onTf.predictFiles(images);
      const b = await onOrt.predictFiles(images);
      for (const [i, p] of a.predictions.entries()) {
        for (const head of ['color', 'type']) {
          for (const [k, v] of Object.entries(p.heads[head].probabilities)) {
            expect(Math.abs(v - b.predictions[i].heads[head].probabilities[k])).toBeLessThan(1e-4);
          }
        }
      }
    } finally {
      onTf.dispose();
      onOrt.dispose();
    }
  });

  it('uses the file `branchnet weights get` cached when no --weights is given', async () => {
    // The test cache (vitest.config.ts sets BRANCHNET_CACHE) gets MobileNet as `weights get` leaves it.
    const layout = entryLayout(findWeights('mobilenet_v1_0.25_224'));
    expect(layout.dir.startsWith(cacheDir())).toBe(true);
    await writeMobileNetFixture(layout.dir);
    const names = (await fs.readdir(layout.dir)).sort();
    await fs.writeFile(layout.manifest, formatManifest(await Promise.all(names.map(async (name) => ({ name, sha256: await hashFile(path.join(layout.dir, name), 'sha256') })))));
    const logs: string[] = [];
    const out = path.join(root, 'cached');
    try {
      await train({
        data, out, log: (m) => logs.push(m),
        config: { model: { height: 32, width: 32, backbone: { backbone: 'mobilenet' } }, data: { batchSize: 4 }, phases: [{ epochs: 1, stepsPerEpoch: 1, validationSteps: 1 }, { epochs: 0 }] },
      });
    } finally {
      await fs.rm(layout.dir, { recursive: true, force: true });
    }
    expect(logs.join('\n')).toContain(`backbone mobilenet: using the cached weights ${layout.file}`);
    const saved = await loadModelDir(out);
    expect(saved.meta.config.model.backbone.weights).toBe(layout.file);
    saved.model.dispose();
  });
});
