/**
 * Where a model may be written, decided before training: a user's files are never replaced,
 * a model only with overwrite, and a bad path fails with a code and a message, not a stack.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkOutputDir, checkpointDirOf } from './out_path.js';

let work = '';
beforeEach(async () => { work = await fs.mkdtemp(path.join(os.tmpdir(), 'bn-outpath-')); });

const model = async (dir: string) => {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'branchnet.json'), JSON.stringify({ format: 'branchnet-model', formatVersion: 1 }));
};

describe('checkOutputDir', () => {
  it('accepts a new folder, even several levels down, and an empty one', async () => {
    await expect(checkOutputDir(path.join(work, 'a/b/c'))).resolves.toEqual({ dir: path.join(work, 'a/b/c'), replacesModel: false, replacesCheckpoint: false });
    await fs.mkdir(path.join(work, 'empty'));
    await expect(checkOutputDir(path.join(work, 'empty'))).resolves.toMatchObject({ replacesModel: false });
  });

  it('refuses a path through a file, naming the file', async () => {
    await fs.writeFile(path.join(work, 'afile'), 'x');
    await expect(checkOutputDir(path.join(work, 'afile/model'))).rejects.toMatchObject({
      code: 'E_OUT_PATH', message: `${path.join(work, 'afile/model')}: ${path.join(work, 'afile')} is a file, not a folder, so the model directory cannot be made there; choose another -o`,
    });
    await expect(checkOutputDir(path.join(work, 'afile'))).rejects.toMatchObject({ code: 'E_OUT_PATH', message: expect.stringMatching(/is a file, not a model directory/) });
  });

  it('refuses a non-empty folder that is not a model, even with overwrite, and leaves it alone', async () => {
    const dir = path.join(work, 'photos');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'precious.txt'), 'keep me');
    for (const overwrite of [false, true]) {
      await expect(checkOutputDir(dir, { overwrite })).rejects.toMatchObject({
        code: 'E_OUT_PATH', message: `${dir}: is a folder of 1 entry (precious.txt) that is not a branchnet model directory; branchnet never deletes files it did not write; choose a new or empty folder for -o`,
      });
    }
    expect(await fs.readFile(path.join(dir, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('replaces a model only with overwrite', async () => {
    const dir = path.join(work, 'm');
    await model(dir);
    await expect(checkOutputDir(dir)).rejects.toMatchObject({ code: 'E_OUT_EXISTS', message: expect.stringMatching(/holds a branchnet model already; pass --overwrite to replace it/) });
    await expect(checkOutputDir(dir, { overwrite: true })).resolves.toMatchObject({ replacesModel: true });
  });

  it("an interrupted run's checkpoint: refused with the resume command, replaced with overwrite; a foreign folder in its place is refused", async () => {
    const dir = path.join(work, 'run');
    await fs.mkdir(path.join(checkpointDirOf(dir), 'step-000000003'), { recursive: true });
    await expect(checkOutputDir(dir)).rejects.toMatchObject({ code: 'E_OUT_EXISTS', message: expect.stringContaining(`continue it with \`branchnet train --resume ${dir}\``) });
    await expect(checkOutputDir(dir, { overwrite: true })).resolves.toMatchObject({ replacesCheckpoint: true });
    await fs.writeFile(path.join(checkpointDirOf(dir), 'notes.txt'), 'mine');
    await expect(checkOutputDir(dir, { overwrite: true })).rejects.toMatchObject({ code: 'E_OUT_PATH', message: expect.stringContaining('is not branchnet\'s checkpoint folder') });
  });
});
