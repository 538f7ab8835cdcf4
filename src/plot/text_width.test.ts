/**
 * The width table is held to the font as it is drawn: text is rendered with DejaVu Sans by
 * librsvg (through sharp, as the charts and grids are) and its advance measured from the pixels.
 * The advance of s is ink("|s|") − ink("||"): the bars' own side bearings cancel out.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import { describe, expect, it } from 'vitest';
import { escapeMarkup } from './markup.js';
import { textWidth, truncateToWidth, useDejaVuTextMetrics, vegaTextWidth } from './text_width.js';

/** Horizontal extent in px of the dark pixels of `text` drawn in DejaVu Sans at `size` px. */
async function inkWidth(text: string, size: number, bold = false): Promise<number> {
  const width = Math.ceil(size * (1.2 * [...text].length + 2));
  const height = Math.ceil(size * 1.5);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${size}" y="${size * 1.1}" font-family="DejaVu Sans" font-size="${size}" font-weight="${bold ? 'bold' : 'normal'}" fill="#000" xml:space="preserve">${escapeMarkup(text)}</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  let left = Infinity;
  let right = -Infinity;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[y * info.width * info.channels + x * info.channels]! < 128) {
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  expect(right, `"${text}" drew no ink`).toBeGreaterThanOrEqual(left);
  return right - left + 1;
}

/** The advance width in px of `text` as librsvg draws it. */
async function drawnWidth(text: string, size: number, bold = false): Promise<number> {
  return (await inkWidth(`|${text}|`, size, bold)) - (await inkWidth('||', size, bold));
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

describe('DejaVu Sans text widths', () => {
  it.each([false, true])('every printable ASCII character is as wide as librsvg draws it (bold: %s)', async (bold) => {
    // One glyph between the bars (two of a kind may kern), large: hinting rounds an advance to a
    // whole pixel, 1/400 em here, and the ink edges add a pixel more.
    const size = 200;
    const off: string[] = [];
    for (const ch of PRINTABLE) {
      const drawn = (await drawnWidth(ch, size, bold)) / size;
      const table = textWidth(ch, 1, bold);
      if (Math.abs(drawn - table) > 0.0075) off.push(`${JSON.stringify(ch)}: table ${table}, drawn ${drawn.toFixed(4)} em`);
    }
    expect(off).toEqual([]);
  });

  it('a label is as wide as drawn, within kerning', async () => {
    for (const label of ['Color validation loss', 'Training and validation accuracy', 'black_jeans (n=30)']) {
      const drawn = await drawnWidth(label, 12 * 4);
      expect(Math.abs(textWidth(label, 12 * 4) - drawn) / drawn, label).toBeLessThan(0.015);
    }
  });

  it('a label truncated to a width limit fits it when drawn', async () => {
    const t = truncateToWidth('a very long subcaption indeed', 60, 12);
    expect(t.endsWith('\u2026')).toBe(true);
    expect(t.length).toBeGreaterThan(3);
    // Drawn 4x larger, so that a pixel of rounding is a quarter of a pixel at 12 px.
    expect(await drawnWidth(t, 48)).toBeLessThanOrEqual(60 * 4 + 1);
    expect(truncateToWidth('short', 60, 12)).toBe('short');
  });

  it('replaces only Vega\u2019s canvas-less 0.8 em estimate, idempotently, with widths as drawn', async () => {
    const tm = (vega as unknown as { textMetrics: { width: unknown; estimateWidth: (item: object, text: string) => number } }).textMetrics;
    const guess = tm.estimateWidth({ fontSize: 40 }, 'mm');
    expect(useDejaVuTextMetrics()).toBe(true);
    expect(useDejaVuTextMetrics()).toBe(true);
    expect(tm.width).toBe(vegaTextWidth);
    const drawn = await drawnWidth('mm', 40);
    expect(Math.abs(vegaTextWidth({ fontSize: 40 }, 'mm') - drawn)).toBeLessThanOrEqual(1);
    expect(Math.abs(guess - drawn)).toBeGreaterThan(5); // what Vega would have used
    expect(Math.abs(vegaTextWidth({ fontSize: 40, fontWeight: 'bold' }, 'm') - (await drawnWidth('m', 40, true)))).toBeLessThanOrEqual(1);
    expect(vegaTextWidth({ fontSize: 10, limit: 30 }, 'mmmmmmmm')).toBeLessThanOrEqual(30);
  });
});
