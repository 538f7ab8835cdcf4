import { describe, expect, it } from 'vitest';
import { parseArgs } from './parse.js';

describe('branchnet pretrain arguments', () => {
  it('reads the output folder, sizes and schedule; unset values stay unset (the library fills PRETRAIN_DEFAULTS)', () => {
    expect(parseArgs(['pretrain', '-o', 'bases/mine', '--per-type', '50', '--size', '64x48', '--epochs', '2', '--lr', '0.0005'])).toMatchObject({
      command: 'pretrain', out: 'bases/mine', perType: 50, size: [64, 48], epochs: 2, lr: 0.0005, seed: undefined, work: undefined,
    });
  });

  it('needs an output folder', () => {
    expect(() => parseArgs(['pretrain'])).toThrow(/required option '-o, --out <dir>' not specified/);
  });

  it('--backbone synthetic and --pixel-pool are model options of train', () => {
    const a = parseArgs(['train', 'data', '--backbone', 'synthetic', '--color-branch', 'pixel', '--pixel-pool', 'attention']);
    expect(a).toMatchObject({ command: 'train', config: { model: { backbone: { backbone: 'synthetic' }, pixel: { pool: 'attention' }, branches: { color: 'pixel', type: 'backbone' } } } });
    expect(() => parseArgs(['train', 'data', '--pixel-pool', 'median'])).toThrow(/median/);
  });
});
