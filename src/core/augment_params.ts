/**
 * The augmentation settings as configuration: their schema, the notebook's values and their
 * validation. Plain data, so the defaults (./defaults.ts) can hold them; the sampling and the
 * resampling that use them are ../data/augment.ts (which cites the Keras 2.1.6 source).
 */
import { fail } from './errors.js';

export type FillMode = 'nearest' | 'constant';

export interface AugmentParams {
  /** Degrees; θ ~ U(−r, r). */
  rotationRange: number;
  /** < 1: fraction of the width; ≥ 1: pixels. Shifts along columns (ty). */
  widthShiftRange: number;
  /** < 1: fraction of the height; ≥ 1: pixels. Shifts along rows (tx). */
  heightShiftRange: number;
  /** Degrees (Keras ≥ 2.1.3). */
  shearRange: number;
  /** z → [1 − z, 1 + z], or an explicit [lo, hi]. zx and zy are drawn independently. */
  zoomRange: number | readonly [number, number];
  horizontalFlip: boolean;
  verticalFlip: boolean;
  fillMode: FillMode;
  /** Fill value for fillMode 'constant' (in pixel units, 0–255). */
  cval: number;
  /** 1 = bilinear (Keras 2.1.3 – 2.2, the notebook's), 0 = nearest (Keras ≤ 2.1.2). */
  interpolationOrder: 0 | 1;
  /** Centre used by transform_matrix_offset_center: size/2 + centerOffset. Keras 2.1.6: +0.5. */
  centerOffset: number;
}

/** The notebook's `ImageDataGenerator(...)` settings, on Keras 2.1.6. */
export const NOTEBOOK_AUGMENT: Readonly<AugmentParams> = Object.freeze({
  rotationRange: 10,
  widthShiftRange: 0.2,
  heightShiftRange: 0.2,
  shearRange: 0.1,
  zoomRange: 0.2,
  horizontalFlip: true,
  verticalFlip: false,
  fillMode: 'nearest',
  cval: 0,
  interpolationOrder: 1,
  centerOffset: 0.5,
});

/** Every transformation off; rendering settings as Keras 2.1.6. */
export const NO_AUGMENT: Readonly<AugmentParams> = Object.freeze({
  rotationRange: 0,
  widthShiftRange: 0,
  heightShiftRange: 0,
  shearRange: 0,
  zoomRange: 0,
  horizontalFlip: false,
  verticalFlip: false,
  fillMode: 'nearest',
  cval: 0,
  interpolationOrder: 1,
  centerOffset: 0.5,
});

/** Fill in missing fields with "off" (NO_AUGMENT) and check every value. */
export function resolveAugment(params: Partial<AugmentParams>): AugmentParams {
  const p: AugmentParams = { ...NO_AUGMENT, ...params };
  const nonNegative = ['rotationRange', 'widthShiftRange', 'heightShiftRange', 'shearRange'] as const;
  for (const key of nonNegative) {
    const v = p[key];
    if (!(Number.isFinite(v) && v >= 0)) {
      fail('E_CONFIG', `augment ${key} ${v} is not valid; use a number ≥ 0 (0 turns it off)`);
    }
  }
  const [lo, hi] = zoomBounds(p.zoomRange);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo > 0 && lo <= hi)) {
    fail('E_CONFIG', `augment zoomRange ${JSON.stringify(p.zoomRange)} is not valid; use z in [0, 1) or [lo, hi] with 0 < lo ≤ hi`);
  }
  if (p.interpolationOrder !== 0 && p.interpolationOrder !== 1) {
    fail('E_CONFIG', `augment interpolationOrder ${String(p.interpolationOrder)} is not valid; use 0 (nearest) or 1 (bilinear)`);
  }
  if (p.fillMode !== 'nearest' && p.fillMode !== 'constant') {
    fail('E_CONFIG', `augment fillMode "${String(p.fillMode)}" is not supported; use nearest or constant`);
  }
  return p;
}

export function zoomBounds(z: number | readonly [number, number]): [number, number] {
  return typeof z === 'number' ? [1 - z, 1 + z] : [z[0], z[1]];
}

/** Draw one image's transform, consuming random numbers in Keras 2.1.6's order. */
