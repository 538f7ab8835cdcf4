/**
 * One seed, one model: two trainings with the same --seed (same backend, one thread) write
 * byte-identical weights.bin and the same history.json (wall-clock fields aside); another seed
 * gives another model. And -o: a path through a file, a folder of the user's files, or an
 * existing model without --overwrite are refused before any work, with a code and no stack.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { historyWithoutTimings, makeDataset, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';
import { runCli } from './cli_runner.js';


// Dropout in both branches, augmentation on, shuffled batches: every random draw of a training.
const TINY = ['--backbone', 'scratch', '--size', '32x32', '--batch-size', '4', '--epochs', '2,1', '--steps', '2', '--val-steps', '1', '--backend', 'wasm', '-q'];

describe('same seed, same model', () => {
  let work = '';
  let data = '';
  beforeAll(async () => {
    work = await tmpDir('bn-determinism-');
    data = await makeDataset(path.join(work, 'data'), NOTEBOOK_COMBOS, 4, { width: 32, height: 32 });
  });

  it('two trainings with --seed 5 write identical weights.bin and history.json; --seed 6 writes another model, over the first only with --overwrite', async () => {
    const a = path.join(work, 'a');
    const b = path.join(work, 'b');
    expect((await runCli(['train', data, '-o', a, '--seed', '5', ...TINY])).code).toBe(0);
    expect((await runCli(['train', data, '-o', b, '--seed', '5', ...TINY])).code).toBe(0);
    const wa = await fs.readFile(path.join(a, 'weights.bin'));
    expect((await fs.readFile(path.join(b, 'weights.bin'))).equals(wa)).toBe(true);
    expect(await historyWithoutTimings(b)).toEqual(await historyWithoutTimings(a));
    expect(await fs.readdir(work)).not.toContain('a.checkpoint'); // removed once the model is saved

    const refused = await runCli(['train', data, '-o', a, '--seed', '6', ...TINY]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`branchnet: ${a}: holds a branchnet model already; pass --overwrite to replace it (the old model stays until the new one is in place), or choose another -o [E_OUT_EXISTS]\n`);
    expect((await fs.readFile(path.join(a, 'weights.bin'))).equals(wa)).toBe(true);

    expect((await runCli(['train', data, '-o', a, '--seed', '6', '--overwrite', ...TINY])).code).toBe(0);
    expect((await fs.readFile(path.join(a, 'weights.bin'))).equals(wa)).toBe(false);
    expect(await historyWithoutTimings(a)).not.toEqual(await historyWithoutTimings(b));
  });

  it('-o through a file, or onto a folder of the user\'s files, fails before any work (even before the data is read), with a code and no stack', async () => {
    const afile = path.join(work, 'afile');
    await fs.writeFile(afile, 'not a folder');
    const missingData = path.join(work, 'no-such-data');
    const r = await runCli(['train', missingData, '-o', path.join(afile, 'model'), ...TINY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`branchnet: ${path.join(afile, 'model')}: ${afile} is a file, not a folder, so the model directory cannot be made there; choose another -o [E_OUT_PATH]\n`);

    const mine = path.join(work, 'mine');
    await fs.mkdir(mine);
    await fs.writeFile(path.join(mine, 'precious.txt'), 'keep me');
    for (const extra of [[], ['--overwrite']]) {
      const s = await runCli(['train', missingData, '-o', mine, ...extra, ...TINY]);
      expect(s.code).toBe(2);
      expect(s.stderr).toMatch(/^branchnet: .*mine: is a folder of 1 entry \(precious\.txt\) that is not a branchnet model directory; .* \[E_OUT_PATH\]\n$/);
    }
    expect(await fs.readFile(path.join(mine, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(await fs.readdir(mine)).toEqual(['precious.txt']);
  });
});
