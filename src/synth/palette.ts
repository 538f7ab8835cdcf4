/**
 * Colour names, their ranges in OKLCH (a perceptual space), lighting casts, and the hue bands
 * that backdrops and clutter must stay out of.
 */
import type { Rng } from '../core/rng.js';
import type { RGB } from './raster.js';

export const ALL_COLORS = ['black', 'blue', 'red', 'white', 'green'] as const;
export type SynthColor = (typeof ALL_COLORS)[number];

/** OKLCH anchor: lightness 0..1, chroma, hue in degrees. */
export type Lch = readonly [number, number, number];

/**
 * Each colour is a path of named shades from dark to light; a sample picks a point between two
 * neighbouring anchors and jitters it, so the colour is a range, not a value.
 */
export const COLOR_RANGES: Record<SynthColor, readonly { name: string; lch: Lch }[]> = {
  black: [
    { name: 'true black', lch: [0.13, 0.004, 260] },
    { name: 'soft black', lch: [0.2, 0.008, 280] },
    { name: 'jet', lch: [0.24, 0.006, 60] },
    { name: 'charcoal', lch: [0.31, 0.01, 250] },
  ],
  blue: [
    { name: 'navy', lch: [0.3, 0.095, 266] },
    { name: 'dark denim', lch: [0.39, 0.09, 258] },
    { name: 'royal', lch: [0.47, 0.17, 265] },
    { name: 'denim', lch: [0.55, 0.09, 250] },
    { name: 'cornflower', lch: [0.65, 0.12, 258] },
    { name: 'light blue', lch: [0.78, 0.08, 240] },
    { name: 'sky', lch: [0.83, 0.06, 232] },
  ],
  red: [
    { name: 'maroon', lch: [0.35, 0.12, 20] },
    { name: 'burgundy', lch: [0.42, 0.15, 12] },
    { name: 'crimson', lch: [0.51, 0.19, 22] },
    { name: 'brick', lch: [0.5, 0.15, 28] },
    { name: 'true red', lch: [0.58, 0.22, 25] },
    { name: 'bright red', lch: [0.63, 0.24, 26] },
  ],
  white: [
    { name: 'off-white', lch: [0.9, 0.012, 85] },
    { name: 'ivory', lch: [0.94, 0.018, 95] },
    { name: 'pure white', lch: [0.97, 0.003, 250] },
    { name: 'cool white', lch: [0.95, 0.008, 240] },
  ],
  green: [
    { name: 'forest', lch: [0.37, 0.085, 152] },
    { name: 'bottle', lch: [0.45, 0.11, 160] },
    { name: 'olive', lch: [0.5, 0.1, 125] },
    { name: 'kelly', lch: [0.6, 0.16, 145] },
    { name: 'sage', lch: [0.68, 0.06, 140] },
    { name: 'mint', lch: [0.84, 0.08, 160] },
  ],
};

/** Hue bands (OKLCH degrees) that the target colours occupy; backdrops never use these. */
export const TARGET_HUE_BANDS: readonly (readonly [number, number])[] = [
  [345, 360],
  [0, 48], // reds
  [110, 172], // greens
  [215, 285], // blues
];

/** Hue bands allowed for coloured backdrops and clutter (yellows/mustards, purples/lilacs). */
export const BACKDROP_HUE_BANDS: readonly (readonly [number, number])[] = [
  [86, 106],
  [298, 326],
];

export function hueIsTarget(h: number): boolean {
  const hh = ((h % 360) + 360) % 360;
  return TARGET_HUE_BANDS.some(([a, b]) => hh >= a && hh <= b);
}

const DEG = Math.PI / 180;

function toGamma(c: number): number {
  return c <= 0.0031308 ? 12.92 * c : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
}

function toLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

function oklabToLinear(L: number, a: number, b: number): RGB {
  const l_ = L + 0.3963377774 * a + 0.2158037573 * b;
  const m_ = L - 0.1055613458 * a - 0.0638541728 * b;
  const s_ = L - 0.0894841775 * a - 1.291485548 * b;
  const l = l_ * l_ * l_;
  const m = m_ * m_ * m_;
  const s = s_ * s_ * s_;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

/** OKLCH → sRGB in [0, 1]; chroma is reduced until the colour is inside the sRGB gamut. */
export function oklchToRgb(L: number, C: number, hDeg: number): RGB {
  const ca = Math.cos(hDeg * DEG);
  const sa = Math.sin(hDeg * DEG);
  const inGamut = (c: number): RGB | null => {
    const lin = oklabToLinear(L, c * ca, c * sa);
    if (lin.some((v) => v < -1e-4 || v > 1.0001)) return null;
    return lin;
  };
  let lin = inGamut(C);
  if (!lin) {
    let lo = 0;
    let hi = C;
    for (let i = 0; i < 16; i++) {
      const mid = (lo + hi) / 2;
      if (inGamut(mid)) lo = mid;
      else hi = mid;
    }
    lin = inGamut(lo) ?? oklabToLinear(L, 0, 0);
  }
  return [
    toGamma(Math.min(1, Math.max(0, lin[0]))),
    toGamma(Math.min(1, Math.max(0, lin[1]))),
    toGamma(Math.min(1, Math.max(0, lin[2]))),
  ];
}

/** sRGB in [0, 1] → OKLCH [L, C, hue°]. */
export function rgbToOklch(rgb: readonly number[]): [number, number, number] {
  const r = toLinear(rgb[0]!);
  const g = toLinear(rgb[1]!);
  const b = toLinear(rgb[2]!);
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  const L = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  const A = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  const B = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
  const C = Math.sqrt(A * A + B * B);
  let h = Math.atan2(B, A) / DEG;
  if (h < 0) h += 360;
  return [L, C, h];
}

export interface GarmentColor {
  /** The anchor nearest to the sample, e.g. "navy". */
  shade: string;
  lch: [number, number, number];
  rgb: RGB;
}

/** Samples a garment colour from the named range. */
export function sampleGarmentColor(rng: Rng, color: SynthColor): GarmentColor {
  const anchors = COLOR_RANGES[color];
  const i = rng.intBetween(0, anchors.length - 2);
  const t = rng.next();
  const a = anchors[i]!.lch;
  const b = anchors[i + 1]!.lch;
  let dh = b[2] - a[2];
  if (dh > 180) dh -= 360;
  if (dh < -180) dh += 360;
  const L = clampRange(a[0] + (b[0] - a[0]) * t + rng.normal(0, 0.015), 0.08, 0.985);
  const C = Math.max(0, (a[1] + (b[1] - a[1]) * t) * rng.uniform(0.85, 1.12));
  const h = (a[2] + dh * t + rng.normal(0, 3) + 360) % 360;
  return { shade: (t < 0.5 ? anchors[i] : anchors[i + 1])!.name, lch: [L, C, h], rgb: oklchToRgb(L, C, h) };
}

/** Skin tone from very light to very dark. */
export function sampleSkin(rng: Rng): RGB {
  const L = rng.uniform(0.42, 0.86);
  const C = rng.uniform(0.045, 0.085) * (L < 0.55 ? 0.85 : 1);
  const h = rng.uniform(45, 68);
  return oklchToRgb(L, C, h);
}

/** A colour whose hue is in a backdrop band (or is neutral), with the given lightness range. */
export function sampleBackdropHue(rng: Rng, Lr: readonly [number, number], Cr: readonly [number, number]): RGB {
  const [lo, hi] = rng.pick(BACKDROP_HUE_BANDS);
  return oklchToRgb(rng.uniform(Lr[0], Lr[1]), rng.uniform(Cr[0], Cr[1]), rng.uniform(lo, hi));
}

/** Lighting: overall brightness and a mild warm (>0) or cool (<0) cast. */
export interface Lighting {
  brightness: number;
  warmth: number;
  /** Direction the key light comes from, radians in image space. */
  angle: number;
  /** Strength of the key-light gradient across the garment. */
  contrast: number;
}

export function sampleLighting(rng: Rng): Lighting {
  return {
    brightness: rng.uniform(0.8, 1.12),
    warmth: rng.uniform(-1, 1),
    angle: rng.uniform(-Math.PI, Math.PI),
    contrast: rng.uniform(0.05, 0.25),
  };
}

/** Per-channel multipliers for a lighting cast. */
export function castMultipliers(l: Lighting): RGB {
  const w = l.warmth * 0.055;
  return [l.brightness * (1 + w), l.brightness * (1 + w * 0.15), l.brightness * (1 - w)];
}

function clampRange(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

// ---------------------------------------------------------------------------------------------
// The pretraining catalog's colours: the whole colour space minus the demo's colour words.

/**
 * The neighbourhood of each colour word, as the ranges above define it plus a margin: a hue band
 * (OKLCH degrees) at chroma ≥ `minChroma`, or for black (a lightness, not a hue) every dark,
 * nearly neutral colour. Catalog colours (`sampleCatalogColor`) stay out of the neighbourhoods
 * of the colours a demo asks about, so a base pretrained on the catalog has never seen them.
 * Margins: 10° of hue beyond TARGET_HUE_BANDS (reds 345–48°, blues 215–285°), lightness 0.07
 * above charcoal (0.31), chroma 0.02 below the palest blue (sky 0.06 × 0.85).
 */
export const COLOR_NEIGHBOURHOODS: Record<SynthColor, { hues?: readonly (readonly [number, number])[]; minChroma?: number; maxL?: number; maxChroma?: number; minL?: number }> = {
  black: { maxL: 0.38, maxChroma: 0.05 },
  blue: { hues: [[205, 295]], minChroma: 0.03 },
  red: { hues: [[335, 360], [0, 58]], minChroma: 0.03 },
  white: { minL: 0.86, maxChroma: 0.04 },
  green: { hues: [[100, 182]], minChroma: 0.03 },
};

/** Whether an OKLCH colour lies in the neighbourhood of any of the given colour words. */
export function inNeighbourhood(lch: readonly number[], colors: readonly SynthColor[]): boolean {
  const [L, C, h] = lch as [number, number, number];
  const hh = ((h % 360) + 360) % 360;
  return colors.some((name) => {
    const n = COLOR_NEIGHBOURHOODS[name];
    if (n.hues) return C >= (n.minChroma ?? 0) && n.hues.some(([a, b]) => hh >= a && hh <= b);
    return (n.maxL === undefined || L <= n.maxL) && (n.minL === undefined || L >= n.minL) && C <= (n.maxChroma ?? Infinity);
  });
}

/** The demo's colour words: what the pretraining catalog never shows. */
export const CATALOG_EXCLUDED_COLORS: readonly SynthColor[] = ['black', 'blue', 'red'];

/**
 * A garment colour from the whole OKLCH space (lightness 0.2–0.95, chroma 0–0.2, any hue) outside
 * the neighbourhoods of `exclude`, by rejection: oranges, yellows, greens, teals, purples,
 * pinks, browns, greys, whites and dark non-neutral shades. The sRGB gamut clip can pull an
 * accepted colour's chroma down; the clipped colour is checked again.
 */
export function sampleCatalogColor(rng: Rng, exclude: readonly SynthColor[] = CATALOG_EXCLUDED_COLORS): GarmentColor {
  for (;;) {
    const L = rng.uniform(0.2, 0.95);
    const C = rng.chance(0.2) ? rng.uniform(0, 0.03) : rng.uniform(0.03, 0.2);
    const h = rng.uniform(0, 360);
    if (inNeighbourhood([L, C, h], exclude)) continue;
    const rgb = oklchToRgb(L, C, h);
    const real = rgbToOklch(rgb);
    if (inNeighbourhood(real, exclude)) continue;
    return { shade: 'catalog', lch: [L, C, h], rgb };
  }
}
