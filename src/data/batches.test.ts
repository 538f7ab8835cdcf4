import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTEBOOK_AUGMENT } from './augment.js';
import { type Batch, BatchStream, createStreams, describeBatch } from './batches.js';
import { decodeImage } from './decode.js';
import { type Manifest, loadManifest } from './manifest.js';
import { preprocess } from './preprocess.js';
import { splitItems } from './split.js';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

/** 8×8 PNGs with a gradient (so augmentation visibly changes them) and a per-image blue level. */
async function dataset(files: Record<string, number>, broken: string[] = []): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'bn-batches-'));
  roots.push(root);
  for (const [rel, k] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    const px: number[] = [];
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) px.push(c * 30, r * 30, k * 20);
    await sharp(Buffer.from(px), { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(path.join(root, rel));
  }
  for (const rel of broken) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), 'not an image');
  }
  return root;
}

const TEN = {
  'black_jeans/0.png': 0, 'black_jeans/1.png': 1, 'black_jeans/2.png': 2,
  'blue_dress/3.png': 3, 'blue_dress/4.png': 4, 'blue_dress/5.png': 5,
  'red_shirt/6.png': 6, 'red_shirt/7.png': 7, 'red_shirt/8.png': 8, 'red_shirt/9.png': 9,
};

let root = '';
let manifest: Manifest;
beforeAll(async () => {
  root = await dataset(TEN);
  manifest = await loadManifest(root);
});

const small = { height: 8, width: 8, batchSize: 4 };
const names = (b: Batch) => b.paths.map((p) => path.relative(root, p));
async function take(s: BatchStream, n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) out.push(await s.next());
  return out;
}

describe('BatchStream', () => {
  it('yields [B, H, W, 3] float batches with one class-index array per head', async () => {
    const s = new BatchStream(manifest, manifest.items, { ...small, shuffle: false });
    const b = await s.next();
    expect(names(b)).toEqual(['black_jeans/0.png', 'black_jeans/1.png', 'black_jeans/2.png', 'blue_dress/3.png']);
    expect([b.size, b.height, b.width, b.x.length]).toEqual([4, 8, 8, 4 * 8 * 8 * 3]);
    // color vocab [black, blue, red], type vocab [dress, jeans, shirt]
    expect([...b.y[0]!]).toEqual([0, 0, 0, 1]);
    expect([...b.y[1]!]).toEqual([1, 1, 1, 0]);
    // sample 3, pixel (row 2, col 5) = (150, 60, 60) / 255
    const at = (3 * 64 + 2 * 8 + 5) * 3;
    expect([...b.x.subarray(at, at + 3)]).toEqual([150 / 255, 60 / 255, 60 / 255].map(Math.fround));
  });

  it('uses the notebook defaults: batches of 20 at 160x128, rescaled', async () => {
    const s = new BatchStream(manifest, manifest.items);
    expect([s.batchSize, s.height, s.width]).toEqual([20, 160, 128]);
    const b = await s.next();
    expect(b.size).toBe(10); // only 10 images: one short batch per epoch
    expect(b.x.length).toBe(10 * 160 * 128 * 3);
    expect(Math.max(...b.x.subarray(0, 160 * 128 * 3))).toBeLessThanOrEqual(1);
  });

  it('10 images in batches of 4 give 4, 4, 2 per epoch, each image once, reshuffled every epoch', async () => {
    const s = new BatchStream(manifest, manifest.items, { ...small, seed: 3 });
    expect(s.stepsPerEpoch).toBe(3);
    const bs = await take(s, 6);
    expect(bs.map((b) => [b.epoch, b.step, b.size, b.endOfEpoch])).toEqual([
      [0, 0, 4, false], [0, 1, 4, false], [0, 2, 2, true],
      [1, 0, 4, false], [1, 1, 4, false], [1, 2, 2, true],
    ]);
    const epoch1 = bs.slice(0, 3).flatMap(names);
    const epoch2 = bs.slice(3).flatMap(names);
    expect([...epoch1].sort()).toEqual(Object.keys(TEN).sort());
    expect([...epoch2].sort()).toEqual(Object.keys(TEN).sort());
    expect(epoch2).not.toEqual(epoch1);
  });

  it('the same seed gives the same batches, augmentation included; another seed does not', async () => {
    const opts = { ...small, augment: NOTEBOOK_AUGMENT, seed: 11 };
    const [a, b, c] = await Promise.all([
      take(new BatchStream(manifest, manifest.items, opts), 3),
      take(new BatchStream(manifest, manifest.items, { ...opts, concurrency: 1, prefetch: false }), 3),
      take(new BatchStream(manifest, manifest.items, { ...opts, seed: 12 }), 3),
    ]);
    expect(a.map((x) => [x.paths, [...x.x]])).toEqual(b.map((x) => [x.paths, [...x.x]]));
    expect(c.map((x) => [...x.x])).not.toEqual(a.map((x) => [...x.x]));
  });

  it('a corrupt file in the data set is skipped and named once, the rest are batched', async () => {
    const r = await dataset({ 'black_jeans/a.png': 1, 'black_jeans/b.png': 2, 'red_shirt/c.png': 3 }, ['red_shirt/broken.jpg']);
    const m = await loadManifest(r);
    expect(m.items.length).toBe(4);
    const reported: [string, string][] = [];
    const s = new BatchStream(m, m.items, { ...small, batchSize: 2, shuffle: false, onSkip: (p, why) => reported.push([p, why]) });
    const bs = await take(s, 4);
    const bad = path.join(r, 'red_shirt/broken.jpg');
    expect(reported).toEqual([
      [bad, `${bad}: cannot decode as an image (Input file contains unsupported image format); expected JPEG, PNG, GIF, WebP, TIFF, AVIF; remove or replace the file`],
    ]);
    expect(bs.map((b) => b.paths.map((p) => path.relative(r, p)))).toEqual([
      ['black_jeans/a.png', 'black_jeans/b.png'],
      ['red_shirt/c.png'],
      ['black_jeans/a.png', 'black_jeans/b.png'],
      ['red_shirt/c.png'],
    ]);
    expect(s.skipped.map((x) => x.path)).toEqual([bad]);
    expect([s.size, s.stepsPerEpoch]).toEqual([3, 2]);
  });

  it('if every image fails to decode, next() throws', async () => {
    const r = await dataset({}, ['black_jeans/x.jpg', 'black_jeans/y.jpg']);
    const m = await loadManifest(r);
    const s = new BatchStream(m, m.items, { ...small, onSkip: () => undefined });
    const bad = path.join(r, 'black_jeans/x.jpg');
    await expect(s.next()).rejects.toThrow(
      `every image failed to decode (2 files); first: ${bad}: cannot decode as an image (Input file contains unsupported image format); expected JPEG, PNG, GIF, WebP, TIFF, AVIF; remove or replace the file`,
    );
  });

  it('keeps decoded pixels at the target size: deleting the files after the first epoch changes nothing', async () => {
    const r = await dataset({ 'black_jeans/a.png': 1, 'red_shirt/b.png': 2, 'red_shirt/c.png': 3 });
    const m = await loadManifest(r);
    const s = new BatchStream(m, m.items, { ...small, batchSize: 3, shuffle: false, prefetch: false });
    const first = await s.next();
    await rm(path.join(r, 'black_jeans'), { recursive: true });
    await rm(path.join(r, 'red_shirt'), { recursive: true });
    const second = await s.next();
    expect(second.epoch).toBe(1);
    expect([...second.x]).toEqual([...first.x]);
    expect(s.skipped).toEqual([]);
  });

  it("applies the chosen preprocessing, e.g. caffe's BGR minus the ImageNet mean", async () => {
    const s = new BatchStream(manifest, manifest.items, { ...small, shuffle: false, preprocess: 'caffe' });
    const b = await s.next();
    // sample 0, pixel (0, 1) = RGB (30, 0, 0) → BGR (0, 0, 30) − mean
    expect([...b.x.subarray(3, 6)]).toEqual([0 - 103.939, 0 - 116.779, 30 - 123.68].map(Math.fround));
  });

  it('is an endless async iterable', async () => {
    const s = new BatchStream(manifest, manifest.items, { ...small, batchSize: 8 });
    const sizes: number[] = [];
    for await (const b of s) {
      sizes.push(b.size);
      if (sizes.length === 5) break;
    }
    expect(sizes).toEqual([8, 2, 8, 2, 8]);
  });
});

describe('createStreams', () => {
  it('validation batches are never augmented, even when augmentation is asked for', async () => {
    const split = splitItems(manifest.items, { valFraction: 0.4, seed: 1 });
    const { train, val } = createStreams(manifest, split, { ...small, augment: NOTEBOOK_AUGMENT });
    const plain = async (p: string) => preprocess((await decodeImage(p, { height: 8, width: 8 })).data, 'rescale');

    const v = await val.next();
    expect(v.paths).toEqual(split.val.slice(0, 4).map((i) => i.path)); // fixed order
    for (let i = 0; i < v.size; i++) {
      expect([...v.x.subarray(i * 192, (i + 1) * 192)]).toEqual([...(await plain(v.paths[i]!))]);
    }
    const t = await train.next();
    let changed = 0;
    for (let i = 0; i < t.size; i++) {
      const same = (await plain(t.paths[i]!)).every((x, k) => x === t.x[i * 192 + k]);
      if (!same) changed++;
    }
    expect(changed).toBe(t.size);
  });
});

describe('describeBatch', () => {
  it('summarises a batch in one line', async () => {
    const s = new BatchStream(manifest, manifest.items, { ...small, shuffle: false });
    const b = await s.next();
    expect(describeBatch(b, manifest)).toBe(
      '4 images 8x8 (epoch 1, batch 1); color: black 3, blue 1, red 0; type: dress 1, jeans 3, shirt 0',
    );
  });
});

describe('BatchStream state and restore (resuming a run)', () => {
  it('a fresh stream restored from state() gives the batches the original gives next, augmentation and epoch boundaries included', async () => {
    const opts = { ...small, augment: NOTEBOOK_AUGMENT, seed: 7 };
    const a = new BatchStream(manifest, manifest.items, opts);
    await take(a, 4); // 10 images in batches of 4: crosses into the second epoch; a fifth batch is prefetched
    const state = JSON.parse(JSON.stringify(a.state())); // as a checkpoint stores it
    const b = new BatchStream(manifest, manifest.items, opts);
    b.restore(state);
    const fromA = await take(a, 5);
    const fromB = await take(b, 5);
    expect(fromB.map(names)).toEqual(fromA.map(names));
    expect(fromB.map((x) => [x.epoch, x.step])).toEqual(fromA.map((x) => [x.epoch, x.step]));
    fromA.forEach((x, i) => expect(Buffer.from(fromB[i].x.buffer).equals(Buffer.from(x.x.buffer))).toBe(true));
  });

  it('state() is where the caller stands, not where the prefetch went', async () => {
    const s = new BatchStream(manifest, manifest.items, { ...small, seed: 3 });
    await s.next();
    const first = s.state();
    await new Promise((r) => setTimeout(r, 50)); // let the prefetch of batch 2 finish
    expect(s.state()).toEqual(first);
    expect(first.step).toBe(1);
    expect(first.cursor).toBe(4);
  });

  it('refuses a state from a larger data set', () => {
    const s = new BatchStream(manifest, manifest.items.slice(0, 3), small);
    const state = { epoch: 0, step: 1, cursor: 4, order: [0, 1, 2, 9], orderRng: [1, 2, 3, 4], augmentRng: [1, 2, 3, 5], skipped: [] };
    expect(() => s.restore(state)).toThrow(/does not fit this stream \(3 items\)/);
  });
});
