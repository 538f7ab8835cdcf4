/**
 * The display list garments are described in, plus geometry helpers. Coordinates are local
 * garment units (x right, y down); the renderer maps them into the frame with an affine pose.
 */
import type { Poly, RGB } from './raster.js';

export type Texture = 'denim' | 'plain' | 'knit' | 'oxford' | 'satin' | 'leather' | 'canvas';

export type Op =
  /** A piece of the garment's fabric, coloured from the garment colour times `tone`. */
  | { k: 'fabric'; polys: Poly[]; tone?: number; ao?: number }
  /** Skin (neck, arms, legs, feet) in the model's skin tone. */
  | { k: 'skin'; polys: Poly[]; tone?: number }
  /** A seam or outline: garment colour times `tone`, or a fixed colour. Width in local units. */
  | { k: 'line'; pts: Poly; width: number; tone?: number; color?: RGB; alpha?: number; dash?: readonly [number, number]; closed?: boolean }
  /** A solid part in a fixed colour (buttons, rivets, soles, laces), optionally with a gradient. */
  | { k: 'solid'; polys: Poly[]; color: RGB; shade?: number }
  /** Shading only: a fold or crease (strength > 0 darkens, < 0 lightens). */
  | { k: 'fold'; pts: Poly; width: number; strength: number };

export interface Drawing {
  ops: Op[];
  texture: Texture;
  /** Sheen: how strongly highlights push toward white (satin high, denim low). */
  sheen: number;
  /** Parameters that produced the drawing, recorded in the manifest. */
  params: Record<string, string | number | boolean>;
}

/** Catmull–Rom spline through points (flat list), `n` segments per span; open unless `closed`. */
export function spline(pts: readonly number[], n = 6, closed = false): Poly {
  const k = pts.length >> 1;
  const out: Poly = [];
  const idx = (i: number): number => (closed ? ((i % k) + k) % k : Math.max(0, Math.min(k - 1, i)));
  const spans = closed ? k : k - 1;
  for (let s = 0; s < spans; s++) {
    const i0 = 2 * idx(s - 1);
    const i1 = 2 * idx(s);
    const i2 = 2 * idx(s + 1);
    const i3 = 2 * idx(s + 2);
    for (let j = 0; j < n; j++) {
      const t = j / n;
      const t2 = t * t;
      const t3 = t2 * t;
      for (let c = 0; c < 2; c++) {
        const a = pts[i0 + c]!;
        const b = pts[i1 + c]!;
        const cc = pts[i2 + c]!;
        const d = pts[i3 + c]!;
        out.push(0.5 * (2 * b + (-a + cc) * t + (2 * a - 5 * b + 4 * cc - d) * t2 + (-a + 3 * b - 3 * cc + d) * t3));
      }
    }
  }
  if (!closed) out.push(pts[2 * (k - 1)]!, pts[2 * (k - 1) + 1]!);
  return out;
}

/** Mirror a polyline about x = cx and reverse its order (so a right half + mirror closes). */
export function mirror(p: Poly, cx = 0): Poly {
  const out: Poly = [];
  for (let i = p.length - 2; i >= 0; i -= 2) out.push(2 * cx - p[i]!, p[i + 1]!);
  return out;
}

export function mirrorNoReverse(p: Poly, cx = 0): Poly {
  const out: Poly = [];
  for (let i = 0; i < p.length; i += 2) out.push(2 * cx - p[i]!, p[i + 1]!);
  return out;
}

/** A polygon around a polyline with width w0 at its start and w1 at its end. */
export function ribbon(center: Poly, w0: number, w1: number): Poly {
  const k = center.length >> 1;
  const left: Poly = [];
  const right: Poly = [];
  for (let i = 0; i < k; i++) {
    const a = Math.max(0, i - 1);
    const b = Math.min(k - 1, i + 1);
    let tx = center[2 * b]! - center[2 * a]!;
    let ty = center[2 * b + 1]! - center[2 * a + 1]!;
    const len = Math.hypot(tx, ty) || 1;
    tx /= len;
    ty /= len;
    const wd = (w0 + ((w1 - w0) * i) / Math.max(1, k - 1)) / 2;
    const x = center[2 * i]!;
    const y = center[2 * i + 1]!;
    left.push(x - ty * wd, y + tx * wd);
    right.push(x + ty * wd, y - tx * wd);
  }
  return [...left, ...mirrorPairs(right)];
}

function mirrorPairs(p: Poly): Poly {
  const out: Poly = [];
  for (let i = p.length - 2; i >= 0; i -= 2) out.push(p[i]!, p[i + 1]!);
  return out;
}

/** Point along a segment. */
export function lerp2(ax: number, ay: number, bx: number, by: number, t: number): [number, number] {
  return [ax + (bx - ax) * t, ay + (by - ay) * t];
}

/** Bounding box of polys: [minX, minY, maxX, maxY]. */
export function bbox(polys: readonly Poly[]): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of polys) {
    for (let i = 0; i < p.length; i += 2) {
      if (p[i]! < x0) x0 = p[i]!;
      if (p[i]! > x1) x1 = p[i]!;
      if (p[i + 1]! < y0) y0 = p[i + 1]!;
      if (p[i + 1]! > y1) y1 = p[i + 1]!;
    }
  }
  return [x0, y0, x1, y1];
}

/** Rounds a parameter for the manifest. */
export function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
