import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { BranchnetError } from '../core/errors.js';
import { buildVgg16 } from '../model/backbones/vgg16.js';
import { seededInitializers } from '../model/init.js';
import { assignLayerWeights, savedLayerName, type LayerWeightMap } from './layer_weights.js';
import { readKerasH5Weights, readLayerWeights } from './keras_h5.js';
import { buildScaledVgg16, fixtureValue, fixtureValues, writeVgg16H5, type Vgg16H5Fixture } from '../../test/h5_fixtures.js';

const SCALE = 16;
const CONVS = ['block1_conv1', 'block1_conv2', 'block2_conv1', 'block2_conv2', 'block3_conv1', 'block3_conv2', 'block3_conv3', 'block4_conv1', 'block4_conv2', 'block4_conv3', 'block5_conv1', 'block5_conv2', 'block5_conv3'];

let dir: string;
const at = (name: string) => path.join(dir, name);
const dispose = (m: LayerWeightMap) => tf.dispose([...m.values()].flat());

/** The error `fn` rejects with (a BranchnetError), for asserting code and full text. */
async function failure(fn: () => unknown): Promise<BranchnetError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BranchnetError);
    return e as BranchnetError;
  }
  throw new Error('expected a failure');
}

/** Every weight of every fixture layer sits in the model's layer of that name, value for value. */
function expectFixtureWeights(model: tf.LayersModel, fixture: Vgg16H5Fixture, only?: string[]): number {
  let checked = 0;
  for (const layer of fixture.layers.filter((l) => !only || only.includes(l.name))) {
    const weights = model.getLayer(layer.name).weights;
    expect(weights.length).toBe(layer.weights.length);
    layer.weights.forEach((w, i) => {
      const got = weights[i].read();
      expect(got.shape).toEqual(w.shape);
      const data = got.dataSync();
      const n = data.length;
      // Known places: first, second, middle, last, and one past the formula's wrap (2^19).
      for (const j of [0, 1, n >> 1, n - 1, ...(n > 2 ** 19 ? [2 ** 19, n - 2 ** 19] : [])]) {
        expect(data[j]).toBe(fixtureValue(layer.ordinal, i, j));
      }
      const want = fixtureValues(layer.ordinal, i, w.shape);
      let maxDiff = 0;
      for (let j = 0; j < n; j++) maxDiff = Math.max(maxDiff, Math.abs(data[j] - want[j]));
      expect(maxDiff).toBe(0);
      checked++;
    });
  }
  return checked;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bn-h5-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('Keras H5 weights: both namings load, every weight in its layer', () => {
  for (const naming of ['new', 'old'] as const) {
    it(`${naming} naming (${naming === 'new' ? 'block1_conv1/kernel:0' : 'block1_conv1_W_1:0'}) into VGG16 (filters / ${SCALE})`, async () => {
      const fixture = await writeVgg16H5(at(`vgg16_${naming}.h5`), { naming, scale: SCALE });
      const model = buildScaledVgg16(32, 32, SCALE);
      const before = tf.memory().numTensors;
      const weights = await readKerasH5Weights(fixture.file);
      expect([...weights.keys()]).toEqual(CONVS);
      expect(weights.get('block1_conv1')!.map((t) => t.shape)).toEqual([[3, 3, 3, 4], [4]]);
      expect(weights.get('block5_conv3')!.map((t) => t.shape)).toEqual([[3, 3, 32, 32], [32]]);
      expect(assignLayerWeights(model, weights, fixture.file, { allowExtra: false })).toBe(13);
      expect(expectFixtureWeights(model, fixture)).toBe(26);
      dispose(weights);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }

  it('variable-length string attributes, layer_names split in chunks (layer_names0, layer_names1) and float64 datasets read the same', async () => {
    const fixture = await writeVgg16H5(at('vlen64.h5'), { scale: SCALE, strings: 'vlen', dtype: 'float64', chunked: true });
    const model = buildScaledVgg16(32, 32, SCALE);
    const weights = await readKerasH5Weights(fixture.file);
    expect([...weights.values()].flat().every((t) => t.dtype === 'float32')).toBe(true);
    expect(assignLayerWeights(model, weights, fixture.file)).toBe(13);
    expect(expectFixtureWeights(model, fixture)).toBe(26);
    dispose(weights);
    model.dispose();
  });

  it('the full-size VGG16 notop file (14.7M floats, Keras 1 naming as downloaded) loads into buildVgg16', async () => {
    const fixture = await writeVgg16H5(at('vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'), { naming: 'old' });
    const model = buildVgg16(32, 32, seededInitializers(3));
    const before = tf.memory().numTensors;
    const weights = await readKerasH5Weights(fixture.file);
    expect([...weights.values()].flat().reduce((s, t) => s + t.size, 0)).toBe(14_714_688);
    expect(assignLayerWeights(model, weights, fixture.file, { allowExtra: false })).toBe(13);
    // Full equality for a small, a middle and the largest layers; known places for all of them.
    expect(expectFixtureWeights(model, fixture, ['block1_conv1', 'block3_conv2', 'block5_conv3'])).toBe(6);
    for (const layer of fixture.layers) {
      layer.weights.forEach((w, i) => {
        const data = model.getLayer(layer.name).weights[i].read().dataSync();
        expect([data[0], data[data.length - 1]]).toEqual([fixtureValue(layer.ordinal, i, 0), fixtureValue(layer.ordinal, i, data.length - 1)]);
      });
    }
    dispose(weights);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a whole model saved with model.save (nested vgg16 under model_weights) exposes the inner layers', async () => {
    for (const naming of ['new', 'old'] as const) {
      const fixture = await writeVgg16H5(at(`whole_${naming}.h5`), { naming, scale: SCALE, wholeModel: true });
      const model = buildScaledVgg16(32, 32, SCALE);
      const weights = await readKerasH5Weights(fixture.file);
      expect([...weights.keys()]).toEqual([...CONVS, 'dense']);
      expect(savedLayerName(weights, 'block2_conv1')).toBe('vgg16/block2_conv1');
      expect(savedLayerName(weights, 'dense')).toBe('dense');
      expect(weights.get('dense')!.map((t) => t.shape)).toEqual([[32, 10], [10]]);
      expect(assignLayerWeights(model, weights, fixture.file)).toBe(13);
      expect(expectFixtureWeights(model, fixture, CONVS)).toBe(26);
      const e = await failure(() => assignLayerWeights(model, weights, fixture.file, { allowExtra: false }));
      expect(e.code).toBe('E_WEIGHTS');
      expect(e.message).toBe(`${fixture.file}: 1 saved layer(s) not in the current model (vgg16): dense. Model expected 13 layers, found 14 saved layers. The save file was made for a larger model; load it into a model that has these layers`);
      dispose(weights);
      model.dispose();
    }
  });
});

describe('Keras H5 weights: mismatches fail before anything is copied, with Keras\'s wording', () => {
  it('a wrong shape names the layer in the model and in the file, the weight, and both shapes', async () => {
    const fixture = await writeVgg16H5(at('wrong_shape.h5'), { scale: SCALE, mutate: { reshape: { layer: 'block1_conv1', weight: 0, shape: [3, 3, 3, 2] } } });
    const model = buildScaledVgg16(32, 32, SCALE);
    const kept = model.getLayer('block5_conv3').weights[0].read().dataSync().slice();
    const before = tf.memory().numTensors;
    const weights = await readKerasH5Weights(fixture.file);
    const e = await failure(() => assignLayerWeights(model, weights, fixture.file));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toBe(`${fixture.file}: Shape mismatch in layer #0 (named block1_conv1 in the current model, block1_conv1 in the save file) for weight block1_conv1/kernel:0. Weight expects shape [3, 3, 3, 4]. Received saved weight with shape [3, 3, 3, 2]`);
    expect(model.getLayer('block5_conv3').weights[0].read().dataSync()).toEqual(kept);
    dispose(weights);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a wrong shape in the full-size model reads as in the issue', async () => {
    const fixture = await writeVgg16H5(at('wrong_shape_big.h5'), { scale: 2 });
    const model = buildVgg16(32, 32, seededInitializers(3));
    const weights = await readKerasH5Weights(fixture.file);
    const e = await failure(() => assignLayerWeights(model, weights, fixture.file));
    expect(e.message).toBe(`${fixture.file}: Shape mismatch in layer #0 (named block1_conv1 in the current model, block1_conv1 in the save file) for weight block1_conv1/kernel:0. Weight expects shape [3, 3, 3, 64]. Received saved weight with shape [3, 3, 3, 32]`);
    dispose(weights);
    model.dispose();
  });

  it('a weight-count mismatch names the layer in the model and in the file and both counts', async () => {
    const fixture = await writeVgg16H5(at('count.h5'), { scale: SCALE, mutate: { truncate: { layer: 'block2_conv1', keep: 1 } } });
    const model = buildScaledVgg16(32, 32, SCALE);
    const weights = await readKerasH5Weights(fixture.file);
    const e = await failure(() => assignLayerWeights(model, weights, fixture.file));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toBe(`${fixture.file}: Weight count mismatch for layer #2 (named block2_conv1 in the current model, block2_conv1 in the save file). Layer expects 2 weight(s). Received 1 saved weight(s)`);
    dispose(weights);
    model.dispose();
  });

  it('a layer missing from the file is named with its number, and the file\'s layers are listed', async () => {
    const fixture = await writeVgg16H5(at('missing.h5'), { naming: 'old', scale: SCALE, mutate: { drop: 'block3_conv1' } });
    const model = buildScaledVgg16(32, 32, SCALE);
    const kept = model.getLayer('block1_conv1').weights[0].read().dataSync().slice();
    const weights = await readKerasH5Weights(fixture.file);
    const e = await failure(() => assignLayerWeights(model, weights, fixture.file));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toBe(`${fixture.file}: No saved weights for 1 layer(s) of the current model (vgg16): #4 (named block3_conv1 in the current model). Model expected 13 layers, found 12 saved layers: ${CONVS.filter((c) => c !== 'block3_conv1').join(', ')}; the save file was made for a different architecture`);
    expect(model.getLayer('block1_conv1').weights[0].read().dataSync()).toEqual(kept);
    dispose(weights);
    model.dispose();
  });

  it('an include_top file: extra layers load by default and fail with allowExtra false, pointing to the _notop file', async () => {
    const fixture = await writeVgg16H5(at('vgg16_top.h5'), { scale: SCALE, includeTop: true });
    const model = buildScaledVgg16(32, 32, SCALE);
    const weights = await readKerasH5Weights(fixture.file);
    expect([...weights.keys()]).toEqual([...CONVS, 'fc1', 'fc2', 'predictions']);
    expect(weights.get('fc1')!.map((t) => t.shape)).toEqual([[7 * 7 * 32, 256], [256]]);
    const e = await failure(() => assignLayerWeights(model, weights, fixture.file, { allowExtra: false }));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toBe(`${fixture.file}: 3 saved layer(s) not in the current model (vgg16): fc1, fc2, predictions. Model expected 13 layers, found 16 saved layers. A file saved with include_top=True holds fc1, fc2, predictions (the classifier on top); take the _notop file instead (for VGG16: vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5)`);
    expect(assignLayerWeights(model, weights, fixture.file)).toBe(13);
    expect(expectFixtureWeights(model, fixture, CONVS)).toBe(26);
    dispose(weights);
    model.dispose();
  });
});

describe('Keras H5 weights: files that are not Keras weights', () => {
  const EXPECTED = 'expected a Keras .h5 weights file such as vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 (from model.save_weights(\'w.h5\') or model.save(\'model.h5\'))';

  it('a non-HDF5 file, an empty file and a missing file fail clearly, creating no tensors', async () => {
    const before = tf.memory().numTensors;
    await fs.writeFile(at('notes.h5'), '<html>404 Not Found</html>');
    let e = await failure(() => readKerasH5Weights(at('notes.h5')));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toBe(`${at('notes.h5')}: not an HDF5 file (no HDF5 signature); ${EXPECTED}`);
    await fs.writeFile(at('empty.h5'), '');
    e = await failure(() => readKerasH5Weights(at('empty.h5')));
    expect(e.message).toBe(`${at('empty.h5')}: the file is empty (an interrupted download?); ${EXPECTED}`);
    e = await failure(() => readKerasH5Weights(at('nowhere.h5')));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toBe(`${at('nowhere.h5')}: cannot read (ENOENT: no such file or directory, stat '${at('nowhere.h5')}'); ${EXPECTED}`);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a truncated download fails as damaged HDF5, and the file is let go', async () => {
    const fixture = await writeVgg16H5(at('whole.h5'), { scale: SCALE });
    const bytes = await fs.readFile(fixture.file);
    await fs.writeFile(at('cut.h5'), bytes.subarray(0, bytes.length >> 1));
    const e = await failure(() => readKerasH5Weights(at('cut.h5')));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toMatch(new RegExp(`^${at('cut.h5').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot (open as HDF5|read) \\(.+\\); ${EXPECTED.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; the file may be damaged or an incomplete download$`));
    // The good file still reads afterwards (nothing left open or in error mode).
    const weights = await readKerasH5Weights(fixture.file);
    expect(weights.size).toBe(13);
    dispose(weights);
  });

  it('HDF5 files that are not Keras weight files, or are damaged, say what was expected', async () => {
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    const f = new h5wasm.File(at('other.h5'), 'w');
    f.create_dataset({ name: 'x', data: new Float32Array([1, 2]) });
    f.close();
    const e = await failure(() => readKerasH5Weights(at('other.h5')));
    expect(e.message).toBe(`${at('other.h5')}: an HDF5 file without a layer_names attribute (at the root or in model_weights); ${EXPECTED}`);
    const k3 = new h5wasm.File(at('k3.weights.h5'), 'w');
    k3.create_group('layers').create_group('conv2d').create_group('vars').create_dataset({ name: '0', data: new Float32Array([1]) });
    k3.close();
    const e3 = await failure(() => readKerasH5Weights(at('k3.weights.h5')));
    expect(e3.message).toBe(`${at('k3.weights.h5')}: a Keras 3 .weights.h5 file (weights under layers/…/vars, stored by position, not by layer name), which cannot be matched to layers by name; ${EXPECTED}. In Keras 3, model.save('model.h5') writes one`);
    const damaged = new h5wasm.File(at('damaged.h5'), 'w');
    damaged.create_attribute('layer_names', ['input_1', 'block1_conv1', 'block1_conv2'], null, 'A12');
    damaged.create_group('input_1').create_attribute('weight_names', new Float64Array(0));
    const conv = damaged.create_group('block1_conv1');
    conv.create_attribute('weight_names', ['block1_conv1_W_1:0', 'block1_conv1_b_1:0'], null, 'A18');
    conv.create_dataset({ name: 'block1_conv1_W_1:0', data: new Float32Array(3 * 3 * 3 * 4), shape: [3, 3, 3, 4] });
    damaged.close();
    const e4 = await failure(() => readKerasH5Weights(at('damaged.h5')));
    expect(e4.message).toBe(`${at('damaged.h5')}: weight block1_conv1_b_1:0 of layer block1_conv1 is listed in weight_names but /block1_conv1/block1_conv1_b_1:0 is not a dataset in the file; the file is damaged`);
    const nogroup = new h5wasm.File(at('nogroup.h5'), 'w');
    nogroup.create_attribute('layer_names', ['input_1', 'block1_conv1']);
    nogroup.create_group('input_1').create_attribute('weight_names', new Float64Array(0));
    nogroup.close();
    const e5 = await failure(() => readKerasH5Weights(at('nogroup.h5')));
    expect(e5.message).toBe(`${at('nogroup.h5')}: layer block1_conv1 is listed in layer_names but the file has no group block1_conv1; the file is damaged`);
  });
});

describe('readLayerWeights picks the reader', () => {
  it('.h5, an HDF5 file under another name, model.json and its folder; anything else fails', async () => {
    const fixture = await writeVgg16H5(at('pick.h5'), { scale: SCALE });
    await fs.copyFile(fixture.file, at('pick.weights'));
    const source = buildScaledVgg16(32, 32, SCALE);
    const tfjsDir = at('tfjs');
    await fs.mkdir(tfjsDir);
    await source.save(tf.io.withSaveHandler(async (a) => {
      await fs.writeFile(path.join(tfjsDir, 'weights.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!)));
      await fs.writeFile(path.join(tfjsDir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const before = tf.memory().numTensors;
    for (const file of [fixture.file, at('pick.weights')]) {
      const w = await readLayerWeights(file);
      expect([...w.keys()]).toEqual(CONVS);
      expect(w.get('block2_conv2')![0].dataSync()[5]).toBe(fixtureValue(4, 0, 5));
      dispose(w);
    }
    for (const file of [path.join(tfjsDir, 'model.json'), tfjsDir]) {
      const w = await readLayerWeights(file);
      expect([...w.keys()].sort()).toEqual([...CONVS].sort());
      expect(w.get('block1_conv1')![0].dataSync()[0]).toBe(source.getLayer('block1_conv1').weights[0].read().dataSync()[0]);
      dispose(w);
    }
    expect(tf.memory().numTensors).toBe(before);
    const expected = 'give a Keras .h5 weights file (such as vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5) or the model.json of a TF.js layers model';
    await fs.writeFile(at('weights.txt'), 'hello');
    let e = await failure(() => readLayerWeights(at('weights.txt')));
    expect(e.message).toBe(`${at('weights.txt')}: neither an HDF5 file nor a .json file; ${expected}`);
    e = await failure(() => readLayerWeights(dir));
    expect(e.message).toBe(`${dir}: a folder without model.json; ${expected}`);
    e = await failure(() => readLayerWeights(at('gone.h5')));
    expect(e.message).toBe(`${at('gone.h5')}: cannot read (ENOENT: no such file or directory, stat '${at('gone.h5')}'); ${expected}`);
    await fs.writeFile(at('fake.hdf5'), 'not really');
    e = await failure(() => readLayerWeights(at('fake.hdf5')));
    expect(e.message).toMatch(/fake\.hdf5: not an HDF5 file \(no HDF5 signature\); expected a Keras \.h5 weights file/);
    source.dispose();
  });
});
