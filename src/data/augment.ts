/**
 * Data augmentation: Keras `ImageDataGenerator.random_transform` as it was in Keras 2.1.6, the
 * version the notebook ran (its output prints `2.1.6`), with the notebook's settings in
 * NOTEBOOK_AUGMENT (rotation_range=10, width/height_shift_range=0.2, shear_range=0.1,
 * zoom_range=0.2, horizontal_flip=True, fill_mode='nearest').
 *
 * Split in two so each half is testable and the training loop can log what was drawn:
 *   sampleTransform(rng, params, h, w) → Transform   (the random draws, plain data)
 *   applyTransform(src, h, w, t, out?) → Float32Array (the resampling, deterministic)
 *
 * The Keras 2.1.6 procedure reproduced here (keras/preprocessing/image.py):
 *   draws, in this order, each only if its range is non-zero:
 *     theta ~ U(−rotation_range, rotation_range)                 degrees
 *     tx    ~ U(−height_shift_range, height_shift_range) · h     ROWS (if the range is < 1)
 *     ty    ~ U(−width_shift_range,  width_shift_range)  · w     COLUMNS
 *     shear ~ U(−shear_range, shear_range)                       degrees (since Keras 2.1.3,
 *                                                                keras PR #8868; radians before)
 *     zx, zy ~ U(zoom_lo, zoom_hi), two draws, zx first          zx scales rows, zy columns
 *     flip  = U(0,1) < 0.5 if horizontal_flip, then vflip the same way if vertical_flip
 *   M = rotation · shift · shear · zoom (numpy `np.dot` in that order), where
 *     rotation = [[cos θ, −sin θ, 0], [sin θ, cos θ, 0], [0, 0, 1]]
 *     shift    = [[1, 0, tx], [0, 1, ty], [0, 0, 1]]
 *     shear    = [[1, −sin s, 0], [0, cos s, 0], [0, 0, 1]]
 *     zoom     = [[zx, 0, 0], [0, zy, 0], [0, 0, 1]]
 *   `transform_matrix_offset_center(M, h, w)`: T = offset · M · reset with o_row = h/2 + 0.5,
 *     o_col = w/2 + 0.5 (Keras 2.1.6; later keras-preprocessing uses − 0.5, the true centre of
 *     the pixel grid — set `centerOffset: -0.5` for that).
 *   scipy `ndi.affine_transform(channel, T[:2,:2], T[:2,2], order=1, mode=fill_mode)` per
 *     channel: output pixel (r, c) samples the input at T · (r, c, 1) — T maps OUTPUT to INPUT
 *     coordinates, so a positive tx moves content UP and zx > 1 zooms OUT.
 *   Then the flip (`flip_axis` on columns) is applied to the transformed image.
 *
 * Interpolation order: Keras ≤ 2.1.2 passed order=0 (nearest) to affine_transform; keras PR
 * #8849 "Change interpolation in apply_transform() from nearest to bilinear" (merged Dec 2017,
 * released in 2.1.3) made it order=1, and it stayed hard-coded at 1 until keras-preprocessing
 * added `interpolation_order` (PR #24, July 2018, default 1). So the notebook's Keras 2.1.6
 * used BILINEAR; NOTEBOOK_AUGMENT has interpolationOrder 1, and 0 is available.
 * Edge handling follows scipy's 'nearest' mode: the sample coordinate is clamped to
 * [0, size − 1] on each axis before interpolating; order 0 rounds half up (floor(x + 0.5)).
 *
 * Not reproduced: numpy's random stream (we use rng.ts, so the same seed gives different
 * draws than Keras), channel_shift_range, brightness_range, 'reflect' and 'wrap' fill modes.
 * The transform runs on 0–255 values before preprocessing, as Keras does (transform, then
 * `standardize`).
 */
import { fail } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { NO_AUGMENT, NOTEBOOK_AUGMENT, resolveAugment, zoomBounds, type AugmentParams, type FillMode } from '../core/augment_params.js';

export { NO_AUGMENT, NOTEBOOK_AUGMENT, resolveAugment, type AugmentParams, type FillMode };

/** One image's augmentation, as drawn by sampleTransform. Plain data (JSON-serialisable). */
export interface Transform {
  /** Rotation, degrees. */
  theta: number;
  /** Shift along rows (height), pixels; positive moves content up. */
  tx: number;
  /** Shift along columns (width), pixels; positive moves content left. */
  ty: number;
  /** Shear, degrees. */
  shear: number;
  /** Zoom along rows; > 1 shrinks the content (zooms out). */
  zx: number;
  /** Zoom along columns. */
  zy: number;
  /** Mirror left–right, after the affine part. */
  flip: boolean;
  /** Mirror top–bottom, after the affine part. Default false. */
  vflip?: boolean;
  /** Default 1 (bilinear). */
  order?: 0 | 1;
  /** Default 'nearest'. */
  fillMode?: FillMode;
  /** Default 0. */
  cval?: number;
  /** Default +0.5 (Keras 2.1.6). */
  centerOffset?: number;
}

export const IDENTITY_TRANSFORM: Readonly<Transform> = Object.freeze({
  theta: 0, tx: 0, ty: 0, shear: 0, zx: 1, zy: 1, flip: false,
});

export function sampleTransform(rng: Rng, params: Partial<AugmentParams>, height: number, width: number): Transform {
  const p = resolveAugment(params);
  const theta = p.rotationRange ? rng.uniform(-p.rotationRange, p.rotationRange) : 0;
  let tx = 0;
  if (p.heightShiftRange) {
    tx = rng.uniform(-p.heightShiftRange, p.heightShiftRange);
    if (p.heightShiftRange < 1) tx *= height;
  }
  let ty = 0;
  if (p.widthShiftRange) {
    ty = rng.uniform(-p.widthShiftRange, p.widthShiftRange);
    if (p.widthShiftRange < 1) ty *= width;
  }
  const shear = p.shearRange ? rng.uniform(-p.shearRange, p.shearRange) : 0;
  const [zlo, zhi] = zoomBounds(p.zoomRange);
  let zx = 1;
  let zy = 1;
  if (!(zlo === 1 && zhi === 1)) {
    zx = rng.uniform(zlo, zhi);
    zy = rng.uniform(zlo, zhi);
  }
  const flip = p.horizontalFlip ? rng.next() < 0.5 : false;
  const t: Transform = { theta, tx, ty, shear, zx, zy, flip };
  if (p.verticalFlip) t.vflip = rng.next() < 0.5;
  t.order = p.interpolationOrder;
  t.fillMode = p.fillMode;
  t.cval = p.cval;
  t.centerOffset = p.centerOffset;
  return t;
}

/** A 3×3 matrix, row-major. */
export type M3 = [number, number, number, number, number, number, number, number, number];

function dot(a: M3, b: M3): M3 {
  const m = new Array<number>(9) as M3;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      m[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
    }
  }
  return m;
}

const DEG = Math.PI / 180;

/**
 * The 3×3 output→input matrix Keras would hand to scipy (after offset-to-centre), or null when
 * Keras would skip the affine step (every component at its identity value).
 */
export function transformMatrix(t: Transform, height: number, width: number): M3 | null {
  let m: M3 | null = null;
  if (t.theta !== 0) {
    const th = t.theta * DEG;
    m = [Math.cos(th), -Math.sin(th), 0, Math.sin(th), Math.cos(th), 0, 0, 0, 1];
  }
  if (t.tx !== 0 || t.ty !== 0) {
    const s: M3 = [1, 0, t.tx, 0, 1, t.ty, 0, 0, 1];
    m = m ? dot(m, s) : s;
  }
  if (t.shear !== 0) {
    const sh = t.shear * DEG;
    const s: M3 = [1, -Math.sin(sh), 0, 0, Math.cos(sh), 0, 0, 0, 1];
    m = m ? dot(m, s) : s;
  }
  if (t.zx !== 1 || t.zy !== 1) {
    const z: M3 = [t.zx, 0, 0, 0, t.zy, 0, 0, 0, 1];
    m = m ? dot(m, z) : z;
  }
  if (!m) return null;
  const off = t.centerOffset ?? 0.5;
  const ox = height / 2 + off;
  const oy = width / 2 + off;
  return dot(dot([1, 0, ox, 0, 1, oy, 0, 0, 1], m), [1, 0, -ox, 0, 1, -oy, 0, 0, 1]);
}

/**
 * Apply a transform to an HWC, 3-channel image of height × width. Returns float pixel values in
 * the input's units (not rounded, as Keras returns float32). `out` must not alias `src`.
 */
export function applyTransform(
  src: Uint8Array | Float32Array,
  height: number,
  width: number,
  t: Transform,
  out?: Float32Array,
): Float32Array {
  const n = height * width * 3;
  if (src.length !== n) {
    fail('E_CONFIG', `applyTransform: image has ${src.length} values but ${height}x${width}x3 needs ${n}`);
  }
  const y = out ?? new Float32Array(n);
  if (y.length !== n) fail('E_CONFIG', `applyTransform: output has ${y.length} values but ${height}x${width}x3 needs ${n}`);
  if ((y as unknown) === (src as unknown)) fail('E_CONFIG', 'applyTransform: out must be a different buffer from src');

  const flipC = t.flip;
  const flipR = t.vflip ?? false;
  const m = transformMatrix(t, height, width);

  if (!m) {
    for (let r = 0; r < height; r++) {
      const sr = flipR ? height - 1 - r : r;
      for (let c = 0; c < width; c++) {
        const sc = flipC ? width - 1 - c : c;
        const s = (sr * width + sc) * 3;
        const d = (r * width + c) * 3;
        y[d] = src[s]!;
        y[d + 1] = src[s + 1]!;
        y[d + 2] = src[s + 2]!;
      }
    }
    return y;
  }

  const [m00, m01, m02, m10, m11, m12] = m;
  const order = t.order ?? 1;
  const constant = (t.fillMode ?? 'nearest') === 'constant';
  const cval = t.cval ?? 0;
  const maxR = height - 1;
  const maxC = width - 1;

  for (let r = 0; r < height; r++) {
    // The flip happens after the affine step, so output (r, c) is affine output (ar, ac).
    const ar = flipR ? maxR - r : r;
    for (let c = 0; c < width; c++) {
      const ac = flipC ? maxC - c : c;
      let cr = m00 * ar + m01 * ac + m02;
      let cc = m10 * ar + m11 * ac + m12;
      const d = (r * width + c) * 3;
      if (constant) {
        if (cr < 0 || cr > maxR || cc < 0 || cc > maxC) {
          y[d] = cval;
          y[d + 1] = cval;
          y[d + 2] = cval;
          continue;
        }
      } else {
        cr = cr < 0 ? 0 : cr > maxR ? maxR : cr;
        cc = cc < 0 ? 0 : cc > maxC ? maxC : cc;
      }
      if (order === 0) {
        const sr = Math.min(maxR, Math.floor(cr + 0.5));
        const sc = Math.min(maxC, Math.floor(cc + 0.5));
        const s = (sr * width + sc) * 3;
        y[d] = src[s]!;
        y[d + 1] = src[s + 1]!;
        y[d + 2] = src[s + 2]!;
      } else {
        const r0 = Math.floor(cr);
        const c0 = Math.floor(cc);
        const fr = cr - r0;
        const fc = cc - c0;
        const r1 = r0 < maxR ? r0 + 1 : maxR;
        const c1 = c0 < maxC ? c0 + 1 : maxC;
        const w00 = (1 - fr) * (1 - fc);
        const w01 = (1 - fr) * fc;
        const w10 = fr * (1 - fc);
        const w11 = fr * fc;
        const s00 = (r0 * width + c0) * 3;
        const s01 = (r0 * width + c1) * 3;
        const s10 = (r1 * width + c0) * 3;
        const s11 = (r1 * width + c1) * 3;
        for (let k = 0; k < 3; k++) {
          y[d + k] = w00 * src[s00 + k]! + w01 * src[s01 + k]! + w10 * src[s10 + k]! + w11 * src[s11 + k]!;
        }
      }
    }
  }
  return y;
}
