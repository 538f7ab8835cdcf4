import { describe, expect, it } from 'vitest';
import {
  IDENTITY_TRANSFORM,
  NOTEBOOK_AUGMENT,
  type Transform,
  applyTransform,
  sampleTransform,
  transformMatrix,
} from './augment.js';
import { Rng } from '../core/rng.js';

/** An h×w RGB image whose pixel (r, c) is (10r + c, 10r + c + 1, 10r + c + 2). */
function grid(h: number, w: number): Uint8Array {
  const a = new Uint8Array(h * w * 3);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const d = (r * w + c) * 3;
      a[d] = 10 * r + c;
      a[d + 1] = 10 * r + c + 1;
      a[d + 2] = 10 * r + c + 2;
    }
  }
  return a;
}

/** Red channel as rows (rounded to 4 decimals), after checking G and B moved with it. */
function plane(y: Float32Array, h: number, w: number): number[][] {
  for (let i = 0; i < h * w; i++) {
    expect(y[i * 3 + 1]! - y[i * 3]!).toBeCloseTo(1, 4);
    expect(y[i * 3 + 2]! - y[i * 3]!).toBeCloseTo(2, 4);
  }
  return Array.from({ length: h }, (_, r) =>
    Array.from({ length: w }, (_, c) => Math.round(y[(r * w + c) * 3]! * 1e4) / 1e4 + 0),
  );
}

const t = (p: Partial<Transform>): Transform => ({ ...IDENTITY_TRANSFORM, ...p });

describe('applyTransform', () => {
  it('the identity transform returns the input unchanged', () => {
    const src = grid(3, 4);
    expect([...applyTransform(src, 3, 4, IDENTITY_TRANSFORM)]).toEqual([...src]);
  });

  it('a pure horizontal flip mirrors each row', () => {
    expect(plane(applyTransform(grid(3, 4), 3, 4, t({ flip: true })), 3, 4)).toEqual([
      [3, 2, 1, 0],
      [13, 12, 11, 10],
      [23, 22, 21, 20],
    ]);
  });

  it('tx shifts along rows: +1 moves content up one row and repeats the bottom edge', () => {
    expect(plane(applyTransform(grid(3, 4), 3, 4, t({ tx: 1 })), 3, 4)).toEqual([
      [10, 11, 12, 13],
      [20, 21, 22, 23],
      [20, 21, 22, 23],
    ]);
  });

  it('ty shifts along columns: +2 moves content left two columns, -1 right one, edges repeated', () => {
    expect(plane(applyTransform(grid(3, 4), 3, 4, t({ ty: 2 })), 3, 4)).toEqual([
      [2, 3, 3, 3],
      [12, 13, 13, 13],
      [22, 23, 23, 23],
    ]);
    expect(plane(applyTransform(grid(3, 4), 3, 4, t({ ty: -1 })), 3, 4)[0]).toEqual([0, 0, 1, 2]);
  });

  it("fill mode 'constant' fills uncovered pixels with cval instead", () => {
    const y = applyTransform(grid(3, 4), 3, 4, t({ ty: 2, fillMode: 'constant', cval: 0 }));
    expect(Array.from({ length: 4 }, (_, c) => y[c * 3])).toEqual([2, 3, 0, 0]);
  });

  it('the flip comes after the affine part, as in Keras', () => {
    // shift left by 1 → [1, 2, 3, 3], then mirror → [3, 3, 2, 1]
    expect(plane(applyTransform(grid(3, 4), 3, 4, t({ ty: 1, flip: true })), 3, 4)[0]).toEqual([3, 3, 2, 1]);
  });

  it('a 90° rotation about the true centre matches the hand-rotated array', () => {
    expect(plane(applyTransform(grid(4, 4), 4, 4, t({ theta: 90, centerOffset: -0.5 })), 4, 4)).toEqual([
      [30, 20, 10, 0],
      [31, 21, 11, 1],
      [32, 22, 12, 2],
      [33, 23, 13, 3],
    ]);
  });

  it("with Keras 2.1.6's centre (size/2 + 0.5) the same rotation lands two rows off, edge-filled", () => {
    expect(plane(applyTransform(grid(4, 4), 4, 4, t({ theta: 90 })), 4, 4)).toEqual([
      [30, 30, 30, 20],
      [31, 31, 31, 21],
      [32, 32, 32, 22],
      [33, 33, 33, 23],
    ]);
  });

  it('zoom 0.5 (Keras zooms in when z < 1) with nearest sampling blows up the centre 2×2 block', () => {
    const y = applyTransform(grid(4, 4), 4, 4, t({ zx: 0.5, zy: 0.5, order: 0, centerOffset: -0.5 }));
    expect(plane(y, 4, 4)).toEqual([
      [11, 11, 12, 12],
      [11, 11, 12, 12],
      [21, 21, 22, 22],
      [21, 21, 22, 22],
    ]);
  });

  it('bilinear sampling (order 1, the notebook’s) of a linear ramp returns the ramp at the sampled points', () => {
    // input coordinate = 0.5·out + 0.75 on both axes, value = 10·row + col
    const y = applyTransform(grid(4, 4), 4, 4, t({ zx: 0.5, zy: 0.5, centerOffset: -0.5 }));
    expect(plane(y, 4, 4)).toEqual(
      [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => 10 * (0.5 * r + 0.75) + (0.5 * c + 0.75))),
    );
  });

  it('a random notebook transform keeps every value within the input range', () => {
    const src = grid(16, 12);
    const rng = new Rng(1);
    for (let i = 0; i < 20; i++) {
      const y = applyTransform(src, 16, 12, sampleTransform(rng, NOTEBOOK_AUGMENT, 16, 12));
      expect(Math.min(...y)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...y)).toBeLessThanOrEqual(163 + 1e-4) // 10·15 + 11 + 2;
    }
  });

  it('refuses an image of the wrong size', () => {
    expect(() => applyTransform(new Uint8Array(10), 2, 2, IDENTITY_TRANSFORM)).toThrow(
      'applyTransform: image has 10 values but 2x2x3 needs 12',
    );
  });
});

describe('transformMatrix', () => {
  it('composes shift · zoom (shift not scaled by zoom) about the Keras centre h/2 + 0.5', () => {
    // in = Z·(out − o) + t + o  →  translation = t − o·(z − 1)… with z = 2, o = 2.5: 1 − 2.5 = −1.5
    expect(transformMatrix(t({ tx: 1, zx: 2, zy: 2 }), 4, 4)).toEqual([2, 0, -1.5, 0, 2, -2.5, 0, 0, 1]);
  });

  it('composes rotation · shift, so the shift is rotated with the image', () => {
    const m = transformMatrix(t({ theta: 90, tx: 1, centerOffset: -0.5 }), 4, 4)!;
    // in = R·(out − o) + R·(1, 0) + o, R·(1, 0) = (cos 90°, sin 90°) = (0, 1)
    expect(m.map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([0, -1, 3, 1, 0, 1, 0, 0, 1]);
  });

  it('is null for the identity, as Keras then skips resampling', () => {
    expect(transformMatrix(IDENTITY_TRANSFORM, 4, 4)).toBeNull();
  });
});

describe('sampleTransform', () => {
  it("draws theta, tx, ty, shear, zx, zy, flip in Keras' order, scaling shifts by the image size", () => {
    const r = new Rng(9);
    const expected = {
      theta: r.uniform(-10, 10),
      tx: r.uniform(-0.2, 0.2) * 160,
      ty: r.uniform(-0.2, 0.2) * 128,
      shear: r.uniform(-0.1, 0.1),
      zx: r.uniform(0.8, 1.2),
      zy: r.uniform(0.8, 1.2),
      flip: r.next() < 0.5,
    };
    expect(sampleTransform(new Rng(9), NOTEBOOK_AUGMENT, 160, 128)).toEqual({
      ...expected,
      order: 1,
      fillMode: 'nearest',
      cval: 0,
      centerOffset: 0.5,
    });
  });

  it('a disabled parameter draws nothing, so the next one takes its number', () => {
    const r = new Rng(4);
    const tx = r.uniform(-0.1, 0.1) * 50;
    const s = sampleTransform(new Rng(4), { heightShiftRange: 0.1 }, 50, 40);
    expect(s).toMatchObject({ theta: 0, tx, ty: 0, shear: 0, zx: 1, zy: 1, flip: false });
  });

  it('shift ranges of 1 or more are pixels, not fractions', () => {
    const s = sampleTransform(new Rng(2), { widthShiftRange: 5 }, 100, 100);
    expect(Math.abs(s.ty)).toBeLessThanOrEqual(5);
    expect(s.ty).toBe(new Rng(2).uniform(-5, 5));
  });

  it('every notebook parameter stays in its range over many samples, zx and zy drawn independently', () => {
    const rng = new Rng(123);
    const n = 4000;
    const all = Array.from({ length: n }, () => sampleTransform(rng, NOTEBOOK_AUGMENT, 160, 128));
    const range = (k: 'theta' | 'tx' | 'ty' | 'shear' | 'zx' | 'zy') => {
      const v = all.map((s) => s[k]);
      return [Math.min(...v), Math.max(...v)];
    };
    const [thLo, thHi] = range('theta');
    expect(thLo).toBeGreaterThanOrEqual(-10);
    expect(thHi).toBeLessThan(10);
    expect(thLo).toBeLessThan(-9.9);
    expect(thHi).toBeGreaterThan(9.9);
    const [txLo, txHi] = range('tx');
    expect(txLo).toBeGreaterThanOrEqual(-32);
    expect(txHi).toBeLessThan(32);
    expect(txHi - txLo).toBeGreaterThan(63);
    const [tyLo, tyHi] = range('ty');
    expect(tyLo).toBeGreaterThanOrEqual(-25.6);
    expect(tyHi).toBeLessThan(25.6);
    expect(tyHi - tyLo).toBeGreaterThan(51);
    const [shLo, shHi] = range('shear');
    expect(shLo).toBeGreaterThanOrEqual(-0.1);
    expect(shHi).toBeLessThan(0.1);
    for (const k of ['zx', 'zy'] as const) {
      const [lo, hi] = range(k);
      expect(lo).toBeGreaterThanOrEqual(0.8);
      expect(hi).toBeLessThan(1.2);
      expect(hi - lo).toBeGreaterThan(0.39);
    }
    expect(all.filter((s) => s.zx === s.zy).length).toBe(0);
    const flips = all.filter((s) => s.flip).length / n;
    expect(flips).toBeGreaterThan(0.45);
    expect(flips).toBeLessThan(0.55);
  });

  it('the same seed gives the same transforms', () => {
    const a = new Rng(77);
    const b = new Rng(77);
    for (let i = 0; i < 10; i++) {
      expect(sampleTransform(a, NOTEBOOK_AUGMENT, 160, 128)).toEqual(sampleTransform(b, NOTEBOOK_AUGMENT, 160, 128));
    }
  });

  it('refuses a negative range and a zoom range that reaches 0', () => {
    expect(() => sampleTransform(new Rng(1), { rotationRange: -5 }, 4, 4)).toThrow(
      'augment rotationRange -5 is not valid; use a number ≥ 0 (0 turns it off)',
    );
    expect(() => sampleTransform(new Rng(1), { zoomRange: 1 }, 4, 4)).toThrow(
      'augment zoomRange 1 is not valid; use z in [0, 1) or [lo, hi] with 0 < lo ≤ hi',
    );
  });
});
