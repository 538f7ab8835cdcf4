/**
 * `--backbone synthetic`: the base shipped in assets/bases/synthetic, made by `branchnet pretrain`.
 * Its preset (96x80, cut at block4_pool, frozen in every phase), its default file, and the file
 * itself: a shape base trained on the catalog, never on black, blue or red garments.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../core/tf.js';
import { initBackend } from '../../core/backend.js';
import { QUICK_PRESET, resolveConfig } from '../../core/defaults.js';
import { applyPhase, backboneOf, buildModel, loadModelResources } from '../build.js';
import { prepareBackbones, withCachedWeights } from '../../train/train.js';
import { SHIPPED_SYNTHETIC_BASE } from './synthetic.js';

const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];

describe('the shipped synthetic base', () => {
  beforeAll(async () => { await initBackend(); });

  it('ships with the package, with a base.json saying what it was trained on', async () => {
    expect(SHIPPED_SYNTHETIC_BASE.endsWith(path.join('assets', 'bases', 'synthetic', 'model.json'))).toBe(true);
    const dir = path.dirname(SHIPPED_SYNTHETIC_BASE);
    const info = JSON.parse(await fs.readFile(path.join(dir, 'base.json'), 'utf8'));
    expect(info).toMatchObject({ format: 'branchnet-base', layer: 'block4_pool', height: 96, width: 80 });
    expect(info.catalog.excludedColors).toEqual(['black', 'blue', 'red']);
    // A few MB at most.
    expect((await fs.stat(path.join(dir, 'weights.bin'))).size).toBeLessThan(4 * 2 ** 20);
  });

  it('is the default file of --backbone synthetic: 96x80, cut at block4_pool, frozen in both quick phases', async () => {
    const cfg = withCachedWeights(resolveConfig({ ...QUICK_PRESET, model: { ...QUICK_PRESET.model, backbone: { backbone: 'synthetic' } } }), () => {});
    expect([cfg.model.height, cfg.model.width, cfg.model.backbone.layer, cfg.model.backbone.weights]).toEqual([96, 80, 'block4_pool', SHIPPED_SYNTHETIC_BASE]);
    const model = buildModel(cfg.model, HEADS, 1, await loadModelResources(cfg.model));
    try {
      await prepareBackbones(model, cfg, () => {});
      const base = backboneOf(model, 'type')!;
      expect(base.outputs[0].shape).toEqual([null, 6, 5, 128]);
      for (const phase of cfg.phases) {
        applyPhase(model, cfg.model.heads, phase);
        expect(base.layers.filter((l) => l.trainable && l.trainableWeights.length > 0).map((l) => l.name)).toEqual([]);
      }
      // Loaded, not random: the same input gives the same features as a second load of the file.
      const again = buildModel(cfg.model, HEADS, 2, await loadModelResources(cfg.model));
      await prepareBackbones(again, cfg, () => {});
      const x = tf.randomUniform([1, 96, 80, 3], 0, 1, 'float32', 1);
      const [a, b] = [model, again].map((m) => tf.tidy(() => (backboneOf(m, 'type')!.predict(x) as tf.Tensor).dataSync() as Float32Array));
      x.dispose();
      again.dispose();
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBe(0);
    } finally {
      model.dispose();
    }
  });
});
