/**
 * The service's parts without a model (one file, as each imports the whole library through
 * src/index.ts): the batcher, sniffing uploads, API keys. Routes are tested in test/serve.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { BranchnetError } from '../core/errors.js';
import { Batcher } from './batcher.js';
import { checkImage, sniffImageFormat } from './sniff.js';
import { bearerChecker, readApiKeys } from './auth.js';

/** A "model" that doubles numbers and records the size of each pass. */
function doubler(opts: { windowMs?: number; maxBatch?: number; maxQueue?: number } = {}) {
  const passes: number[][] = [];
  const b = new Batcher<number, number>(async (xs) => { passes.push([...xs]); return xs.map((x) => 2 * x); }, {
    windowMs: opts.windowMs ?? 20, maxBatch: opts.maxBatch ?? 8, maxQueue: opts.maxQueue ?? 100,
  });
  return { b, passes };
}

describe('Batcher', () => {
  it('gathers jobs that arrive within the window into one pass and hands each its own outputs, in order', async () => {
    const { b, passes } = doubler();
    const out = await Promise.all([b.submit([1, 2]), b.submit([3]), b.submit([4, 5, 6])]);
    expect(out).toEqual([[2, 4], [6], [8, 10, 12]]);
    expect(passes).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(b.stats).toMatchObject({ passes: 1, items: 6, largestPass: 6, waiting: 0 });
  });

  it('never puts more than maxBatch items in a pass, except a single job bigger than that', async () => {
    const { b, passes } = doubler({ maxBatch: 3 });
    await Promise.all([b.submit([1, 2]), b.submit([3, 4]), b.submit([5]), b.submit([6, 7, 8, 9])]);
    expect(passes).toEqual([[1, 2], [3, 4, 5], [6, 7, 8, 9]]);
  });

  it('admits at most maxQueue items; refusals are E_QUEUE_FULL, and released room is reusable', () => {
    const { b } = doubler({ maxQueue: 3 });
    const first = b.admit(2);
    expect(() => b.admit(2)).toThrow(BranchnetError);
    try { b.admit(2); } catch (e) { expect((e as BranchnetError).code).toBe('E_QUEUE_FULL'); }
    first.release();
    first.release(); // idempotent: room is not freed twice
    b.admit(3);
    expect(b.stats).toMatchObject({ admitted: 3, refused: 2 });
  });

  it('a pass that throws rejects every job in it, and the next pass still runs', async () => {
    let calls = 0;
    const b = new Batcher<number, number>(async (xs) => { if (calls++ === 0) throw new Error('engine failed'); return xs; }, { windowMs: 5, maxBatch: 8, maxQueue: 10 });
    const failed = await Promise.allSettled([b.submit([1]), b.submit([2])]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(await b.submit([3])).toEqual([3]);
  });

  it('drain() resolves once every waiting job has been answered', async () => {
    const { b } = doubler({ windowMs: 10_000 });
    const pending = b.submit([1]);
    await b.drain();
    expect(await pending).toEqual([2]);
    expect(b.stats.waiting).toBe(0);
  });
});

const create = () => sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 200, g: 30, b: 30 } } });

describe('sniffing uploads', () => {
  it('tells every format sharp decodes here from its bytes', async () => {
    expect(sniffImageFormat(await create().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffImageFormat(await create().png().toBuffer())).toBe('png');
    expect(sniffImageFormat(await create().gif().toBuffer())).toBe('gif');
    expect(sniffImageFormat(await create().webp().toBuffer())).toBe('webp');
    expect(sniffImageFormat(await create().tiff().toBuffer())).toBe('tiff');
    expect(sniffImageFormat(await create().avif().toBuffer())).toBe('avif');
  });

  it('calls text, a BMP, an empty body and a lone PNG signature prefix not images', () => {
    expect(sniffImageFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffImageFormat(Buffer.from('BM\x00\x00'))).toBeNull();
    expect(sniffImageFormat(new Uint8Array(0))).toBeNull();
    expect(sniffImageFormat(Buffer.from([0x89, 0x50, 0x4e]))).toBeNull();
  });

  it('checkImage reads the size from the header and refuses more pixels than allowed', async () => {
    const png = await create().png().toBuffer();
    expect(await checkImage(png, { name: 'x.png', maxPixels: 24 })).toEqual({ format: 'png', width: 6, height: 4 });
    await expect(checkImage(png, { name: 'x.png', maxPixels: 23 })).rejects.toThrow('x.png: 6x4 = 24 pixels is more than 23 (--max-pixels); resize the image before sending it');
    await expect(checkImage(png.subarray(0, 12), { name: 'x.png', maxPixels: 100 })).rejects.toMatchObject({ code: 'E_IMAGE_DECODE' });
  });
});

describe('API keys', () => {
  it('accepts exactly "Bearer <one of the keys>"', () => {
    const ok = bearerChecker(['alpha', 'beta-long-key']);
    expect([ok('Bearer alpha'), ok('bearer beta-long-key'), ok('Bearer  alpha ')]).toEqual([true, true, true]);
    expect([ok(undefined), ok(''), ok('alpha'), ok('Bearer alph'), ok('Bearer alphaa'), ok('Basic alpha'), ok('Bearer ')]).toEqual([false, false, false, false, false, false, false]);
  });

  it('reads one key a line, skipping blank lines and # comments; an empty file is an error', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'branchnet-keys-'));
    await fs.writeFile(path.join(dir, 'keys'), '# staging\nalpha\n\n  beta \r\n');
    expect(await readApiKeys(path.join(dir, 'keys'))).toEqual(['alpha', 'beta']);
    await fs.writeFile(path.join(dir, 'none'), '# nothing\n\n');
    await expect(readApiKeys(path.join(dir, 'none'))).rejects.toThrow(`${path.join(dir, 'none')}: no API key in the file; put one key a line (lines starting with # are comments)`);
    await expect(readApiKeys(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'E_ARGS' });
    await fs.rm(dir, { recursive: true });
  });
});
