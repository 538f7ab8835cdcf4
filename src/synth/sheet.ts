/**
 * Contact sheet: a grid of generated images, one row per colour/type combination, with labels
 * rendered by sharp from an SVG overlay, so a person can see what the generator makes.
 */
import sharp, { type OverlayOptions } from 'sharp';

export interface SheetRow {
  label: string;
  /** Second label line, e.g. "train + test" or "test only (unseen)". */
  note?: string;
  tiles: { rgb: Buffer; width: number; height: number }[];
}

const LABEL_W = 132;
const GAP = 4;
const HEADER = 30;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders rows of tiles (all the same size) into one PNG. */
export async function renderSheet(rows: readonly SheetRow[], title: string): Promise<Buffer> {
  const first = rows.find((r) => r.tiles.length > 0)?.tiles[0];
  const tw = first?.width ?? 128;
  const th = first?.height ?? 160;
  const cols = Math.max(1, ...rows.map((r) => r.tiles.length));
  const width = LABEL_W + cols * (tw + GAP) + GAP;
  const height = HEADER + rows.length * (th + GAP) + GAP;
  const composites: OverlayOptions[] = [];
  const texts: string[] = [];
  texts.push(`<text x="${GAP + 4}" y="20" font-family="DejaVu Sans" font-size="15" font-weight="bold" fill="#222">${esc(title)}</text>`);
  rows.forEach((row, r) => {
    const y = HEADER + r * (th + GAP);
    texts.push(`<text x="8" y="${y + th / 2 - 4}" font-family="DejaVu Sans" font-size="14" font-weight="bold" fill="#111">${esc(row.label)}</text>`);
    if (row.note) texts.push(`<text x="8" y="${y + th / 2 + 14}" font-family="DejaVu Sans" font-size="11" fill="#555">${esc(row.note)}</text>`);
    row.tiles.forEach((t, c) => {
      composites.push({ input: t.rgb, raw: { width: t.width, height: t.height, channels: 3 }, left: LABEL_W + c * (tw + GAP), top: y });
    });
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${texts.join('')}</svg>`;
  composites.push({ input: Buffer.from(svg), left: 0, top: 0 });
  return sharp({ create: { width, height, channels: 3, background: { r: 250, g: 250, b: 250 } } })
    .composite(composites)
    .png({ compressionLevel: 6 })
    .toBuffer();
}
