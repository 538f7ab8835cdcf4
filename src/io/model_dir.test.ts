import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { resolveConfig } from '../core/defaults.js';
import { buildModel } from '../model/build.js';
import { loadModelDir, saveModelDir } from './model_dir.js';

const HEADS = [
  { name: 'color', vocab: ['black', 'blue', 'red'] },
  { name: 'type', vocab: ['dress', 'jeans', 'shirt'] },
];

describe('model directory', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('round-trips a two-branch model with the same probabilities and metadata', async () => {
    const cfg = resolveConfig({ model: { height: 32, width: 32, backbone: { backbone: 'scratch' } } });
    const model = buildModel(cfg.model, HEADS, 3);
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'bn-')), 'm');
    await saveModelDir(dir, model, { heads: HEADS, config: cfg });
    expect((await fs.readdir(dir)).sort()).toEqual(['branchnet.json', 'model.json', 'weights.bin']);
    const loaded = await loadModelDir(dir);
    expect(loaded.meta.heads).toEqual(HEADS);
    expect(loaded.meta.config).toEqual(cfg);
    const x = tf.randomUniform([2, 32, 32, 3]);
    const a = (model.predict(x) as tf.Tensor[]).map((t) => t.arraySync());
    const b = (loaded.model.predict(x) as tf.Tensor[]).map((t) => t.arraySync());
    expect(loaded.model.outputNames).toEqual(['color', 'type']);
    expect(b).toHaveLength(2);
    (a as number[][][]).forEach((head, h) => head.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(v - (b as number[][][])[h][r][c])).toBeLessThan(1e-6))));
  });

  it('when saving over an existing model, the directory holds only the new model and no temp folder is left', async () => {
    const cfg = resolveConfig({ model: { height: 32, width: 32, backbone: { backbone: 'scratch' } } });
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bn-'));
    const dir = path.join(root, 'm');
    await saveModelDir(dir, buildModel(cfg.model, HEADS, 1), { heads: HEADS, config: cfg }, null, { 'old.txt': 'x' });
    await saveModelDir(dir, buildModel(cfg.model, HEADS, 2), { heads: HEADS, config: cfg });
    expect(await fs.readdir(root)).toEqual(['m']);
    expect((await fs.readdir(dir)).includes('old.txt')).toBe(false);
  });

  it('when branchnet.json is missing, loading fails and names the file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bn-'));
    await expect(loadModelDir(dir)).rejects.toThrow(`${path.join(dir, 'branchnet.json')}: missing; expected a branchnet model directory with branchnet.json (made by branchnet train)`);
  });

  it('records sha256 digests at save; a changed model.json fails to load with E_MODEL_DIR, and re-saving a loaded meta records the new files', async () => {
    const cfg = resolveConfig({ model: { height: 32, width: 32, backbone: { backbone: 'scratch' } } });
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'bn-')), 'm');
    await saveModelDir(dir, buildModel(cfg.model, HEADS, 1), { heads: HEADS, config: cfg });
    const first = await loadModelDir(dir);
    expect(first.verified).toBe(true);
    const saved = first.meta.integrity!;
    expect(Object.keys(saved).sort()).toEqual(['model.json', 'weights.bin']);
    expect(saved['weights.bin']!.bytes).toBe((await fs.stat(path.join(dir, 'weights.bin'))).size);
    // A second model saved with the first one's meta (integrity included) gets its own digests.
    const other = path.join(path.dirname(dir), 'other');
    await saveModelDir(other, buildModel(cfg.model, HEADS, 2), first.meta);
    const second = await loadModelDir(other);
    expect(second.meta.integrity!['weights.bin']!.sha256).not.toBe(saved['weights.bin']!.sha256);
    first.model.dispose();
    second.model.dispose();
    const modelJson = path.join(dir, 'model.json');
    await fs.writeFile(modelJson, (await fs.readFile(modelJson, 'utf8')).replace('"relu"', '"elu"'));
    await expect(loadModelDir(dir)).rejects.toMatchObject({
      code: 'E_MODEL_DIR',
      message: expect.stringContaining(`${modelJson}: content hash does not match branchnet.json (saved ${saved['model.json']!.sha256}, found `),
    });
  });
});
