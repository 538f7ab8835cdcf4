/**
 * Where a trained model may go, decided before any work: the check `train` runs first, so
 * that a bad `-o` costs nothing, and a user's files are never replaced.
 *
 *   - a path through a file (`-o afile/model`), or a folder branchnet cannot write: refused;
 *   - a new or empty folder: fine;
 *   - a branchnet model directory: replaced only with `overwrite` (atomically, by saveModelDir:
 *     the old model stays until the new one is in place);
 *   - any other non-empty folder, or a file: refused, always (branchnet never deletes what it
 *     did not write);
 *   - `<out>.checkpoint/` (an interrupted run's checkpoints, see train/checkpoint.ts): refused
 *     without `overwrite`, with the command that resumes it.
 */
import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { fail } from '../core/errors.js';
import { MODEL_FORMAT } from './model_dir.js';

export interface OutputCheck {
  /** Absolute model directory. */
  dir: string;
  /** Whether a branchnet model is there now (and will be replaced). */
  replacesModel: boolean;
  /** Whether an earlier run's checkpoints are at `<dir>.checkpoint` (replaced by this run's). */
  replacesCheckpoint: boolean;
}

/** The sibling folder that holds a run's checkpoints: `runs/a` → `runs/a.checkpoint`. */
export function checkpointDirOf(modelDir: string): string {
  return `${path.resolve(modelDir)}.checkpoint`;
}

async function stat(p: string): Promise<import('node:fs').Stats | null> {
  try {
    return await fs.stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Whether a folder holds a branchnet model (its branchnet.json says so). */
export async function isModelDir(dir: string): Promise<boolean> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'branchnet.json'), 'utf8')).format === MODEL_FORMAT;
  } catch {
    return false;
  }
}

/** Whether a folder holds nothing but branchnet checkpoints (see train/checkpoint.ts). */
export async function isCheckpointDir(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir);
  return entries.every((e) => /^(step-\d+|\.step-\d+\.(tmp|old)-.*)$/.test(e));
}

/**
 * Check an output folder before training, and say what saving there will replace.
 * @example const { dir } = await checkOutputDir('runs/a', { overwrite: false });
 */
export async function checkOutputDir(out: string, opts: { overwrite?: boolean } = {}): Promise<OutputCheck> {
  const dir = path.resolve(out);
  // The nearest existing ancestor must be a folder we can write into (mkdir -p, rename).
  let up = path.dirname(dir);
  for (;;) {
    const s = await stat(up);
    if (s && !s.isDirectory()) {
      fail('E_OUT_PATH', `${out}: ${up} is a file, not a folder, so the model directory cannot be made there; choose another -o`);
    }
    if (s) break;
    up = path.dirname(up);
  }
  try {
    await fs.access(up, constants.W_OK | constants.X_OK);
  } catch {
    fail('E_OUT_PATH', `${out}: cannot write into ${up} (permission denied); choose another -o or fix the folder's permissions`);
  }
  const here = await stat(dir);
  let replacesModel = false;
  if (here && !here.isDirectory()) {
    fail('E_OUT_PATH', `${out}: is a file, not a model directory; branchnet does not replace files it did not write; choose another -o`);
  }
  if (here) {
    const entries = await fs.readdir(dir);
    if (entries.length > 0) {
      if (!(await isModelDir(dir))) {
        const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
        fail('E_OUT_PATH', `${out}: is a folder of ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${shown}) that is not a branchnet model directory; branchnet never deletes files it did not write; choose a new or empty folder for -o`);
      }
      if (!opts.overwrite) {
        fail('E_OUT_EXISTS', `${out}: holds a branchnet model already; pass --overwrite to replace it (the old model stays until the new one is in place), or choose another -o`);
      }
      replacesModel = true;
    }
  }
  const ckpt = checkpointDirOf(dir);
  const c = await stat(ckpt);
  let replacesCheckpoint = false;
  if (c) {
    if (!c.isDirectory() || !(await isCheckpointDir(ckpt))) {
      fail('E_OUT_PATH', `${out}: ${ckpt} exists and is not branchnet's checkpoint folder, which goes there; move it away or choose another -o`);
    }
    if (!opts.overwrite) {
      fail('E_OUT_EXISTS', `${out}: an interrupted run's checkpoint is in ${ckpt}; continue it with \`branchnet train --resume ${out}\`, or pass --overwrite to start over`);
    }
    replacesCheckpoint = true;
  }
  return { dir, replacesModel, replacesCheckpoint };
}
