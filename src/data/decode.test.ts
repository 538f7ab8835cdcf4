import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import { decodeImage } from './decode.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bn-decode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const raw = (data: number[], width: number, height: number, channels: 1 | 2 | 3 | 4) =>
  sharp(Buffer.from(data), { raw: { width, height, channels } });

function pixels(d: Uint8Array): number[][] {
  return Array.from({ length: d.length / 3 }, (_, i) => [d[i * 3]!, d[i * 3 + 1]!, d[i * 3 + 2]!]);
}

async function errorOf(p: Promise<unknown>): Promise<BranchnetError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BranchnetError) return e;
    throw e;
  }
  throw new Error('expected a BranchnetError');
}

describe('decodeImage', () => {
  it('a PNG saved with a .jpg extension decodes (content decides the format)', async () => {
    const f = path.join(dir, 'really-a-png.jpg');
    await raw([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9], 2, 2, 3).png().toFile(f);
    const img = await decodeImage(f, { height: 2, width: 2 });
    expect(img.height).toBe(2);
    expect(img.width).toBe(2);
    expect(pixels(img.data)).toEqual([[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]]);
  });

  it('a 16-bit grayscale PNG with alpha becomes 8-bit RGB, composited onto white', async () => {
    const f = path.join(dir, 'ga16.png');
    // (grey, alpha): transparent black, opaque 64, opaque 128, half-transparent white
    await raw([0, 0, 64, 255, 128, 255, 255, 128], 2, 2, 2).toColourspace('grey16').png().toFile(f);
    expect((await sharp(f).metadata()).depth).toBe('ushort');
    const img = await decodeImage(f, { height: 2, width: 2 });
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(pixels(img.data)).toEqual([[255, 255, 255], [64, 64, 64], [128, 128, 128], [255, 255, 255]]);
  });

  it('a palette PNG with transparent entries becomes RGB with white where it was transparent', async () => {
    const f = path.join(dir, 'palette.png');
    await raw([255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 255, 0, 0, 0, 0], 2, 2, 4).png({ palette: true }).toFile(f);
    const img = await decodeImage(f, { height: 2, width: 2 });
    expect(pixels(img.data)).toEqual([[255, 0, 0], [255, 255, 255], [0, 255, 0], [255, 255, 255]]);
  });

  it('a single-channel grayscale image becomes three equal channels', async () => {
    const f = path.join(dir, 'grey.png');
    await raw([10, 200], 2, 1, 1).toColourspace('b-w').png().toFile(f);
    expect((await sharp(f).metadata()).channels).toBe(1);
    const img = await decodeImage(f, { height: 1, width: 2 });
    expect(pixels(img.data)).toEqual([[10, 10, 10], [200, 200, 200]]);
  });

  it('a CMYK JPEG becomes RGB', async () => {
    const f = path.join(dir, 'cmyk.jpg');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 40 } } })
      .toColourspace('cmyk')
      .jpeg({ quality: 100 })
      .toFile(f);
    expect((await sharp(f).metadata()).space).toBe('cmyk');
    const img = await decodeImage(f, { height: 2, width: 2 });
    expect(img.data.length).toBe(12);
    const [r, g, b] = pixels(img.data)[0]!;
    expect(r).toBeGreaterThan(170);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(70);
  });

  it('EXIF orientation 6 is applied: the stored left half ends up on top', async () => {
    const f = path.join(dir, 'orientation6.jpg');
    // stored 8 wide × 4 high: left half red, right half blue; orientation 6 = rotate 90° clockwise
    await sharp({ create: { width: 8, height: 4, channels: 3, background: '#ff0000' } })
      .composite([{ input: { create: { width: 4, height: 4, channels: 3, background: '#0000ff' } }, left: 4, top: 0 }])
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toFile(f);
    const img = await decodeImage(f, { height: 8, width: 4 });
    const px = pixels(img.data);
    const [topR, , topB] = px[0]!;
    const [botR, , botB] = px[7 * 4]!;
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(60);
    expect(botB).toBeGreaterThan(200);
    expect(botR).toBeLessThan(60);
  });

  it('a 4000-pixel-wide JPEG decodes to 160x128', async () => {
    const f = path.join(dir, 'huge.jpg');
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 0, g: 90, b: 180 } } })
      .jpeg({ quality: 90 })
      .toFile(f);
    const img = await decodeImage(f, { height: 160, width: 128 });
    expect([img.height, img.width, img.data.length]).toEqual([160, 128, 160 * 128 * 3]);
    const [r, g, b] = pixels(img.data)[5000]!;
    expect(Math.abs(r - 0) + Math.abs(g - 90) + Math.abs(b - 180)).toBeLessThan(8);
  });

  it('takes the first frame of an animated GIF', async () => {
    const f = path.join(dir, 'anim.gif');
    const red = Array.from({ length: 16 }, () => [255, 0, 0, 255]).flat();
    const blue = Array.from({ length: 16 }, () => [0, 0, 255, 255]).flat();
    await sharp(Buffer.from([...red, ...blue]), { raw: { width: 4, height: 8, channels: 4, pageHeight: 4 } })
      .gif()
      .toFile(f);
    expect((await sharp(f).metadata()).pages).toBe(2);
    const img = await decodeImage(f, { height: 2, width: 2 });
    expect(pixels(img.data)).toEqual([[255, 0, 0], [255, 0, 0], [255, 0, 0], [255, 0, 0]]);
  });

  it('resizes to exactly height × width, ignoring aspect ratio, with every interpolation', async () => {
    const f = path.join(dir, 'odd.png');
    await sharp({ create: { width: 37, height: 23, channels: 3, background: '#336699' } }).png().toFile(f);
    for (const interpolation of ['nearest', 'bilinear', 'bicubic', 'lanczos', 'area'] as const) {
      const img = await decodeImage(f, { height: 9, width: 16, interpolation });
      expect([interpolation, img.height, img.width, img.data.length]).toEqual([interpolation, 9, 16, 9 * 16 * 3]);
      expect(pixels(img.data)[40]).toEqual([0x33, 0x66, 0x99]);
    }
  });

  it("'nearest' (the default) picks source pixels; 'area' averages each output pixel's footprint", async () => {
    const f = path.join(dir, 'blocks.png');
    // 4×4 grey image made of four 2×2 blocks with values (0, 10, 20, 30), (100, 110, 120, 130), …
    const v = [
      [0, 10, 100, 110],
      [20, 30, 120, 130],
      [200, 210, 40, 50],
      [220, 230, 60, 70],
    ];
    await raw(v.flat().flatMap((x) => [x, x, x]), 4, 4, 3).png().toFile(f);
    const area = await decodeImage(f, { height: 2, width: 2, interpolation: 'area' });
    expect(pixels(area.data).map((p) => p[0])).toEqual([15, 115, 215, 55]);
    const nearest = await decodeImage(f, { height: 2, width: 2 });
    const source = new Set(v.flat());
    expect(pixels(nearest.data).every((p) => source.has(p[0]!))).toBe(true);
  });

  it('a corrupt file throws E_IMAGE_DECODE naming the file and the reason', async () => {
    const f = path.join(dir, 'notes.jpg');
    await writeFile(f, 'this is not an image');
    const e = await errorOf(decodeImage(f, { height: 4, width: 4 }));
    expect(e.code).toBe('E_IMAGE_DECODE');
    expect(e.message).toBe(
      `${f}: cannot decode as an image (Input file contains unsupported image format); expected JPEG, PNG, GIF, WebP, TIFF, AVIF; remove or replace the file`,
    );
  });

  it('a truncated JPEG is refused rather than decoded with a grey bottom', async () => {
    const busy = Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 251); // hard to compress
    const full = await raw(busy, 64, 64, 3).jpeg().toBuffer();
    const f = path.join(dir, 'truncated.jpg');
    await writeFile(f, full.subarray(0, Math.floor(full.length / 2)));
    const e = await errorOf(decodeImage(f, { height: 4, width: 4 }));
    expect(e.message).toBe(
      `${f}: cannot decode as an image (VipsJpeg: premature end of JPEG image); expected JPEG, PNG, GIF, WebP, TIFF, AVIF; remove or replace the file`,
    );
  });

  it('a zero-byte file is reported as empty, not as an unsupported format', async () => {
    const f = path.join(dir, 'zero.png');
    await writeFile(f, '');
    const e = await errorOf(decodeImage(f, { height: 4, width: 4 }));
    expect(e.code).toBe('E_IMAGE_DECODE');
    expect(e.message).toBe(`${f}: the file is empty (0 bytes); copy the image again or remove it`);
  });

  it('a missing file is a decode error naming it', async () => {
    const f = path.join(dir, 'gone.png');
    const e = await errorOf(decodeImage(f, { height: 4, width: 4 }));
    expect(e.message).toBe(
      `${f}: cannot decode as an image (Input file is missing: ${f}); expected JPEG, PNG, GIF, WebP, TIFF, AVIF; remove or replace the file`,
    );
  });

  it('refuses a size that is not two positive integers', async () => {
    await expect(decodeImage('x.png', { height: 0, width: 128 })).rejects.toThrow(
      'image size 0x128 is not valid; height and width must be positive integers, e.g. 160x128',
    );
  });
});
