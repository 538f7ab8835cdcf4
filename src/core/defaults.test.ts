import { describe, expect, it } from 'vitest';
import { resolveConfig, DEFAULTS } from './defaults.js';

describe('resolveConfig', () => {
  it('fills the notebook values', () => {
    const c = resolveConfig();
    expect([c.model.height, c.model.width, c.data.batchSize, c.data.valFraction, c.data.seed]).toEqual([160, 128, 20, 0.2, 100]);
    expect(c.model.branches).toEqual({ color: 'cnn', type: 'backbone' });
    expect(c.phases.map((p) => [p.name, p.epochs, p.learningRate, p.unfreeze, p.lossWeights])).toEqual([
      ['phase1', 10, 1e-4, null, {}],
      ['phase2', 5, 1e-5, 'block5', { color: 0.1, type: 1 }],
    ]);
    expect(c.data.augment).toMatchObject({ rotationRange: 10, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.1, zoomRange: 0.2, horizontalFlip: true, fillMode: 'nearest' });
  });

  it('keeps zero values given by the user (?? not ||)', () => {
    const c = resolveConfig({ model: { cnn: { dropout: 0 } }, data: { valFraction: 0, augment: { rotationRange: 0 } }, phases: [{ epochs: 0 }], seed: 0 });
    expect(c.model.cnn.dropout).toBe(0);
    expect(c.data.valFraction).toBe(0);
    expect(c.data.augment!.rotationRange).toBe(0);
    expect(c.data.augment!.shearRange).toBe(0.1);
    expect(c.phases[0].epochs).toBe(0);
    expect(c.seed).toBe(0);
  });

  it('an unknown key fails and lists the valid ones', () => {
    expect(() => resolveConfig({ model: { hieght: 3 } } as never)).toThrow('config model: unknown key "hieght"; expected one of [arch, heads, branches, height, width, preprocess, cnn, pixel, backbone]');
    expect(() => resolveConfig({ phases: [{ epoch: 3 }] } as never)).toThrow('config phases[0]: unknown key "epoch"');
  });

  it('bad values fail with what was received and expected', () => {
    expect(() => resolveConfig({ model: { heads: ['color', 'color'] } })).toThrow('config model.heads: duplicate head name in [color, color]');
    expect(() => resolveConfig({ model: { heads: ['my head'] } })).toThrow('"my head" is not a valid head name');
    expect(() => resolveConfig({ model: { backbone: { backbone: 'resnet' as never } } })).toThrow('config model.backbone.backbone: "resnet" is not one of [vgg16, scratch, mobilenet, tfjs, synthetic]');
    expect(() => resolveConfig({ data: { batchSize: 0 } })).toThrow('config data.batchSize: expected a positive integer, received 0');
    expect(() => resolveConfig({ model: { branches: { size: 'cnn' } } })).toThrow('config model.branches: "size" is not a head; heads are [color, type]');
  });

  it('the defaults object is not mutated by resolving', () => {
    const c = resolveConfig();
    c.phases[1].lossWeights.color = 5;
    c.model.cnn.filters.push(1);
    expect(DEFAULTS.phases[1].lossWeights).toEqual({ color: 0.1, type: 1 });
    expect(resolveConfig().model.cnn.filters).toEqual([32, 64, 64]);
  });
});

describe('selection (best-epoch weights)', () => {
  it("defaults to Keras's keep-last with no early stop; bad values fail with what was expected", () => {
    expect(resolveConfig().selection).toEqual({ keep: 'last', monitor: null, patience: null });
    expect(resolveConfig({ selection: { keep: 'best', patience: 2 } }).selection).toEqual({ keep: 'best', monitor: null, patience: 2 });
    expect(() => resolveConfig({ selection: { keep: 'first' as never } })).toThrow('config selection.keep: "first" is not one of [best, last]');
    expect(() => resolveConfig({ selection: { patience: 0 } })).toThrow('config selection.patience: expected a positive integer, received 0');
    expect(() => resolveConfig({ selection: { pateince: 2 } as never })).toThrow('config selection: unknown key "pateince"');
  });
});
