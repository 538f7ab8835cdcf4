import { describe, expect, it, beforeAll } from 'vitest';
import { tf } from '../core/tf.js';
import { resolveConfig } from '../core/defaults.js';
import { buildModel, applyPhase } from './build.js';
import { summarize, formatSummary } from './summary.js';

const HEADS = [
  { name: 'color', vocab: ['black', 'blue', 'red'] },
  { name: 'type', vocab: ['dress', 'jeans', 'shirt'] },
];

describe('the notebook model at 160x128', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('has the notebook parameter counts per branch, in total and per phase', () => {
    const cfg = resolveConfig();
    const model = buildModel(cfg.model, HEADS, 1);
    applyPhase(model, cfg.model.heads, cfg.phases[0]);
    let s = summarize(model);
    expect(s.rows.map((r) => [r.name, r.params])).toEqual([['images', 0], ['color', 231_427], ['type', 17_337_155]]);
    expect(s.total).toBe(17_568_582);
    expect(s.trainable).toBe(2_853_894);
    expect(s.nonTrainable).toBe(14_714_688);
    applyPhase(model, cfg.model.heads, cfg.phases[1]);
    s = summarize(model);
    expect(s.trainable).toBe(9_933_318);
    expect(s.nonTrainable).toBe(7_635_264);
    expect(formatSummary(s)).toContain('Trainable params: 9,933,318');
    expect(model.outputNames).toEqual(['color', 'type']);
    const vgg = (model.getLayer('type') as tf.Sequential).layers[0] as tf.LayersModel;
    expect(vgg.layers.map((l) => l.name).slice(1, 4)).toEqual(['block1_conv1', 'block1_conv2', 'block1_pool']);
    expect(vgg.layers.at(-1)!.name).toBe('block5_pool');
    model.dispose();
  });
});
