import { describe, expect, it } from 'vitest';
import { preprocess, toGray } from './preprocess.js';

const px = new Uint8Array([0, 128, 255, 10, 20, 30]); // two RGB pixels

describe('preprocess', () => {
  it("rescale divides by 255 (the notebook's rescale=1./255)", () => {
    expect([...preprocess(px, 'rescale')]).toEqual(
      [0, 128 / 255, 1, 10 / 255, 20 / 255, 30 / 255].map(Math.fround),
    );
  });

  it('caffe swaps RGB to BGR and subtracts the ImageNet BGR mean, without scaling', () => {
    const y = preprocess(px, 'caffe');
    expect([...y]).toEqual(
      [255 - 103.939, 128 - 116.779, 0 - 123.68, 30 - 103.939, 20 - 116.779, 10 - 123.68].map(Math.fround),
    );
  });

  it('tf maps 0..255 to -1..1', () => {
    expect([...preprocess(new Uint8Array([0, 127.5, 255]), 'tf')].map((v) => Number(v.toFixed(4)))).toEqual([-1, -0.0039, 1]);
  });

  it('writes into a given output, e.g. a slot of a batch buffer', () => {
    const batch = new Float32Array(12);
    const out = preprocess(px, 'rescale', batch.subarray(6, 12));
    expect(out.buffer).toBe(batch.buffer);
    expect(batch[8]).toBe(1);
    expect(batch[0]).toBe(0);
  });

  it('refuses an output of the wrong length and an unknown mode', () => {
    expect(() => preprocess(px, 'rescale', new Float32Array(3))).toThrow('preprocess: output has 3 values but the input has 6');
    expect(() => preprocess(px, 'torch' as never)).toThrow('preprocess mode "torch" is unknown; use one of rescale, caffe, tf');
  });
});

describe('toGray', () => {
  it('writes the 0.299/0.587/0.114 luma to all three channels', () => {
    const y = toGray(new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100]));
    expect([...y].map((v) => Number(v.toFixed(3)))).toEqual([
      76.245, 76.245, 76.245, 149.685, 149.685, 149.685, 29.07, 29.07, 29.07, 100, 100, 100,
    ]);
  });
});
