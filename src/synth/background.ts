/**
 * Backgrounds: studio white and grey sweeps, beige paper, wood, floors (tiles, concrete),
 * and coloured backdrops whose hues are none of the target colours; plus clutter shapes.
 */
import { Affine, type Canvas, ellipse, fbm, fillPolys, type RGB, rect, strokePolyline, strokePolylines } from './raster.js';
import type { Rng } from '../core/rng.js';
import { oklchToRgb, sampleBackdropHue } from './palette.js';

export const BACKGROUND_KINDS = ['studio-white', 'studio-grey', 'beige', 'wood', 'tiles', 'concrete', 'backdrop'] as const;
export type BackgroundKind = (typeof BACKGROUND_KINDS)[number];

export interface BackgroundParams {
  kind: BackgroundKind;
  base: RGB;
  clutter: string[];
}

function neutral(rng: Rng, lo: number, hi: number): RGB {
  // Neutral greys with a hint of warm/cool (chroma ≤ 0.012, so never a target hue in practice).
  return oklchToRgb(rng.uniform(lo, hi), rng.uniform(0, 0.012), rng.pick([80, 95, 200, 300]));
}

export function drawBackground(cv: Canvas, rng: Rng): BackgroundParams {
  const kind = rng.weighted<BackgroundKind>([
    ['studio-white', 3],
    ['studio-grey', 2],
    ['beige', 1.5],
    ['wood', 1.5],
    ['tiles', 1],
    ['concrete', 1],
    ['backdrop', 2],
  ]);
  const { w, h } = cv;
  const S = Math.max(w, h);
  const noise = fbm(rng.nextUint32() | 0, 2);
  let base: RGB;
  switch (kind) {
    case 'studio-white':
    case 'studio-grey':
    case 'backdrop':
    case 'beige': {
      base =
        kind === 'studio-white'
          ? neutral(rng, 0.9, 0.99)
          : kind === 'studio-grey'
            ? neutral(rng, 0.55, 0.85)
            : kind === 'beige'
              ? oklchToRgb(rng.uniform(0.78, 0.92), rng.uniform(0.02, 0.05), rng.uniform(70, 92))
              : rng.chance(0.5)
                ? sampleBackdropHue(rng, [0.75, 0.92], [0.03, 0.08])
                : sampleBackdropHue(rng, [0.5, 0.8], [0.07, 0.14]);
      // Sweep: a soft horizon where the wall meets the floor, a hot spot and a vignette.
      const horizon = rng.chance(0.5) ? rng.uniform(0.55, 0.85) * h : -1;
      const hx = rng.uniform(0.3, 0.7) * w;
      const hy = rng.uniform(0.2, 0.5) * h;
      const spot = rng.uniform(0.03, 0.1);
      const vign = rng.uniform(0.05, 0.2);
      const grain = kind === 'beige' ? rng.uniform(0.02, 0.05) : rng.uniform(0.005, 0.02);
      cv.shadeAll((x, y, out) => {
        const dx = (x - hx) / S;
        const dy = (y - hy) / S;
        const r2 = dx * dx + dy * dy;
        let f = 1 + spot * (1 - Math.min(1, r2 * 6)) - vign * r2 * 2;
        if (horizon > 0) {
          const t = (y - horizon) / (0.08 * h);
          f *= t > 0 ? 1 - 0.06 * Math.min(1, t) : 1 + 0.02 * Math.max(-1, t);
        }
        f += (noise(x * 0.15, y * 0.15) - 0.5) * grain;
        out[0] = base[0] * f;
        out[1] = base[1] * f;
        out[2] = base[2] * f;
      });
      break;
    }
    case 'wood': {
      base = oklchToRgb(rng.uniform(0.42, 0.78), rng.uniform(0.04, 0.09), rng.uniform(62, 82));
      const vertical = rng.chance(0.5);
      const plank = rng.uniform(0.12, 0.3) * S;
      const ringF = rng.uniform(0.5, 1.4);
      const tones = Array.from({ length: 24 }, () => rng.uniform(0.88, 1.1));
      const offs = Array.from({ length: 24 }, () => rng.uniform(0, 400));
      cv.shadeAll((x, y, out) => {
        const u = vertical ? y : x; // along the grain
        const v = vertical ? x : y; // across planks
        const k = Math.floor(v / plank);
        const inPlank = v - k * plank;
        const kk = ((k % 24) + 24) % 24;
        const uu = u + offs[kk]!;
        const g = Math.sin((inPlank * ringF + noise(uu * 0.02, inPlank * 0.08) * 14) * 1.3);
        let f = tones[kk]! * (1 + 0.07 * g + (noise(uu * 0.3, v * 0.05) - 0.5) * 0.1);
        if (inPlank < 1) f *= 0.7;
        out[0] = base[0] * f;
        out[1] = base[1] * f;
        out[2] = base[2] * f;
      });
      break;
    }
    case 'tiles': {
      base = rng.chance(0.6) ? neutral(rng, 0.6, 0.93) : oklchToRgb(rng.uniform(0.7, 0.9), rng.uniform(0.01, 0.04), rng.uniform(75, 95));
      const tile = rng.uniform(0.18, 0.4) * S;
      const grout = rng.uniform(0.8, 2) * (S / 128);
      const groutF = rng.uniform(0.75, 1.15);
      const rot = rng.uniform(-0.2, 0.2);
      const cs = Math.cos(rot);
      const sn = Math.sin(rot);
      const ox = rng.uniform(0, tile);
      const oy = rng.uniform(0, tile);
      cv.shadeAll((x, y, out) => {
        const u = x * cs - y * sn + ox;
        const v = x * sn + y * cs + oy;
        const fu = u - Math.floor(u / tile) * tile;
        const fv = v - Math.floor(v / tile) * tile;
        const edge = Math.min(fu, fv, tile - fu, tile - fv);
        let f = 1 + (noise(u * 0.08, v * 0.08) - 0.5) * 0.08;
        if (edge < grout) f *= groutF;
        const tone = 1 + ((Math.floor(u / tile) * 7 + Math.floor(v / tile) * 13) % 5) * 0.012;
        out[0] = base[0] * f * tone;
        out[1] = base[1] * f * tone;
        out[2] = base[2] * f * tone;
      });
      break;
    }
    case 'concrete': {
      base = neutral(rng, 0.5, 0.8);
      const sc = rng.uniform(0.05, 0.12);
      cv.shadeAll((x, y, out) => {
        const f = 1 + (noise(x * sc, y * sc) - 0.5) * 0.25 + (noise(x * 0.7, y * 0.7) - 0.5) * 0.08;
        out[0] = base[0] * f;
        out[1] = base[1] * f;
        out[2] = base[2] * f;
      });
      break;
    }
  }
  const clutter = drawClutter(cv, rng, base);
  return { kind, base, clutter };
}

/** 0–3 background objects in neutral or backdrop hues: boxes, pots, frames, bokeh, light shafts. */
function drawClutter(cv: Canvas, rng: Rng, base: RGB): string[] {
  const { w, h } = cv;
  const S = Math.max(w, h);
  const n = rng.weighted([
    [0, 3],
    [1, 3],
    [2, 2],
    [3, 1],
  ]);
  const out: string[] = [];
  const objColor = (): RGB =>
    rng.chance(0.5) ? neutral(rng, 0.3, 0.95) : sampleBackdropHue(rng, [0.45, 0.9], [0.03, 0.12]);
  for (let k = 0; k < n; k++) {
    const kind = rng.pick(['box', 'pot', 'frame', 'bokeh', 'light', 'hanger', 'leafless-branch'] as const);
    out.push(kind);
    const cx = rng.uniform(-0.1, 1.1) * w;
    const cy = rng.uniform(-0.1, 1.1) * h;
    switch (kind) {
      case 'box': {
        const bw = rng.uniform(0.15, 0.4) * S;
        const bh = rng.uniform(0.1, 0.35) * S;
        const T = Affine.from(1, rng.uniform(-0.4, 0.4), cx, cy);
        const poly = T.apply(rect(-bw / 2, -bh / 2, bw, bh));
        const m = fillPolys(w, h, [poly]);
        cv.darken(m.blurred(S * 0.02).shifted(Math.round(S * 0.02), Math.round(S * 0.02)), 0.25);
        const c = objColor();
        cv.paint(m, c);
        const lid = fillPolys(w, h, [T.apply(rect(-bw / 2, -bh / 2, bw, bh * 0.18))]);
        cv.paint(lid, [c[0] * 0.85, c[1] * 0.85, c[2] * 0.85]);
        break;
      }
      case 'pot': {
        const r = rng.uniform(0.06, 0.14) * S;
        const c = objColor();
        const body = fillPolys(w, h, [[cx - r, cy - r, cx + r, cy - r, cx + r * 0.75, cy + r * 1.1, cx - r * 0.75, cy + r * 1.1]]);
        cv.darken(body.blurred(S * 0.02).shifted(Math.round(S * 0.015), Math.round(S * 0.02)), 0.3);
        cv.paintFn(body, (x, _y, o) => {
          const f = 0.8 + 0.35 * (1 - Math.abs((x - cx) / r));
          o[0] = c[0] * f;
          o[1] = c[1] * f;
          o[2] = c[2] * f;
        });
        cv.paint(fillPolys(w, h, [ellipse(cx, cy - r, r, r * 0.25)]), [c[0] * 0.6, c[1] * 0.6, c[2] * 0.6]);
        break;
      }
      case 'frame': {
        const fw = rng.uniform(0.2, 0.4) * S;
        const fh = rng.uniform(0.2, 0.4) * S;
        const c = objColor();
        cv.paint(fillPolys(w, h, [rect(cx, cy, fw, fh)]), c);
        const inner = objColor();
        cv.paint(fillPolys(w, h, [rect(cx + fw * 0.12, cy + fh * 0.12, fw * 0.76, fh * 0.76)]), inner);
        break;
      }
      case 'bokeh': {
        const c = rng.chance(0.5) ? ([1, 1, 1] as RGB) : objColor();
        for (let i = 0; i < rng.intBetween(2, 6); i++) {
          const r = rng.uniform(0.03, 0.09) * S;
          const m = fillPolys(w, h, [ellipse(cx + rng.normal(0, 0.12) * S, cy + rng.normal(0, 0.12) * S, r, r)]);
          cv.paint(m.blurred(r * 0.3), c, rng.uniform(0.15, 0.4));
        }
        break;
      }
      case 'light': {
        const ang = rng.uniform(-0.8, 0.8);
        const T = Affine.from(1, ang, cx, h / 2);
        const m = fillPolys(w, h, [T.apply(rect(-rng.uniform(0.05, 0.2) * S, -S, rng.uniform(0.1, 0.3) * S, 2 * S))]);
        const blurred = m.blurred(S * 0.03);
        if (rng.chance(0.5)) cv.paint(blurred, [1, 1, 1], rng.uniform(0.08, 0.2));
        else cv.darken(blurred, rng.uniform(0.06, 0.15));
        break;
      }
      case 'hanger': {
        const hw = rng.uniform(0.15, 0.3) * S;
        const c = objColor();
        const y0 = rng.uniform(0, 0.12) * h;
        const m = strokePolylines(w, h, [[cx - hw, y0 + hw * 0.4, cx, y0, cx + hw, y0 + hw * 0.4, cx - hw, y0 + hw * 0.4], [cx, y0, cx, y0 - hw * 0.15, cx + hw * 0.1, y0 - hw * 0.25]], S * 0.012);
        cv.paint(m, c);
        break;
      }
      case 'leafless-branch': {
        const c: RGB = [base[0] * 0.55, base[1] * 0.55, base[2] * 0.55];
        let x = cx;
        let y = cy;
        const pts = [x, y];
        let a = rng.uniform(0, Math.PI * 2);
        for (let i = 0; i < 6; i++) {
          a += rng.normal(0, 0.4);
          x += Math.cos(a) * S * 0.06;
          y += Math.sin(a) * S * 0.06;
          pts.push(x, y);
        }
        cv.paint(strokePolyline(w, h, pts, S * 0.01), c, 0.7);
        break;
      }
    }
  }
  return out;
}
