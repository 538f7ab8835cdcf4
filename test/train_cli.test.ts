/**
 * `branchnet train` on a folder laid out like real photos, at the default 160x128, through the
 * CLI entry point in-process.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { backendInfo, describeBackend } from '../src/core/backend.js';
import { tf } from '../src/core/tf.js';
import { makePhotoFolder, tmpDir } from './fixtures.js';
import { runCli } from './cli_runner.js';


describe('branchnet train on mixed photos', () => {
  let photos: { root: string; corrupt: string };
  let work: string;
  beforeAll(async () => {
    work = await tmpDir();
    photos = await makePhotoFolder(path.join(work, 'photos'));
  });

  it('trains at 160x128 with the scratch backbone, skips the corrupt file by name, and reports images/s per phase', async () => {
    const out = path.join(work, 'scratch-model');
    const r = await runCli(['train', photos.root, '-o', out, '--backbone', 'scratch', '--epochs', '1,1', '--steps', '2', '--val-steps', '1', '--batch-size', '4', '-q']);
    expect(r.code).toBe(0);
    // The data check finds it before training (header read), names it and leaves it out.
    expect(r.stderr).toContain('data check: warning  not_an_image         blue_dress/corrupt.jpg: not an image that can be read (Input file contains unsupported image format)');
    expect(r.stdout).toContain(`Model saved to ${out}`);
    expect(r.stdout).toMatch(/phase1: 1 epochs, [\d.]+ s, [\d.]+ images\/s/);
    expect(r.stdout).toMatch(/phase2: 1 epochs, [\d.]+ s, [\d.]+ images\/s/);
    expect(r.stdout).toMatch(/skipped 1 file\(s\): .*corrupt\.jpg/);
    // Whichever backend is really active (wasm here; tensorflow where tfjs-node is installed).
    const info = backendInfo();
    expect(info?.name).toBe(tf.getBackend());
    expect(r.stdout).toContain(`Backend: ${describeBackend(info!)}. Elapsed: `);
    const meta = JSON.parse(await fs.readFile(path.join(out, 'branchnet.json'), 'utf8'));
    expect(meta.config.model.height).toBe(160);
    expect(meta.info.data.skipped.map((s: { path: string }) => s.path)).toEqual([photos.corrupt]);

    const grid = path.join(work, 'grid.png');
    const p = await runCli(['predict', out, path.join(photos.root, 'blue_jeans'), '--json', '--grid', grid]);
    expect(p.code).toBe(0);
    const json = JSON.parse(p.stdout);
    expect(json.predictions.map((x: { path: string }) => path.basename(x.path)).sort()).toEqual(['0.jpg', '1.png', '2.gif', 'wide.jpg']);
    expect(Object.keys(json.predictions[0].heads)).toEqual(['color', 'type']);
    // The captioned grid: 4 images in one row of 4 cells.
    const gridMeta = await sharp(grid).metadata();
    expect([gridMeta.width, gridMeta.height]).toEqual([4 * 220, 300]);
    const table = await runCli(['predict', out, path.join(photos.root, 'blue_jeans', '0.jpg')]);
    expect(table.stdout).toMatch(/^image\s+color\s+type\n/);
    expect(table.stdout).toMatch(/0\.jpg\s+(black|blue|red) \(0\.\d{3}\)\s+(dress|jeans|shirt) \(0\.\d{3}\)/);
  });

  it('trains the notebook model (VGG16 type branch) at 160x128 with --untrained-base and warns that its base is untrained', async () => {
    const out = path.join(work, 'vgg-model');
    const r = await runCli(['train', photos.root, '-o', out, '--epochs', '1,1', '--steps', '1', '--val-steps', '1', '--batch-size', '2', '--untrained-base', '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('WARNING: the vgg16 base of branch type is UNTRAINED');
    const history = JSON.parse(await fs.readFile(path.join(out, 'history.json'), 'utf8'));
    expect(history.phases.map((p: { trainableParams: number }) => p.trainableParams)).toEqual([2_853_894, 9_933_318]);
  });
});
