import { describe, expect, it } from 'vitest';
import { ALL_COLORS, BACKDROP_HUE_BANDS, hueIsTarget, oklchToRgb, rgbToOklch, sampleBackdropHue, sampleGarmentColor } from './palette.js';
import { Canvas, dashes, ellipse, fillPolys, rect, strokePolyline } from './raster.js';
import { hashString, Rng } from '../core/rng.js';

function sum(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

describe('rng', () => {
  it('is deterministic per key and differs between keys', () => {
    const a = new Rng('1|train|black_jeans|0');
    const b = new Rng('1|train|black_jeans|0');
    const c = new Rng('1|train|black_jeans|1');
    const xa = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(xa);
    expect(xa.every((v) => v >= 0 && v < 1)).toBe(true);
    // a fixed value pins the generator across platforms and refactors
    const pin = new Rng('pin');
    expect([pin.nextUint32(), pin.nextUint32(), hashString('abc')]).toEqual([1576580371, 1300314758, 482950588]);
  });

  it('int, pick and normal stay in range', () => {
    const r = new Rng('3');
    for (let i = 0; i < 1000; i++) {
      const k = r.intBetween(2, 5);
      expect(k >= 2 && k <= 5 && Number.isInteger(k)).toBe(true);
      expect(Math.abs(r.normal())).toBeLessThan(3.5);
    }
    expect(['a', 'b']).toContain(r.pick(['a', 'b']));
  });
});

describe('raster', () => {
  it('fills a polygon with coverage equal to its area, anti-aliased at the edges', () => {
    const m = fillPolys(40, 40, [rect(10.5, 10.25, 10, 5)]);
    expect(sum(m.a)).toBeCloseTo(50, 1);
    expect(m.at(10, 12)).toBeCloseTo(0.5, 2); // half-covered column
    expect(m.at(15, 12)).toBe(1);
    expect(m.at(2, 2)).toBe(0);
    const e = fillPolys(100, 100, [ellipse(50, 50, 20, 10, 0.3, 64)]);
    expect(sum(e.a)).toBeCloseTo(Math.PI * 200, -1);
  });

  it('strokes lines of the requested width and splits dashes', () => {
    const m = strokePolyline(50, 50, [5, 25, 45, 25], 3);
    expect(sum(m.a)).toBeGreaterThan(40 * 3 - 2);
    expect(sum(m.a)).toBeLessThan(40 * 3 + 12);
    const d = dashes([0, 0, 10, 0], 2, 1);
    expect(d.length).toBe(4);
  });

  it('blends colours through masks and quantises to 8-bit RGB', () => {
    const cv = new Canvas(4, 4, [1, 1, 1]);
    cv.paint(fillPolys(4, 4, [rect(0, 0, 2, 4)]), [0, 0, 0]);
    const px = cv.toRGB8();
    expect([...px.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...px.subarray(9, 12)]).toEqual([255, 255, 255]);
  });
});

describe('palette', () => {
  it('every colour range samples in-gamut colours of the right hue family', () => {
    const r = new Rng('palette');
    for (const color of ALL_COLORS) {
      for (let i = 0; i < 200; i++) {
        const g = sampleGarmentColor(r, color);
        expect(g.rgb.every((v) => v >= 0 && v <= 1)).toBe(true);
        const [L, C, h] = rgbToOklch(g.rgb);
        if (color === 'black') expect(L).toBeLessThan(0.36);
        if (color === 'white') expect(L).toBeGreaterThan(0.85);
        if (color === 'blue') expect(h > 215 && h < 285 && C > 0.04).toBe(true);
        if (color === 'red') expect((h > 345 || h < 45) && C > 0.08).toBe(true);
        if (color === 'green') expect(h > 110 && h < 175).toBe(true);
      }
    }
  });

  it('backdrop hues are never a target colour hue', () => {
    const r = new Rng('backdrops');
    for (let i = 0; i < 2000; i++) {
      const c = sampleBackdropHue(r, [0.45, 0.92], [0.03, 0.14]);
      const [, C, h] = rgbToOklch(c);
      if (C > 0.02) expect(hueIsTarget(h), `hue ${h}`).toBe(false);
    }
    for (const [lo, hi] of BACKDROP_HUE_BANDS) {
      expect(hueIsTarget(lo)).toBe(false);
      expect(hueIsTarget(hi)).toBe(false);
    }
  });

  it('converts OKLCH to sRGB and back', () => {
    const [L, C, h] = rgbToOklch(oklchToRgb(0.6, 0.1, 250));
    expect(L).toBeCloseTo(0.6, 2);
    expect(C).toBeCloseTo(0.1, 2);
    expect(h).toBeCloseTo(250, 0);
  });
});
