/**
 * Partial bodies that wear the garments: neck and shoulders, arms with hands, legs with feet.
 * Heads are never drawn (catalog crops). All shapes are in the garment's local units.
 */
import { ellipse, type Poly } from './raster.js';
import { ribbon, spline } from './shapes.js';

/** Neck rising from (0, yBase) up to yTop, with shoulders sloping out to ±shoulderW/2 at yShoulder. */
export function neckAndShoulders(neckW: number, yTop: number, yBase: number, shoulderW: number, yShoulder: number): Poly[] {
  const n = neckW / 2;
  const s = shoulderW / 2;
  const right = spline([n * 0.9, yTop, n, yBase - (yBase - yTop) * 0.35, n * 1.6, yBase, s * 0.8, yShoulder - 0.01, s, yShoulder + 0.03], 5);
  const poly: Poly = [...right, s, yShoulder + 0.2, -s, yShoulder + 0.2];
  // mirror right side for the left
  const left: Poly = [];
  for (let i = right.length - 2; i >= 0; i -= 2) left.push(-right[i]!, right[i + 1]!);
  // order: right side top→shoulder, across bottom, left side shoulder→top
  return [[...poly, ...left.slice(0)]];
}

/** An arm hanging from (x0, y0) along `angle` (radians from straight down, + = outward right). */
export function arm(x0: number, y0: number, angle: number, length: number, w0: number, withHand: boolean): Poly[] {
  const dx = Math.sin(angle);
  const dy = Math.cos(angle);
  const elbow = [x0 + dx * length * 0.5 + dy * 0.004, y0 + dy * length * 0.5];
  const end = [x0 + dx * length, y0 + dy * length];
  const center = spline([x0, y0, elbow[0]!, elbow[1]!, end[0]!, end[1]!], 4);
  const out: Poly[] = [ribbon(center, w0, w0 * 0.62)];
  if (withHand) {
    const hx = end[0]! + dx * w0 * 0.55;
    const hy = end[1]! + dy * w0 * 0.55;
    out.push(ellipse(hx, hy, w0 * 0.42, w0 * 0.75, -angle, 16));
  }
  return out;
}

/** A leg from (x0, y0) to (x1, y1), width w0 → w1, with a foot pointing down/out at the end. */
export function leg(x0: number, y0: number, x1: number, y1: number, w0: number, w1: number, foot: boolean, side: number): Poly[] {
  const mx = (x0 + x1) / 2 + side * w0 * 0.06;
  const my = (y0 + y1) / 2;
  const center = spline([x0, y0, mx, my, x1, y1], 4);
  const out: Poly[] = [ribbon(center, w0, w1)];
  if (foot) {
    // front view: a foot is a rounded wedge wider than the ankle
    out.push(ellipse(x1 + side * w1 * 0.15, y1 + w1 * 0.55, w1 * 0.72, w1 * 0.85, 0, 16));
  }
  return out;
}

/**
 * Bare torso above a waistband at y = 0 (waist width `waist`), rising far enough that the
 * frame crops it; optionally arms hanging beside it.
 */
export function torso(waist: number, withArms: boolean): Poly[] {
  const w = waist / 2;
  const right = spline([w * 1.0, 0.03, w * 0.92, -0.1, w * 1.05, -0.32, w * 1.22, -0.6, w * 1.3, -1.1], 5);
  const poly: Poly = [...right];
  for (let i = right.length - 2; i >= 0; i -= 2) poly.push(-right[i]!, right[i + 1]!);
  const out: Poly[] = [poly];
  if (withArms) {
    for (const s of [-1, 1]) out.push(...arm(s * w * 1.55, -0.9, s * 0.06, 0.9, 0.1, true));
  }
  return out;
}
