import { describe, expect, it } from 'vitest';
import { parseArgs } from './parse.js';
import { resolveConfig } from '../core/defaults.js';
import { BranchnetError } from '../core/errors.js';

describe('the CLI parser', () => {
  it('turns train flags into a partial config that resolves over the defaults', () => {
    const a = parseArgs(['train', 'data/train', '--epochs', '3,1', '--steps', '7', '--size', '64x48', '--backbone', 'scratch', '--no-augment', '--hold-out', 'black_dress,red_jeans', '-o', 'out']);
    expect(a?.command).toBe('train');
    if (a?.command !== 'train') throw new Error();
    expect(a.data).toBe('data/train');
    expect(a.out).toBe('out');
    const cfg = resolveConfig(a.config);
    expect(cfg.model.height).toBe(64);
    expect(cfg.model.width).toBe(48);
    expect(cfg.model.backbone.backbone).toBe('scratch');
    expect(cfg.data.augment).toBeNull();
    expect(cfg.data.holdOut).toEqual(['black_dress', 'red_jeans']);
    expect(cfg.phases.map((p) => [p.epochs, p.stepsPerEpoch, p.learningRate])).toEqual([[3, 7, 1e-4], [1, 7, 1e-5]]);
    expect(cfg.phases[1].unfreeze).toBe('block5');
  });

  it('check takes a data path, --heads, --json and --skip-invalid-folders', () => {
    expect(parseArgs(['check', 'data/train'])).toEqual({ command: 'check', data: 'data/train', heads: undefined, json: false, skipInvalidFolders: false });
    expect(parseArgs(['check', 'd', '--json', '--heads', 'color,type,sleeve', '--skip-invalid-folders'])).toEqual({
      command: 'check', data: 'd', heads: ['color', 'type', 'sleeve'], json: true, skipInvalidFolders: true,
    });
  });

  it('--skip-invalid-folders and --untrained-base become config keys (saved with the model), off by default', () => {
    const a = parseArgs(['train', 'd', '--skip-invalid-folders', '--untrained-base']);
    if (a?.command !== 'train') throw new Error();
    const cfg = resolveConfig(a.config);
    expect([cfg.data.skipInvalidFolders, cfg.model.backbone.allowUntrained]).toEqual([true, true]);
    const plain = parseArgs(['train', 'd']);
    if (plain?.command !== 'train') throw new Error();
    expect([resolveConfig(plain.config).data.skipInvalidFolders, resolveConfig(plain.config).model.backbone.allowUntrained]).toEqual([false, false]);
  });

  it('demo --full --untrained-base asks for the random VGG16 base explicitly', () => {
    expect(parseArgs(['demo', '--full', '--untrained-base'])).toMatchObject({ command: 'demo', quick: false, untrainedBase: true });
    expect(parseArgs(['demo'])).not.toHaveProperty('untrainedBase');
  });

  it('with no flags, train uses the notebook schedule', () => {
    const a = parseArgs(['train', 'd']);
    if (a?.command !== 'train') throw new Error();
    const cfg = resolveConfig(a.config);
    expect(cfg.phases.map((p) => [p.epochs, p.stepsPerEpoch, p.validationSteps, p.learningRate])).toEqual([[10, 100, 20, 1e-4], [5, 100, 20, 1e-5]]);
    expect(cfg.data.augment).not.toBeNull();
    expect(cfg.data.batchSize).toBe(20);
  });

  it('--heads and --cnn-heads choose which branch predicts each head', () => {
    const a = parseArgs(['train', 'd', '--heads', 'color,type,fit', '--cnn-heads', 'color,fit']);
    if (a?.command !== 'train') throw new Error();
    expect(resolveConfig(a.config).model.branches).toEqual({ color: 'cnn', type: 'backbone', fit: 'cnn' });
  });

  it('predict collects inputs and output options', () => {
    expect(parseArgs(['predict', 'm', 'a.jpg', 'dir', '--json', '--grid', 'g.png'])).toMatchObject({ command: 'predict', model: 'm', inputs: ['a.jpg', 'dir'], json: true, grid: 'g.png', batchSize: 20 });
  });

  it('a bad value fails with E_ARGS and says what was expected', () => {
    expect(() => parseArgs(['train', 'd', '--size', '160by128'])).toThrow(BranchnetError);
    expect(() => parseArgs(['train', 'd', '--size', '160by128'])).toThrow(/--size expects HEIGHTxWIDTH such as 160x128, received "160by128"/);
    expect(() => parseArgs(['train', 'd', '--backbone', 'resnet'])).toThrow(/Allowed choices are vgg16, scratch/);
    expect(() => parseArgs(['fly'])).toThrow(/unknown command 'fly'/);
  });

  it('--help returns null instead of exiting', () => {
    expect(parseArgs(['--help'])).toBeNull();
    expect(parseArgs(['train', '--help'])).toBeNull();
  });
});

describe('layered config', () => {
  it('--preset quick, then --config, then flags: later sources override earlier ones', async () => {
    const { layeredConfig } = await import('./commands/train.js');
    const a = parseArgs(['train', 'd', '--preset', 'quick', '--epochs', '2,0']);
    if (a?.command !== 'train') throw new Error();
    const cfg = resolveConfig(await layeredConfig(a));
    expect([cfg.model.height, cfg.model.width, cfg.model.backbone.backbone]).toEqual([96, 80, 'scratch']);
    expect(cfg.phases.map((p) => [p.epochs, p.stepsPerEpoch, p.learningRate])).toEqual([[2, 40, 3e-4], [0, 40, 1e-4]]);
  });
});

describe('train: output folder and resume flags (issue #12)', () => {
  it('--overwrite and --keep-checkpoints default to off and are read when given', () => {
    expect(parseArgs(['train', 'd'])).toMatchObject({ overwrite: false, keepCheckpoints: false, resume: undefined });
    expect(parseArgs(['train', 'd', '-o', 'm', '--overwrite', '--keep-checkpoints'])).toMatchObject({ data: 'd', out: 'm', overwrite: true, keepCheckpoints: true });
  });

  it('--resume takes the run folder alone; runtime flags may come with it, data and training options may not', () => {
    expect(parseArgs(['train', '--resume', 'runs/a'])).toMatchObject({ command: 'train', resume: 'runs/a', data: undefined });
    expect(parseArgs(['train', '--resume', 'runs/a', '--threads', '1', '--keep-checkpoints'])).toMatchObject({ threads: 1, keepCheckpoints: true });
    expect(() => parseArgs(['train', 'd', '--resume', 'runs/a', '--epochs', '3,1', '-o', 'x'])).toThrow(
      '--resume runs/a: continues the run as it was started, so <data>, -o, training options cannot be given with it; run `branchnet train --resume runs/a` alone',
    );
  });

  it('without data and without --resume, says what is missing', () => {
    expect(() => parseArgs(['train'])).toThrow(/train: missing the data folder or CSV \(branchnet train <data>\), or --resume <dir>/);
  });
});
