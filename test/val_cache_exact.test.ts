/**
 * Issue #15, lever 1, is exact: the same training (VGG16 frozen whole in phase 1, blocks 1-4 in
 * phase 2; 2 + 2 epochs; validation every epoch over a stream that wraps, so batches mix seen and
 * new images; augmentation on) writes the same weights.bin and history.json with the validation
 * feature cache on (the default) and off (BRANCHNET_VAL_CACHE=0), and with it on the frozen
 * layers see each validation image once per phase.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { historyWithoutTimings, makeDataset, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';
import { runCli } from './cli_runner.js';

const TINY = ['--backbone', 'vgg16', '--untrained-base', '--size', '32x32', '--batch-size', '3', '--epochs', '2,2', '--steps', '2',
  '--val-steps', '3', '--seed', '5', '--backend', 'wasm', '-q'];

describe('validation feature cache, end to end', () => {
  let work = '';
  let data = '';
  beforeAll(async () => {
    work = await tmpDir('bn-valcache-');
    data = await makeDataset(path.join(work, 'data'), NOTEBOOK_COMBOS, 4, { width: 32, height: 32 });
  });
  afterEach(() => { delete process.env.BRANCHNET_VAL_CACHE; });

  it('gives the same weights and history as without it, computing each validation image once per phase', async () => {
    const on = await runCli(['train', data, '-o', path.join(work, 'on'), ...TINY]);
    expect(on.code, on.stderr).toBe(0);
    process.env.BRANCHNET_VAL_CACHE = '0';
    const off = await runCli(['train', data, '-o', path.join(work, 'off'), ...TINY]);
    expect(off.code, off.stderr).toBe(0);

    const nVal = Number(/(\d+) validation/.exec(on.stderr)?.[1]);
    expect(nVal).toBeGreaterThan(1);
    expect(nVal % 3).not.toBe(0); // batches of 3 wrap around the validation images, so epochs see mixed batches
    // Per phase, 2 epochs x 3 steps of up to 3 images (a batch stops at the end of the images'
    // epoch): without the cache every one goes through the frozen layers; with it, each distinct
    // image once and the rest reused.
    const stats = (stderr: string, phase: string) => {
      const m = new RegExp(`${phase}: validation features: (\\d+) images through the frozen layers, (\\d+) reused \\((.*?)\\)`).exec(stderr);
      expect(m, stderr).not.toBeNull();
      return { computed: Number(m![1]), reused: Number(m![2]), note: m![3] };
    };
    for (const phase of ['phase1', 'phase2']) {
      const a = stats(on.stderr, phase);
      const b = stats(off.stderr, phase);
      expect(b).toMatchObject({ reused: 0, note: 'cache off' });
      expect(b.computed).toBeGreaterThan(nVal);
      expect(a.computed).toBe(nVal);
      expect(a.computed + a.reused).toBe(b.computed);
      expect(a.note).toMatch(/^\d+\.\d MB held$/);
    }

    const ha = await historyWithoutTimings(path.join(work, 'on')) as { phases: { history: Record<string, number[]> }[] };
    const hb = await historyWithoutTimings(path.join(work, 'off'));
    expect(ha.phases.map((p) => Object.keys(p.history).filter((k) => k.startsWith('val_')).length)).toEqual([5, 5]);
    expect(ha).toEqual(hb);
    const wa = await fs.readFile(path.join(work, 'on', 'weights.bin'));
    expect((await fs.readFile(path.join(work, 'off', 'weights.bin'))).equals(wa)).toBe(true);
  });
});
