/**
 * Captioned prediction grid, after cell 20 of the 2018 notebook: one image per cell, 4 columns,
 * the predicted label ("black dress") as the title above each image. Heads predicted wrongly
 * are drawn in red with a ✗ marker. Composed with sharp; captions are SVG text overlays.
 */
import sharp from 'sharp';
import { GRID_DEFAULTS } from '../core/defaults.js';
import type { OverlayOptions, Sharp } from 'sharp';
import { fail } from '../core/errors.js';
import { escapeMarkup } from './markup.js';
import { textWidth, truncateToWidth } from './text_width.js';

export interface RawImage {
  /** Interleaved 8-bit pixels, row-major, `width * height * channels` bytes. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

export type GridImage = RawImage | { path: string };

export interface GridCell {
  image: GridImage;
  /**
   * Predicted label, one word per head ("black dress"). Pass an array when a head's value has
   * several words (["light blue", "dress"]): each element is then one head's part.
   */
  caption: string | string[];
  /** Per caption part (= head): true marks that head's prediction wrong (red, with a ✗). */
  wrong?: boolean[];
  /** Second, smaller line, e.g. "0.98 · 0.91" or "true: blue dress". */
  subcaption?: string;
}

export interface GridOptions {
  /** Columns (default 4, as the notebook). Fewer images than columns → one row of n. */
  columns?: number;
  /** Width of one cell in px, caption included (default 220). */
  cellWidth?: number;
  /** Height of one cell in px, caption included (default 300). */
  cellHeight?: number;
}

export { GRID_DEFAULTS };
/** Colour of wrongly predicted caption parts and of the frame around their image. */
export const WRONG_COLOR = '#d62728';
const TEXT_COLOR = '#222222';
const SUB_COLOR = '#555555';
const FONT = "'DejaVu Sans', Verdana, sans-serif";
const MARKER = '\u2717'; // ✗ (present in DejaVu Sans)
const PAD = 8;
const CAPTION_SIZE = 16;
const SUB_SIZE = 12;
const MIN_FONT = 8;

export interface GridLayout {
  columns: number;
  rows: number;
  cellWidth: number;
  cellHeight: number;
  width: number;
  height: number;
  /** Height of the caption band at the top of every cell. */
  captionBand: number;
  /** The box inside a cell where the image is fitted (relative to the cell). */
  imageBox: { left: number; top: number; width: number; height: number };
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) fail('E_ARGS', `${name} must be an integer >= ${min}, got ${String(v)}.`);
  return v;
}

/** Grid geometry for `n` cells. Pure. */
export function gridLayout(n: number, opts: GridOptions = {}, withSubcaption = false): GridLayout {
  if (!Number.isInteger(n) || n < 1) fail('E_ARGS', `renderPredictionGrid needs at least one cell, got ${String(n)}.`);
  const cols = positiveInt('columns', opts.columns, GRID_DEFAULTS.columns);
  const cellWidth = positiveInt('cellWidth', opts.cellWidth, GRID_DEFAULTS.cellWidth, 2 * PAD + 16);
  const captionBand = PAD + Math.round(CAPTION_SIZE * 1.35) + (withSubcaption ? Math.round(SUB_SIZE * 1.45) : 0) + 4;
  const cellHeight = positiveInt('cellHeight', opts.cellHeight, GRID_DEFAULTS.cellHeight, captionBand + PAD + 20);
  const columns = Math.min(cols, n);
  const rows = Math.ceil(n / columns);
  return {
    columns,
    rows,
    cellWidth,
    cellHeight,
    width: columns * cellWidth,
    height: rows * cellHeight,
    captionBand,
    imageBox: { left: PAD, top: captionBand, width: cellWidth - 2 * PAD, height: cellHeight - captionBand - PAD - 4 },
  };
}

/** Escape text for SVG/XML content and attributes: the one escape function, `escapeMarkup` (./markup.ts), under its old name here. */
export const escapeXml: (text: string) => string = escapeMarkup;

/** Caption split into per-head parts. */
export function captionParts(caption: string | string[]): string[] {
  const parts = Array.isArray(caption) ? caption.map(String) : String(caption).trim().split(/\s+/);
  return parts.filter((p) => p.length > 0);
}

/** Largest font size <= `size` (and >= MIN_FONT) at which `text` fits `maxWidth`. */
function fitFont(text: string, bold: boolean, maxWidth: number, size: number): number {
  const atOne = textWidth(text, 1, bold);
  if (atOne <= 0) return size;
  return Math.max(MIN_FONT, Math.min(size, Math.floor((maxWidth / atOne) * 10) / 10));
}

/**
 * SVG overlay for one cell (cell-sized, white background): caption parts, wrong parts in red
 * with a ✗, the optional subcaption, and a red frame around the image box when any head is
 * wrong. `imageRect` (relative to the cell) is where the fitted image lands; the frame hugs it
 * (default: the whole image box). Pure; all text is XML-escaped.
 */
export function cellOverlaySvg(
  cell: GridCell,
  layout: GridLayout,
  imageRect: { left: number; top: number; width: number; height: number } = layout.imageBox,
): string {
  const { cellWidth: w, cellHeight: h } = layout;
  const box = imageRect;
  const parts = captionParts(cell.caption);
  const wrong = cell.wrong ?? [];
  if (wrong.length > parts.length) {
    fail(
      'E_ARGS',
      `caption "${parts.join(' ')}" has ${parts.length} part(s) but wrong has ${wrong.length} flags. ` +
        'Give one flag per head; pass caption as an array (["light blue", "dress"]) when a head value has several words.',
    );
  }
  const maxText = w - 2 * PAD - 4; // a little slack for glyphs outside the ASCII width table
  const shown = parts.map((p, i) => (wrong[i] === true ? `${p} ${MARKER}` : p));
  const size = fitFont(shown.join(' '), true, maxText, CAPTION_SIZE);
  const baseline = PAD + Math.round(CAPTION_SIZE * 1.0);
  // Separators sit outside the coloured spans so the underline covers only the wrong word.
  const spans = shown
    .map((p, i) => {
      const sep = i > 0 ? '<tspan> </tspan>' : '';
      return wrong[i] === true
        ? `${sep}<tspan fill="${WRONG_COLOR}" font-weight="bold" text-decoration="underline">${escapeXml(p)}</tspan>`
        : `${sep}<tspan fill="${TEXT_COLOR}">${escapeXml(p)}</tspan>`;
    })
    .join('');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`,
    `<text x="${w / 2}" y="${baseline}" text-anchor="middle" font-family="${FONT}" font-size="${size}" font-weight="bold" xml:space="preserve">${spans}</text>`,
  ];
  if (cell.subcaption !== undefined && cell.subcaption !== '') {
    const sub = truncateToWidth(cell.subcaption, maxText, SUB_SIZE);
    const subY = baseline + Math.round(SUB_SIZE * 1.45);
    out.push(
      `<text x="${w / 2}" y="${subY}" text-anchor="middle" font-family="${FONT}" font-size="${SUB_SIZE}" fill="${SUB_COLOR}">${escapeXml(sub)}</text>`,
    );
  }
  if (wrong.some((x) => x === true)) {
    out.push(
      `<rect x="${box.left - 3}" y="${box.top - 3}" width="${box.width + 6}" height="${box.height + 6}" fill="none" stroke="${WRONG_COLOR}" stroke-width="2"/>`,
    );
  }
  out.push('</svg>');
  return out.join('');
}

function isRaw(img: GridImage): img is RawImage {
  return (img as RawImage).data !== undefined;
}

/** Decode, flatten onto white and fit (keeping aspect ratio) into the image box. */
async function fittedImage(img: GridImage, index: number, box: GridLayout['imageBox']): Promise<{ png: Buffer; width: number; height: number }> {
  let s: Sharp;
  if (isRaw(img)) {
    const { data, width, height, channels } = img;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || (channels !== 3 && channels !== 4)) {
      fail('E_ARGS', `cell ${index}: image must have integer width/height >= 1 and channels 3 or 4, got ${width}x${height}x${String(channels)}.`);
    }
    if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
      fail(
        'E_ARGS',
        `cell ${index}: image data has ${data?.length ?? 'no'} bytes, expected ${width}*${height}*${channels} = ${width * height * channels} (8-bit interleaved).`,
      );
    }
    s = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } });
  } else {
    s = sharp(img.path).rotate();
  }
  try {
    const { data, info } = await s
      .flatten({ background: '#ffffff' })
      .resize(box.width, box.height, { fit: 'inside' })
      .png()
      .toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height };
  } catch (err) {
    const what = isRaw(img) ? 'raw pixels' : `"${img.path}"`;
    fail('E_IMAGE_DECODE', `cell ${index}: could not decode ${what}: ${(err as Error).message}. Use a JPEG/PNG/WebP file or raw 8-bit RGB(A).`, err);
  }
}

/** Render the captioned prediction grid to PNG. */
export async function renderPredictionGrid(cells: GridCell[], opts: GridOptions = {}): Promise<Buffer> {
  if (!Array.isArray(cells) || cells.length === 0) fail('E_ARGS', 'renderPredictionGrid needs at least one cell, got none.');
  const withSub = cells.some((c) => c.subcaption !== undefined && c.subcaption !== '');
  const layout = gridLayout(cells.length, opts, withSub);
  const box = layout.imageBox;
  const images = await Promise.all(cells.map((c, i) => fittedImage(c.image, i, box)));
  const composites: OverlayOptions[] = [];
  cells.forEach((cell, i) => {
    const left = (i % layout.columns) * layout.cellWidth;
    const top = Math.floor(i / layout.columns) * layout.cellHeight;
    const img = images[i]!;
    const rect = {
      left: box.left + Math.floor((box.width - img.width) / 2),
      top: box.top + Math.floor((box.height - img.height) / 2),
      width: img.width,
      height: img.height,
    };
    composites.push({ input: Buffer.from(cellOverlaySvg(cell, layout, rect)), left, top });
    composites.push({ input: img.png, left: left + rect.left, top: top + rect.top });
  });
  return sharp({ create: { width: layout.width, height: layout.height, channels: 3, background: '#ffffff' } })
    .composite(composites)
    .png()
    .toBuffer();
}
