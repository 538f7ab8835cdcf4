/**
 * The one place where pixel values (0–255, HWC, RGB) become network input.
 *   rescale: x / 255                                    — the notebook (`ImageDataGenerator(rescale=1./255)`)
 *   caffe:   RGB → BGR, then subtract the ImageNet mean [103.939, 116.779, 123.68] (B, G, R),
 *            no scaling — Keras `preprocess_input` for VGG16/VGG19/ResNet50
 *   tf:      x / 127.5 − 1, i.e. [−1, 1]                 — Keras `preprocess_input` for MobileNet/Inception
 * Inference must use the same mode as training; the mode is saved with the model elsewhere.
 */
import { fail } from '../core/errors.js';
import { PREPROCESS_MODES, type PreprocessMode } from '../core/defaults.js';

export { PREPROCESS_MODES, type PreprocessMode };



/** ImageNet channel means in BGR order, as Keras' `preprocess_input(mode='caffe')` uses them. */
export const CAFFE_MEAN_BGR: readonly [number, number, number] = [103.939, 116.779, 123.68];

function checkLength(n: number, what: string): void {
  if (n % 3 !== 0) fail('E_CONFIG', `${what}: ${n} values is not a whole number of RGB pixels (need a multiple of 3)`);
}

function outputFor(n: number, out: Float32Array | undefined, what: string): Float32Array {
  if (!out) return new Float32Array(n);
  if (out.length !== n) fail('E_CONFIG', `${what}: output has ${out.length} values but the input has ${n}`);
  return out;
}

/**
 * Turn HWC RGB pixels into network input. `out` may be the input itself (in-place) when the
 * input is a Float32Array, or a subarray of a batch buffer.
 */
export function preprocess(pixels: Uint8Array | Float32Array, mode: PreprocessMode, out?: Float32Array, layout: 'nhwc' | 'nchw' = 'nhwc'): Float32Array {
  if (layout === 'nchw') return toPlanar(preprocess(pixels, mode, undefined, 'nhwc'), out);
  const n = pixels.length;
  checkLength(n, 'preprocess');
  const y = outputFor(n, out, 'preprocess');
  switch (mode) {
    case 'rescale':
      // Multiply by 1/255 as Keras does (`x *= self.rescale`).
      for (let i = 0; i < n; i++) y[i] = (pixels[i] as number) * (1 / 255);
      return y;
    case 'tf':
      for (let i = 0; i < n; i++) y[i] = (pixels[i] as number) / 127.5 - 1;
      return y;
    case 'caffe': {
      const [mb, mg, mr] = CAFFE_MEAN_BGR;
      for (let i = 0; i < n; i += 3) {
        const r = pixels[i] as number;
        const g = pixels[i + 1] as number;
        const b = pixels[i + 2] as number;
        y[i] = b - mb;
        y[i + 1] = g - mg;
        y[i + 2] = r - mr;
      }
      return y;
    }
    default:
      return fail('E_CONFIG', `preprocess mode "${String(mode)}" is unknown; use one of ${PREPROCESS_MODES.join(', ')}`);
  }
}

/** HWC (interleaved) → CHW (planar), for 3-channel pixels; what channels-first engines take. */
export function toPlanar(hwc: Float32Array, out?: Float32Array): Float32Array {
  const n = hwc.length;
  checkLength(n, 'toPlanar');
  const y = outputFor(n, out, 'toPlanar');
  const plane = n / 3;
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    y[p] = hwc[i];
    y[plane + p] = hwc[i + 1];
    y[2 * plane + p] = hwc[i + 2];
  }
  return y;
}

/**
 * Luma (ITU-R 601: 0.299 R + 0.587 G + 0.114 B, as PIL's `convert('L')` before rounding) written
 * to all three channels, so a grayscale branch keeps the 3-channel input shape. Values stay in
 * the input's range (0–255 for pixels); apply `preprocess` afterwards.
 */
export function toGray(pixels: Uint8Array | Float32Array, out?: Float32Array): Float32Array {
  const n = pixels.length;
  checkLength(n, 'toGray');
  const y = outputFor(n, out, 'toGray');
  for (let i = 0; i < n; i += 3) {
    const l = 0.299 * (pixels[i] as number) + 0.587 * (pixels[i + 1] as number) + 0.114 * (pixels[i + 2] as number);
    y[i] = l;
    y[i + 1] = l;
    y[i + 2] = l;
  }
  return y;
}
