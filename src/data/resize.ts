/**
 * Resizing decoded pixels, in plain JS on typed arrays, so that Node and the browser page compute
 * the same input pixels. Node decodes and resizes with sharp (./decode.ts); the page decodes with
 * the browser and resizes here. For the kernels in RESIZE_IN_JS the result is byte for byte
 * what sharp gives (asserted against sharp in ./resize.test.ts):
 *
 *   nearest  libvips 8.1x `vips_resize(kernel=nearest)` as sharp calls it (`resize(1/hshrink,
 *            vscale=1/vshrink)`, hshrink = inWidth / outWidth), per axis:
 *              downsizing: an integer subsample by floor(in / out / gap), gap 2, keeping the
 *              first pixel of each block, then `vips_reduceh`'s centre-convention walk: X starts
 *              at 0.5·shrink − 0.5 − offset and adds `shrink` per output pixel (in doubles, so its
 *              rounding is libvips' own), pixel = trunc(X);
 *              (vips_reducev restarts that walk every 16 output rows, its strip height);
 *              upsizing: `vips_zoom` (pixel replication) when both scales are whole numbers,
 *              else `vips_affine` with the nearest interpolator (a one-pixel input margin,
 *              pixel = trunc(1 + o / scale) − 1: columns step along the row with libvips' own
 *              inverse-matrix doubles, rows are computed directly).
 *            The same doubles in the same order as libvips, which is what makes it exact.
 *            Checked against sharp on thousands of size pairs per axis: every downsizing and
 *            one-axis enlargement matched; when BOTH axes enlarge by fractions, about 5% of size
 *            pairs differ in a few rows that fall exactly on a pixel boundary (libvips' affine
 *            tiling, not reproduced). Photos larger than the network input never take that path.
 *   area     a box filter over each output pixel's footprint (moved here from decode.ts, where
 *            Node applies it to sharp's full-size decode).
 *
 * bilinear, bicubic and lanczos are libvips fixed-point kernels (SIMD paths included) and are not
 * reproduced here; the page says so for models trained with them.
 */
import type { Interpolation } from './decode.js';

/** Kernels reproduced here exactly as Node's decode computes them. */
export const RESIZE_IN_JS: readonly Interpolation[] = ['nearest', 'area'];

/** libvips' reduce gap (vips_resize default), which sets the integer subsample before a nearest reduce. */
const VIPS_GAP = 2.0;

interface AxisPlan { scale: number; step: number; size: number }

/** The integer-subsample part of vips_resize for the nearest kernel on one axis. */
function subsamplePlan(inSize: number, outSize: number): AxisPlan {
  let scale = 1.0 / (inSize / outSize);
  let size = inSize;
  let step = 1;
  if (scale < 1.0) {
    const target = Math.floor(inSize * scale + 0.5);
    const k = Math.max(1, Math.floor(inSize / target / VIPS_GAP));
    if (k > 1) {
      size = Math.floor(inSize / k);
      step = k;
      scale *= k;
    }
  }
  scale = Math.max(scale, 1.0 / size);
  return { scale, step, size };
}

/**
 * vips_reduceh / vips_reducev walk: X = 0.5·shrink − 0.5 − offset, += shrink per output pixel.
 * reduceh tabulates one walk for the whole row; reducev restarts it at the top of every region
 * of 16 output rows (its thin strips), `restart` here.
 */
function reduceIndices(p: AxisPlan, outSize: number, restart: number): Int32Array {
  const shrink = 1.0 / p.scale;
  const width = Math.floor(p.size / shrink + 0.5);
  const extra = width * shrink - p.size;
  const offset = (1 + extra) / 2.0 - 1;
  const idx = new Int32Array(outSize);
  let x = 0;
  for (let o = 0; o < outSize; o++) {
    if (o % restart === 0) x = (o + 0.5) * shrink - 0.5 - offset;
    idx[o] = Math.min(p.size - 1, Math.max(0, Math.trunc(x))) * p.step;
    x += shrink;
  }
  return idx;
}

/**
 * vips_affine with the nearest interpolator, whose input sits in a one-pixel margin. The inverse
 * matrix is computed as libvips does (ia = d / (a·d), `other` being the other axis' scale in the
 * same affine, 1 when only this axis enlarges); columns step by ia along the row, rows are
 * computed directly.
 */
function affineIndices(p: AxisPlan, outSize: number, other: number, axis: 'x' | 'y'): Int32Array {
  const inv = other / (p.scale * other);
  const idx = new Int32Array(outSize);
  let x = 1.0;
  for (let o = 0; o < outSize; o++) {
    const at = axis === 'x' ? x : (1.0 / p.scale) * o + 1.0;
    idx[o] = Math.min(p.size - 1, Math.trunc(at) - 1) * p.step;
    x += inv;
  }
  return idx;
}

function axisIndices(p: AxisPlan, q: AxisPlan, outSize: number, axis: 'x' | 'y', zoom: boolean): Int32Array {
  if (p.scale < 1.0) return reduceIndices(p, outSize, axis === 'x' ? Infinity : 16);
  if (p.scale === 1.0 || zoom) {
    const idx = new Int32Array(outSize);
    const f = Math.floor(p.scale);
    for (let o = 0; o < outSize; o++) idx[o] = Math.min(p.size - 1, Math.floor(o / f)) * p.step;
    return idx;
  }
  return affineIndices(p, outSize, q.scale > 1.0 ? q.scale : 1.0, axis);
}

/**
 * Source columns and rows of sharp's nearest resize (see the module comment).
 * @example const { xs, ys } = nearestIndices(300, 200, 160, 128); // xs[x] = source column of output column x
 */
export function nearestIndices(srcH: number, srcW: number, dstH: number, dstW: number): { xs: Int32Array; ys: Int32Array } {
  const h = subsamplePlan(srcW, dstW);
  const v = subsamplePlan(srcH, dstH);
  // libvips zooms (replicates pixels) when both scales are whole numbers >= 1.
  const zoom = h.scale >= 1 && v.scale >= 1 && h.scale === Math.floor(h.scale) && v.scale === Math.floor(v.scale);
  return { xs: axisIndices(h, v, dstW, 'x', zoom), ys: axisIndices(v, h, dstH, 'y', zoom) };
}

/**
 * Nearest-neighbour resize of interleaved 8-bit pixels with `channels` per pixel (3 or 4), to
 * RGB (the 4th channel is dropped: composite alpha first). Equals sharp's
 * `resize(w, h, { fit: 'fill', kernel: 'nearest' })`.
 * @example const rgb = resizeNearest(rgba, 4, 300, 200, 160, 128);
 */
export function resizeNearest(src: Uint8Array | Uint8ClampedArray, channels: number, srcH: number, srcW: number, dstH: number, dstW: number): Uint8Array {
  const { xs, ys } = nearestIndices(srcH, srcW, dstH, dstW);
  const out = new Uint8Array(dstH * dstW * 3);
  for (let y = 0; y < dstH; y++) {
    const row = (ys[y] as number) * srcW;
    for (let x = 0; x < dstW; x++) {
      const s = (row + (xs[x] as number)) * channels;
      const d = (y * dstW + x) * 3;
      out[d] = src[s] as number;
      out[d + 1] = src[s + 1] as number;
      out[d + 2] = src[s + 2] as number;
    }
  }
  return out;
}

/** For each output index, the input indices it covers and their fractional coverage. */
function areaWeights(inSize: number, outSize: number): { index: Int32Array; weight: Float64Array; start: Int32Array } {
  const scale = inSize / outSize;
  const starts = new Int32Array(outSize + 1);
  const idx: number[] = [];
  const wts: number[] = [];
  for (let o = 0; o < outSize; o++) {
    starts[o] = idx.length;
    const lo = o * scale;
    const hi = (o + 1) * scale;
    for (let i = Math.floor(lo); i < Math.min(inSize, Math.ceil(hi)); i++) {
      const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
      if (overlap > 0) {
        idx.push(i);
        wts.push(overlap / scale);
      }
    }
  }
  starts[outSize] = idx.length;
  return { index: Int32Array.from(idx), weight: Float64Array.from(wts), start: starts };
}

/** Box-filter ("area") resize of HWC RGB, separable: rows first, then columns. */
export function areaResize(src: Uint8Array, srcH: number, srcW: number, dstH: number, dstW: number): Uint8Array {
  const wx = areaWeights(srcW, dstW);
  const wy = areaWeights(srcH, dstH);
  const tmp = new Float32Array(srcH * dstW * 3);
  for (let y = 0; y < srcH; y++) {
    for (let x = 0; x < dstW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = wx.start[x] as number; k < (wx.start[x + 1] as number); k++) {
        const s = (y * srcW + (wx.index[k] as number)) * 3;
        const w = wx.weight[k] as number;
        r += (src[s] as number) * w;
        g += (src[s + 1] as number) * w;
        b += (src[s + 2] as number) * w;
      }
      const d = (y * dstW + x) * 3;
      tmp[d] = r;
      tmp[d + 1] = g;
      tmp[d + 2] = b;
    }
  }
  const out = new Uint8Array(dstH * dstW * 3);
  for (let y = 0; y < dstH; y++) {
    for (let x = 0; x < dstW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = wy.start[y] as number; k < (wy.start[y + 1] as number); k++) {
        const s = ((wy.index[k] as number) * dstW + x) * 3;
        const w = wy.weight[k] as number;
        r += (tmp[s] as number) * w;
        g += (tmp[s + 1] as number) * w;
        b += (tmp[s + 2] as number) * w;
      }
      const d = (y * dstW + x) * 3;
      out[d] = Math.round(r); // weights sum to 1, so 0–255
      out[d + 1] = Math.round(g);
      out[d + 2] = Math.round(b);
    }
  }
  return out;
}

/** Interleaved pixels with `channels` per pixel → RGB with only the colour channels kept. */
export function toRgb(src: Uint8Array | Uint8ClampedArray, channels: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    out[p * 3] = src[p * channels] as number;
    out[p * 3 + 1] = src[p * channels + 1] as number;
    out[p * 3 + 2] = src[p * channels + 2] as number;
  }
  return out;
}

/**
 * Full-size decoded pixels (opaque, `channels` per pixel) → the network's RGB input size, with
 * the model's kernel; null when that kernel is not in RESIZE_IN_JS.
 * @example const rgb = resizePixels(imageData.data, 4, img.height, img.width, 160, 128, 'nearest');
 */
export function resizePixels(src: Uint8Array | Uint8ClampedArray, channels: number, srcH: number, srcW: number, dstH: number, dstW: number, interpolation: Interpolation): Uint8Array | null {
  if (interpolation === 'nearest') return resizeNearest(src, channels, srcH, srcW, dstH, dstW);
  if (interpolation === 'area') return areaResize(channels === 3 ? new Uint8Array(src.buffer, src.byteOffset, src.length) : toRgb(src, channels, srcH * srcW), srcH, srcW, dstH, dstW);
  return null;
}
