/**
 * Interrupted trainings, through the installed CLI (bin/branchnet.js over dist/) in child
 * processes: killed with SIGKILL in the middle of an epoch, or stopped with Ctrl-C (SIGINT),
 * then `branchnet train --resume <out>`; both end with the weights.bin and history.json of a
 * run that was never interrupted (wall-clock fields aside), same backend, one thread.
 * BRANCHNET_TEST_STEP_DELAY_MS slows each step of the runs to interrupt (timings only).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { historyWithoutTimings, makeDataset, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';

const root = path.resolve(import.meta.dirname, '..');
// 3 epochs of 3 steps (2 + 1 over two phases), dropout, augmentation, shuffling: all that must resume.
const TINY = ['--backbone', 'scratch', '--size', '32x32', '--batch-size', '4', '--epochs', '2,1', '--steps', '3', '--val-steps', '1', '--backend', 'wasm', '-q'];
const STEP_DELAY_MS = 300;

interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string }

function cli(args: string[], opts: { delay?: boolean; onSpawn?: (p: import('node:child_process').ChildProcess) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/branchnet.js'), ...args], {
      cwd: root,
      env: { ...process.env, BRANCHNET_THREADS: '1', BRANCHNET_TEST_STEP_DELAY_MS: opts.delay ? String(STEP_DELAY_MS) : '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += String(d); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    opts.onSpawn?.(child);
  });
}

/** Resolves once `file` exists (polling the file system), or rejects after `ms`. */
async function appears(file: string, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} did not appear within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Send `signal` 1.5 steps after the first epoch's checkpoint appears: in the middle of epoch 2. */
function interruptInEpoch2(out: string, signal: NodeJS.Signals) {
  return (child: import('node:child_process').ChildProcess) => {
    appears(path.join(`${out}.checkpoint`, 'step-000000003'))
      .then(() => new Promise((r) => setTimeout(r, STEP_DELAY_MS * 1.5)))
      .then(() => child.kill(signal), () => child.kill('SIGKILL'));
  };
}

async function sameModel(dir: string, ref: string): Promise<void> {
  expect((await fsp.readFile(path.join(dir, 'weights.bin'))).equals(await fsp.readFile(path.join(ref, 'weights.bin'))), `${dir}/weights.bin`).toBe(true);
  expect(await historyWithoutTimings(dir)).toEqual(await historyWithoutTimings(ref));
}

describe('branchnet train --resume', () => {
  let work = '';
  let data = '';
  beforeAll(async () => {
    // dist/ is what bin/branchnet.js runs; a stale build would test old code.
    for (const src of ['src/train/checkpoint.ts', 'src/train/fit.ts', 'src/train/train.ts', 'src/cli/commands/train.ts', 'src/data/batches.ts']) {
      const built = path.join(root, src.replace(/^src/, 'dist').replace(/\.ts$/, '.js'));
      expect(fs.existsSync(built), 'dist/ is missing: run npm run build').toBe(true);
      expect(fs.statSync(built).mtimeMs, `dist/ is older than ${src}: run npm run build`).toBeGreaterThanOrEqual(fs.statSync(path.join(root, src)).mtimeMs);
    }
    work = await tmpDir('bn-resume-');
    data = await makeDataset(path.join(work, 'data'), NOTEBOOK_COMBOS, 4, { width: 32, height: 32 });
  });

  it('after SIGKILL in the middle of an epoch, --resume ends with the weights and history of an uninterrupted run', async () => {
    const ref = path.join(work, 'ref');
    const out = path.join(work, 'killed');
    const [whole, killed] = await Promise.all([
      cli(['train', data, '-o', ref, ...TINY]),
      cli(['train', data, '-o', out, ...TINY], { delay: true, onSpawn: interruptInEpoch2(out, 'SIGKILL') }),
    ]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(killed.signal).toBe('SIGKILL');
    expect(fs.existsSync(out)).toBe(false);
    // Killed before epoch 2 ended: only the first epoch's checkpoint is there.
    expect(await fsp.readdir(`${out}.checkpoint`)).toEqual(['step-000000003']);

    const resumed = await cli(['train', '--resume', out, '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming from ${out}.checkpoint/step-000000003: phase1, epoch 2, after step 0`);
    await sameModel(out, ref);
    expect(fs.existsSync(`${out}.checkpoint`)).toBe(false); // removed once the model is in place
  });

  it('Ctrl-C finishes the step, writes a checkpoint, says how to resume and exits 130; --resume then ends as if uninterrupted', async () => {
    const ref = path.join(work, 'ref');
    await appears(path.join(ref, 'weights.bin'), 1000);
    const out = path.join(work, 'stopped');
    const stopped = await cli(['train', data, '-o', out, ...TINY], { delay: true, onSpawn: interruptInEpoch2(out, 'SIGINT') });
    expect(stopped.code, stopped.stderr).toBe(130);
    const m = /branchnet: training interrupted at phase1, epoch 2 of 2, after step (\d) of 3; checkpoint saved in (\S+); continue with: branchnet train --resume (\S+)\n$/.exec(stopped.stderr);
    expect(m, stopped.stderr).not.toBeNull();
    const [, step, saved, resumeArg] = m!;
    expect(saved).toBe(`${out}.checkpoint`);
    expect(resumeArg).toBe(out);
    // The checkpoint is in the middle of epoch 2, with the optimiser's slots.
    const name = `step-${String(3 + Number(step)).padStart(9, '0')}`;
    expect(await fsp.readdir(saved)).toEqual([name]);
    const state = JSON.parse(await fsp.readFile(path.join(saved, name, 'state.json'), 'utf8'));
    expect(state.fit.position).toEqual({ phaseIndex: 0, epoch: 1, step: Number(step) });
    expect(Number(step)).toBeGreaterThan(0);
    expect(fs.statSync(path.join(saved, name, 'optimizer.bin')).size).toBeGreaterThan(0);

    const resumed = await cli(['train', '--resume', resumeArg, '--keep-checkpoints', '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    await sameModel(out, ref);
    // --keep-checkpoints: the last one (end of training) stays.
    expect(await fsp.readdir(saved)).toEqual(['step-000000009']);
  });
});
