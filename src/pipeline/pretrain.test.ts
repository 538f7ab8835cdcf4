/**
 * `pretrain` at a tiny size: the base it writes is a TF.js layers model that loads as
 * `--backbone-model <dir>/model.json --backbone-layer block4_pool` and computes exactly what the
 * trained classifier's base computed; the same seed writes the same bytes; base.json says what
 * it was trained on.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../core/tf.js';
import { initBackend } from '../core/backend.js';
import { resolveConfig } from '../core/defaults.js';
import { applyPhase, backboneOf, buildModel, loadModelResources } from '../model/build.js';
import { prepareBackbones } from '../train/train.js';
import { loadModelDir } from '../io/model_dir.js';
import { pretrain, type PretrainOptions } from './pretrain.js';
import { tmpDir } from '../../test/fixtures.js';

const TINY: Omit<PretrainOptions, 'out' | 'work'> = {
  perType: 3, height: 32, width: 32, epochs: 1, stepsPerEpoch: 2, validationSteps: 1, batchSize: 4, log: () => {},
};

describe('branchnet pretrain', () => {
  let dir: string;
  let first: Awaited<ReturnType<typeof pretrain>>;
  beforeAll(async () => {
    await initBackend();
    dir = await tmpDir();
    first = await pretrain({ ...TINY, out: path.join(dir, 'base'), work: path.join(dir, 'work') });
  });

  it('writes model.json, weights.bin and a base.json saying what the base was trained on', async () => {
    expect((await fs.readdir(path.join(dir, 'base'))).sort()).toEqual(['base.json', 'model.json', 'weights.bin']);
    const info = JSON.parse(await fs.readFile(path.join(dir, 'base', 'base.json'), 'utf8'));
    expect(info).toMatchObject({ format: 'branchnet-base', layer: 'block4_pool', height: 32, width: 32, preprocess: 'rescale' });
    expect(info.catalog).toMatchObject({ types: ['jeans', 'dress', 'shirt', 'shoes', 'skirt'], perType: 3, images: 15, excludedColors: ['black', 'blue', 'red'] });
    expect(info.trainedOn).toMatch(/outside the neighbourhoods of black, blue, red; no image of the demo set/);
  });

  it('loads as --backbone-model … --backbone-layer block4_pool and computes what the trained classifier computed', async () => {
    const cfg = resolveConfig({ model: { height: 32, width: 32, backbone: { backbone: 'tfjs', weights: first.modelJson, layer: first.info.layer } } });
    const model = buildModel(cfg.model, [{ name: 'color', vocab: ['a', 'b'] }, { name: 'type', vocab: ['dress', 'jeans'] }], 9, await loadModelResources(cfg.model));
    const trained = await loadModelDir(path.join(dir, 'work', 'run'));
    try {
      await prepareBackbones(model, cfg, () => {});
      const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
      const [got, want] = tf.tidy(() => [backboneOf(model, 'type')!, backboneOf(trained.model, 'type')!].map((b) => (b.predict(x) as tf.Tensor).dataSync() as Float32Array));
      x.dispose();
      expect(got.length).toBe(2 * 2 * 2 * 128);
      expect(Math.max(...got.map((v, i) => Math.abs(v - want[i])))).toBe(0);
      // A pretrained base starts frozen, as an ImageNet one does.
      applyPhase(model, cfg.model.heads, cfg.phases[0]);
      expect(model.trainableWeights.some((w) => w.originalName.startsWith('block1_conv1'))).toBe(false);
    } finally {
      model.dispose();
      trained.model.dispose();
    }
  });

  it('the same seeds give the same weights, byte for byte (the shipped base is reproducible)', async () => {
    const again = await pretrain({ ...TINY, out: path.join(dir, 'again'), work: path.join(dir, 'work') });
    expect(again.catalog.cached).toBe(true);
    expect(Buffer.compare(await fs.readFile(path.join(dir, 'base', 'weights.bin')), await fs.readFile(path.join(dir, 'again', 'weights.bin')))).toBe(0);
  });

  it("refuses an output folder of someone else's files", async () => {
    const mine = path.join(dir, 'mine');
    await fs.mkdir(mine);
    await fs.writeFile(path.join(mine, 'notes.txt'), 'mine');
    await expect(pretrain({ ...TINY, out: mine, work: path.join(dir, 'work') })).rejects.toThrow(/not empty and holds no base\.json/);
  });
});
