/** `compare` and hold-outs on a tiny generated set. */
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../src/onnx/backend.js';
import { compare, rotationCandidates } from '../src/pipeline/compare.js';
import { loadManifest } from '../src/data/manifest.js';
import { splitItems } from '../src/data/split.js';
import { train } from '../src/pipeline/train.js';
import { makeDataset, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';

const ALL = ['black', 'blue', 'red'].flatMap((c) => ['dress', 'jeans', 'shirt'].map((t) => `${c}_${t}`));
const TINY = {
  model: { height: 32, width: 32, backbone: { backbone: 'scratch' as const } },
  data: { batchSize: 6 },
  phases: [{ epochs: 1, stepsPerEpoch: 3, validationSteps: 1, learningRate: 3e-3 }, { epochs: 0 }],
};

describe('compare and hold-outs', () => {
  let root: string;
  beforeAll(async () => {
    await initBackend();
    root = await tmpDir();
    await makeDataset(path.join(root, 'train'), NOTEBOOK_COMBOS, 5, { width: 30, height: 36 });
    await makeDataset(path.join(root, 'test'), ALL, 2, { width: 30, height: 36 });
  });

  it('rotation candidates are the seen combinations whose removal keeps every label in training', async () => {
    const m = await loadManifest(path.join(root, 'train'));
    // black_jeans is the only black garment, so it can never be held out.
    expect(rotationCandidates(m)).toEqual(['blue_dress', 'blue_jeans', 'blue_shirt', 'red_dress', 'red_shirt']);
    // With red_dress out, red_shirt is the last red garment and blue_dress the last dress.
    expect(rotationCandidates(m, ['red_dress'])).toEqual(['blue_jeans', 'blue_shirt']);
  });

  it('a held-out combination never reaches training or validation, and is evaluated as unseen', async () => {
    const m = await loadManifest(path.join(root, 'train'));
    const split = splitItems(m.items, { holdOut: ['blue_dress'] });
    expect([...split.train, ...split.val].some((i) => i.combo === 'blue_dress')).toBe(false);
    expect(split.heldOut.map((i) => i.combo)).toEqual(Array(5).fill('blue_dress'));
    const r = await train({ data: path.join(root, 'train'), out: path.join(root, 'held'), config: { ...TINY, data: { ...TINY.data, holdOut: ['blue_dress'] } }, log: () => {} });
    expect(r.data.train + r.data.val).toBe(25);
    expect(r.data.heldOut).toBe(5);
    expect(r.metrics!.counts.unseen).toBe(5);
    expect(r.metrics!.trainCombos).not.toContain('blue_dress');
    const report = await fs.readFile(path.join(r.modelDir, 'report.html'), 'utf8');
    expect(report).toContain('blue_dress');
  });

  it('compares architectures over seeds on the sibling test folder and writes one table and a report', async () => {
    const out = path.join(root, 'cmp');
    const r = await compare({ data: path.join(root, 'train'), archs: ['split', 'multilabel'], seeds: [1, 2], config: TINY, out, log: () => {} });
    expect(r.runs.map((x) => `${x.arch}:${x.seed}`)).toEqual(['split:1', 'multilabel:1', 'split:2', 'multilabel:2']);
    expect(r.rows.map((x) => [x.name, x.metrics.length])).toEqual([['split', 2], ['multilabel', 2]]);
    for (const run of r.runs) {
      expect(run.metrics.counts.images).toBe(18);
      expect(run.metrics.counts.unseen).toBe(6); // black_dress, black_shirt, red_jeans × 2
    }
    expect(r.table).toMatch(/split/);
    expect(r.table).toMatch(/multilabel/);
    expect((await fs.readdir(out)).sort()).toEqual(['compare.json', 'compare.md', 'multilabel-seed1', 'multilabel-seed2', 'report.html', 'split-seed1', 'split-seed2']);
    const html = await fs.readFile(r.reportPath, 'utf8');
    expect(html).toContain('multilabel');
    expect(html).not.toContain('No training history');
  });
});
