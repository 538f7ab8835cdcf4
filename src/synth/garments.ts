/**
 * One drawing function per garment type. Each builds a parametric silhouette and its details
 * (seams, pockets, buttons, collars, folds) as a display list in local units; nothing is pasted.
 * The garment colour is applied later by the renderer, so shape never depends on colour.
 */
import type { Rng } from '../core/rng.js';
import { ellipse, type Poly, type RGB, rect } from './raster.js';
import { oklchToRgb } from './palette.js';
import { arm, leg, neckAndShoulders, torso } from './body.js';
import { type Drawing, lerp2, mirror, mirrorNoReverse, type Op, r3, ribbon, spline } from './shapes.js';

export const ALL_TYPES = ['jeans', 'dress', 'shirt', 'shoes', 'skirt'] as const;
export type SynthType = (typeof ALL_TYPES)[number];

export interface GarmentContext {
  /** Whether a partial body wears the garment. */
  body: boolean;
}

const METAL: Record<string, RGB> = {
  brass: oklchToRgb(0.72, 0.09, 85),
  silver: oklchToRgb(0.8, 0.005, 250),
  copper: oklchToRgb(0.62, 0.08, 60),
  gunmetal: oklchToRgb(0.45, 0.01, 250),
};

function neutralColor(rng: Rng, lo: number, hi: number): RGB {
  return oklchToRgb(rng.uniform(lo, hi), rng.uniform(0, 0.01), 90);
}

function buttonColor(rng: Rng): RGB | 'tone' {
  return rng.weighted<RGB | 'tone'>([
    ['tone', 3],
    [neutralColor(rng, 0.88, 0.97), 2],
    [neutralColor(rng, 0.15, 0.3), 1],
    [oklchToRgb(0.6, 0.05, 75), 1],
  ]);
}

function addButton(ops: Op[], x: number, y: number, r: number, c: RGB | 'tone'): void {
  if (c === 'tone') {
    ops.push({ k: 'fabric', polys: [ellipse(x, y, r, r, 0, 14)], tone: 0.82, ao: 0 });
  } else {
    ops.push({ k: 'solid', polys: [ellipse(x, y, r, r, 0, 14)], color: c, shade: 0.25 });
  }
  ops.push({ k: 'line', pts: ellipse(x, y, r, r, 0, 14), width: r * 0.35, tone: 0.5, closed: true, alpha: 0.6 });
}

/** Polyline offset inward along a direction, for top-stitching next to a seam. */
function offset(p: Poly, dx: number, dy: number): Poly {
  return p.map((v, i) => v + (i % 2 === 0 ? dx : dy));
}

// ---------------------------------------------------------------------------------------------
// Jeans

export function drawJeans(rng: Rng, ctx: GarmentContext): Drawing {
  const fit = rng.pick(['skinny', 'slim', 'straight', 'wide', 'flare', 'bootcut', 'mom'] as const);
  const waist = rng.uniform(0.34, 0.42);
  const hip = waist * rng.uniform(1.06, 1.18);
  const rise = rng.uniform(0.27, 0.33);
  const length = rng.chance(0.15) ? rng.uniform(0.8, 0.9) : rng.uniform(0.95, 1.05);
  const kneeW = { skinny: 0.105, slim: 0.125, straight: 0.145, wide: 0.19, flare: 0.125, bootcut: 0.135, mom: 0.15 }[fit] * rng.uniform(0.93, 1.08);
  const hemW = { skinny: 0.085, slim: 0.105, straight: 0.14, wide: 0.21, flare: 0.2, bootcut: 0.165, mom: 0.12 }[fit] * rng.uniform(0.93, 1.08);
  const spread = rng.uniform(-0.01, 0.07);
  const kneeY = rise + (length - rise) * 0.48;
  const legC = hip / 4;
  const kneeC = legC + spread * 0.45;
  const hemC = legC + spread;
  const wb = rng.uniform(0.038, 0.05);

  const outerR = spline([waist / 2, 0, hip / 2 + 0.003, 0.15, hip / 2 - 0.004, rise, kneeC + kneeW / 2, kneeY, hemC + hemW / 2, length], 6);
  const innerR = spline([hemC - hemW / 2, length, kneeC - kneeW / 2, kneeY, 0.012, rise + 0.02], 6);
  const right = [0, 0, ...outerR, ...innerR];
  const body = [...right, ...mirror(right).slice(2)];
  const ops: Op[] = [];

  if (ctx.body) {
    // bare feet below the hems and sometimes a midriff above the waistband
    for (const s of [-1, 1]) {
      ops.push({ k: 'skin', polys: leg(s * hemC, length - 0.08, s * (hemC + spread * 0.2), length + 0.06, hemW * 0.55, hemW * 0.5, true, s) });
    }
    if (rng.chance(0.5)) {
      ops.push({ k: 'skin', polys: torso(waist, rng.chance(0.5)) });
      ops.push({ k: 'skin', polys: [ellipse(0, -0.1, 0.008, 0.012, 0, 10)], tone: 0.75 });
    }
  }

  ops.push({ k: 'fabric', polys: [body] });
  // fades/whiskers (lighter) and creases
  const whisk = rng.intBetween(2, 5);
  for (const s of [-1, 1]) {
    for (let i = 0; i < whisk; i++) {
      const y = rise - 0.03 + i * 0.028;
      ops.push({ k: 'fold', pts: spline([s * 0.03, y, s * 0.09, y + 0.012, s * 0.14, y + 0.005 + i * 0.004], 3), width: 0.012, strength: -0.35 });
    }
    // lighter wash down the front of the thigh and knee
    ops.push({ k: 'fold', pts: [s * legC, 0.16, s * kneeC, kneeY, s * (hemC - 0.005), length - 0.1], width: kneeW * 0.55, strength: -rng.uniform(0.1, 0.3) });
    // knee creases
    for (let i = 0; i < 3; i++) {
      const y = kneeY - 0.03 + i * 0.03;
      ops.push({ k: 'fold', pts: [s * (kneeC - kneeW * 0.4), y, s * (kneeC + kneeW * 0.35), y + 0.01], width: 0.01, strength: 0.35 });
    }
    // stacking at the hem
    if (fit === 'skinny' || fit === 'slim' || rng.chance(0.3)) {
      for (let i = 0; i < 3; i++) {
        const y = length - 0.06 - i * 0.045;
        ops.push({ k: 'fold', pts: [s * (hemC - hemW * 0.45), y, s * hemC, y - 0.015, s * (hemC + hemW * 0.45), y + 0.005], width: 0.012, strength: 0.35 });
      }
    }
  }
  const stitch: RGB | undefined = rng.chance(0.6) ? oklchToRgb(0.72, 0.11, rng.uniform(70, 85)) : undefined;
  const stitchOp = (pts: Poly): Op =>
    stitch ? { k: 'line', pts, width: 0.006, color: stitch, dash: [0.018, 0.012], alpha: 0.85 } : { k: 'line', pts, width: 0.006, tone: 1.45, dash: [0.018, 0.012] };

  // waistband
  const band = [-waist / 2, 0, waist / 2, 0, waist / 2 + 0.002, wb, -waist / 2 - 0.002, wb];
  ops.push({ k: 'fabric', polys: [band], tone: 1.04, ao: 0.3 });
  ops.push({ k: 'line', pts: [-waist / 2, wb, waist / 2, wb], width: 0.008, tone: 0.55 });
  ops.push(stitchOp([-waist / 2 + 0.01, wb * 0.2, waist / 2 - 0.01, wb * 0.2]));
  ops.push(stitchOp([-waist / 2 + 0.01, wb * 0.82, waist / 2 - 0.01, wb * 0.82]));
  // belt loops
  for (const x of [-0.44, -0.24, 0.24, 0.44]) {
    const lx = x * waist;
    ops.push({ k: 'fabric', polys: [rect(lx - 0.009, -0.006, 0.018, wb + 0.018)], tone: 1.1, ao: 0 });
    ops.push({ k: 'line', pts: rect(lx - 0.009, -0.006, 0.018, wb + 0.018), width: 0.004, tone: 0.55, closed: true });
  }
  // belt (sometimes)
  if (rng.chance(0.2)) {
    const beltC = rng.chance(0.5) ? neutralColor(rng, 0.12, 0.25) : oklchToRgb(rng.uniform(0.3, 0.5), 0.05, rng.uniform(60, 75));
    ops.push({ k: 'solid', polys: [rect(-waist / 2 - 0.003, wb * 0.15, waist + 0.006, wb * 0.72)], color: beltC, shade: 0.2 });
    ops.push({ k: 'line', pts: rect(-0.03, wb * 0.05, 0.05, wb * 0.92), width: 0.008, color: METAL.silver!, closed: true });
  }
  // button and fly
  ops.push({ k: 'solid', polys: [ellipse(0.012, wb * 0.5, 0.014, 0.014, 0, 14)], color: METAL[rng.pick(['brass', 'silver', 'copper', 'gunmetal'])]!, shade: 0.4 });
  const fly = spline([0.03, wb + 0.005, 0.032, rise * 0.55, 0.026, rise * 0.7, 0.005, rise * 0.78], 4);
  ops.push({ k: 'line', pts: [0, wb, 0, rise + 0.01], width: 0.007, tone: 0.5 });
  ops.push(stitchOp(fly));
  // front pockets with rivets, coin pocket
  for (const s of [-1, 1]) {
    const p = spline([s * waist * 0.27, wb, s * waist * 0.36, 0.085, s * (hip / 2 - 0.005), 0.13], 5);
    ops.push({ k: 'line', pts: p, width: 0.008, tone: 0.5 });
    ops.push(stitchOp(offset(p, -s * 0.008, 0.006)));
    ops.push({ k: 'solid', polys: [ellipse(p[0]!, wb + 0.005, 0.006, 0.006, 0, 8)], color: METAL.copper!, shade: 0.3 });
    ops.push({ k: 'solid', polys: [ellipse(p[p.length - 2]! - s * 0.006, p[p.length - 1]!, 0.006, 0.006, 0, 8)], color: METAL.copper!, shade: 0.3 });
    // outseam and inseam
    ops.push({ k: 'line', pts: offset(outerR.slice(6), -0.006 * s, 0).map((v, i) => (i % 2 === 0 ? s * Math.abs(v) : v)), width: 0.006, tone: 0.6 });
    // hem
    const hy = length - 0.025;
    ops.push(stitchOp([s * (hemC - hemW / 2 + 0.005), hy, s * (hemC + hemW / 2 - 0.005), hy]));
    ops.push({ k: 'line', pts: [s * (hemC - hemW / 2), length - 0.004, s * (hemC + hemW / 2), length - 0.004], width: 0.006, tone: 0.65 });
  }
  ops.push({ k: 'line', pts: rect(waist * 0.2, wb + 0.012, 0.045, 0.04), width: 0.005, tone: 0.55, closed: true });
  // rips (distressed), sometimes
  const ripped = rng.chance(0.15);
  if (ripped) {
    for (const s of [-1, 1]) {
      if (rng.chance(0.6)) {
        const y = kneeY + rng.uniform(-0.04, 0.03);
        ops.push({ k: 'solid', polys: [ellipse(s * kneeC, y, kneeW * 0.25, 0.012, 0, 12)], color: oklchToRgb(0.92, 0.01, 90), shade: 0.1 });
        ops.push({ k: 'line', pts: [s * (kneeC - kneeW * 0.3), y - 0.01, s * (kneeC + kneeW * 0.3), y - 0.008], width: 0.004, tone: 1.6 });
      }
    }
  }
  return {
    ops,
    texture: 'denim',
    sheen: 0.15,
    params: { fit, waist: r3(waist), hip: r3(hip), rise: r3(rise), length: r3(length), kneeW: r3(kneeW), hemW: r3(hemW), spread: r3(spread), contrastStitch: !!stitch, ripped, whiskers: whisk },
  };
}

// ---------------------------------------------------------------------------------------------
// Dress

export function drawDress(rng: Rng, ctx: GarmentContext): Drawing {
  const style = rng.pick(['a-line', 'fit-and-flare', 'sheath', 'shift', 'wrap', 'maxi'] as const);
  const top = rng.weighted([
    ['strapless', 1],
    ['spaghetti', 2],
    ['tank', 2],
    ['cap-sleeve', 1.5],
    ['short-sleeve', 2],
    ['long-sleeve', 1.2],
  ] as const);
  const neckline = top === 'strapless' ? 'straight' : rng.pick(['round', 'v', 'square', 'boat'] as const);
  const shoulderW = rng.uniform(0.3, 0.37);
  const bust = shoulderW * rng.uniform(0.88, 0.98);
  const waistW = bust * rng.uniform(0.72, 0.84);
  const waistY = rng.uniform(0.3, 0.36);
  const length =
    style === 'maxi' ? rng.uniform(1.35, 1.5) : rng.weighted([[rng.uniform(0.75, 0.85), 1], [rng.uniform(0.9, 1.05), 2], [rng.uniform(1.1, 1.25), 1.2]]);
  const hemW =
    style === 'sheath'
      ? bust * rng.uniform(1.0, 1.15)
      : style === 'shift'
        ? bust * rng.uniform(1.08, 1.25)
        : style === 'fit-and-flare'
          ? rng.uniform(0.75, 1.0)
          : style === 'maxi'
            ? rng.uniform(0.6, 0.85)
            : rng.uniform(0.55, 0.78);
  const hipY = waistY + 0.12;
  const hipW = style === 'shift' ? bust * 1.02 : Math.min(hemW, bust * 1.05) * (style === 'fit-and-flare' ? 0.98 : 1);
  const waistEff = style === 'shift' ? bust * 0.96 : waistW;
  const topY = top === 'strapless' ? rng.uniform(0.1, 0.14) : 0;
  const neckW = neckline === 'boat' ? shoulderW * 0.75 : shoulderW * rng.uniform(0.42, 0.58);
  const neckD = neckline === 'v' ? rng.uniform(0.12, 0.2) : neckline === 'square' ? rng.uniform(0.07, 0.11) : neckline === 'boat' ? 0.02 : rng.uniform(0.05, 0.09);
  const strapW = top === 'spaghetti' ? 0.012 : top === 'tank' ? rng.uniform(0.03, 0.05) : 0;
  const armpitY = 0.16;
  const ops: Op[] = [];

  // hem: wavy for flared styles
  const waves = style === 'fit-and-flare' || style === 'a-line' || style === 'maxi' ? rng.intBetween(3, 6) : 0;
  const hemPts: number[] = [];
  const hemN = 16;
  for (let i = 0; i <= hemN; i++) {
    const t = i / hemN;
    const x = hemW / 2 - hemW * t;
    const curve = 0.025 * (1 - (2 * t - 1) * (2 * t - 1)) * (hemW / 0.7);
    const wave = waves ? 0.012 * Math.sin(t * Math.PI * 2 * waves) : 0;
    hemPts.push(x, length + curve + wave);
  }

  let outline: Poly;
  if (top === 'strapless') {
    const r = spline([bust / 2, topY, bust / 2 + 0.005, topY + 0.08, waistEff / 2, waistY, hipW / 2, hipY, hemW / 2, length], 6);
    const topEdge = spline([-bust / 2, topY, -bust * 0.25, topY - 0.02, 0, topY + 0.012, bust * 0.25, topY - 0.02, bust / 2, topY], 4);
    outline = [...topEdge, ...r.slice(2), ...hemPts.slice(2), ...mirror(r).slice(2, -2)];
  } else {
    const shX = top === 'spaghetti' || top === 'tank' ? Math.max(neckW / 2 + strapW + 0.005, bust * 0.36) : shoulderW / 2;
    const sideR = spline(
      [shX, 0.015, bust / 2 + 0.004, armpitY, bust / 2, armpitY + 0.05, waistEff / 2, waistY, hipW / 2, hipY, hemW / 2, length],
      6,
    );
    if (top === 'spaghetti' || top === 'tank') {
      // straps rise from the bodice; the bodice top is at the armpit line
      const bodTop = armpitY - 0.05;
      const sR = spline([bust / 2, bodTop, bust / 2, armpitY + 0.05, waistEff / 2, waistY, hipW / 2, hipY, hemW / 2, length], 6);
      const neckR = spline([0, bodTop + neckD * 0.7, neckW * 0.3, bodTop + neckD * 0.2, neckW / 2 + strapW / 2, bodTop - 0.01], 4);
      const rightHalf = [...neckR, bust / 2 - 0.02, bodTop - 0.005, ...sR];
      outline = [...rightHalf, ...hemPts.slice(2, -2), ...mirror(rightHalf)];
      for (const s of [-1, 1]) {
        ops.push({ k: 'fabric', polys: [ribbon([s * (neckW / 2 + strapW / 2), bodTop, s * (neckW / 2 + strapW / 2 - 0.005), 0], strapW, strapW)], tone: 0.95 });
      }
    } else {
      const neckR =
        neckline === 'v'
          ? [0, neckD, neckW / 2, 0]
          : neckline === 'square'
            ? [0, neckD, neckW / 2 - 0.01, neckD, neckW / 2, 0]
            : spline([0, neckD, neckW * 0.35, neckD * 0.75, neckW / 2, 0], 4);
      const rightHalf = [...neckR, ...sideR];
      outline = [...rightHalf, ...hemPts.slice(2, -2), ...mirror(rightHalf)];
    }
  }

  // sleeves
  const sleeves: Poly[] = [];
  if (top === 'cap-sleeve' || top === 'short-sleeve' || top === 'long-sleeve') {
    const len = top === 'cap-sleeve' ? 0.07 : top === 'short-sleeve' ? rng.uniform(0.13, 0.2) : rng.uniform(0.5, 0.6);
    const ang = rng.uniform(0.15, 0.45);
    for (const s of [-1, 1]) {
      const ax = s * shoulderW / 2;
      const dx = s * Math.sin(ang);
      const dy = Math.cos(ang);
      const w0 = 0.12;
      const w1 = top === 'long-sleeve' ? 0.075 : 0.11;
      const ex = ax + dx * len;
      const ey = 0.03 + dy * len;
      // perpendicular
      const px = dy * s;
      const py = -dx * s;
      sleeves.push([ax - 0.005 * s, 0.01, ax + px * w0 * 0.15, 0.03 + py * w0 * 0.15, ex + px * w1 * 0.5, ey + py * w1 * 0.5, ex - px * w1 * 0.5, ey - py * w1 * 0.5, s * bust / 2 - 0.01 * s, armpitY + 0.01]);
    }
  }

  if (ctx.body) {
    const neckTop = -0.12;
    if (top !== 'long-sleeve') {
      const armAng = rng.uniform(0.05, 0.22);
      const armLen = 0.52;
      for (const s of [-1, 1]) {
        ops.push({ k: 'skin', polys: arm(s * (shoulderW / 2 - 0.035), 0.03, s * armAng, armLen, 0.085, rng.chance(0.7)) });
      }
    }
    ops.push({ k: 'skin', polys: neckAndShoulders(0.11, neckTop, 0.0, shoulderW * 1.02, 0.02) });
    const legLen = Math.max(0.15, 1.55 - length);
    for (const s of [-1, 1]) {
      const x0 = s * hipW * 0.22;
      ops.push({ k: 'skin', polys: leg(x0, length - 0.2, x0 + s * rng.uniform(0, 0.03), length + legLen, 0.105, 0.062, legLen > 0.35, s) });
    }
  }

  for (const sl of sleeves) ops.push({ k: 'fabric', polys: [sl], tone: 0.97 });
  ops.push({ k: 'fabric', polys: [outline] });
  if (!ctx.body && top !== 'strapless') {
    // back of the dress visible through the neckline
    const nd = top === 'spaghetti' || top === 'tank' ? armpitY - 0.05 : 0;
    ops.push({ k: 'fabric', polys: [spline([-neckW / 2 + 0.01, nd + 0.003, 0, nd + neckD * 0.45, neckW / 2 - 0.01, nd + 0.003], 4)], tone: 0.62, ao: 0 });
  }
  // neckline edge / waist seam / darts / hem stitch
  ops.push({ k: 'line', pts: outline.slice(0, 20), width: 0.006, tone: 0.7, alpha: 0.7 });
  for (const sl of sleeves) ops.push({ k: 'line', pts: sl.slice(0, 4).concat(sl.slice(-2)), width: 0.006, tone: 0.65, alpha: 0.8 });
  const seamW = style === 'shift' ? 0 : 1;
  if (seamW) ops.push({ k: 'line', pts: spline([-waistEff / 2, waistY, 0, waistY + 0.008, waistEff / 2, waistY], 4), width: 0.007, tone: 0.62 });
  const belt = style !== 'shift' && rng.chance(0.25);
  if (belt) {
    ops.push({ k: 'fabric', polys: [rect(-waistEff / 2 - 0.004, waistY - 0.022, waistEff + 0.008, 0.036)], tone: rng.chance(0.5) ? 0.78 : 1.12, ao: 0.3 });
    if (rng.chance(0.5)) ops.push({ k: 'fabric', polys: [ellipse(waistEff * 0.15, waistY - 0.004, 0.035, 0.022, 0.3, 12)], tone: 0.9, ao: 0.5 });
  }
  for (const s of [-1, 1]) {
    ops.push({ k: 'fold', pts: [s * bust * 0.28, waistY - 0.002, s * bust * 0.26, armpitY + 0.05], width: 0.008, strength: 0.3 });
  }
  const buttons = rng.chance(0.18);
  if (buttons) {
    const bc = buttonColor(rng);
    for (let y = neckD + 0.04; y < waistY - 0.02; y += 0.055) addButton(ops, 0, y, 0.011, bc);
  }
  // skirt folds: radiating from the waist, alternating shadow and highlight
  const nf = style === 'sheath' ? 2 : rng.intBetween(4, 8);
  for (let i = 0; i < nf; i++) {
    const t = (i + 0.5) / nf - 0.5 + rng.normal(0, 0.03);
    const x0 = t * waistEff * 0.9;
    const x1 = t * hemW * 0.95;
    const y1 = length - 0.01;
    ops.push({ k: 'fold', pts: spline([x0, waistY + 0.03, (x0 + x1) / 2 + rng.normal(0, 0.01), (waistY + y1) / 2, x1, y1], 4), width: rng.uniform(0.02, 0.045), strength: i % 2 === 0 ? rng.uniform(0.2, 0.4) : -rng.uniform(0.1, 0.3) });
  }
  if (style === 'wrap') {
    ops.push({ k: 'line', pts: spline([-neckW / 2, 0, -0.02, waistY, hipW * 0.3, hipY, hemW * 0.32, length], 5), width: 0.008, tone: 0.6 });
  }
  // bodice folds under the bust and hem stitch
  ops.push({ k: 'line', pts: hemPts.map((v, i) => (i % 2 ? v - 0.02 : v * 0.98)), width: 0.005, tone: 0.75, alpha: 0.7 });
  return {
    ops,
    texture: rng.pick(['plain', 'plain', 'knit', 'satin'] as const),
    sheen: rng.uniform(0.2, 0.55),
    params: { style, top, neckline, shoulderW: r3(shoulderW), bust: r3(bust), waistW: r3(waistEff), waistY: r3(waistY), length: r3(length), hemW: r3(hemW), belt, buttons, folds: nf },
  };
}

// ---------------------------------------------------------------------------------------------
// Shirt

export function drawShirt(rng: Rng, ctx: GarmentContext): Drawing {
  const fit = rng.pick(['slim', 'regular', 'oversized'] as const);
  const sleeve = rng.weighted([
    ['long', 3],
    ['short', 2],
    ['rolled', 1],
  ] as const);
  const pose = rng.weighted([
    ['worn', 2],
    ['hanging', 1],
    ['flat-lay', 1.2],
  ] as const);
  const shoulderW = { slim: 0.6, regular: 0.66, oversized: 0.76 }[fit] * rng.uniform(0.95, 1.05);
  const chest = shoulderW * rng.uniform(0.9, 0.97);
  const hemW = chest * rng.uniform(0.9, 1.02);
  const length = rng.uniform(0.9, 1.08);
  const neckW = rng.uniform(0.17, 0.2);
  const shoulderY = 0.06;
  const armpitY = rng.uniform(0.27, 0.31);
  const shirttail = rng.chance(0.6);
  const sleeveLen = sleeve === 'long' ? rng.uniform(0.72, 0.82) : sleeve === 'short' ? rng.uniform(0.2, 0.28) : rng.uniform(0.42, 0.5);
  const ang = pose === 'flat-lay' ? rng.uniform(0.6, 1.0) : pose === 'hanging' ? rng.uniform(0.25, 0.45) : rng.uniform(0.18, 0.35);
  const ops: Op[] = [];

  const sideR = spline([shoulderW / 2, shoulderY, chest / 2, armpitY, chest / 2 * rng.uniform(0.93, 1), 0.62, hemW / 2, length - (shirttail ? 0.06 : 0)], 6);
  const hem = shirttail
    ? spline([hemW / 2, length - 0.06, hemW * 0.38, length - 0.075, hemW * 0.2, length - 0.025, 0, length + 0.005], 5)
    : [hemW / 2, length, 0, length];
  const right = [neckW / 2, 0.015, ...sideR, ...hem.slice(2)];
  const torso = [...right, ...mirror(right).slice(2)];

  const sleeves: Poly[] = [];
  const cuffs: Poly[] = [];
  const sleeveEnds: [number, number, number, number][] = [];
  for (const s of [-1, 1]) {
    const ax = (s * shoulderW) / 2;
    const dx = s * Math.sin(ang);
    const dy = Math.cos(ang);
    const w0 = (armpitY - shoulderY) * 1.05 + 0.02;
    const w1 = sleeve === 'long' ? 0.12 : sleeve === 'rolled' ? 0.15 : 0.17;
    const len = sleeveLen;
    const sx = ax + (s * -w0 * 0.5 * Math.cos(ang)) + 0;
    const sy = shoulderY + w0 * 0.5 * Math.sin(ang);
    const ex = sx + dx * len;
    const ey = sy + dy * len;
    const px = dy * s;
    const py = -dx * s;
    sleeves.push([ax, shoulderY - 0.01, ex + (px * w1) / 2, ey + (py * w1) / 2, ex - (px * w1) / 2, ey - (py * w1) / 2, s * chest / 2, armpitY]);
    sleeveEnds.push([ex, ey, px, py]);
    if (sleeve !== 'short') {
      const cl = sleeve === 'rolled' ? 0.07 : 0.06;
      const cw = sleeve === 'rolled' ? w1 * 1.05 : w1 * 0.92;
      cuffs.push([
        ex + (px * cw) / 2 - dx * cl, ey + (py * cw) / 2 - dy * cl,
        ex + (px * cw) / 2, ey + (py * cw) / 2,
        ex - (px * cw) / 2, ey - (py * cw) / 2,
        ex - (px * cw) / 2 - dx * cl, ey - (py * cw) / 2 - dy * cl,
      ]);
    }
  }

  if (ctx.body) {
    ops.push({ k: 'skin', polys: neckAndShoulders(0.12, -0.14, 0.03, neckW * 1.3, 0.05) });
    for (const [ex, ey] of sleeveEnds) {
      const s = ex > 0 ? 1 : -1;
      const armLen = sleeve === 'long' ? 0.02 : sleeve === 'rolled' ? 0.26 : 0.46;
      ops.push({ k: 'skin', polys: arm(ex - s * 0.01, ey - 0.04, s * ang, armLen + 0.04, 0.085, true) });
    }
  }

  for (const sl of sleeves) ops.push({ k: 'fabric', polys: [sl], tone: 0.96 });
  ops.push({ k: 'fabric', polys: [torso] });
  for (const c of cuffs) {
    ops.push({ k: 'fabric', polys: [c], tone: 1.04, ao: 0.4 });
    ops.push({ k: 'line', pts: c, width: 0.006, tone: 0.6, closed: true });
  }
  for (const sl of sleeves) ops.push({ k: 'line', pts: [sl[0]!, sl[1]!, sl[6]!, sl[7]!], width: 0.007, tone: 0.62 });
  // folds: diagonal from the armpits, at the waist, at the elbow
  for (const s of [-1, 1]) {
    for (let i = 0; i < rng.intBetween(1, 3); i++) {
      const y = armpitY + 0.03 + i * 0.06;
      ops.push({ k: 'fold', pts: [s * chest * 0.45, y, s * chest * 0.18, y + rng.uniform(0.08, 0.16)], width: 0.018, strength: rng.uniform(0.2, 0.35) });
    }
    ops.push({ k: 'fold', pts: [s * chest * 0.3, 0.12, s * chest * 0.28, 0.55], width: 0.05, strength: -rng.uniform(0.08, 0.2) });
  }
  if (rng.chance(0.5)) ops.push({ k: 'fold', pts: [-hemW * 0.4, 0.7, 0, 0.68, hemW * 0.4, 0.72], width: 0.02, strength: 0.25 });
  // yoke seam
  if (rng.chance(0.5)) ops.push({ k: 'line', pts: [-shoulderW / 2 + 0.01, shoulderY + 0.06, shoulderW / 2 - 0.01, shoulderY + 0.06], width: 0.005, tone: 0.65, alpha: 0.8 });
  // side seams, hem stitch
  ops.push({ k: 'line', pts: hem.map((v, i) => (i % 2 ? v - 0.015 : v * 0.98)), width: 0.005, tone: 0.68 });
  ops.push({ k: 'line', pts: mirrorNoReverse(hem.map((v, i) => (i % 2 ? v - 0.015 : v * 0.98))), width: 0.005, tone: 0.68 });
  // placket with buttons
  const pw = rng.uniform(0.045, 0.06);
  ops.push({ k: 'line', pts: [-pw / 2, 0.09, -pw / 2, length - 0.01], width: 0.006, tone: 0.6 });
  ops.push({ k: 'line', pts: [pw / 2, 0.09, pw / 2, length - 0.01], width: 0.005, tone: 0.72, alpha: 0.8 });
  const nb = rng.intBetween(5, 7);
  const bc = buttonColor(rng);
  const br = rng.uniform(0.011, 0.015);
  for (let i = 0; i < nb; i++) addButton(ops, 0, 0.1 + ((length - 0.18) * i) / (nb - 1), br, bc);
  // chest pocket(s)
  const pockets = rng.weighted([
    [0, 2],
    [1, 3],
    [2, 1],
  ] as const);
  for (let p = 0; p < pockets; p++) {
    const s = p === 0 ? 1 : -1;
    const px = s * chest * 0.22;
    const pwid = 0.11;
    const pk = [px - pwid / 2, 0.2, px + pwid / 2, 0.2, px + pwid / 2, 0.32, px, 0.34, px - pwid / 2, 0.32];
    ops.push({ k: 'line', pts: pk, width: 0.006, tone: 0.6, closed: true });
    if (rng.chance(0.5)) {
      ops.push({ k: 'line', pts: [px - pwid / 2, 0.225, px + pwid / 2, 0.225], width: 0.005, tone: 0.62 });
      if (bc !== 'tone' || rng.chance(0.5)) addButton(ops, px, 0.215, br * 0.8, bc);
    }
  }
  // collar: stand, back of the neck, two points
  const ptDrop = rng.uniform(0.1, 0.15);
  const ptX = rng.uniform(0.07, 0.11);
  if (!ctx.body) ops.push({ k: 'fabric', polys: [ellipse(0, 0.035, neckW / 2, 0.045, 0, 18)], tone: 0.55, ao: 0 });
  ops.push({ k: 'fabric', polys: [spline([-neckW / 2 - 0.005, 0.03, -neckW * 0.3, -0.03, 0, -0.04, neckW * 0.3, -0.03, neckW / 2 + 0.005, 0.03], 4).concat([neckW / 2, 0.045, -neckW / 2, 0.045])], tone: 1.03, ao: 0.3 });
  for (const s of [-1, 1]) {
    const flap = [s * (neckW / 2 + 0.012), 0.005, s * 0.005, 0.075, s * ptX, ptDrop, s * (neckW / 2 + 0.03), 0.07];
    ops.push({ k: 'fabric', polys: [flap], tone: 1.06, ao: 0.35 });
    ops.push({ k: 'line', pts: flap, width: 0.006, tone: 0.55, closed: true });
  }
  return {
    ops,
    texture: rng.pick(['oxford', 'plain', 'plain', 'knit'] as const),
    sheen: rng.uniform(0.15, 0.35),
    params: { fit, sleeve, pose, shoulderW: r3(shoulderW), chest: r3(chest), length: r3(length), sleeveLength: r3(sleeveLen), sleeveAngle: r3(ang), shirttail, buttons: nb, pockets, collarPoint: r3(ptDrop) },
  };
}

// ---------------------------------------------------------------------------------------------
// Skirt

export function drawSkirt(rng: Rng, ctx: GarmentContext): Drawing {
  const style = rng.pick(['pencil', 'a-line', 'pleated', 'circle', 'tiered', 'wrap'] as const);
  const waist = rng.uniform(0.3, 0.38);
  const wb = rng.uniform(0.035, 0.07);
  const length = rng.weighted([[rng.uniform(0.38, 0.5), 1], [rng.uniform(0.55, 0.75), 2], [rng.uniform(0.8, 1.0), 1]]);
  const hemW =
    waist *
    (style === 'pencil' ? rng.uniform(1.05, 1.2) : style === 'circle' ? rng.uniform(2.3, 2.9) : style === 'a-line' || style === 'wrap' ? rng.uniform(1.5, 2.0) : rng.uniform(1.7, 2.3));
  const hipY = 0.15;
  const hipW = style === 'pencil' ? waist * 1.18 : Math.min(hemW, waist * 1.25);
  const waves = style === 'circle' || style === 'tiered' ? rng.intBetween(3, 6) : 0;
  const hemPts: number[] = [];
  for (let i = 0; i <= 16; i++) {
    const t = i / 16;
    const curve = 0.03 * (1 - (2 * t - 1) ** 2) * (hemW / 0.6);
    const wave = waves ? 0.015 * Math.sin(t * Math.PI * 2 * waves) : 0;
    hemPts.push(hemW / 2 - hemW * t, length + curve + wave);
  }
  const sideR = spline([waist / 2, 0, hipW / 2, hipY, hemW / 2, length], 6);
  const outline = [0, 0, ...sideR, ...hemPts.slice(2, -2), ...mirror(sideR)];
  const ops: Op[] = [];
  if (ctx.body) {
    if (rng.chance(0.6)) {
      ops.push({ k: 'skin', polys: torso(waist, rng.chance(0.5)) });
      ops.push({ k: 'skin', polys: [ellipse(0, -0.1, 0.008, 0.012, 0, 10)], tone: 0.75 });
    }
    for (const s of [-1, 1]) {
      const x0 = s * waist * 0.24;
      ops.push({ k: 'skin', polys: leg(x0, length - 0.2, x0 + s * rng.uniform(-0.01, 0.03), length + 0.55, 0.115, 0.065, true, s) });
    }
  }
  ops.push({ k: 'fabric', polys: [outline] });
  ops.push({ k: 'fabric', polys: [[-waist / 2, 0, waist / 2, 0, waist / 2 + 0.004, wb, -waist / 2 - 0.004, wb]], tone: 1.05, ao: 0.3 });
  ops.push({ k: 'line', pts: [-waist / 2, wb, waist / 2, wb], width: 0.007, tone: 0.6 });
  const nf = style === 'pleated' ? rng.intBetween(8, 14) : style === 'pencil' ? 2 : rng.intBetween(3, 7);
  for (let i = 0; i < nf; i++) {
    const t = (i + 0.5) / nf - 0.5;
    if (style === 'pleated') {
      ops.push({ k: 'line', pts: [t * waist * 0.95, wb, t * hemW * 0.97, length], width: 0.005, tone: 0.55, alpha: 0.8 });
      ops.push({ k: 'fold', pts: [t * waist * 0.95 + 0.01, wb, t * hemW * 0.97 + 0.02, length], width: 0.02, strength: 0.25 });
    } else {
      ops.push({ k: 'fold', pts: spline([t * waist * 0.9, wb + 0.04, t * (hemW + waist) * 0.48, (length + wb) / 2, t * hemW * 0.95, length - 0.01], 4), width: rng.uniform(0.02, 0.04), strength: i % 2 ? rng.uniform(0.2, 0.4) : -rng.uniform(0.1, 0.25) });
    }
  }
  if (style === 'tiered') {
    for (const f of [0.38, 0.68]) {
      const y = wb + (length - wb) * f;
      const wAt = waist + (hemW - waist) * f;
      ops.push({ k: 'line', pts: spline([-wAt / 2, y, 0, y + 0.015, wAt / 2, y], 4), width: 0.007, tone: 0.6 });
    }
  }
  if (style === 'wrap') ops.push({ k: 'line', pts: spline([waist * 0.3, wb, waist * 0.25, length * 0.5, hemW * 0.2, length + 0.02], 4), width: 0.008, tone: 0.6 });
  const buttons = style === 'pencil' || style === 'a-line' ? rng.chance(0.3) : false;
  if (buttons) {
    const bc = buttonColor(rng);
    for (let y = wb * 0.5; y < length * 0.6; y += 0.06) addButton(ops, 0, y, 0.012, bc);
  } else if (rng.chance(0.4)) {
    addButton(ops, waist * 0.3, wb / 2, 0.011, buttonColor(rng));
  }
  ops.push({ k: 'line', pts: hemPts.map((v, i) => (i % 2 ? v - 0.018 : v * 0.98)), width: 0.005, tone: 0.7 });
  return {
    ops,
    texture: rng.pick(['plain', 'knit', 'denim', 'satin', 'plain'] as const),
    sheen: rng.uniform(0.15, 0.5),
    params: { style, waist: r3(waist), waistband: r3(wb), length: r3(length), hemW: r3(hemW), folds: nf, buttons },
  };
}

// ---------------------------------------------------------------------------------------------
// Shoes (side view, x from toe 0 to heel 1, y = 0 on the ground, negative up)

export function drawShoes(rng: Rng, ctx: GarmentContext): Drawing {
  const style = rng.pick(['sneaker', 'boot', 'pump', 'loafer'] as const);
  const pair = rng.chance(0.55);
  const flip = rng.chance(0.5);
  const ops: Op[] = [];
  const soleColor: RGB =
    style === 'sneaker'
      ? rng.pick([neutralColor(rng, 0.9, 0.97), neutralColor(rng, 0.15, 0.25), oklchToRgb(0.62, 0.07, 70)])
      : rng.pick([neutralColor(rng, 0.1, 0.22), oklchToRgb(0.45, 0.05, 65)]);
  const soleT = style === 'sneaker' ? rng.uniform(0.07, 0.11) : style === 'boot' ? rng.uniform(0.05, 0.07) : 0.025;
  const heelH = style === 'pump' ? rng.uniform(0.22, 0.32) : style === 'boot' ? rng.uniform(0.04, 0.1) : 0;

  const one = (ox: number, oy: number, sc: number, tone: number): void => {
    const X = (x: number): number => ox + (flip ? 1 - x : x) * sc;
    const Y = (y: number): number => oy + y * sc;
    const P = (pts: number[]): Poly => pts.map((v, i) => (i % 2 === 0 ? X(v) : Y(v)));
    let upper: number[];
    let sole: number[];
    if (style === 'pump') {
      // foot arches from the toe on the ground up to the raised heel
      const top = heelH + 0.06;
      upper = spline([0, -0.015, 0.03, -0.07, 0.14, -0.1, 0.3, -0.08, 0.55, -heelH * 0.65 - 0.05, 0.82, -top, 0.98, -top - 0.1, 1.0, -heelH - 0.02], 5);
      sole = [...spline([0, 0, 0.15, 0.0, 0.35, -0.01, 0.6, -heelH * 0.6, 0.85, -heelH, 1.0, -heelH], 5), 1.0, -heelH + 0.015, 0.6, -heelH * 0.6 + 0.02, 0.3, 0.012, 0, 0.012];
      ops.push({ k: 'solid', polys: [P([0.84, -heelH, 0.98, -heelH, 0.965, 0, 0.925, 0])], color: soleColor, shade: 0.3 });
      if (ctx.body && rng.chance(0.7)) {
        ops.push({ k: 'skin', polys: [P([0.3, -0.075, 0.56, -heelH * 0.65 - 0.045, 0.72, -top - 0.25, 0.95, -top - 0.35, 0.98, -top - 0.05])] });
      }
      ops.push({ k: 'fabric', polys: [P(upper.concat([0.97, -heelH - 0.02, 0.3, -0.02, 0.0, -0.015]))], tone });
    } else {
      const shaft = style === 'boot' ? rng.uniform(0.45, 0.75) : 0;
      const opening = style === 'loafer' ? 0.2 : style === 'sneaker' ? 0.3 : 0.33;
      upper =
        style === 'boot'
          ? spline([0, -soleT - heelH - 0.01, 0.05, -0.2, 0.3, -0.27, 0.5, -0.38, 0.55, -shaft, 0.93, -shaft - 0.02, 0.95, -0.35, 1.0, -0.12, 1.0, -soleT - heelH], 5)
          : spline([0.0, -soleT - 0.005, 0.04, -soleT - 0.08, 0.2, -0.2, 0.45, -0.26, 0.62, -opening, 0.8, -opening + 0.02, 0.95, -opening - 0.03, 1.0, -0.16, 1.0, -soleT], 5);
      sole = [...spline([-0.01, -soleT - 0.01, 0.1, -soleT, 0.7, -soleT, 1.01, -soleT - 0.005], 4), 1.01, -heelH, 0.7, -heelH, 0.7, 0, 0.1, 0.0, 0.0, -0.02];
      if (ctx.body && style !== 'boot' && rng.chance(0.5)) {
        ops.push({ k: 'skin', polys: [P([0.62, -opening + 0.01, 0.68, -opening - 0.5, 0.92, -opening - 0.5, 0.95, -opening - 0.02])] });
      }
      ops.push({ k: 'fabric', polys: [P(upper)], tone });
      if (style !== 'boot') {
        // inside of the opening
        ops.push({ k: 'fabric', polys: [P(spline([0.6, -opening + 0.005, 0.78, -opening - 0.015, 0.96, -opening - 0.025], 4).concat([0.95, -opening + 0.02, 0.78, -opening + 0.025]))], tone: tone * 0.45, ao: 0 });
      }
    }
    ops.push({ k: 'solid', polys: [P(sole)], color: soleColor, shade: 0.2 });
    ops.push({ k: 'line', pts: P(sole.slice(0, 10)), width: 0.006, tone: 0.5, alpha: 0.7 });
    // details
    if (style === 'sneaker') {
      const lace: RGB = rng.chance(0.6) ? neutralColor(rng, 0.9, 0.97) : neutralColor(rng, 0.1, 0.2);
      for (let i = 0; i < 5; i++) {
        const t = i / 4;
        const [x, y] = lerp2(0.33, -0.22, 0.6, -0.31, t);
        ops.push({ k: 'line', pts: P([x - 0.025, y - 0.02, x + 0.035, y + 0.015]), width: 0.018, color: lace });
      }
      ops.push({ k: 'line', pts: P(spline([0.03, -soleT - 0.06, 0.12, -0.17, 0.25, -0.21], 4)), width: 0.008, tone: 0.6 });
      ops.push({ k: 'line', pts: P(spline([0.35, -soleT - 0.02, 0.55, -0.15, 0.78, -0.24], 4)), width: 0.03, tone: rng.pick([0.7, 1.35]) });
      ops.push({ k: 'fabric', polys: [P([0.93, -0.3, 1.0, -0.33, 1.005, -0.18, 0.95, -0.18])], tone: tone * 0.8, ao: 0.2 });
    } else if (style === 'loafer') {
      ops.push({ k: 'line', pts: P(spline([0.1, -0.1, 0.25, -0.19, 0.45, -0.2], 4)), width: 0.007, tone: 0.55, dash: [0.02, 0.012] });
      ops.push({ k: 'fabric', polys: [P([0.35, -0.22, 0.52, -0.22, 0.54, -0.16, 0.36, -0.15])], tone: tone * 0.85, ao: 0.2 });
    } else if (style === 'boot') {
      ops.push({ k: 'line', pts: P([0.55, -0.3, 0.55, -0.62]), width: 0.008, tone: 0.5 });
      ops.push({ k: 'line', pts: P(spline([0.0, -0.12, 0.2, -0.16, 0.4, -0.17], 4)), width: 0.006, tone: 0.55, dash: [0.02, 0.012] });
    } else {
      ops.push({ k: 'line', pts: P(spline([0.05, -0.08, 0.2, -0.1, 0.35, -0.075], 4)), width: 0.006, tone: 1.3, alpha: 0.6 });
    }
    ops.push({ k: 'fold', pts: P([0.1, -0.14, 0.45, -0.24]), width: 0.06, strength: -0.25 });
  };
  if (pair) one(rng.uniform(0.18, 0.3) * (flip ? -1 : 1), -rng.uniform(0.05, 0.15), 1, 0.85);
  one(0, 0, 1, 1);
  return {
    ops,
    texture: rng.pick(['leather', 'leather', 'canvas', 'plain'] as const),
    sheen: rng.uniform(0.3, 0.7),
    params: { style, pair, facing: flip ? 'right' : 'left', heel: r3(heelH), sole: r3(soleT) },
  };
}

export const DRAWERS: Record<SynthType, (rng: Rng, ctx: GarmentContext) => Drawing> = {
  jeans: drawJeans,
  dress: drawDress,
  shirt: drawShirt,
  shoes: drawShoes,
  skirt: drawSkirt,
};
