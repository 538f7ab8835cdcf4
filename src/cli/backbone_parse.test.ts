/** Flags of pretrained backbones, fine-tuning and engines, parsed without a process. */
import { describe, expect, it } from 'vitest';
import { parseArgs, type SummaryArgs, type TrainArgs } from './parse.js';
import { resolveConfig } from '../core/defaults.js';

const train = (...a: string[]) => parseArgs(['train', 'data', ...a]) as TrainArgs;

describe('backbone, fine-tuning and engine flags', () => {
  it('--backbone-model reads any TF.js layers model, cut at --backbone-layer', () => {
    const a = train('--backbone-model', 'tm/model.json', '--backbone-layer', 'conv_pw_13_relu');
    expect(a.config.model!.backbone).toEqual({ backbone: 'tfjs', weights: 'tm/model.json', layer: 'conv_pw_13_relu' });
    expect(() => train('--backbone-model', 'tm/model.json', '--backbone', 'vgg16')).toThrow(/cannot be combined with --backbone vgg16/);
  });

  it('--backbone mobilenet takes the preset size, scaling and fine-tuning layer unless flags say otherwise', () => {
    const cfg = resolveConfig(train('--backbone', 'mobilenet', '--weights', 'm/model.json').config);
    expect([cfg.model.height, cfg.model.width, cfg.model.preprocess, cfg.phases[1].unfreeze]).toEqual([224, 224, 'tf', 'conv_dw_13']);
    const sized = resolveConfig(train('--backbone', 'mobilenet', '--size', '160x128', '--preprocess', 'rescale', '--unfreeze-from', 'conv_pw_12').config);
    expect([sized.model.height, sized.model.width, sized.model.preprocess, sized.phases[1].unfreeze]).toEqual([160, 128, 'rescale', 'conv_pw_12']);
  });

  it('--unfreeze / --unfreeze-from set phase 2 onwards; none keeps the base frozen; both at once is an error', () => {
    expect(resolveConfig(train('--unfreeze', 'block4').config).phases.map((p) => p.unfreeze)).toEqual([null, 'block4']);
    expect(resolveConfig(train('--unfreeze', 'none').config).phases.map((p) => p.unfreeze)).toEqual([null, null]);
    expect(resolveConfig(train('--epochs', '2,1,1', '--unfreeze-from', 'block5_conv3').config).phases.map((p) => p.unfreeze)).toEqual([null, 'block5_conv3', 'block5_conv3']);
    expect(() => train('--unfreeze', 'block4', '--unfreeze-from', 'block5_conv1')).toThrow(/give one/);
    const s = parseArgs(['summary', '--unfreeze-from', 'block4_conv3']) as SummaryArgs;
    expect(resolveConfig(s.config).phases[1].unfreeze).toBe('block4_conv3');
  });

  it('--cache-backbone implies --no-augment; --engine is shared by every command', () => {
    const cfg = resolveConfig(train('--cache-backbone').config);
    expect([cfg.data.cacheBackbone, cfg.data.augment]).toEqual([true, null]);
    expect(() => resolveConfig({ data: { cacheBackbone: true } })).toThrow(/augmentation must be off/);
    expect(train('--engine', 'tfjs').engine).toBe('tfjs');
    expect((parseArgs(['predict', 'm', 'x.png', '--engine', 'onnxruntime']) as { engine?: string }).engine).toBe('onnxruntime');
    expect(() => train('--engine', 'gpu')).toThrow(/Allowed choices are auto, tfjs, onnxruntime/);
  });
});
