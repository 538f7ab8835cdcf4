/**
 * Decoding one image file into 8-bit RGB pixels at the network's input size (HWC, row-major).
 *
 * What happens, in order (all in libvips through sharp, streaming, so a 6000-pixel-wide photo
 * never sits in memory as a full-size float array):
 *   1. The format is sniffed from the file's bytes; the extension is never consulted, so a PNG
 *      named .jpg decodes. Only the first frame of a GIF / animated WebP is read.
 *   2. EXIF orientation is applied (`rotate()`). Keras' `load_img` (PIL) does NOT do this; a
 *      phone photo stored sideways is sideways in Keras and upright here. Deliberate difference.
 *   3. Alpha (RGBA, grey+alpha, palette with transparency) is composited onto WHITE. Keras/PIL's
 *      `convert('RGB')` instead drops the alpha channel, exposing whatever colour the transparent
 *      pixels store (often black). Product shots on transparent backgrounds look like product
 *      shots on white here. Deliberate difference.
 *   4. Grayscale, CMYK, 16-bit and palette images become 8-bit sRGB.
 *   5. Resized to exactly height × width, ignoring aspect ratio, as `load_img(target_size=…)`
 *      does. Kernels: nearest (Keras' default, as in the notebook), bilinear, bicubic, lanczos
 *      (libvips' kernels — close to, not bit-identical with, PIL's), and area (a box filter over
 *      each output pixel's footprint, computed here from the full-size decode of that one image).
 * Files that cannot be decoded throw E_IMAGE_DECODE naming the file and sharp's reason (an
 * empty file says so, rather than sharp's "unsupported image format"). BMP is not an image
 * extension here: sharp's libvips has no BMP loader (manifest.ts lists .bmp files as
 * unsupported_format; check.ts also finds BMP content under another name).
 */
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { BranchnetError, fail } from '../core/errors.js';
import { INTERPOLATIONS, type Interpolation } from '../core/defaults.js';

export { INTERPOLATIONS, type Interpolation };
import { areaResize } from './resize.js';

// Moved to ./resize.ts (shared with the browser page); re-exported for existing importers.
export { areaResize };



export interface DecodeOptions {
  height: number;
  width: number;
  /** Resize kernel; default 'nearest' (Keras 2.1 `load_img` default). */
  interpolation?: Interpolation;
  /**
   * Refuse images with more pixels than this (decompression-bomb guard). Default 268402689
   * (16383 × 16383), so photos several thousand pixels wide are fine.
   */
  limitInputPixels?: number;
  /**
   * Let libjpeg/libwebp decode big images at 1/2, 1/4 or 1/8 scale before resizing. Faster, but
   * that pre-shrink averages pixels, so 'nearest' no longer picks single source pixels.
   * Default false (faithful to load_img, which decodes at full size).
   */
  fastShrinkOnLoad?: boolean;
  /** What error messages call the image; default the file path (or "image" for bytes). */
  name?: string;
}

export interface DecodedImage {
  /** HWC, RGB, 8-bit; length height × width × 3. */
  data: Uint8Array;
  height: number;
  width: number;
}

export const DEFAULT_LIMIT_INPUT_PIXELS = 0x3fff * 0x3fff;

const KERNELS = {
  nearest: 'nearest',
  bilinear: 'linear',
  bicubic: 'cubic',
  lanczos: 'lanczos3',
} as const;

const WHITE = { r: 255, g: 255, b: 255 };

/** Decode a file, or an image's bytes (an upload), into RGB pixels at height x width. */
export async function decodeImage(input: string | Uint8Array, opts: DecodeOptions): Promise<DecodedImage> {
  const { height, width } = opts;
  const file = opts.name ?? (typeof input === 'string' ? input : 'image');
  const interpolation = opts.interpolation ?? 'nearest';
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    fail('E_CONFIG', `image size ${height}x${width} is not valid; height and width must be positive integers, e.g. 160x128`);
  }
  if (!INTERPOLATIONS.includes(interpolation)) {
    fail('E_CONFIG', `interpolation "${String(interpolation)}" is unknown; use one of ${INTERPOLATIONS.join(', ')}`);
  }
  try {
    const pipeline = sharp(input, {
      failOn: 'error', // corrupt or truncated data throws; harmless warnings (odd markers) don't
      limitInputPixels: opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
      pages: 1,
      page: 0,
      sequentialRead: true,
    })
      .rotate()
      .flatten({ background: WHITE })
      .toColourspace('srgb');

    if (interpolation !== 'area') {
      pipeline.resize(width, height, {
        fit: 'fill',
        kernel: KERNELS[interpolation],
        fastShrinkOnLoad: opts.fastShrinkOnLoad ?? false,
      });
    }
    const { data, info } = await pipeline
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });

    const rgb = toRgb(data, info.width * info.height, info.channels);
    if (interpolation === 'area') {
      return { data: areaResize(rgb, info.height, info.width, height, width), height, width };
    }
    if (info.width !== width || info.height !== height) {
      throw new Error(`resized to ${info.width}x${info.height} instead of ${width}x${height}`);
    }
    return { data: rgb, height, width };
  } catch (cause) {
    if (cause instanceof BranchnetError) throw cause;
    if (await isEmptyFile(file)) {
      return fail('E_IMAGE_DECODE', `${file}: the file is empty (0 bytes); copy the image again or remove it`, cause);
    }
    const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]?.trim() || 'unknown error';
    return fail(
      'E_IMAGE_DECODE',
      `${file}: cannot decode as an image (${reason}); expected JPEG, PNG, GIF, WebP, TIFF, AVIF; remove or replace the file`,
      cause,
    );
  }
}

async function isEmptyFile(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile() && s.size === 0, () => false);
}

/** Copy into a fresh Uint8Array with exactly 3 channels (sharp normally already gives 3). */
function toRgb(data: Buffer, pixels: number, channels: number): Uint8Array {
  if (channels === 3) return new Uint8Array(data);
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    if (channels < 3) {
      const v = data[p * channels] as number;
      out[p * 3] = v;
      out[p * 3 + 1] = v;
      out[p * 3 + 2] = v;
    } else {
      out[p * 3] = data[p * channels] as number;
      out[p * 3 + 1] = data[p * channels + 1] as number;
      out[p * 3 + 2] = data[p * channels + 2] as number;
    }
  }
  return out;
}
