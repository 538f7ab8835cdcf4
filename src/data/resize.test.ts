import { describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImage } from './decode.js';
import { resizeNearest, resizePixels } from './resize.js';

/** Noise, so that every source pixel is distinguishable and any wrong index shows. */
function noise(h: number, w: number, channels: number, seed: number): Uint8Array {
  const a = new Uint8Array(h * w * channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = channels === 4 && i % 4 === 3 ? 255 : s & 255;
  }
  return a;
}

async function sharpNearest(src: Uint8Array, channels: 3 | 4, h: number, w: number, dh: number, dw: number): Promise<Uint8Array> {
  const out = await sharp(Buffer.from(src), { raw: { width: w, height: h, channels } })
    .resize(dw, dh, { fit: 'fill', kernel: 'nearest' }).removeAlpha().raw().toBuffer();
  return new Uint8Array(out);
}

// [source h, w] -> [target h, w]: shrinking by fractions and by more than the gap (subsample),
// enlarging by fractions and by whole numbers (zoom), one axis up and the other down.
const CASES: [number, number, number, number][] = [
  [300, 200, 160, 128], [640, 480, 96, 80], [61, 97, 32, 32], [128, 128, 96, 96], [1000, 250, 160, 17],
  [13, 20, 32, 32], [10, 10, 40, 40], [16, 8, 48, 48], [50, 40, 160, 128], [200, 20, 32, 32], [37, 300, 224, 224],
  [160, 128, 160, 128],
];

describe('resizeNearest equals sharp byte for byte', () => {
  for (const [h, w, dh, dw] of CASES) {
    it(`${h}x${w} -> ${dh}x${dw}`, async () => {
      const src = noise(h, w, 3, h * 1000 + w);
      const ours = resizeNearest(src, 3, h, w, dh, dw);
      const theirs = await sharpNearest(src, 3, h, w, dh, dw);
      expect(ours.length).toBe(theirs.length);
      const firstDiff = ours.findIndex((v, i) => v !== theirs[i]);
      expect(firstDiff, `first differing byte (pixel ${Math.floor(firstDiff / 3)})`).toBe(-1);
    });
  }

  it('reads RGBA (what a browser canvas gives) the same as RGB', async () => {
    const rgba = noise(90, 70, 4, 5);
    expect(resizeNearest(rgba, 4, 90, 70, 32, 32)).toEqual(await sharpNearest(rgba, 4, 90, 70, 32, 32));
  });

  it("equals decodeImage's pixels for a PNG file (the Node predict path)", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'branchnet-resize-'));
    const src = noise(123, 77, 3, 9);
    const file = path.join(dir, 'a.png');
    await sharp(Buffer.from(src), { raw: { width: 77, height: 123, channels: 3 } }).png().toFile(file);
    const node = await decodeImage(file, { height: 40, width: 32, interpolation: 'nearest' });
    expect(resizePixels(src, 3, 123, 77, 40, 32, 'nearest')).toEqual(node.data);
    const area = await decodeImage(file, { height: 40, width: 32, interpolation: 'area' });
    expect(resizePixels(src, 3, 123, 77, 40, 32, 'area')).toEqual(area.data);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('says null for kernels it does not reproduce', () => {
    expect(resizePixels(new Uint8Array(12), 3, 2, 2, 1, 1, 'bilinear')).toBeNull();
  });
});
