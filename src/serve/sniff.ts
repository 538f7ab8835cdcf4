/**
 * What an uploaded body is, from its bytes: the image format from its magic numbers (never from
 * a file name or a Content-Type, which the client chooses), and its pixel count from its header
 * alone (sharp's metadata() parses the header without decoding), so a decompression bomb, a
 * small file declaring 20000x20000 pixels, is refused before any pixel buffer exists.
 */
import sharp from 'sharp';
import { fail } from '../index.js';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif';

const ascii = (b: Uint8Array, start: number, end: number) => String.fromCharCode(...b.subarray(start, end));

/** The image format its first bytes announce, or null. The formats are those sharp decodes here. */
export function sniffImageFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 4) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a))) return 'tiff';
  // ISO-BMFF: [size]ftyp<brand>; AVIF's brands only (HEIC needs a decoder sharp's prebuilt lacks).
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(b, 8, 12))) return 'avif';
  return null;
}

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * Check an uploaded image before decoding it: its bytes must be an image (E_NOT_IMAGE), its
 * header readable (E_IMAGE_DECODE) and declare at most `maxPixels` pixels (E_TOO_MANY_PIXELS).
 * @example await checkImage(body, { name: 'upload.png', maxPixels: 50e6 }) // { format: 'png', width: 640, height: 480 }
 */
export async function checkImage(b: Uint8Array, opts: { name: string; maxPixels: number }): Promise<ImageHeader> {
  const format = sniffImageFormat(b);
  if (!format) {
    const head = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
    fail('E_NOT_IMAGE', `${opts.name}: not an image (first bytes ${head || 'none'}); expected JPEG, PNG, GIF, WebP, TIFF or AVIF data, whatever the Content-Type or file name say`);
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    // limitInputPixels: false, so the header of a bomb is read and we can say how big it claims to be.
    ({ width, height } = await sharp(b, { limitInputPixels: false }).metadata());
  } catch (e) {
    fail('E_IMAGE_DECODE', `${opts.name}: ${format} header cannot be read (${(e as Error).message.split('\n')[0]}); the file is truncated or corrupt`);
  }
  if (!width || !height) fail('E_IMAGE_DECODE', `${opts.name}: ${format} header declares no size; the file is truncated or corrupt`);
  if (width * height > opts.maxPixels) {
    fail('E_TOO_MANY_PIXELS', `${opts.name}: ${width}x${height} = ${width * height} pixels is more than ${opts.maxPixels} (--max-pixels); resize the image before sending it`);
  }
  return { format, width, height };
}
